"""`make run` keeps the other services up and restarts one that crashes."""

from __future__ import annotations

import sys

from bot.ops import stack
from bot.ops.processes import Service, free_port


def tiny_server(tmp_path) -> Service:
    port = free_port()
    return Service(
        "test server",
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        f"http://127.0.0.1:{port}/",
        tmp_path / "server.log",
        {"PATH": "/usr/bin:/bin"},
    )


def test_a_crashed_service_is_restarted_then_given_up(tmp_path, monkeypatch):
    monkeypatch.setattr(stack, "MAX_RESTARTS", 2)
    service = tiny_server(tmp_path)
    service.start()
    service.wait_healthy(30)
    history: dict[str, list[float]] = {}
    try:
        for _ in range(2):
            service.process.kill()
            service.process.wait()
            assert stack._restart(service, history)
            assert service.healthy()
        service.process.kill()
        service.process.wait()
        assert not stack._restart(service, history)  # the third crash in the window
    finally:
        service.stop()
