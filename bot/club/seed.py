"""Demo club data from `data/seed/*.csv`, loaded only into an empty database."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from bot.club.database import session_scope
from bot.club.importer import import_table
from bot.club.models import Campaign
from bot.club.tables import LOAD_ORDER
from bot.settings import ROOT

SEED_DIR = ROOT / "data" / "seed"


class SeedError(RuntimeError):
    """The demo CSV files do not import cleanly."""


def seed_if_empty(url: str, seed_dir: Path = SEED_DIR) -> int:
    """Load every demo table when there are no campaigns; return rows added."""
    with session_scope(url) as session:
        if session.scalar(select(func.count()).select_from(Campaign)):
            return 0
    added = 0
    for table in LOAD_ORDER:
        path = seed_dir / f"{table}.csv"
        if not path.exists():
            continue
        result = import_table(url, table, path)
        if not result.ok:
            raise SeedError(f"{path}: " + "; ".join(result.errors))
        added += result.created
    return added
