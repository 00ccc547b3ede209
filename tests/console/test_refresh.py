"""Page views take one bounded step of copying; the periodic task catches up."""

from __future__ import annotations

import threading
import time
from pathlib import Path

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


def test_the_bridge_catches_up_in_a_thread_of_its_own(
    db_url, rasa_tracker, tmp_path, monkeypatch
):
    """Not on a huey worker that users' turns wait for; named for the OS too,
    so the scaling benchmark can tell its CPU from the bridge's."""
    from bot.bridge.app import start_console_copy
    from bot.settings import load_settings

    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("TRACKER_DB", str(tmp_path / "tracker.db"))
    rasa_tracker.add("zalo:3", [user("qwzx ạ", "nlu_fallback", 0.2, T0)])
    stop = start_console_copy(load_settings(tmp_path / "none.env"), every=0.05)
    try:
        deadline = time.monotonic() + 10
        while counts(db_url) != (1, 1) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert counts(db_url) == (1, 1)
        (thread,) = [t for t in threading.enumerate() if t.name == refresh.THREAD_NAME]
        comm = Path(f"/proc/self/task/{thread.native_id}/comm").read_text()
        assert comm.strip() == refresh.THREAD_NAME
        rasa_tracker.add("zalo:3", [user("qwzx nữa ạ", "nlu_fallback", 0.2, T0 + 1)])
        while counts(db_url) != (2, 2) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert counts(db_url) == (2, 2)  # again, not once
    finally:
        stop.set()
    thread.join(5)
    assert not thread.is_alive()


def test_a_failed_catch_up_is_logged_and_the_next_one_runs(caplog):
    runs: list[int] = []

    def run() -> None:
        runs.append(1)
        if len(runs) == 1:
            raise RuntimeError("database away")

    stop = refresh.start(run, every=0.02)
    deadline = time.monotonic() + 5
    while len(runs) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    stop.set()
    assert len(runs) >= 2
    assert "console_copy_failed" in caplog.text
