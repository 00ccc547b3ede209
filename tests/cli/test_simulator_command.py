"""`make simulator` (python -m bot simulator) against a bridge in simulator
mode on a real loopback port, answered by the scripted Rasa of the kit."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.bridge.app import build_queue, create_app, http_server
from bot.ops.processes import free_port
from bot.settings import load_settings
from tests.bridge.platform_kit import SECRETS, Replies, ScriptedRasa, echo

ROOT = Path(__file__).parents[2]


@contextmanager
def simulator_bridge(
    tmp_path, db_url, monkeypatch, replies: Replies = echo
) -> Iterator[dict[str, str]]:
    """A bridge whose own environment says PLATFORM_API_BASE=simulator and
    sets no platform secret (the simulator's defaults); yields the
    environment of a command run next to it, which says neither."""
    rasa = ScriptedRasa(replies)
    port = free_port()
    shared = {
        "DATABASE_URL": db_url,
        "VAR_DIR": str(tmp_path),
        "BIND_HOST": "127.0.0.1",
        "BRIDGE_PORT": str(port),
    }
    own = {"RASA_URL": rasa.url, "ACTION_SERVER_URL": rasa.url, "TYPING_DELAY": "0"}
    for key, value in {**shared, **own, "PLATFORM_API_BASE": "simulator"}.items():
        monkeypatch.setenv(key, value)
    for key in SECRETS:
        monkeypatch.delenv(key, raising=False)
    settings = load_settings(tmp_path / "none.env")
    queue = build_queue(settings)
    run, close = http_server(settings, create_app(settings, queue))
    threading.Thread(target=run, daemon=True).start()
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    consumer = queue.consumer(workers=1)
    consumer.start()
    command_env = {
        k: v for k, v in os.environ.items() if k != "PLATFORM_API_BASE" and k not in own
    }
    try:
        yield {**command_env, **shared}
    finally:
        consumer.stop(graceful=True)
        for sig, handler in saved.items():
            signal.signal(sig, handler)
        close()
        rasa.close()


def say(env: dict[str, str], text: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot", "simulator", "messenger", text, "--timeout=20"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_command_signs_as_the_simulator_mode_bridge_checks(
    tmp_path, db_url, monkeypatch
):
    """Only `make run`'s environment said PLATFORM_API_BASE=simulator: the
    command still signs with the secrets that bridge uses, and prints the
    answer; with another secret than the bridge's it says why at once."""
    with simulator_bridge(tmp_path, db_url, monkeypatch) as env:
        said = say(env, "xin chào")
        assert said.returncode == 0, said.stderr
        assert "bot: echo: xin chào" in said.stdout
        refused = say({**env, "MESSENGER_APP_SECRET": "not-the-bridge's"}, "alo")
        assert refused.returncode == 1
        assert "webhook: HTTP 403" in refused.stdout
        assert "PLATFORM_API_BASE=simulator" in refused.stderr
        assert "no answer within" not in refused.stderr  # it did not wait


def qr_code(payload: dict) -> list[dict]:
    """Rasa's REST answer of a text and then an image, as the VietQR turn."""
    you = payload["sender"]
    return [
        {"recipient_id": you, "text": "Dạ, mã VietQR đây ạ."},
        {"recipient_id": you, "image": "http://127.0.0.1:8000/qr/vietqr.png?memo=X"},
    ]


def test_an_image_is_shown_as_its_address(tmp_path, db_url, monkeypatch):
    """Not as an empty "bot: " line."""
    with simulator_bridge(tmp_path, db_url, monkeypatch, qr_code) as env:
        said = say(env, "cho mình mã qr")
    assert said.returncode == 0, said.stderr
    assert said.stdout.splitlines()[1:] == [
        "bot: Dạ, mã VietQR đây ạ.",
        "bot: [ảnh: http://127.0.0.1:8000/qr/vietqr.png?memo=X]",
    ]
