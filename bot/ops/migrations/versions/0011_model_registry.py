"""model registry: model versions and training runs

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 19:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "model_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("trained_by", sa.String(length=100), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("evaluation", sa.Text(), nullable=True),
        sa.Column("refusal", sa.Text(), nullable=True),
        sa.Column("promoted_at", sa.DateTime(), nullable=True),
        sa.Column("promoted_by", sa.String(length=100), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.CheckConstraint(
            "state IN ('candidate', 'live', 'refused', 'retired')",
            name="ck_model_version_state",
        ),
    )
    op.create_index("ix_model_versions_state", "model_versions", ["state"])
    op.create_table(
        "training_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("started_by", sa.String(length=100), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("step", sa.String(length=20), nullable=False),
        sa.Column("log_path", sa.String(length=500), nullable=True),
        sa.Column("model_version_id", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["model_version_id"], ["model_versions.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.CheckConstraint(
            "state IN ('running', 'succeeded', 'failed')",
            name="ck_training_run_state",
        ),
    )
    op.create_index("ix_training_runs_state", "training_runs", ["state"])


def downgrade() -> None:
    op.drop_index("ix_training_runs_state", table_name="training_runs")
    op.drop_table("training_runs")
    op.drop_index("ix_model_versions_state", table_name="model_versions")
    op.drop_table("model_versions")
