"""The durable queue under failure: Rasa outages, dead letters, restarts."""

from __future__ import annotations

import threading
import time

import pytest
import requests
from huey import RedisHuey, SqliteHuey
from sqlalchemy import select, text

from bot.bridge.app import build_queue
from bot.bridge.store import inbox, outbox
from bot.bridge.store.records import InboxMessage, OutboundMessage
from bot.bridge.worker import queue as queue_module
from bot.bridge.worker.locks import Locks
from bot.bridge.worker.queue import make_huey
from bot.bridge.worker.rasa_client import MESSAGE_ID_KEY
from bot.bridge.worker.replies import bridge_message
from bot.bridge.worker.turns import inbox_metadata
from bot.club.database import session_scope
from bot.simulator import messenger_batch, messenger_event, post_messenger
from tests.bridge.platform_kit import (
    check_knocks,
    echo,
    platform_settings,
    running_bridge,
    stage_texts,
    wait_until,
)


def say(b, user: str, text: str):
    body = messenger_batch(messenger_event(user, text=text))
    response = post_messenger(
        "http://bridge.test", b.secrets.messenger_app_secret, body, b.sim.http
    )
    assert response.status_code == 200
    return response


def rows(db_url) -> list[InboxMessage]:
    with session_scope(db_url) as session:
        return session.scalars(select(InboxMessage).order_by(InboxMessage.id)).all()


def texts_sent(b, user: str) -> list[str]:
    return [call.text for call in b.state.sent_to("messenger", user)]


def test_rasa_down_for_30_seconds_nothing_lost_nothing_twice(
    tmp_path, db_url, monkeypatch
):
    """Production retry schedule (1, 2, 4, 8, 16 s): answered once Rasa is back."""
    with running_bridge(tmp_path, db_url, monkeypatch, QUEUE_RETRY_DELAY="1") as b:
        b.rasa.down = True
        started = time.monotonic()
        sent = {"a": [], "b": []}
        for i in range(6):  # messages keep coming during the outage
            user = "a" if i % 2 == 0 else "b"
            say(b, user, f"tin {i}")
            sent[user].append(f"tin {i}")
            time.sleep(2)
        time.sleep(max(0.0, 30 - (time.monotonic() - started)))
        b.rasa.down = False
        b.sim.wait_for("messenger", "a", 3, timeout=40)
        b.sim.wait_for("messenger", "b", 3, timeout=40)
        time.sleep(0.5)
        for user in ("a", "b"):
            assert b.rasa.texts(f"messenger:{user}") == sent[user]  # once, in order
            assert texts_sent(b, user) == [f"echo: {t}" for t in sent[user]]
        statuses = [(r.status, r.attempts) for r in rows(db_url)]
        assert all(status == "done" for status, _ in statuses)
        assert max(attempts for _, attempts in statuses) <= 6  # bounded per message


def test_rasa_down_for_good_every_message_gets_its_own_tries_then_busy(
    tmp_path, db_url, monkeypatch
):
    env = {"QUEUE_RETRIES": "2", "QUEUE_RETRY_DELAY": "0.1"}
    with running_bridge(tmp_path, db_url, monkeypatch, **env) as b:
        b.rasa.down = True
        for i in range(3):
            say(b, "u", f"tin {i}")
        b.sim.wait_for("messenger", "u", 3, timeout=40)
        busy = bridge_message("utter_bot_busy")["text"]
        assert texts_sent(b, "u") == [busy] * 3
        wait_until(
            lambda: [r.status for r in rows(db_url)] == ["dead"] * 3, what="dead"
        )
        # Three drain tasks, but each message was tried exactly 1 + 2 times.
        assert [r.attempts for r in rows(db_url)] == [3, 3, 3]
        letters = outbox.dead_letters(db_url)
        assert [x["kind"] for x in letters] == ["inbox"] * 3
        b.rasa.down = False
        assert b.queue.replay("inbox", rows(db_url)[0].id) == "messenger:u"
        b.sim.wait_for("messenger", "u", 4)
        assert texts_sent(b, "u")[-1] == "echo: tin 0"


