"""The scale-out profile: the bridge's queue on Redis, the club database on
PostgreSQL, one or two bridge processes sharing both.

Both servers are throwaway loopback servers started by
scripts/redis-test-server.sh and scripts/pg-test-server.sh (each installs
Debian's package when the binary is missing), or taken from TEST_REDIS_URL /
TEST_POSTGRES_URL. Rasa is the scripted REST channel of tests/platform_kit.py
and the Send API is the simulator, so these tests need no model.
"""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from huey import RedisHuey
from sqlalchemy import select, text

from bot.bridge.store import inbox
from bot.bridge.store.records import InboxMessage
from bot.bridge.worker.locks import Locks
from bot.bridge.worker.queue import make_huey
from bot.bridge.worker.turns import inbox_metadata
from bot.club.database import forget_engines, get_engine, session_scope
from bot.ops.processes import Service, free_port
from bot.ops.schema import migrate
from bot.simulator import (
    Secrets,
    SimulatorServer,
    SimulatorState,
    messenger_batch,
    messenger_event,
    post_messenger,
)
from tests.bridge.platform_kit import (
    SECRETS,
    ScriptedRasa,
    check_knocks,
    running_bridge,
    stage_texts,
    wait_settled,
    wait_until,
)
from tests.integration.throwaway import throwaway_server

ROOT = Path(__file__).parents[2]


@pytest.fixture(scope="module")
def redis_server() -> Iterator[str]:
    yield from throwaway_server(
        "redis-test-server.sh", "TEST_REDIS_URL", "vungcao-redis."
    )


@pytest.fixture(scope="module")
def pg_server() -> Iterator[str]:
    try:
        yield from throwaway_server(
            "pg-test-server.sh", "TEST_POSTGRES_URL", "vungcao-pg."
        )
    finally:
        forget_engines()


@pytest.fixture
def redis_url(redis_server) -> str:
    """An empty Redis database for each test."""
    redis.Redis.from_url(redis_server).flushdb()
    return redis_server


@pytest.fixture
def pg_url(pg_server) -> str:
    """A fresh club schema (no demo data: the bridge needs only its tables)."""
    with get_engine(pg_server).begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    migrate(pg_server)
    return pg_server


def say(b, user: str, words: str, mid: str | None = None) -> dict:
    body = messenger_batch(messenger_event(user, text=words, mid=mid))
    response = post_messenger(
        "http://bridge.test", b.secrets.messenger_app_secret, body, b.sim.http
    )
    assert response.status_code == 200
    return response.json()


def sent_texts(state: SimulatorState, user: str) -> list[str]:
    return [call.text for call in state.sent_to("messenger", user)]


def inbox_rows(url: str) -> list[InboxMessage]:
    with session_scope(url) as session:
        return session.scalars(select(InboxMessage).order_by(InboxMessage.id)).all()


def test_answered_in_order_per_user_and_deduplicated(
    tmp_path, pg_url, redis_url, monkeypatch
):
    with running_bridge(tmp_path, pg_url, monkeypatch, QUEUE_URL=redis_url) as b:
        assert isinstance(b.queue.huey, RedisHuey)
        b.rasa.delay = 0.05
        for i in range(4):
            for user in ("a", "b"):
                assert say(b, user, f"{user}-{i}", mid=f"{user}-{i}")["accepted"] == 1
        again = say(b, "a", "a-1", mid="a-1")  # Meta redelivers
        assert again == {**again, "accepted": 0, "duplicates": 1}
        for user in ("a", "b"):
            b.sim.wait_for("messenger", user, 4, timeout=30)
        wait_until(
            lambda: all(r.status == "done" for r in inbox_rows(pg_url)), what="done"
        )
        for user in ("a", "b"):
            expected = [f"{user}-{i}" for i in range(4)]
            assert b.rasa.texts(f"messenger:{user}") == expected
            assert sent_texts(b.state, user) == [f"echo: {t}" for t in expected]
        assert len(inbox_rows(pg_url)) == 8


def test_rasa_failures_are_retried_then_answered_once(
    tmp_path, pg_url, redis_url, monkeypatch
):
    env = {"QUEUE_URL": redis_url, "QUEUE_RETRY_DELAY": "0.5"}
    with running_bridge(tmp_path, pg_url, monkeypatch, **env) as b:
        b.rasa.down = True
        say(b, "r", "một")
        say(b, "r", "hai")
        wait_until(
            lambda: inbox_rows(pg_url)[0].attempts >= 2, timeout=30, what="retries"
        )
        assert sent_texts(b.state, "r") == []
        b.rasa.down = False
        b.sim.wait_for("messenger", "r", 2, timeout=30)
        wait_until(
            lambda: [r.status for r in inbox_rows(pg_url)] == ["done", "done"],
            what="done",
        )
        assert b.rasa.texts("messenger:r") == ["một", "hai"]
        assert sent_texts(b.state, "r") == ["echo: một", "echo: hai"]


def test_knocks_on_a_held_lock_reach_its_holder_on_redis(tmp_path, redis_url):
    check_knocks(make_huey(tmp_path / "unused.db", redis_url))


