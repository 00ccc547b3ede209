"""Retrain and promote on a tiny project with a real Rasa server: a worse
candidate is refused, a better one is promoted by PUT /model while messages
keep coming, and every message gets its answer; then a rollback.

Each of the three tiny models trains once per data fingerprint into
models/promotion-test/ (about 40 s each the first time).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta

import pytest
import requests
from sqlalchemy import select

from bot.club.database import session_scope
from bot.console.rows import CopiedEvent, InboxItem
from bot.ops import registry
from bot.ops.processes import Service, free_port, service_env
from bot.ops.promotion import PromotionRefused, promote, served_model
from bot.ops.schema import migrate
from bot.ops.training import fingerprint, rasa_bin, train
from bot.settings import ROOT, load_settings
from tests.integration.promotion_project import REVIEWED, write_project

LABELLED = REVIEWED["volunteer"][0]


@pytest.fixture
def settings(tmp_path, monkeypatch):
    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'club.db'}")
    monkeypatch.setenv("MODEL_DIR", str(ROOT / "models" / "promotion-test"))
    monkeypatch.setenv("RASA_PORT", str(free_port()))
    found = load_settings(tmp_path / "none.env")
    migrate(found.database_url)
    return found


def seed(url: str) -> None:
    """A labelled inbox example and a recent real message."""
    now = datetime.utcnow()
    with session_scope(url) as session, session.begin():
        session.add(
            InboxItem(
                key=LABELLED,
                text=LABELLED,
                reasons="fallback",
                count=1,
                conversation_id="web:a",
                event_id=1,
                first_at=now,
                last_at=now,
                state="labelled",
                intent="volunteer",
            )
        )
        session.add(
            CopiedEvent(
                id=1,
                conversation_id="web:a",
                kind="user",
                fell_back=False,
                at=now - timedelta(days=1),
                text="em muốn đi tình nguyện",
                intent="volunteer",
            )
        )


@pytest.fixture
def rasa(settings, tmp_path):
    """Rasa serving the tiny project's live model, registered as live."""
    project = write_project(tmp_path / "live", "live")
    model = train(settings.model_dir, tmp_path / "train.log", project)
    url = settings.database_url
    version = registry.add_candidate(url, model.name, fingerprint(project), "it")
    registry.mark_live(url, version, "it")
    token = settings.secrets.rasa_token
    service = Service(
        "Rasa server",
        [
            rasa_bin(),
            "run",
            "--enable-api",
            "--model",
            str(model),
            "--endpoints",
            str(project / "endpoints.yml"),
            "--credentials",
            str(project / "credentials.yml"),
            "--port",
            str(settings.rasa_port),
            f"--auth-token={token}",
        ],
        f"{settings.rasa_url}/status?token={token}",
        tmp_path / "rasa.log",
        service_env(settings),
    )
    service.start()
    try:
        service.wait_healthy(300)
        yield service
    finally:
        service.stop()


def retrain(settings, tmp_path, variant: str):
    """`python -m bot retrain` on a variant of the project; its new version."""
    project = write_project(tmp_path / variant, variant)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot",
            "retrain",
            "--by",
            "thu.ha",
            "--project",
            str(project),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return registry.version(
        settings.database_url,
        registry.latest_run(settings.database_url).model_version_id,
    )


class Talker(threading.Thread):
    """Sends a message to Rasa's REST channel every 0.1 s until stopped."""

    def __init__(self, rasa_url: str) -> None:
        super().__init__(daemon=True)
        self.url = f"{rasa_url}/webhooks/rest/webhook"
        self.stop = threading.Event()
        self.answers: list[tuple[str, float]] = []  # (first reply, seconds)

    def run(self) -> None:
        n = 0
        while not self.stop.is_set():
            n += 1
            started = time.monotonic()
            body = {"sender": "it-talker", "message": f"xin chào {n}"}
            reply = requests.post(self.url, json=body, timeout=120).json()
            text = reply[0]["text"] if reply else ""
            self.answers.append((text, time.monotonic() - started))
            time.sleep(0.1)


def test_worse_refused_better_promoted_without_a_lost_message(settings, rasa, tmp_path):
    url = settings.database_url
    seed(url)
    live = registry.live(url)
    # Before any promotion the baseline is what Rasa serves: it says which file.
    served = served_model(settings)
    assert (
        served and served.resolve() == (settings.model_dir / live.file_name).resolve()
    )

    worse = retrain(settings, tmp_path, "worse")
    assert worse.state == "refused"
    assert "ít hơn bản đang dùng" in worse.refusal
    assert f"«{LABELLED}»" in worse.refusal  # the labelled example it lost
    [lost] = json.loads(worse.evaluation)["labelled"]
    assert not lost["saved"]  # not in the worse project's reviewed.yml
    changed = json.loads(worse.evaluation)["changed"]
    assert changed == [
        {
            "text": "em muốn đi tình nguyện",
            "count": 1,
            "live": "volunteer",
            "candidate": "donate",
        }
    ]
    with pytest.raises(PromotionRefused):
        promote(settings, worse.id, "thu.ha")

    better = retrain(settings, tmp_path, "better")
    assert better.state == "candidate" and better.refusal is None

    talker = Talker(settings.rasa_url)
    talker.start()
    time.sleep(1)
    _, seconds = promote(settings, better.id, "thu.ha")
    time.sleep(1)
    talker.stop.set()
    talker.join(150)
    print(
        f"\nPUT /model took {seconds:.2f} s; {len(talker.answers)} messages, "
        f"slowest answer {max(s for _, s in talker.answers):.2f} s"
    )
    assert len(talker.answers) >= 5
    assert all(text == "greet ok" for text, _ in talker.answers)

    status = requests.get(
        f"{settings.rasa_url}/status", params={"token": settings.secrets.rasa_token}
    ).json()
    assert status["model_file"].endswith(better.file_name)
    assert registry.live(url).id == better.id
    assert registry.version(url, live.id).state == "retired"
    with session_scope(url) as session:
        assert session.scalar(select(InboxItem.state)) == "trained"

    promote(settings, live.id, "thu.ha", rollback=True)
    status = requests.get(
        f"{settings.rasa_url}/status", params={"token": settings.secrets.rasa_token}
    ).json()
    assert status["model_file"].endswith(live.file_name)
    assert registry.live(url).id == live.id
