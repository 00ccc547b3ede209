"""The real stack on free loopback ports: action server, Rasa server, bridge.

The model is trained once per data fingerprint into `models/` (the same cache
`make run` uses); the club database is a temporary SQLite file.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from bot.club.database import session_scope
from bot.club.importer import import_table
from bot.club.seed import SEED_DIR
from bot.club.tables import LOAD_ORDER
from bot.ops.processes import (
    Service,
    action_service,
    bridge_service,
    free_port,
    rasa_service,
)
from bot.ops.schema import migrate
from bot.ops.training import train
from bot.settings import ROOT, Settings, load_settings
from tests.club.factories import sample_campaigns


@dataclass
class Stack:
    settings: Settings
    actions: Service
    rasa: Service
    bridge: Service

    @property
    def bridge_url(self) -> str:
        return f"http://{self.settings.host}:{self.settings.bridge_port}"

    def say(
        self, text: str, session: str, timeout: float = 60, expect_reply: bool = True
    ) -> list[dict]:
        """Send one message through the web chat; return the bot's new replies.

        With `expect_reply=False`, wait until the message is processed and
        return whatever came (a paused conversation gets nothing)."""
        api = f"{self.bridge_url}/chat/api/messages"
        seen = self._bot_messages(session)
        body = {"session_id": session, "text": text, "channel": "web"}
        response = requests.post(api, json=body, timeout=10)
        assert response.status_code == 202, response.text
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            data = requests.get(
                api,
                params={"after": 0},
                headers={"X-Chat-Session": session},
                timeout=10,
            )
            data = data.json()
            bot = [m for m in data["messages"] if m["from"] == "bot"]
            if (len(bot) > len(seen) or not expect_reply) and not data["pending"]:
                return bot[len(seen) :]
            time.sleep(0.2)
        raise AssertionError(f"no reply to {text!r} within {timeout} s")

    def _bot_messages(self, session: str) -> list[dict]:
        api = f"{self.bridge_url}/chat/api/messages"
        data = requests.get(
            api, params={"after": 0}, headers={"X-Chat-Session": session}, timeout=10
        )
        return [m for m in data.json()["messages"] if m["from"] == "bot"]


def _settings(var_dir: Path) -> Settings:
    overrides = {
        "VAR_DIR": str(var_dir),
        "DATABASE_URL": f"sqlite:///{var_dir / 'club.db'}",
        "BRIDGE_PORT": str(free_port()),
        "RASA_PORT": str(free_port()),
        "ACTION_PORT": str(free_port()),
        "WEB_RATE_PER_MINUTE": "1000",  # every test talks from 127.0.0.1
        "ACTION_WAIT": "2",  # test_zz: the busy answer after a short wait
    }
    saved = {key: os.environ.get(key) for key in overrides}
    os.environ.update(overrides)
    try:
        return load_settings(var_dir / "no.env")
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture(scope="session")
def stack(tmp_path_factory) -> Iterator[Stack]:
    var_dir = tmp_path_factory.mktemp("stack")
    settings = _settings(var_dir)
    migrate(settings.database_url)
    with session_scope(settings.database_url) as session, session.begin():
        session.add_all(sample_campaigns())
    for table in LOAD_ORDER[1:]:  # the demo children, sponsors and money
        assert import_table(settings.database_url, table, SEED_DIR / f"{table}.csv").ok
    model = train(ROOT / "models", var_dir / "log" / "train.log")
    services = Stack(
        settings,
        action_service(settings),
        rasa_service(settings, model),
        bridge_service(settings),
    )
    started = []
    try:
        for service, timeout in (
            (services.actions, 120),
            (services.rasa, 300),
            (services.bridge, 60),
        ):
            service.start()
            started.append(service)
            service.wait_healthy(timeout)
        yield services
    finally:
        for service in reversed(started):
            service.stop()


@pytest.fixture
def session_id() -> str:
    return f"it-{uuid.uuid4().hex[:12]}"
