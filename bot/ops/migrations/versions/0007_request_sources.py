"""who asked: the source of registrations, sponsor requests and handoffs

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 16:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TABLES = {
    "volunteer_registrations": "ix_volunteer_registrations_source",
    "sponsor_requests": "ix_sponsor_requests_source",
    "handoff_tickets": "ix_handoff_tickets_source",
}


def upgrade() -> None:
    for table, index in TABLES.items():
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("source", sa.String(length=200), nullable=True))
            batch.create_index(index, ["source"])


def downgrade() -> None:
    for table, index in TABLES.items():
        with op.batch_alter_table(table) as batch:
            batch.drop_index(index)
            batch.drop_column("source")
