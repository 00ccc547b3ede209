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


def test_demo_club_only_goes_into_the_embedded_database(tmp_path, monkeypatch):
    from sqlalchemy import func, select

    from bot.club.database import session_scope
    from bot.club.models import Campaign, DemoData
    from bot.settings import load_settings

    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    embedded = load_settings(tmp_path / "none.env")
    stack.prepare(embedded)
    with session_scope(embedded.database_url) as session:
        assert session.scalar(select(func.count()).select_from(Campaign)) > 0
        assert session.scalar(select(func.count()).select_from(DemoData)) > 0
    named = f"sqlite:///{tmp_path / 'real.db'}"
    monkeypatch.setenv("DATABASE_URL", named)
    stack.prepare(load_settings(tmp_path / "none.env"))
    with session_scope(named) as session:
        assert session.scalar(select(func.count()).select_from(Campaign)) == 0
