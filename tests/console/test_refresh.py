"""Page views take one bounded step of copying; the periodic task catches up."""

from __future__ import annotations

import time
from datetime import datetime

from sqlalchemy import func, select

from bot.club.database import session_scope
from bot.console import event_copy, refresh
from bot.console.inbox import nlu_inbox
from bot.console.rows import CopiedEvent, InboxItem
from bot.settings import ROOT
from tests.console.conftest import user

T0 = time.time() - 3600


def counts(db_url) -> tuple[int, int]:
    with session_scope(db_url) as session:
        copied = session.scalar(select(func.count(CopiedEvent.id)))
        inbox = session.scalar(select(func.count(InboxItem.id)))
    return copied, inbox


def test_a_page_step_is_bounded_and_the_catch_up_is_not(
    db_url, rasa_tracker, monkeypatch
):
    monkeypatch.setattr(event_copy, "BATCH", 3)
    monkeypatch.setattr(nlu_inbox, "BATCH", 3)
    texts = [f"qwzx {n} ạ" for n in range(10)]  # fall back, not in the data
    rasa_tracker.add(
        "zalo:1", [user(t, "nlu_fallback", 0.2, T0 + n) for n, t in enumerate(texts)]
    )
    data = ROOT / "data"
    refresh.page_step(db_url, rasa_tracker.url, data)
    assert counts(db_url) == (3, 3)
    refresh.catch_up(db_url, rasa_tracker.url, data)
    assert counts(db_url) == (10, 10)


def test_a_page_does_not_wait_for_a_copy_in_progress(db_url, rasa_tracker):
    rasa_tracker.add("zalo:2", [user("qwzx ạ", "nlu_fallback", 0.2, T0)])
    with event_copy._ONE_AT_A_TIME, nlu_inbox._ONE_AT_A_TIME:  # the task is busy
        started = time.monotonic()
        refresh.page_step(db_url, rasa_tracker.url, ROOT / "data")
        assert time.monotonic() - started < 1
    assert counts(db_url) == (0, 0)
    refresh.page_step(db_url, rasa_tracker.url, ROOT / "data")
    assert counts(db_url) == (1, 1)


def test_the_catch_up_runs_every_minute_on_the_bridges_huey(tmp_path, monkeypatch):
    from bot.bridge.app import build_queue
    from bot.settings import load_settings

    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    huey = build_queue(load_settings(tmp_path / "none.env")).huey
    for minute in (0, 1, 37):
        due = huey.read_periodic(datetime(2026, 12, 5, 10, minute))
        assert "console_catch_up" in [task.name for task in due]
