"""The action server's handle on the club database (one engine per process)."""

from __future__ import annotations

import logging
from datetime import date

from sqlalchemy.orm import Session

from bot.db import session_scope
from bot.settings import load_settings

logger = logging.getLogger(__name__)


def database_url() -> str:
    return load_settings().database_url


def club_session() -> Session:
    """A short session for one action call."""
    return session_scope(database_url())


def today() -> date:
    return date.today()