def test_locks_left_by_a_dead_process_are_cleared_at_startup(
    tmp_path, pg_url, redis_url, monkeypatch
):
    """A killed bridge leaves its locks in Redis; a live one's must stay."""
    huey = make_huey(tmp_path / "unused.db", redis_url)
    dead, live = Locks(huey), Locks(huey)
    dead.beat()
    assert dead.acquire("conversation:messenger:left")
    assert dead.acquire("send:messenger:unsent")
    huey.put(f"alive:{dead.process}", time.time() - 1)  # it stopped beating
    huey.put("retry-owner:messenger:left", ("lost-task", time.time() - 3600))
    live.beat()
    assert live.acquire("conversation:messenger:busy")

    meta = inbox_metadata({"messenger": {"psid": "left"}}, "text")
    inbox.accept(pg_url, "messenger", "left-1", "messenger:left", "còn đó", meta)
    inbox.accept(pg_url, "messenger", "busy-1", "messenger:busy", "đang bận", meta)
    stage_texts(pg_url, "unsent", "Dạ, chưa gửi")

    with running_bridge(tmp_path, pg_url, monkeypatch, QUEUE_URL=redis_url) as b:
        assert b.queue.resume() == 3
        b.sim.wait_for("messenger", "left", 1, timeout=30)
        b.sim.wait_for("messenger", "unsent", 1, timeout=30)
        assert sent_texts(b.state, "left") == ["echo: còn đó"]
        assert sent_texts(b.state, "unsent") == ["Dạ, chưa gửi"]
        # The live process still holds its conversation: nobody answered it.
        assert huey.storage.has_data_for_key("bridge.lock.conversation:messenger:busy")
        assert not huey.storage.has_data_for_key(f"alive:{dead.process}")
        assert b.rasa.texts("messenger:busy") == []
        # When the live holder lets go, the work is picked up.
        live.release("conversation:messenger:busy")
        b.queue.schedule("messenger:busy")
        b.sim.wait_for("messenger", "busy", 1, timeout=30)
        assert b.rasa.texts() == ["còn đó", "đang bận"]


def _bridge_process(tmp_path: Path, name: str, env: dict[str, str]) -> Service:
    var_dir = tmp_path / name
    port = free_port()
    full_env = {
        **os.environ,
        **SECRETS,
        **env,
        "VAR_DIR": str(var_dir),
        "BRIDGE_PORT": str(port),
        "BIND_HOST": "127.0.0.1",
        "BRIDGE_WORKERS": "2",
        "LOG_LEVEL": "INFO",
    }
    return Service(
        name,
        [sys.executable, "-m", "bot", "serve"],
        f"http://127.0.0.1:{port}/health",
        var_dir / "bridge.log",
        full_env,
    )


def test_two_bridge_processes_share_the_queue_and_answer_everything_once(
    tmp_path, pg_url, redis_url
):
    rasa = ScriptedRasa()
    rasa.delay = 0.05
    state = SimulatorState(Secrets.from_names(SECRETS))
    users = [f"u{i}" for i in range(6)]
    with SimulatorServer(state) as simulator:
        env = {
            "DATABASE_URL": pg_url,
            "QUEUE_URL": redis_url,
            "RASA_URL": rasa.url,
            "ACTION_SERVER_URL": rasa.url,
            "PLATFORM_API_BASE": simulator.url,
        }
        bridges = [_bridge_process(tmp_path, f"bridge-{n}", env) for n in (1, 2)]
        try:
            for bridge in bridges:
                bridge.start()
            for bridge in bridges:
                bridge.wait_healthy(60)
            urls = [b.health_url.removesuffix("/health") for b in bridges]
            secret = SECRETS["MESSENGER_APP_SECRET"]
            for i in range(5):
                for n, user in enumerate(users):
                    body = messenger_batch(
                        messenger_event(user, text=f"{user}-{i}", mid=f"{user}-{i}")
                    )
                    # Alternate the bridges, and redeliver every event to the
                    # other one (Meta retries wherever the load balancer says).
                    first = post_messenger(urls[(i + n) % 2], secret, body).json()
                    second = post_messenger(urls[(i + n + 1) % 2], secret, body)
                    assert (first["accepted"], second.json()["duplicates"]) == (1, 1)
            # Each event was stored once (the redeliveries were refused at
            # the webhook), so once nothing is pending, all is answered.
            for user in users:
                wait_settled(pg_url, f"messenger:{user}", timeout=60)
        finally:
            for bridge in bridges:
                bridge.stop()
            rasa.close()
    for user in users:
        expected = [f"{user}-{i}" for i in range(5)]
        assert rasa.texts(f"messenger:{user}") == expected  # once each, in order
        assert sent_texts(state, user) == [f"echo: {t}" for t in expected]
    assert [r.status for r in inbox_rows(pg_url)] == ["done"] * 30
    answered = [
        len(re.findall(r"turn_answered", b.log_file.read_text())) for b in bridges
    ]
    assert sum(answered) == 30 and min(answered) > 0, answered  # both worked
