"""The system under fault: a real bridge process (`python -m bot serve`: waitress,
the huey consumer, the SQLite inbox/outbox) between the platform simulator and
a scripted Rasa that echoes each message, all on loopback.

The echo carries each message's sequence number into its answer, so the checks
can tell which message every Send API / OA API call answers.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.ops.processes import Service, free_port
from bot.ops.schema import migrate
from bot.simulator import Secrets, SimulatorServer, SimulatorState
from tests.bridge.platform_kit import SECRETS, ScriptedRasa

SEND_TIMEOUT = 1.0  # seconds the bridge waits for the Send API / OA API

# The bridge as the fault tests run it: short backoffs, so a fault window of a
# few seconds fits in the retry budget (6 retries from 0.2 s: 12.6 s in all).
BRIDGE_ENV = {
    "SEND_TIMEOUT": str(SEND_TIMEOUT),
    "SEND_RETRY_DELAY": "0.2",
    "QUEUE_RETRY_DELAY": "0.2",
    "TYPING_DELAY": "0",  # every Messenger turn calls the Send API twice
    "LOG_LEVEL": "INFO",
}


@dataclass
class ScriptedTarget:
    """`load_kit.Target` over one bridge process and a scripted Rasa."""

    bridge_urls: list[str]
    state: SimulatorState
    database_url: str
    rasa: ScriptedRasa
    bridge: Service

    def rasa_processed(self) -> list[tuple[str, str]]:
        with self.rasa.lock:
            return [(p["sender"], p["message"]) for p in self.rasa.received]


def bridge_service(var_dir: Path, database_url: str, rasa_url: str, sim_url: str):
    port = free_port()
    env = {
        **os.environ,
        **SECRETS,
        **BRIDGE_ENV,
        "VAR_DIR": str(var_dir),
        "DATABASE_URL": database_url,
        "QUEUE_DB": str(var_dir / "queue.db"),
        "BRIDGE_PORT": str(port),
        "RASA_URL": rasa_url,
        "ACTION_SERVER_URL": rasa_url,
        "PLATFORM_API_BASE": sim_url,
    }
    env.pop("QUEUE_URL", None)
    return Service(
        "fault-suite bridge",
        [sys.executable, "-m", "bot", "serve"],
        f"http://127.0.0.1:{port}/health",
        var_dir / "log" / "bridge.log",
        env,
    )


@pytest.fixture(scope="session")
def scripted_target(tmp_path_factory) -> Iterator[ScriptedTarget]:
    var_dir = tmp_path_factory.mktemp("faults")
    database_url = f"sqlite:///{var_dir / 'club.db'}"
    migrate(database_url)
    rasa = ScriptedRasa()
    state = SimulatorState(Secrets.from_names(SECRETS))
    with SimulatorServer(state) as sim:
        bridge = bridge_service(var_dir, database_url, rasa.url, sim.url)
        bridge.start()
        try:
            bridge.wait_healthy(60)
            url = bridge.health_url.removesuffix("/health")
            yield ScriptedTarget([url], state, database_url, rasa, bridge)
        finally:
            bridge.stop()
            rasa.close()


@pytest.fixture(scope="session")
def scale(tmp_path_factory) -> Iterator:
    """The scale profile: PostgreSQL, Redis, two Rasa servers, two bridges."""
    from tests.faults.scale_stack import scale_target

    var_dir = tmp_path_factory.mktemp("scale")
    state = SimulatorState(Secrets.from_names(SECRETS))
    with SimulatorServer(state) as sim:
        env = {**BRIDGE_ENV, "QUEUE_RETRIES": "10", "WEB_RATE_PER_MINUTE": "1000"}
        with scale_target(var_dir, state, sim.url, env) as target:
            yield target


REPORTS: list = []


@pytest.fixture
def record_fault():
    """Keep a run's `FaultReport` for the table printed at the end."""
    return REPORTS.append


def pytest_terminal_summary(terminalreporter) -> None:
    if not REPORTS:
        return
    from tests.faults.load_kit import FaultReport

    terminalreporter.section("fault suite")
    terminalreporter.write_line(FaultReport.HEADER)
    for report in REPORTS:
        terminalreporter.write_line(report.row())
