"""console: the copy of Rasa's events, conversation summaries, the NLU inbox

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 18:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "copied_events",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("conversation_id", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("intent", sa.String(length=100), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("ranking", sa.Text(), nullable=True),
        sa.Column("action", sa.String(length=100), nullable=True),
        sa.Column("fell_back", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_copied_events_conversation", "copied_events", ["conversation_id", "id"]
    )
    op.create_index("ix_copied_events_at", "copied_events", ["at"])
    op.create_table(
        "conversation_summaries",
        sa.Column("conversation_id", sa.String(length=255), nullable=False),
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("first_at", sa.DateTime(), nullable=False),
        sa.Column("last_at", sa.DateTime(), nullable=False),
        sa.Column("user_messages", sa.Integer(), nullable=False),
        sa.Column("fallbacks", sa.Integer(), nullable=False),
        sa.Column("low_confidence", sa.Integer(), nullable=False),
        sa.Column("review_state", sa.String(length=10), nullable=False),
        sa.PrimaryKeyConstraint("conversation_id"),
        sa.CheckConstraint(
            "review_state IN ('new', 'reviewed', 'later')", name="ck_review_state"
        ),
    )
    op.create_index(
        "ix_conversation_summaries_last_at", "conversation_summaries", ["last_at"]
    )
    op.create_table(
        "event_copy_state",
        sa.Column("source", sa.String(length=50), nullable=False),
        sa.Column("last_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("source"),
    )
    op.create_table(
        "inbox_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=500), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("reasons", sa.String(length=100), nullable=False),
        sa.Column("ranking", sa.Text(), nullable=True),
        sa.Column("previous_bot", sa.Text(), nullable=True),
        sa.Column("conversation_id", sa.String(length=255), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("first_at", sa.DateTime(), nullable=False),
        sa.Column("last_at", sa.DateTime(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("intent", sa.String(length=100), nullable=True),
        sa.Column("labelled_by", sa.String(length=100), nullable=True),
        sa.Column("labelled_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key", name="uq_inbox_items_key"),
        sa.CheckConstraint(
            "state IN ('new', 'labelled', 'noise', 'later', 'trained')",
            name="ck_inbox_state",
        ),
    )
    op.create_index("ix_inbox_items_state", "inbox_items", ["state", "last_at"])


def downgrade() -> None:
    op.drop_table("inbox_items")
    op.drop_table("event_copy_state")
    op.drop_table("conversation_summaries")
    op.drop_table("copied_events")
