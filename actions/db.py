"""The action server's handle on the club database (one engine per process)."""

from __future__ import annotations

import os
from datetime import date
from functools import lru_cache

from sqlalchemy.orm import Session

from bot.club.database import session_scope
from bot.settings import Settings, load_settings


@lru_cache(maxsize=8)
def _settings_for(_database_url_variable: str) -> Settings:
    return load_settings()


def settings() -> Settings:
    """The settings, read once (not on every action call) and again only if
    DATABASE_URL changes."""
    return _settings_for(os.environ.get("DATABASE_URL", ""))


def database_url() -> str:
    return settings().database_url


def club_session() -> Session:
    """A short session for one action call."""
    return session_scope(database_url())


def today() -> date:
    return date.today()
