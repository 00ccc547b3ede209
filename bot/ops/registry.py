"""The model registry: which trained model is live, which were refused, and
the retraining runs (tables in `bot.ops.model_rows`).

The registry, not the newest file in models/, says what Rasa serves: `make run`
starts Rasa on the live version (`live_model_path`), promotion and rollback
move the `live` mark in one transaction, so at most one version is live.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import select, update

from bot.club.database import session_scope
from bot.ops.model_rows import ModelVersion, TrainingRun


def live(url: str) -> ModelVersion | None:
    with session_scope(url) as session:
        query = select(ModelVersion).where(ModelVersion.state == "live")
        return session.scalars(query).first()


def live_model_path(url: str, model_dir: Path) -> Path | None:
    """The live model's file, when one was promoted and the file is still there."""
    found = live(url)
    if found is None or not (model_dir / found.file_name).is_file():
        return None
    return model_dir / found.file_name


def version(url: str, version_id: int) -> ModelVersion | None:
    with session_scope(url) as session:
        return session.get(ModelVersion, version_id)


def versions(url: str, limit: int = 30) -> list[ModelVersion]:
    """Newest first."""
    with session_scope(url) as session:
        query = select(ModelVersion).order_by(ModelVersion.id.desc()).limit(limit)
        return list(session.scalars(query))


def add_candidate(url: str, file_name: str, fingerprint: str, by: str) -> int:
    """A newly trained model; the same file trained again reuses its row
    (a live one stays live)."""
    with session_scope(url) as session, session.begin():
        query = select(ModelVersion).where(ModelVersion.file_name == file_name)
        row = session.scalars(query).first()
        if row is None:
            row = ModelVersion(file_name=file_name, fingerprint=fingerprint)
            session.add(row)
        if row.state != "live":
            row.state, row.refusal = "candidate", None
        row.trained_by, row.created_at = by, datetime.utcnow()
        session.flush()
        return row.id


def record_evaluation(
    url: str, version_id: int, evaluation: str, refusal: str | None
) -> None:
    """The evaluation (JSON) and the reason promotion is refused, if it is."""
    with session_scope(url) as session, session.begin():
        row = session.get(ModelVersion, version_id)
        row.evaluation, row.refusal = evaluation, refusal
        if row.state != "live":
            row.state = "refused" if refusal else "candidate"


def mark_live(url: str, version_id: int, by: str) -> None:
    """This version is now the one Rasa serves; the previous live one retires."""
    with session_scope(url) as session, session.begin():
        session.execute(
            update(ModelVersion)
            .where(ModelVersion.state == "live", ModelVersion.id != version_id)
            .values(state="retired")
        )
        row = session.get(ModelVersion, version_id)
        row.state, row.promoted_at, row.promoted_by = "live", datetime.utcnow(), by


def start_run(url: str, by: str) -> int:
    with session_scope(url) as session, session.begin():
        run = TrainingRun(started_by=by, state="running", step="starting")
        session.add(run)
        session.flush()
        return run.id


def update_run(url: str, run_id: int, **values: object) -> None:
    """Set columns of a run (step, log_path, model_version_id...)."""
    with session_scope(url) as session, session.begin():
        run = session.get(TrainingRun, run_id)
        for name, value in values.items():
            setattr(run, name, value)


def finish_run(
    url: str, run_id: int, version_id: int | None = None, error: str | None = None
) -> None:
    update_run(
        url,
        run_id,
        state="failed" if error else "succeeded",
        step="failed" if error else "done",
        finished_at=datetime.utcnow(),
        model_version_id=version_id,
        error=error,
    )


def run(url: str, run_id: int) -> TrainingRun | None:
    with session_scope(url) as session:
        return session.get(TrainingRun, run_id)


def running_runs(url: str) -> list[TrainingRun]:
    with session_scope(url) as session:
        query = select(TrainingRun).where(TrainingRun.state == "running")
        return list(session.scalars(query.order_by(TrainingRun.id)))


def latest_run(url: str) -> TrainingRun | None:
    with session_scope(url) as session:
        query = select(TrainingRun).order_by(TrainingRun.id.desc()).limit(1)
        return session.scalars(query).first()
