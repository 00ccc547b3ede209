"""The bridge spreads conversations over several Rasa servers (RASA_URLS) and
leaves out one that fails its health check; real HTTP on loopback."""

from __future__ import annotations

import threading
import time

import pytest

from bot.bridge.worker.rasa_client import RasaClient, RasaUnavailable
from bot.bridge.worker.rasa_pool import RasaPool, rank
from tests.bridge.platform_kit import ScriptedRasa

CONVERSATIONS = [f"messenger:user-{n}" for n in range(60)]


@pytest.fixture
def servers():
    pair = [ScriptedRasa(), ScriptedRasa()]
    yield pair
    for server in pair:
        server.close()


def make_pool(servers, retry_after: float = 0.3) -> RasaPool:
    clients = [RasaClient(s.url, s.url, "secret", timeout=2) for s in servers]
    return RasaPool(clients, retry_after=retry_after)


def owner(servers, conversation_id: str) -> ScriptedRasa:
    first = rank(conversation_id, [s.url for s in servers])[0]
    return next(s for s in servers if s.url == first)


def say(pool: RasaPool, conversation_id: str, text: str = "chào") -> list[dict]:
    return pool.send(conversation_id, text, "messenger", {})


def test_conversations_are_spread_and_each_stays_on_one_server(servers):
    pool = make_pool(servers)
    for conversation_id in CONVERSATIONS * 2:
        assert say(pool, conversation_id)[0]["text"] == "echo: chào"
    counts = [len(s.received) for s in servers]
    assert sum(counts) == 120 and min(counts) >= 30  # about half each
    for server in servers:
        senders = {p["sender"] for p in server.received}
        assert all(owner(servers, c) is server for c in senders)


def test_a_turn_goes_to_the_server_with_fewer_turns_in_flight(servers):
    """While one server is busy with a turn, a conversation that ranks it first
    is answered by the idle one; once it is free again, by its own."""
    pool = make_pool(servers)
    busy, idle = servers
    first, second = [c for c in CONVERSATIONS if owner(servers, c) is busy][:2]
    busy.delay = 0.5
    slow = threading.Thread(target=say, args=(pool, first))
    slow.start()
    deadline = time.monotonic() + 2
    while not busy.received and time.monotonic() < deadline:
        time.sleep(0.01)
    assert say(pool, second)[0]["text"] == "echo: chào"
    assert [p["sender"] for p in idle.received] == [second]
    slow.join()
    busy.delay = 0.0
    say(pool, second, "lại")
    assert [p["message"] for p in busy.received] == ["chào", "lại"]


def test_the_rank_does_not_depend_on_the_order_servers_are_listed():
    urls = ["http://a:5005", "http://b:5005", "http://c:5005"]
    for conversation_id in CONVERSATIONS:
        assert rank(conversation_id, urls) == rank(conversation_id, urls[::-1])


def test_a_server_failing_its_health_check_is_left_out_then_taken_back(servers):
    pool = make_pool(servers)
    sick, well = servers
    mine = [c for c in CONVERSATIONS if owner(servers, c) is sick]
    theirs = [c for c in CONVERSATIONS if owner(servers, c) is well]
    sick.sick = True
    with pytest.raises(RasaUnavailable):  # this turn is retried by the queue
        say(pool, mine[0])
    for conversation_id in mine + theirs:  # the retry and the others: the well one
        say(pool, conversation_id)
    assert sick.received == [] and len(well.received) == len(mine) + len(theirs)
    sick.sick = False
    time.sleep(0.4)  # its time out is over: asked again, healthy, used again
    say(pool, mine[0], "lại")
    assert [p["message"] for p in sick.received] == ["lại"]


def test_a_stopped_server_is_left_out(servers):
    pool = make_pool(servers, retry_after=60)
    gone, well = servers
    mine = next(c for c in CONVERSATIONS if owner(servers, c) is gone)
    gone.close()
    with pytest.raises(RasaUnavailable):
        say(pool, mine)
    assert say(pool, mine)[0]["text"] == "echo: chào"
    assert pool.rasa_healthy()
    assert [p["sender"] for p in well.received] == [mine]


def test_a_turn_that_failed_but_the_server_is_healthy_stays_there(servers):
    """A 503 from a server that still passes its health check (a busy or
    briefly failing turn) does not move the conversation."""
    pool = make_pool(servers)
    busy = servers[0]
    mine = next(c for c in CONVERSATIONS if owner(servers, c) is busy)
    busy.fail_next = 1
    with pytest.raises(RasaUnavailable):
        say(pool, mine)
    say(pool, mine)
    assert [p["sender"] for p in busy.received] == [mine]


def test_with_every_server_down_the_turn_waits_for_a_retry(servers):
    pool = make_pool(servers)
    for server in servers:
        server.sick = True
    with pytest.raises(RasaUnavailable):
        say(pool, CONVERSATIONS[0])
    assert not pool.rasa_healthy()
