"""Console fixtures: the bridge app (as `serve` builds it) with staff accounts."""

from __future__ import annotations

import re

import pytest

from bot.bridge.app import build_queue, create_app
from bot.club.staff import create_staff
from bot.settings import ROOT, load_settings

PASSWORD = "mat-khau-dai-du"


@pytest.fixture
def console(tmp_path, db_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    monkeypatch.setenv("TRACKER_DB", str(tmp_path / "tracker.db"))  # = rasa_tracker
    settings = load_settings(tmp_path / "none.env")
    create_staff(db_url, "thu.ha", PASSWORD, role="admin")
    create_staff(db_url, "minh.tnv", PASSWORD, role="volunteer")
    app = create_app(settings, build_queue(settings))
    return app.test_client()


def csrf_token(client, path: str = "/admin/login") -> str:
    page = client.get(path, follow_redirects=True).get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def log_in(client, username: str, password: str = PASSWORD, address="192.0.2.10"):
    form = {
        "username": username,
        "password": password,
        "csrf_token": csrf_token(client),
    }
    return client.post("/admin/login", data=form, environ_base={"REMOTE_ADDR": address})


class RasaTracker:
    """Rasa's own SQL tracker store on a SQLite file, as the Rasa server writes it."""

    def __init__(self, path) -> None:
        from rasa.core.tracker_store import SQLTrackerStore
        from rasa.shared.core.domain import Domain

        self.path = path
        self.url = f"sqlite:///{path}"
        self.domain = Domain.load(str(ROOT / "domain.yml"))
        self.store = SQLTrackerStore(self.domain, dialect="sqlite", db=str(path))

    def add(self, conversation_id: str, events: list) -> None:
        """Append events to a conversation, as Rasa does after a turn."""
        import asyncio

        from rasa.shared.core.trackers import DialogueStateTracker

        async def save() -> None:
            tracker = await self.store.retrieve(conversation_id)
            if tracker is None:
                tracker = DialogueStateTracker(conversation_id, self.domain.slots)
            for event in events:
                tracker.update(event)
            await self.store.save(tracker)

        asyncio.run(save())


def user(text: str, intent: str, confidence: float, at: float, **ranking: float):
    """A user message as Rasa stores it (FallbackClassifier puts nlu_fallback first)."""
    from rasa.shared.core.events import UserUttered

    others = [{"name": n, "confidence": c} for n, c in ranking.items()]
    top = {"name": intent, "confidence": confidence}
    parse = {"text": text, "intent": top, "intent_ranking": [top, *others]}
    return UserUttered(text, top, parse_data=parse, timestamp=at)


def bot(text: str, at: float, response: str = "utter_x"):
    from rasa.shared.core.events import BotUttered

    return BotUttered(text, metadata={"utter_action": response}, timestamp=at)


def action(name: str, at: float):
    from rasa.shared.core.events import ActionExecuted

    return ActionExecuted(name, timestamp=at)


@pytest.fixture
def rasa_tracker(tmp_path) -> RasaTracker:
    return RasaTracker(tmp_path / "tracker.db")