def test_restart_resumes_pending_messages_and_unsent_replies(
    tmp_path, db_url, monkeypatch
):
    """Work left in the database by a crash is picked up by `resume`."""
    meta = inbox_metadata({"messenger": {"psid": "r"}}, "text")
    inbox.accept(db_url, "messenger", "left-1", "messenger:r", "còn đó", meta)
    stage_texts(db_url, "s", "Dạ, chưa gửi")
    with running_bridge(tmp_path, db_url, monkeypatch) as b:
        assert b.queue.resume() == 2
        b.sim.wait_for("messenger", "r", 1)
        assert texts_sent(b, "s") == ["Dạ, chưa gửi"]
        assert b.rasa.texts() == ["còn đó"]


def test_one_user_waits_in_line_while_others_are_served(tmp_path, db_url, monkeypatch):
    with running_bridge(tmp_path, db_url, monkeypatch) as b:
        b.rasa.delay = 0.3
        threads = [
            threading.Thread(target=say, args=(b, user, f"{user}-{i}"))
            for user in ("x", "y")
            for i in range(3)
        ]
        for thread in threads:
            thread.start()
            thread.join()
        b.sim.wait_for("messenger", "x", 3)
        b.sim.wait_for("messenger", "y", 3)
        assert b.rasa.texts("messenger:x") == ["x-0", "x-1", "x-2"]
        assert b.rasa.texts("messenger:y") == ["y-0", "y-1", "y-2"]


def test_queue_backend_sqlite_by_default_redis_for_scale_out(tmp_path):
    assert isinstance(make_huey(tmp_path / "q.db"), SqliteHuey)
    redis = make_huey(tmp_path / "q.db", "redis://127.0.0.1:6399/0")
    assert isinstance(redis, RedisHuey)  # same tasks and locks, shared by processes


def test_locks_of_a_process_that_stopped_beating_are_reaped(tmp_path):
    huey = make_huey(tmp_path / "q.db")
    dead, live = Locks(huey), Locks(huey)
    dead.beat()
    live.beat()
    assert dead.acquire("conversation:x") and live.acquire("conversation:y")
    assert not live.acquire("conversation:x")  # held, whoever holds it
    huey.lock_task("legacy").acquire()  # a plain huey lock names no process
    assert live.reap() == ["legacy"]  # both processes alive: their locks stay
    huey.put(f"alive:{dead.process}", time.time() - 1)
    assert live.reap() == ["conversation:x"]
    assert live.acquire("conversation:x")
    assert not dead.acquire("conversation:y")  # the live lock was kept


def test_the_bridges_tasks_are_not_looked_up_for_revocation(tmp_path):
    """On the Redis huey, any storage round trip would fail: nothing listens."""
    for huey in (
        make_huey(tmp_path / "q.db"),
        make_huey(tmp_path / "q.db", "redis://127.0.0.1:6399/0"),  # not used
    ):
        task = huey.task()(lambda: 7).s()
        assert huey.is_revoked(task) is False  # no storage round trip
        assert huey.execute(task) == 7  # none after the task either
        with pytest.raises(NotImplementedError):
            huey.revoke(task)


def test_a_worker_finding_a_lock_held_knocks_and_its_holder_hears_it(tmp_path):
    check_knocks(make_huey(tmp_path / "q.db"))


def test_a_message_stored_while_the_holder_finishes_is_not_left_behind(
    tmp_path, db_url, monkeypatch
):
    """Its own drain finds the lock taken, knocks and returns; the holder,
    finding the knock as it releases, looks again and answers it (no
    scheduler delay, no loss)."""
    with running_bridge(tmp_path, db_url, monkeypatch) as b:
        real = inbox.pending
        injected = []

        def pending(url, conversation_id):
            rows = real(url, conversation_id)
            if rows and conversation_id == "messenger:late" and not injected:
                # Arrives just after the holder's last look; its drain finds
                # the lock taken (it knocks) before the holder lets go.
                injected.append(True)
                meta = inbox_metadata({"messenger": {"psid": "late"}}, "text")
                b.queue.store("messenger", "late-2", "messenger:late", "hai", meta)
                lock = "conversation:messenger:late"
                assert not b.queue.locks.acquire_or_knock(lock)
            return rows

        monkeypatch.setattr(inbox, "pending", pending)
        say(b, "late", "một")
        b.sim.wait_for("messenger", "late", 2)
        assert injected
        assert b.rasa.texts("messenger:late") == ["một", "hai"]
        assert texts_sent(b, "late") == ["echo: một", "echo: hai"]


