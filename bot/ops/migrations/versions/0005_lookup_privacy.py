"""look-up privacy: failures per code and source, link freshness, link requests

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 16:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("lookup_attempts") as batch:
        batch.add_column(sa.Column("child_code", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("source", sa.String(length=200), nullable=True))
        batch.add_column(
            sa.Column(
                "cleared", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
        batch.create_index("ix_lookup_code_time", ["child_code", "created_at"])
        batch.create_index("ix_lookup_source_time", ["source", "created_at"])
        batch.create_index("ix_lookup_time", ["created_at"])
    with op.batch_alter_table("sponsors") as batch:
        batch.add_column(
            sa.Column("messenger_verified_at", sa.DateTime(), nullable=True)
        )
        batch.add_column(sa.Column("zalo_verified_at", sa.DateTime(), nullable=True))
    op.create_table(
        "link_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sponsor_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("user_id", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decided_by", sa.String(length=100), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'approved', 'rejected')",
            name="ck_link_request_status",
        ),
        sa.ForeignKeyConstraint(["sponsor_id"], ["sponsors.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_link_request_account", "link_requests", ["platform", "user_id"])


def downgrade() -> None:
    op.drop_index("ix_link_request_account", table_name="link_requests")
    op.drop_table("link_requests")
    with op.batch_alter_table("sponsors") as batch:
        batch.drop_column("zalo_verified_at")
        batch.drop_column("messenger_verified_at")
    with op.batch_alter_table("lookup_attempts") as batch:
        batch.drop_index("ix_lookup_time")
        batch.drop_index("ix_lookup_source_time")
        batch.drop_index("ix_lookup_code_time")
        batch.drop_column("cleared")
        batch.drop_column("source")
        batch.drop_column("child_code")
