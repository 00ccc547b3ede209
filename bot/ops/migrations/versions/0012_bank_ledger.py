"""bank ledger: imported statements, their transactions, remembered payers,
the bank feed's rows (no statement; source, feed_id) and thank-yous owed

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 19:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bank_statements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bank", sa.String(length=10), nullable=False),
        sa.Column("account", sa.String(length=40), nullable=False),
        sa.Column("file_name", sa.String(length=300), nullable=False),
        sa.Column("first_date", sa.Date(), nullable=False),
        sa.Column("last_date", sa.Date(), nullable=False),
        sa.Column("opening", sa.Integer(), nullable=True),
        sa.Column("closing", sa.Integer(), nullable=True),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("new_rows", sa.Integer(), nullable=False),
        sa.Column("gap", sa.Text(), nullable=False),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_bank_statements_account", "bank_statements", ["account", "last_date"]
    )
    op.create_table(
        "bank_transactions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("statement_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("feed_id", sa.String(length=60), nullable=True),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("balance", sa.Integer(), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("counter_account", sa.String(length=40), nullable=False),
        sa.Column("counter_name", sa.String(length=200), nullable=False),
        sa.Column("payer", sa.String(length=250), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("confidence", sa.String(length=10), nullable=False),
        sa.Column("matched_by", sa.String(length=10), nullable=True),
        sa.Column("why", sa.String(length=300), nullable=False),
        sa.Column("fund_id", sa.Integer(), nullable=True),
        sa.Column("sponsor_id", sa.Integer(), nullable=True),
        sa.Column("child_id", sa.Integer(), nullable=True),
        sa.Column("donation_id", sa.Integer(), nullable=True),
        sa.Column("expense_id", sa.Integer(), nullable=True),
        sa.Column("assigned_by", sa.String(length=100), nullable=True),
        sa.Column("assigned_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["statement_id"], ["bank_statements.id"]),
        sa.ForeignKeyConstraint(["fund_id"], ["funds.id"]),
        sa.ForeignKeyConstraint(["sponsor_id"], ["sponsors.id"]),
        sa.ForeignKeyConstraint(["child_id"], ["children.id"]),
        sa.ForeignKeyConstraint(["donation_id"], ["donations.id"]),
        sa.ForeignKeyConstraint(["expense_id"], ["expenses.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
        sa.UniqueConstraint("feed_id"),
        sa.CheckConstraint(
            "state IN ('booked', 'review')", name="ck_bank_transaction_state"
        ),
        sa.CheckConstraint(
            "confidence IN ('high', 'medium', 'low', 'none')",
            name="ck_bank_transaction_confidence",
        ),
        sa.CheckConstraint(
            "source IN ('statement', 'sepay', 'casso')",
            name="ck_bank_transaction_source",
        ),
    )
    op.create_index(
        "ix_bank_transactions_state", "bank_transactions", ["state", "date"]
    )
    op.create_index("ix_bank_transactions_payer", "bank_transactions", ["payer"])
    op.create_table(
        "payer_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("payer", sa.String(length=250), nullable=False),
        sa.Column("fund_id", sa.Integer(), nullable=False),
        sa.Column("sponsor_id", sa.Integer(), nullable=True),
        sa.Column("child_id", sa.Integer(), nullable=True),
        sa.Column("set_by", sa.String(length=100), nullable=False),
        sa.Column("set_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["fund_id"], ["funds.id"]),
        sa.ForeignKeyConstraint(["sponsor_id"], ["sponsors.id"]),
        sa.ForeignKeyConstraint(["child_id"], ["children.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("payer"),
    )
    op.create_table(
        "transfer_thanks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("transaction_id", sa.Integer(), nullable=False),
        sa.Column("sponsor_id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["transaction_id"], ["bank_transactions.id"]),
        sa.ForeignKeyConstraint(["sponsor_id"], ["sponsors.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "transaction_id", "conversation_id", name="uq_thanks_transaction_account"
        ),
        sa.CheckConstraint(
            "status IN ('held', 'sent', 'expired')", name="ck_transfer_thanks_status"
        ),
    )
    op.create_index(
        "ix_transfer_thanks_conversation",
        "transfer_thanks",
        ["conversation_id", "status"],
    )


def downgrade() -> None:
    op.drop_index("ix_transfer_thanks_conversation", table_name="transfer_thanks")
    op.drop_table("transfer_thanks")
    op.drop_table("payer_rules")
    op.drop_index("ix_bank_transactions_payer", table_name="bank_transactions")
    op.drop_index("ix_bank_transactions_state", table_name="bank_transactions")
    op.drop_table("bank_transactions")
    op.drop_index("ix_bank_statements_account", table_name="bank_statements")
    op.drop_table("bank_statements")