def test_a_line_longer_than_a_page_is_answered_and_sent_without_waiting(
    tmp_path, db_url, monkeypatch
):
    """More pending messages than one read returns (inbox.PAGE, outbox.PAGE):
    one drain answers them all and one flush sends them all, instead of the
    rest waiting for the keeper's sweep."""
    long_line = inbox.PAGE + 2
    with running_bridge(tmp_path, db_url, monkeypatch) as b:
        meta = inbox_metadata({"messenger": {"psid": "long"}}, "text")
        for n in range(long_line):  # stored, not scheduled: one drain below
            b.queue.store("messenger", f"long-{n}", "messenger:long", f"tin {n}", meta)
        b.queue._drain("messenger:long")
        assert b.rasa.texts("messenger:long") == [f"tin {n}" for n in range(long_line)]
        assert texts_sent(b, "long") == [f"echo: tin {n}" for n in range(long_line)]

        many = outbox.PAGE + 3
        stage_texts(db_url, "many", *(f"Dạ {n}" for n in range(many)))
        b.queue.sender.flush("messenger:many")
        assert texts_sent(b, "many") == [f"Dạ {n}" for n in range(many)]


def test_an_unexpected_send_error_is_a_dead_letter_not_pending_forever(
    tmp_path, db_url, monkeypatch
):
    with session_scope(db_url) as session, session.begin():
        session.add(
            OutboundMessage(
                platform="messenger",
                conversation_id="messenger:broken",
                recipient_id="broken",
                body_json="{not json",
            )
        )
    with running_bridge(tmp_path, db_url, monkeypatch) as b:
        b.queue.sender.flush("messenger:broken")
    with session_scope(db_url) as session:
        row = session.scalars(select(OutboundMessage)).one()
    assert row.status == "dead" and row.last_error.startswith("unexpected")
    assert [x["kind"] for x in outbox.dead_letters(db_url)] == ["outbound"]


def test_a_turn_that_timed_out_at_rasa_is_not_run_twice(tmp_path, db_url, monkeypatch):
    """Rasa finished the turn after the bridge gave up waiting: the retry
    finds the answer in the tracker instead of asking Rasa again."""
    env = {"RASA_TIMEOUT": "0.3", "QUEUE_RETRY_DELAY": "0.5"}
    with running_bridge(tmp_path, db_url, monkeypatch, **env) as b:
        b.rasa.delay = 0.8  # longer than the bridge waits
        say(b, "slow", "sai số điện thoại")
        b.sim.wait_for("messenger", "slow", 1, timeout=20)
        assert b.rasa.texts("messenger:slow") == ["sai số điện thoại"]  # once
        assert texts_sent(b, "slow") == ["echo: sai số điện thoại"]
        [row] = rows(db_url)
        assert row.status == "done" and row.attempts >= 1  # it was retried
        b.rasa.delay = 0
        say(b, "slow", "tiếp")  # the next message is asked as usual
        b.sim.wait_for("messenger", "slow", 2)
        assert b.rasa.texts("messenger:slow") == ["sai số điện thoại", "tiếp"]


def test_a_turn_cut_off_by_a_crash_is_not_run_twice(tmp_path, db_url, monkeypatch):
    """The bridge was killed while Rasa answered a message (found by the fault
    suite): the dead process still holds the conversation's lock, the message
    is pending with no failed try. After the restart the bridge finds Rasa's
    answer in the tracker instead of running the turn again."""
    meta = inbox_metadata({"messenger": {"psid": "cut"}}, "text")
    inbox.accept(db_url, "messenger", "cut-1", "messenger:cut", "một", meta)
    inbox.accept(db_url, "messenger", "cut-2", "messenger:cut", "hai", meta)
    with running_bridge(tmp_path, db_url, monkeypatch) as b:
        # Before the crash: Rasa took the first message and answered it.
        payload = {
            "sender": "messenger:cut",
            "message": "một",
            "metadata": {MESSAGE_ID_KEY: "cut-1"},
        }
        assert requests.post(b.rasa.url, json=payload, timeout=5).ok
        assert Locks(b.queue.huey).acquire("conversation:messenger:cut")  # the dead
        b.queue.resume()
        b.sim.wait_for("messenger", "cut", 2)
        assert b.rasa.texts("messenger:cut") == ["một", "hai"]  # once each
        assert texts_sent(b, "cut") == ["echo: một", "echo: hai"]


