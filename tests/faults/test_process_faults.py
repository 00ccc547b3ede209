"""Process faults under load: the single-machine bridge process killed
(SIGKILL) mid-turn and restarted. The scale profile's kills (a Rasa server,
the action server, a bridge, Redis, PostgreSQL) are in test_scale_faults.py,
through the same `run_fault`.
"""

from __future__ import annotations

import os
import signal

from tests.faults.load_kit import FaultWindow, LoadPlan, run_fault


def kill_and_restart(service, name: str, lasting: float = 2.0) -> FaultWindow:
    """SIGKILL the service's whole process group; start it again after `lasting`."""

    def kill() -> None:
        os.killpg(service.process.pid, signal.SIGKILL)
        service.process.wait()

    def restart() -> None:
        service.start()
        service.wait_healthy(60)

    return FaultWindow(name, kill, restart, after=3.0, lasting=lasting)


def test_bridge_killed_mid_turn_loses_nothing(scripted_target, record_fault):
    """Rasa takes 0.3 s a turn here, so the kill lands while turns are at Rasa:
    after the restart those messages must not be processed a second time."""
    scripted_target.rasa.delay = 0.3
    try:
        report = run_fault(
            scripted_target,
            kill_and_restart(scripted_target.bridge, "bridge killed (SIGKILL)"),
            LoadPlan("k1", users=6, rate=5.0, duration=10.0),
        )
    finally:
        scripted_target.rasa.delay = 0.0
    record_fault(report)
    assert report.accepted < report.sent, "no webhook reached the dead bridge"
    assert report.ok, str(report)
