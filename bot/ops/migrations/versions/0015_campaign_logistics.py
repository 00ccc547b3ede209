"""campaign logistics: where volunteers meet, how they travel, sleep and eat
(asked as often as the dates: "có xe đưa đón không", "ngủ ở đâu ạ")

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 23:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("campaigns") as batch:
        batch.add_column(
            sa.Column("logistics", sa.Text(), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("campaigns") as batch:
        batch.drop_column("logistics")
