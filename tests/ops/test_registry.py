"""The model registry: one live version, promotion, rollback, one job at a time."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta

import pytest

from bot.ops import registry, retrain
from bot.ops.processes import free_port
from bot.ops.promotion import PromotionRefused, promote
from bot.ops.stack import serving_model
from bot.settings import ROOT, load_settings


@pytest.fixture
def settings(tmp_path, db_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    monkeypatch.setenv("MODEL_DIR", str(tmp_path / "models"))
    monkeypatch.setenv("RASA_PORT", str(free_port()))  # nothing listens there
    (tmp_path / "models").mkdir()
    return load_settings(tmp_path / "none.env")


def states(url: str) -> dict[str, str]:
    return {v.file_name: v.state for v in registry.versions(url)}


def test_marking_live_retires_the_previous_live_version(db_url):
    first = registry.add_candidate(db_url, "model-a.tar.gz", "a", "thu.ha")
    second = registry.add_candidate(db_url, "model-b.tar.gz", "b", "thu.ha")
    registry.mark_live(db_url, first, "thu.ha")
    registry.mark_live(db_url, second, "thu.ha")
    assert states(db_url) == {"model-a.tar.gz": "retired", "model-b.tar.gz": "live"}
    assert registry.live(db_url).promoted_by == "thu.ha"


def test_a_refused_evaluation_marks_the_version_refused_and_training_again_reuses_it(
    db_url,
):
    found = registry.add_candidate(db_url, "model-a.tar.gz", "a", "thu.ha")
    registry.record_evaluation(db_url, found, "{}", "Bản mới kém hơn.")
    assert registry.version(db_url, found).state == "refused"
    again = registry.add_candidate(db_url, "model-a.tar.gz", "a", "minh")
    assert again == found
    assert registry.version(db_url, found).state == "candidate"
    assert registry.version(db_url, found).refusal is None


def test_a_refused_version_cannot_be_promoted_and_rasa_is_not_asked(settings):
    url = settings.database_url
    found = registry.add_candidate(url, "model-a.tar.gz", "a", "thu.ha")
    registry.record_evaluation(url, found, "{}", "Bản mới kém hơn bản đang dùng.")
    # Rasa is not running on settings.rasa_url: reaching it would be another error
    with pytest.raises(PromotionRefused, match="kém hơn bản đang dùng"):
        promote(settings, found, "thu.ha")
    assert registry.live(url) is None


def test_rollback_only_to_a_version_that_was_live(settings):
    url = settings.database_url
    found = registry.add_candidate(url, "model-a.tar.gz", "a", "thu.ha")
    with pytest.raises(PromotionRefused, match="đã từng được dùng"):
        promote(settings, found, "thu.ha", rollback=True)


def test_promotion_without_rasa_keeps_the_live_model(settings):
    url = settings.database_url
    (settings.model_dir / "model-a.tar.gz").write_bytes(b"x")
    found = registry.add_candidate(url, "model-a.tar.gz", "a", "thu.ha")
    with pytest.raises(PromotionRefused, match="Không liên lạc được với Rasa"):
        promote(settings, found, "thu.ha")
    assert registry.live(url) is None


def test_make_run_serves_the_live_model_when_one_was_promoted(settings):
    url = settings.database_url
    (settings.model_dir / "model-a.tar.gz").write_bytes(b"x")
    registry.mark_live(
        url, registry.add_candidate(url, "model-a.tar.gz", "a", "t"), "t"
    )
    assert serving_model(settings) == settings.model_dir / "model-a.tar.gz"


def test_only_one_job_holds_the_lock(settings):
    with retrain.job_lock(settings):
        assert retrain.busy(settings)
        with pytest.raises(retrain.RetrainBusy):
            retrain.start_detached(settings, "thu.ha")
    assert not retrain.busy(settings)


def test_a_second_retrain_process_refuses_and_marks_its_run_failed(settings):
    url = settings.database_url
    run_id = registry.start_run(url, "thu.ha")
    env = {**os.environ, "DATABASE_URL": url, "VAR_DIR": str(settings.var_dir)}
    with retrain.job_lock(settings):
        done = subprocess.run(
            [sys.executable, "-m", "bot", "retrain", "--run-id", str(run_id)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert done.returncode == 1, done.stderr
    assert "another retraining is running" in done.stderr
    assert registry.run(url, run_id).state == "failed"


def test_a_run_whose_process_died_is_marked_failed(settings):
    url = settings.database_url
    old = registry.start_run(url, "thu.ha")
    new = registry.start_run(url, "thu.ha")
    registry.update_run(url, old, started_at=datetime.utcnow() - timedelta(hours=1))
    retrain.reap_stale(settings)
    assert registry.run(url, old).state == "failed"
    assert registry.run(url, new).state == "running"  # its process may be starting