def test_work_whose_task_was_lost_is_swept_up(tmp_path, db_url, monkeypatch):
    """The queue's Redis restarted empty: a stored message and a staged reply
    have no task any more. The keeper's sweep schedules both again once they
    have waited STALL_AFTER; fresh work is left to its own task."""
    monkeypatch.setattr(queue_module, "STALL_AFTER", 0.5)
    meta = inbox_metadata({"messenger": {"psid": "lost"}}, "text")
    with running_bridge(tmp_path, db_url, monkeypatch) as b:
        inbox.accept(db_url, "messenger", "lost-1", "messenger:lost", "còn ai", meta)
        stage_texts(db_url, "staged", "x")
        b.queue._sweep()  # too fresh: not this sweep's business
        time.sleep(1.5)
        assert b.rasa.texts("messenger:lost") == []
        b.queue._sweep()
        b.sim.wait_for("messenger", "lost", 1)
        b.sim.wait_for("messenger", "staged", 1)
        assert b.rasa.texts("messenger:lost") == ["còn ai"]
        assert texts_sent(b, "staged") == ["x"]


def test_the_sweep_leaves_work_in_line_behind_a_backlog(tmp_path, db_url, monkeypatch):
    """Tasks wait in the queue (a burst): a message that waited STALL_AFTER is
    in line, not lost, so the sweep does not queue a second drain for it until
    BACKLOG_STALL_AFTER; with the queue empty it does."""
    monkeypatch.setattr(queue_module, "STALL_AFTER", 0.0)
    settings = platform_settings(tmp_path, db_url, monkeypatch, "http://x", "http://y")
    queue = build_queue(settings)  # no consumer: what is queued stays there
    meta = inbox_metadata({"messenger": {"psid": "late"}}, "text")
    inbox.accept(db_url, "messenger", "late-1", "messenger:late", "còn ai", meta)
    queue.schedule("messenger:busy")
    queue._sweep()
    assert queue.huey.pending_count() == 1  # only the backlog's own task
    monkeypatch.setattr(queue_module, "BACKLOG_STALL_AFTER", 0.0)
    queue._sweep()
    assert queue.huey.pending_count() == 2  # waited past the backlog bound
    queue.huey.storage.flush_queue()
    monkeypatch.setattr(queue_module, "BACKLOG_STALL_AFTER", 3600.0)
    queue._sweep()
    assert queue.huey.pending_count() == 1  # empty queue: its task was lost


def test_a_webhook_the_database_cannot_store_gets_503(tmp_path, db_url, monkeypatch):
    """Nothing stored, so the platform must send it again: 503, never 200."""
    with running_bridge(tmp_path, db_url, monkeypatch) as b:
        with session_scope(db_url) as session, session.begin():
            session.execute(text("DROP TABLE inbox_messages"))
        body = messenger_batch(messenger_event("gone", text="alo"))
        response = post_messenger(
            "http://bridge.test", b.secrets.messenger_app_secret, body, b.sim.http
        )
        assert response.status_code == 503
        assert "retry" in response.text


def test_a_holder_without_a_heartbeat_gets_a_grace_period(tmp_path):
    """The queue's Redis restarted empty while a process held a lock it took
    since (found by the fault suite): its heartbeat is missing, not expired,
    so its lock stays for one TTL; a process that really died loses it after."""
    huey = make_huey(tmp_path / "q.db")
    holder, keeper = Locks(huey, ttl=0.3), Locks(huey, ttl=0.3)
    assert holder.acquire("conversation:x")  # no heartbeat written yet
    assert keeper.reap() == []
    assert not keeper.acquire("conversation:x")
    time.sleep(0.4)  # the holder never beat: dead after its grace
    assert keeper.reap() == ["conversation:x"]
    assert keeper.acquire("conversation:x")


