"""Action fixtures: the action server's database is the test's SQLite file."""

from __future__ import annotations

import pytest

from bot.club.seed import seed_if_empty


@pytest.fixture
def demo(db_url, monkeypatch) -> str:
    """The demo club, as the actions see it."""
    seed_if_empty(db_url)
    monkeypatch.setenv("DATABASE_URL", db_url)
    return db_url


@pytest.fixture
def club(club_db, monkeypatch) -> str:
    """A few campaigns (tests/club/factories.py), as the actions see them."""
    monkeypatch.setenv("DATABASE_URL", club_db)
    return club_db


@pytest.fixture
def use_db(monkeypatch):
    """Point the actions at a database chosen by the test."""

    def use(url: str) -> None:
        monkeypatch.setenv("DATABASE_URL", url)

    return use
