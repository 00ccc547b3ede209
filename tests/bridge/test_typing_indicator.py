"""The typing indicator goes out only for turns still running at their due time.

"Not shown" is checked without sleeping: the indicator thread decides turns in
the order they started, so once a later marker turn has been shown, every
earlier turn has been decided for good (`decided`)."""

from __future__ import annotations

import threading
import time

from bot.bridge.worker.typing_indicator import DelayedTyping


def recorder():
    shown: list[str] = []
    event = threading.Event()

    def show(user: str) -> None:
        shown.append(user)
        event.set()

    return shown, event, show


def decided(typing: DelayedTyping, shown: list[str]) -> list[str]:
    """What was shown for the turns so far (a marker turn closes the list)."""
    with typing.during("marker"):
        deadline = time.monotonic() + 5
        while "marker" not in shown and time.monotonic() < deadline:
            time.sleep(0.005)
    assert shown[-1] == "marker"
    return shown[:-1]


def test_a_quick_turn_shows_no_indicator():
    shown, _, show = recorder()
    typing = DelayedTyping(show, delay=0.2)
    with typing.during("quick"):
        time.sleep(0.01)
    assert decided(typing, shown) == []


def test_a_slow_turn_shows_it_once_while_running():
    shown, event, show = recorder()
    typing = DelayedTyping(show, delay=0.1)
    with typing.during("slow"):
        assert event.wait(2)  # shown before the turn ended
    assert decided(typing, shown) == ["slow"]


def test_turns_in_a_row_each_get_their_own_due_time():
    shown, _, show = recorder()
    typing = DelayedTyping(show, delay=0.15)
    with typing.during("a"):
        time.sleep(0.3)
    with typing.during("b"):
        pass
    with typing.during("c"):
        time.sleep(0.3)
    assert decided(typing, shown) == ["a", "c"]


def test_delay_zero_shows_it_for_every_turn_and_survives_errors():
    shown, _, show = recorder()

    def flaky(user: str) -> None:
        if user == "boom":
            raise RuntimeError("network down")
        show(user)

    typing = DelayedTyping(flaky, delay=0)
    for user in ("boom", "x"):
        with typing.during(user):
            time.sleep(0.05)
    assert decided(typing, shown) == ["x"]
