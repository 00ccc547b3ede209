"""Demo club data from `data/seed/*.csv`, loaded only into an empty database."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

from sqlalchemy import func, select

from bot.db import session_scope
from bot.models import Campaign
from bot.settings import ROOT

SEED_DIR = ROOT / "data" / "seed"


def _optional_date(raw: str) -> date | None:
    return date.fromisoformat(raw) if raw.strip() else None


def _optional_int(raw: str) -> int | None:
    return int(raw) if raw.strip() else None


def read_campaigns(path: Path) -> list[Campaign]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            Campaign(
                name=row["name"].strip(),
                synonyms=row["synonyms"].strip(),
                description=row["description"].strip(),
                district=row["district"].strip(),
                province=row["province"].strip(),
                start_date=date.fromisoformat(row["start_date"]),
                end_date=date.fromisoformat(row["end_date"]),
                registration_deadline=_optional_date(row["registration_deadline"]),
                capacity=_optional_int(row["capacity"]),
                requirements=row["requirements"].strip(),
                cost=int(row["cost"]),
                status=row["status"].strip(),
            )
            for row in csv.DictReader(handle)
        ]


def seed_if_empty(url: str, seed_dir: Path = SEED_DIR) -> int:
    """Load the demo campaigns when there are none; return how many were added."""
    with session_scope(url) as session, session.begin():
        if session.scalar(select(func.count()).select_from(Campaign)):
            return 0
        campaigns = read_campaigns(seed_dir / "campaigns.csv")
        session.add_all(campaigns)
        return len(campaigns)
