"""Platform API faults under a steady load of signed Messenger and Zalo webhooks.

For a few seconds both the Graph API and the OA API fail one way; afterwards
every accepted message must be answered, Rasa must have processed each once,
each user's answers must arrive in order and nothing may be left in the
bridge's inbox or outbox. Resends after a platform took a message it never
acknowledged (a reset or a timeout after delivery) are allowed and counted
apart: the bridge promises at-least-once sending (README, Scale-out).
"""

from __future__ import annotations

import pytest

from bot.simulator import Fault
from tests.faults.conftest import SEND_TIMEOUT
from tests.faults.load_kit import FaultWindow, LoadPlan, run_fault

PLATFORMS = ("messenger", "zalo")

FAULTS = {
    "platform 5xx": lambda p: Fault.server_error(p),
    "platform 429, Retry-After 1 s": lambda p: Fault.rate_limited(p, retry_after=1),
    "platform timeout (taken, answered late)": lambda p: Fault.timeout(
        SEND_TIMEOUT + 1.0, delivered=True
    ),
    "connection reset after delivery": lambda p: Fault.reset(delivered=True),
    "connection reset before delivery": lambda p: Fault.reset(delivered=False),
}


def platform_fault(target, name: str) -> FaultWindow:
    def inject() -> None:
        for platform in PLATFORMS:
            target.state.set_fault(platform, FAULTS[name](platform))

    return FaultWindow(name, inject, target.state.clear_faults)


@pytest.mark.parametrize("name", list(FAULTS))
def test_platform_fault_loses_nothing(scripted_target, name, record_fault):
    plan = LoadPlan(f"p{list(FAULTS).index(name)}", users=6, rate=5.0, duration=8.0)
    hits = sum(scripted_target.state.fault_hits.values())
    report = run_fault(scripted_target, platform_fault(scripted_target, name), plan)
    record_fault(report)
    assert sum(scripted_target.state.fault_hits.values()) > hits
    assert report.ok, str(report)
    if "after delivery" in name or "timeout" in name:
        assert report.resent > 0, "the fault never hit a delivered message"
