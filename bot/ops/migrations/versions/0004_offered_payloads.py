"""offered button payloads: a typed "/intent" reaches Rasa only when offered

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 16:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "offered_payloads",
        sa.Column("conversation_id", sa.String(length=200), nullable=False),
        sa.Column("payload", sa.String(length=1000), nullable=False),
        sa.Column("offered_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("conversation_id", "payload"),
    )


def downgrade() -> None:
    op.drop_table("offered_payloads")