def test_a_turn_waits_for_a_restarting_action_server(tmp_path, db_url, monkeypatch):
    """Rasa would run the turn without its custom action and the user would
    hear "busy" (found by the fault suite): the turn waits, up to ACTION_WAIT
    seconds, and is asked once the action server answers its health check."""
    with running_bridge(tmp_path, db_url, monkeypatch, QUEUE_RETRY_DELAY="0.1") as b:
        b.rasa.actions_up = False
        say(b, "wait", "có chiến dịch nào không")
        time.sleep(1.0)
        assert b.rasa.texts("messenger:wait") == []  # held, not run without actions
        b.rasa.actions_up = True
        b.sim.wait_for("messenger", "wait", 1)
        assert b.rasa.texts("messenger:wait") == ["có chiến dịch nào không"]


def test_past_action_wait_the_turn_goes_to_rasa(tmp_path, db_url, monkeypatch):
    """A long outage: FAQ answers need no action server, so after ACTION_WAIT
    the turn is asked anyway."""
    with running_bridge(tmp_path, db_url, monkeypatch, ACTION_WAIT="0.5") as b:
        b.rasa.actions_up = False
        say(b, "long", "chào ad")
        b.sim.wait_for("messenger", "long", 1)
        assert b.rasa.texts("messenger:long") == ["chào ad"]


def test_a_message_another_worker_runs_is_not_run_again_when_locks_vanish(
    tmp_path, db_url, monkeypatch
):
    """Redis restarted empty while a worker waited for Rasa (found by the fault
    suite): the conversation's lock is gone, and the next message's task took
    the line and sent the same message to Rasa a second time. The worker's
    claim is in the database: the second worker leaves the message alone; once
    the claim lapses (its holder died) the message is looked up in Rasa's
    tracker before it is asked again."""
    meta = inbox_metadata({"messenger": {"psid": "held"}}, "text")
    row = inbox.accept(db_url, "messenger", "held-1", "messenger:held", "một", meta)
    with running_bridge(tmp_path, db_url, monkeypatch) as b:
        assert inbox.claim(db_url, row, lease=60)  # a worker of another bridge
        assert not inbox.claim(db_url, row, lease=60)  # held: nobody else
        b.queue.schedule("messenger:held")  # a task that finds no lock
        time.sleep(1.0)
        assert b.rasa.texts("messenger:held") == []
        [waiting] = rows(db_url)
        assert waiting.status == "pending"
        # That worker reached Rasa, then died; its claim lapses.
        payload = {
            "sender": "messenger:held",
            "message": "một",
            "metadata": {MESSAGE_ID_KEY: "held-1"},
        }
        assert requests.post(b.rasa.url, json=payload, timeout=5).ok
        with session_scope(db_url) as session, session.begin():
            session.execute(
                text(
                    "UPDATE inbox_messages"
                    " SET claimed_until = '2000-01-01 00:00:00.000000'"
                )
            )
        b.queue.schedule("messenger:held")
        b.sim.wait_for("messenger", "held", 1)
        assert b.rasa.texts("messenger:held") == ["một"]  # once
        assert texts_sent(b, "held") == ["echo: một"]
        [done] = rows(db_url)
        assert done.status == "done"


def test_a_failed_turn_takes_its_claim_again_only_while_it_is_its_own(db_url):
    """A turn that failed with the queue's Redis down after its failure was
    recorded (the claim cleared) left the row marked as this worker's (found
    by the fault suite): a worker of the other bridge claimed it and asked
    Rasa, and this one claimed it again and asked Rasa a second time. The
    claim's expiry is its token: a worker takes back only its own claim."""
    meta = inbox_metadata({"messenger": {"psid": "again"}}, "text")
    row = inbox.accept(db_url, "messenger", "again-1", "messenger:again", "hai", meta)
    mine = inbox.claim(db_url, row, lease=60)
    assert mine is not None
    assert inbox.claim(db_url, row, lease=60) is None  # held: nobody else
    # The database went away mid-turn: the claim is still ours, take it again.
    renewed = inbox.claim(db_url, row, lease=60, held=mine)
    assert renewed is not None and renewed != mine
    assert inbox.claim(db_url, row, lease=60, held=mine) is None  # an old token
    # The failure was recorded (the claim let go); another worker takes it.
    inbox.record_failure(db_url, row, "rasa answered HTTP 503", dead=False)
    theirs = inbox.claim(db_url, row, lease=60)
    assert theirs is not None
    assert inbox.claim(db_url, row, lease=60, held=renewed) is None
    [waiting] = rows(db_url)
    assert waiting.claimed_until == theirs and waiting.attempts == 1


