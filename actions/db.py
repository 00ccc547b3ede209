"""The action server's handle on the club database (one engine per process)."""

from __future__ import annotations

import os
from datetime import date
from functools import lru_cache

from sqlalchemy.orm import Session

from bot.club.database import session_scope
from bot.settings import load_settings


@lru_cache(maxsize=8)
def _url_for(_database_url_variable: str) -> str:
    return load_settings().database_url


def database_url() -> str:
    """The club database URL, read from the settings once (not on every action
    call) and again only if DATABASE_URL changes."""
    return _url_for(os.environ.get("DATABASE_URL", ""))


def club_session() -> Session:
    """A short session for one action call."""
    return session_scope(database_url())


def today() -> date:
    return date.today()
