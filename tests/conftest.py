"""Shared fixtures: a real migrated SQLite club database per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.club.database import get_engine, session_scope
from bot.ops.schema import migrate
from tests.club.factories import sample_campaigns


@pytest.fixture
def db_url(tmp_path) -> Iterator[str]:
    """Its engine's pooled connections are closed afterwards: kept open, a
    whole run's files pass the 1,024 descriptors that select() in waitress
    can watch, and a later test's HTTP server fails."""
    url = f"sqlite:///{tmp_path / 'club.db'}"
    migrate(url)
    yield url
    get_engine(url).dispose()


@pytest.fixture
def club_db(db_url) -> str:
    with session_scope(db_url) as session, session.begin():
        session.add_all(sample_campaigns())
    return db_url
