"""Tables of the model registry (migration 0011): every model staff trained or
served, and every retraining run (`bot.ops.registry` reads and writes them)."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, ForeignKey, Index, Integer, String, Text

from bot.club.models import Base, utcnow
from bot.club.vocab import status_check

VERSION_STATES = ("candidate", "live", "refused", "retired")
RUN_STATES = ("running", "succeeded", "failed")
RUN_STEPS = ("starting", "training", "evaluating", "done", "failed")


class ModelVersion(Base):
    """One trained model file; at most one is `live` (the one Rasa serves)."""

    __tablename__ = "model_versions"

    id = Column(Integer, primary_key=True)
    file_name = Column(String(255), nullable=False)  # in settings.model_dir
    fingerprint = Column(String(64), nullable=False)
    created_at = Column(DateTime, nullable=False, default=utcnow)
    trained_by = Column(String(100), nullable=False)
    state = Column(String(10), nullable=False, default="candidate")
    evaluation = Column(Text)  # JSON, bot.ops.evaluation.Evaluation.as_dict()
    refusal = Column(Text)  # why promotion is refused, in Vietnamese
    promoted_at = Column(DateTime)
    promoted_by = Column(String(100))

    __table_args__ = (
        Index("ix_model_versions_state", "state"),
        status_check("state", VERSION_STATES, "ck_model_version_state"),
    )


class TrainingRun(Base):
    """One `python -m bot retrain` job, with the step it is at."""

    __tablename__ = "training_runs"

    id = Column(Integer, primary_key=True)
    started_by = Column(String(100), nullable=False)
    started_at = Column(DateTime, nullable=False, default=utcnow)
    finished_at = Column(DateTime)
    state = Column(String(10), nullable=False, default="running")
    step = Column(String(20), nullable=False, default="starting")
    log_path = Column(String(500))
    model_version_id = Column(Integer, ForeignKey("model_versions.id"))
    error = Column(Text)

    __table_args__ = (
        Index("ix_training_runs_state", "state"),
        status_check("state", RUN_STATES, "ck_training_run_state"),
    )
