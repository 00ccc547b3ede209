"""/admin/models: admins only, CSRF on every form, refusals shown with the reason."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from bot.club.database import session_scope
from bot.club.models import AuditEntry
from bot.ops import registry, retrain
from bot.ops.evaluation import Comparison, LabelledScore, SetScore
from bot.settings import load_settings
from tests.console.conftest import csrf_token, log_in

POSTS = ["/admin/models/retrain", "/admin/models/1/promote", "/admin/models/1/rollback"]
GETS = ["/admin/models", "/admin/models/1", "/admin/models/runs/1/log"]


@pytest.fixture
def versions(db_url, tmp_path):
    """A live version and a refused candidate that lost a labelled example."""
    live = registry.add_candidate(db_url, "model-aaa.tar.gz", "aaa", "thu.ha")
    registry.mark_live(db_url, live, "thu.ha")
    worse = registry.add_candidate(db_url, "model-bbb.tar.gz", "bbb", "thu.ha")
    comparison = Comparison(
        held_out=[SetScore("test_nlu.yml", 10, [8, 7], [9, 8])],
        labelled=[LabelledScore(3, "cho em xin stk", "ask_bank", "greet", "ask_bank")],
        changed=[
            {"text": "gọi 0912345678 nhé", "count": 2, "live": "a", "candidate": "b"}
        ],
        replayed=40,
        has_live=True,
    )
    evaluation = json.dumps(comparison.as_dict(), ensure_ascii=False)
    registry.record_evaluation(db_url, worse, evaluation, "Bản mới đúng 15/20 câu.")
    run = registry.start_run(db_url, "thu.ha")
    log = tmp_path / "log" / f"retrain-{run}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text("==> training <script>alert(1)</script>\n")
    registry.update_run(db_url, run, log_path=str(log))
    return live, worse, run


@pytest.mark.parametrize("path", GETS + POSTS)
def test_a_volunteer_gets_403_on_every_model_route(console, path, versions):
    log_in(console, "minh.tnv")
    token = {"csrf_token": csrf_token(console, "/admin/handoffs")}
    response = console.post(path, data=token) if path in POSTS else console.get(path)
    assert response.status_code == 403


def test_the_nav_link_is_for_admins_only(console):
    log_in(console, "minh.tnv")
    assert "Mô hình" not in console.get("/admin/handoffs").get_data(as_text=True)
    log_in(console, "thu.ha")
    assert "Mô hình" in console.get("/admin/handoffs").get_data(as_text=True)


@pytest.mark.parametrize("path", POSTS)
def test_every_form_needs_its_csrf_token(console, path, versions, db_url):
    log_in(console, "thu.ha")
    assert console.post(path).status_code == 400
    assert registry.live(db_url).file_name == "model-aaa.tar.gz"


def test_the_page_shows_the_live_fingerprint_the_running_step_and_the_refusal(
    console, versions
):
    log_in(console, "thu.ha")
    page = console.get("/admin/models").get_data(as_text=True)
    assert "<code>aaa</code>" in page and "đang khởi động" in page
    assert 'http-equiv="refresh"' in page  # a run is going on
    assert "Bản mới đúng 15/20 câu." in page and "15/20" in page


def test_promoting_a_refused_version_shows_the_reason_and_changes_nothing(
    console, versions, db_url
):
    _, worse, _ = versions
    log_in(console, "thu.ha")
    token = csrf_token(console, "/admin/models")
    page = console.post(
        f"/admin/models/{worse}/promote",
        data={"csrf_token": token},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Chưa đổi mô hình: Bản mới đúng 15/20 câu." in page
    assert registry.live(db_url).file_name == "model-aaa.tar.gz"


def test_the_evaluation_page_names_the_lost_example_and_masks_nothing_for_admins(
    console, versions
):
    _, worse, _ = versions
    log_in(console, "thu.ha")
    page = console.get(f"/admin/models/{worse}").get_data(as_text=True)
    assert "cho em xin stk" in page and "bị mất" in page
    assert "gọi 0912345678 nhé" in page and "1 trong 40" in page


def test_the_log_is_shown_as_escaped_text(console, versions):
    *_, run = versions
    log_in(console, "thu.ha")
    page = console.get(f"/admin/models/runs/{run}/log").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert" not in page


def test_retrain_while_a_job_holds_the_lock_is_refused(console, db_url):
    log_in(console, "thu.ha")
    token = csrf_token(console, "/admin/models")
    with retrain.job_lock(load_settings()):
        page = console.post(
            "/admin/models/retrain", data={"csrf_token": token}, follow_redirects=True
        ).get_data(as_text=True)
    assert "Đang có một lần huấn luyện khác chạy." in page
    assert registry.latest_run(db_url) is None
    retrains = select(AuditEntry).where(AuditEntry.action == "model_retrain")
    with session_scope(db_url) as session:
        assert session.scalars(retrains).all() == []
