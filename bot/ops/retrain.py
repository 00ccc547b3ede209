"""The retraining job: train a candidate, evaluate it against the live model,
record both in the registry. One job at a time, always in its own process.

`python -m bot retrain` runs it in the foreground; the console starts the same
command detached (`start_detached`), its output in var/log/retrain-<run>.log,
so the serving Rasa and the bridge never train or load models themselves.
A file lock (var/retrain.lock) held for the job's whole life is what makes it
one at a time; the `training_runs` row is what the page shows.
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

from bot.ops import registry
from bot.ops.training import fingerprint, rasa_env, train
from bot.settings import ROOT, Settings

STARTING_GRACE = timedelta(seconds=60)  # a new run's process takes the lock by then


class RetrainBusy(RuntimeError):
    """Another retraining is running; the message is shown to staff."""


def replay_days() -> int:
    """REPLAY_DAYS: how many days of real messages are replayed (default 7)."""
    raw = os.environ.get("REPLAY_DAYS", "").strip()
    return int(raw) if raw.isdigit() and int(raw) > 0 else 7


def log_file(settings: Settings, run_id: int) -> Path:
    return settings.log_dir / f"retrain-{run_id}.log"


@contextmanager
def job_lock(settings: Settings) -> Iterator[None]:
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    with (settings.var_dir / "retrain.lock").open("w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RetrainBusy("Đang có một lần huấn luyện khác chạy.") from None
        yield


def busy(settings: Settings) -> bool:
    """Whether a job holds the lock now."""
    try:
        with job_lock(settings):
            return False
    except RetrainBusy:
        return True


def reap_stale(settings: Settings) -> None:
    """Runs still marked running whose process is gone (killed, machine
    restarted) are marked failed, so they do not block the next one."""
    if busy(settings):
        return
    for run in registry.running_runs(settings.database_url):
        if datetime.utcnow() - run.started_at > STARTING_GRACE:
            registry.finish_run(
                settings.database_url, run.id, error="Tiến trình đã dừng giữa chừng."
            )


def baseline(settings: Settings) -> Path | None:
    """The model a candidate must beat: the registry's live one, else the one
    the serving Rasa has loaded (before the first promotion)."""
    from bot.ops.promotion import served_model

    live = registry.live_model_path(settings.database_url, settings.model_dir)
    return live or served_model(settings)


def run_job(
    settings: Settings,
    by: str,
    run_id: int | None = None,
    root: Path = ROOT,
    say: Callable[[str], None] = print,
) -> int:
    """Train and evaluate; returns the candidate's version id."""
    url = settings.database_url
    try:
        with job_lock(settings):
            run_id = run_id or registry.start_run(url, by)
            return _steps(settings, by, run_id, root, say)
    except RetrainBusy as error:
        if run_id:
            registry.finish_run(url, run_id, error=str(error))
        raise


def _steps(settings: Settings, by: str, run_id: int, root: Path, say) -> int:
    from bot.ops.evaluation import compare
    from bot.ops.nlu_parser import output_to
    from bot.ops.verdict import refusal

    url, log = settings.database_url, log_file(settings, run_id)
    registry.update_run(url, run_id, log_path=str(log), step="training")
    try:
        say(f"==> run {run_id}: training (Rasa output: {log})")
        model = train(settings.model_dir, log, root)
        version_id = registry.add_candidate(url, model.name, fingerprint(root), by)
        registry.update_run(url, run_id, step="evaluating", model_version_id=version_id)
        live = baseline(settings)
        live = None if live == model else live  # same data: nothing to compare
        say(f"==> run {run_id}: evaluating {model.name} against {live or 'nothing'}")
        os.environ.update(rasa_env())
        with output_to(log):
            comparison = compare(model, live, root, url, replay_days())
        reason = refusal(comparison)
        evaluation = json.dumps(comparison.as_dict(), ensure_ascii=False)
        registry.record_evaluation(url, version_id, evaluation, reason)
    except Exception as error:
        registry.finish_run(url, run_id, error=f"{type(error).__name__}: {error}")
        raise
    registry.finish_run(url, run_id, version_id)
    verdict = f"refused: {reason}" if reason else "may be promoted"
    say(f"==> run {run_id}: done; {verdict}")
    return version_id


def start_detached(settings: Settings, by: str) -> int:
    """Start `python -m bot retrain` in its own session; returns the run id."""
    reap_stale(settings)
    if busy(settings) or registry.running_runs(settings.database_url):
        raise RetrainBusy("Đang có một lần huấn luyện khác chạy.")
    run_id = registry.start_run(settings.database_url, by)
    log = log_file(settings, run_id)
    log.parent.mkdir(parents=True, exist_ok=True)
    registry.update_run(settings.database_url, run_id, log_path=str(log))
    command = [sys.executable, "-m", "bot", "retrain", "--run-id", str(run_id)]
    with log.open("a") as out:
        process = subprocess.Popen(
            [*command, "--by", by],
            cwd=ROOT,
            env=rasa_env(),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    threading.Thread(target=process.wait, daemon=True).start()  # no zombie
    return run_id
