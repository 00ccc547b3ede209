"""Shared fixtures: a real migrated SQLite club database per test."""

from __future__ import annotations

import pytest

from bot.club.database import session_scope
from bot.ops.schema import migrate
from tests.club.factories import sample_campaigns


@pytest.fixture
def db_url(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'club.db'}"
    migrate(url)
    return url


@pytest.fixture
def club_db(db_url) -> str:
    with session_scope(db_url) as session, session.begin():
        session.add_all(sample_campaigns())
    return db_url
