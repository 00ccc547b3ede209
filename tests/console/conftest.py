"""Console fixtures: the bridge app (as `serve` builds it) with staff accounts."""

from __future__ import annotations

import re

import pytest

from bot.bridge.app import build_queue, create_app
from bot.club.staff import create_staff
from bot.settings import load_settings

PASSWORD = "mat-khau-dai-du"


@pytest.fixture
def console(tmp_path, db_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("VAR_DIR", str(tmp_path))
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
