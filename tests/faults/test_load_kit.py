"""The fault suite's own tools: the verdict must see every kind of violation,
and the load must reach a bridge that is up."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from bot.bridge.store import inbox
from bot.ops.processes import free_port
from bot.simulator import Call, Secrets
from tests.faults.load_kit import (
    FaultReport,
    LoadPlan,
    Sent,
    SteadyLoad,
    check,
    left_in_bridge,
    message_text,
    tracker_processed,
)


def sent(user: str, *seqs: int, accepted: bool = True) -> list[Sent]:
    return [Sent("zalo", user, s, f"{user}-{s}", accepted, 0.0) for s in seqs]


def answer(user: str, seq: int, acknowledged: bool = True) -> Call:
    body = {"message": {"text": f"echo: {message_text(seq)}"}}
    return Call("zalo", user, body, acknowledged=acknowledged)


def processed(user: str, *seqs: int) -> list[tuple[str, str]]:
    return [(f"zalo:{user}", message_text(s)) for s in seqs]


def verdict(messages, calls, rasa, left=None) -> FaultReport:
    return check("test", messages, calls, rasa, left or Counter())


def test_a_clean_run_passes():
    report = verdict(
        sent("a", 1, 2, 3) + sent("b", 1),
        [answer("a", 1), answer("b", 1), answer("a", 2), answer("a", 3)],
        processed("a", 1, 2, 3) + processed("b", 1),
    )
    assert report.ok and (report.accepted, report.answered) == (4, 4)


def test_unanswered_message_fails():
    report = verdict(sent("a", 1, 2), [answer("a", 1)], processed("a", 1, 2))
    assert not report.ok and report.answered == 1
    assert "not answered: ('zalo:a', 2)" in report.details


def test_refused_webhooks_are_not_owed_an_answer():
    messages = sent("a", 1) + sent("a", 2, accepted=False)
    report = verdict(messages, [answer("a", 1)], processed("a", 1))
    assert report.ok and (report.sent, report.accepted) == (2, 1)


def test_an_acknowledged_second_copy_is_a_duplicate():
    report = verdict(sent("a", 1), [answer("a", 1), answer("a", 1)], processed("a", 1))
    assert not report.ok and (report.duplicated, report.resent) == (1, 0)


def test_a_copy_the_platform_took_without_telling_is_a_resend():
    calls = [answer("a", 1, acknowledged=False), answer("a", 1), answer("a", 2)]
    report = verdict(sent("a", 1, 2), calls, processed("a", 1, 2))
    assert report.ok and (report.duplicated, report.resent) == (0, 1)
    # ... but one unacknowledged copy excuses one resend, not two.
    calls.insert(1, answer("a", 1))
    report = verdict(sent("a", 1, 2), calls, processed("a", 1, 2))
    assert (report.duplicated, report.resent) == (1, 1)


def test_answers_out_of_order_per_user():
    calls = [answer("a", 2), answer("b", 1), answer("a", 1), answer("a", 3)]
    report = verdict(sent("a", 1, 2, 3) + sent("b", 1), calls, processed("a", 1))
    assert report.out_of_order == 1 and not report.ok
    # A late copy of an earlier answer is a resend, not disorder.
    # (the first try was held by the platform, taken after the resend).
    calls = [answer("a", 1), answer("a", 2), answer("a", 1, acknowledged=False)]
    report = verdict(sent("a", 1, 2), calls, processed("a", 1, 2))
    assert report.out_of_order == 0 and report.ok


def test_rasa_processing_a_message_twice_fails():
    report = verdict(
        sent("a", 1), [answer("a", 1)], processed("a", 1) + processed("a", 1)
    )
    assert report.rasa_twice == 1 and not report.ok


def test_other_runs_users_are_not_counted():
    report = verdict(
        sent("a", 1),
        [answer("a", 1), answer("z", 1), answer("z", 1)],
        processed("a", 1) + processed("z", 1) * 2,
    )
    assert report.ok


def test_work_left_in_the_bridge_fails(db_url):
    row = inbox.accept(db_url, "zalo", "a-1", "zalo:a", "hi", {})
    inbox.accept(db_url, "zalo", "x-1", "zalo:x", "hi", {})
    inbox.record_failure(db_url, row, "rasa down", dead=True)
    left = left_in_bridge(db_url, ["zalo:a"])
    assert left == {"inbox_messages:dead": 1}
    report = verdict(sent("a", 1), [answer("a", 1)], processed("a", 1), left)
    assert report.pending == 1 and not report.ok


def test_report_row_matches_the_header():
    report = verdict(sent("a", 1), [answer("a", 1)], processed("a", 1))
    header_cells = FaultReport.HEADER.splitlines()[0].count("|")
    assert report.row().count("|") == header_cells
    assert report.row().startswith("| test | 1 | 1 | 1 | 0 | 0 | 0 | 0 | 0 | ")


def test_tracker_store_user_events(tmp_path):
    path = tmp_path / "tracker.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE events (sender_id TEXT, type_name TEXT, data TEXT)")
        db.executemany(
            "INSERT INTO events VALUES (?, ?, ?)",
            [
                ("zalo:a", "user", json.dumps({"text": message_text(1)})),
                ("zalo:a", "bot", json.dumps({"text": "echo"})),
                ("zalo:b", "user", json.dumps({"text": message_text(1)})),
            ],
        )
    found = tracker_processed(f"sqlite:///{path}", ["zalo:a"])
    assert found == [("zalo:a", message_text(1))]


class _Bridge(BaseHTTPRequestHandler):
    """Stands in for a bridge: 200 to every webhook, remembering the path."""

    seen: list[str] = []

    def log_message(self, *_args) -> None:
        pass

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        self.seen.append(self.path)
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")


def test_load_fails_over_to_the_bridge_that_is_up():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Bridge)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        urls = [
            f"http://127.0.0.1:{free_port()}",
            f"http://127.0.0.1:{server.server_port}",
        ]
        secrets = Secrets("s", "t", "zapp", "zs", "oa", "a", "r")
        plan = LoadPlan("lk", users=2, rate=40.0, duration=0.25)
        messages = SteadyLoad(urls, secrets, plan).start().join()
    finally:
        server.shutdown()
        server.server_close()
    assert len(messages) == 10 and all(m.accepted for m in messages)
    assert {m.platform for m in messages} == {"messenger", "zalo"}
    # Per user, sequence numbers count up from 1 without gaps.
    by_user: dict[str, list[int]] = {}
    for m in messages:
        by_user.setdefault(m.user, []).append(m.seq)
    assert all(seqs == list(range(1, len(seqs) + 1)) for seqs in by_user.values())
    assert set(_Bridge.seen) == {"/webhooks/messenger", "/webhooks/zalo"}
