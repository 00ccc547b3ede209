"""expense categories: the category of a booked expense, and the one a bank
debit waits with (the guess from its description, until staff decide)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 23:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

TABLES = ("expenses", "bank_transactions")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("category", sa.String(length=40), nullable=True))


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("category")