def test_a_due_retry_that_knocks_on_a_drain_stepping_aside_is_not_lost(
    tmp_path, db_url, monkeypatch
):
    """A drain reads the retry owner and takes the lock at once, so while a
    retry owns the line it may hold the lock for a moment; the owner's task,
    come due, then knocks and returns. The drain stepping aside hears the
    knock and hands the line to a new drain: answered now, not after the
    owner's grace of minutes."""
    with running_bridge(tmp_path, db_url, monkeypatch) as b:
        conversation, lock = "messenger:owned", "conversation:messenger:owned"
        owner_key = f"retry-owner:{conversation}"
        meta = inbox_metadata({"messenger": {"psid": "owned"}}, "text")
        b.queue.store("messenger", "owned-1", conversation, "một", meta)
        b.queue.huey.put(owner_key, ("owner-task", time.time()))
        real = b.queue.locks.peek_and_acquire

        def owner_knocks_meanwhile(key, name):
            value, taken = real(key, name)
            assert not b.queue.locks.knock(name)  # the owner's task, come due
            return value, taken

        monkeypatch.setattr(b.queue.locks, "peek_and_acquire", owner_knocks_meanwhile)
        assert b.queue._take(conversation, lock, owner_key, "other") == (False, None)
        monkeypatch.undo()
        b.sim.wait_for("messenger", "owned", 1, timeout=10)
        assert b.rasa.texts(conversation) == ["một"]
        assert b.queue.huey.get(owner_key, peek=True) is None


def test_a_due_send_retry_that_knocks_on_a_flush_stepping_aside_is_not_lost(
    tmp_path, db_url, monkeypatch
):
    """The same for the sender: a flush reads the backoff with the lock
    taken; the scheduled retry that knocks meanwhile hands its send to a new
    send task at the backoff's end."""
    with running_bridge(tmp_path, db_url, monkeypatch) as b:
        conversation, lock = "messenger:backoff", "send:messenger:backoff"
        wait_key = f"send-wait:{conversation}"
        stage_texts(db_url, "backoff", "Dạ, gửi lại")
        b.queue.huey.put(wait_key, time.time() + 0.3)
        sender = b.queue.sender
        real = sender.locks.peek_and_acquire

        def retry_knocks_meanwhile(key, name):
            value, taken = real(key, name)
            assert not sender.locks.knock(name)  # the scheduled retry
            return value, taken

        monkeypatch.setattr(sender.locks, "peek_and_acquire", retry_knocks_meanwhile)
        assert sender._take(conversation, lock, wait_key, scheduled=False) is False
        monkeypatch.undo()
        assert texts_sent(b, "backoff") == []  # not before the backoff's end
        b.sim.wait_for("messenger", "backoff", 1, timeout=10)
        assert texts_sent(b, "backoff") == ["Dạ, gửi lại"]


def test_a_message_that_came_while_a_retry_owned_the_line_is_answered(
    tmp_path, db_url, monkeypatch
):
    """A message stored while the retry owner runs its last try: its own
    drain steps aside without knocking (the retry owns the line), so the
    owner looks for pending messages again before it ends. Found by CI: the
    message waited for the keeper's sweep (and for ever here, without one)."""
    conversation = "messenger:owner"
    meta = inbox_metadata({"messenger": {"psid": "owner"}}, "text")
    stored = threading.Event()

    def replies(payload):
        if payload["message"] == "một" and not stored.is_set():
            stored.set()  # the retry's try: a new message comes meanwhile
            b.queue.submit("messenger", "owner-2", conversation, "hai", meta)
            wait_until(lambda: b.queue.huey.pending_count() == 0, 5, "its drain")
            time.sleep(0.3)  # that drain read the owner and stepped aside
        return echo(payload)

    with running_bridge(tmp_path, db_url, monkeypatch, replies) as b:
        b.rasa.fail_next = 1  # the first drain fails and owns the line
        b.queue.submit("messenger", "owner-1", conversation, "một", meta)
        b.sim.wait_for("messenger", "owner", 2, timeout=10)
        assert b.rasa.texts(conversation) == ["một", "hai"]
        assert texts_sent(b, "owner") == ["echo: một", "echo: hai"]
