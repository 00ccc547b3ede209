"""demo data marker: which rows came from data/seed/

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 16:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "demo_data",
        sa.Column("table_name", sa.String(length=50), nullable=False),
        sa.Column("max_id", sa.Integer(), nullable=False),
        sa.Column("loaded_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("table_name"),
    )


def downgrade() -> None:
    op.drop_table("demo_data")
