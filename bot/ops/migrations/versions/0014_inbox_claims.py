"""inbox claims: a worker running a message's turn holds it in the database,
so that a second worker cannot run it too when the queue's locks are lost
(Redis restarted empty)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 12:55:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("inbox_messages") as batch:
        batch.add_column(sa.Column("claimed_until", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("inbox_messages") as batch:
        batch.drop_column("claimed_until")
