"""Process faults on the scale profile, under steady signed Messenger and Zalo
load: a Rasa server, the action server, a bridge process, Redis and
PostgreSQL are each killed and restarted in turn. After recovery every
accepted message is answered, Rasa processed each once, each user's answers
arrived in order and nothing is left pending (issue #14 item 2)."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.faults.load_kit import FaultWindow, LoadPlan, run_fault, seq_of

# Two Rasa servers on two cores answer a few turns a second: 3 messages a
# second from 5 + 5 users for 12 s keeps them busy without a growing backlog.
# The question runs a custom action that reads the club database (PostgreSQL).
PLAN = {
    "users": 5,
    "rate": 3.0,
    "duration": 12.0,
    "template": "có chiến dịch nào đang mở không ạ #{seq}",
}
ANSWER = "Dạ, các chiến dịch sắp tới của CLB"  # utter of action_list_campaigns
# The bridge asks whether the action server is up at most once a second
# (RasaPool.actions_ready): a turn sent to Rasa that long after the kill may
# still find it gone.
NOTICED = 1.5
# A bridge killed mid-turn leaves its locks until its heartbeat expires (30 s).
DRAIN = 120.0
SLOWEST = 60.0

FAULTS = {
    "none": lambda target: FaultWindow("no fault (baseline)", _nothing, _nothing),
    "rasa": lambda target: target.kill_service("Rasa server 1"),
    "actions": lambda target: target.kill_service("action server"),
    "bridge": lambda target: target.kill_service("bridge 1"),
    "redis": lambda target: target.kill_store("redis"),
    "postgres": lambda target: target.kill_store("postgres"),
}


def _nothing() -> None:
    pass


@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_killed_process_loses_nothing(scale, record_fault, fault):
    plan = LoadPlan(f"s-{fault}", **PLAN)
    report = run_fault(scale, FAULTS[fault](scale), plan, DRAIN)
    record_fault(report)
    assert report.ok, str(report)
    # Recovery is prompt: within the heartbeat's 30 s when a bridge died
    # holding a conversation, never a 120 s claim lease (bot.bridge.store.inbox).
    assert report.slowest < SLOWEST, str(report)
    # Every user got the real answer, never "busy" in place of it, except for
    # turns Rasa was already running when the action server died: Rasa logs
    # the lost action and carries on, and the bridge says "busy" for it. Turns
    # that arrive while it is down wait for it (bot.bridge.worker.turns).
    busy = [t for t in scale.received(plan.name) if not t.startswith(ANSWER)]
    if fault != "actions":
        assert not busy, busy
    else:
        killed = scale.killed_at["action server"]
        unanswered = [
            at - killed
            for at, said in scale.rasa_turns(plan.name)
            if not any(text.startswith(ANSWER) for text in said)
        ]
        assert len(unanswered) == len(busy), (unanswered, busy)
        assert all(late < NOTICED for late in unanswered), unanswered
    # Rasa's tracker store holds each accepted message exactly once.
    at_rasa = Counter(
        (sender, seq_of(text))
        for sender, text in scale.rasa_processed()
        if sender.split(":", 1)[1].startswith(f"{plan.name}-")
    )
    assert len(at_rasa) == report.accepted and set(at_rasa.values()) == {1}
