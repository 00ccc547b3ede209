"""The demo club (`data/seed/*.csv`): loaded into an empty database, marked as
demo, and removed on request before real data is imported.

`make run` loads it only into the embedded default database (no DATABASE_URL
set, bot/ops/stack.py); `python -m bot seed-demo` loads it anywhere on purpose.
An import into a database holding demo rows stops (`bot.club.importer`), so real
children never inherit a demo sponsor's sponsorship through a shared code.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from bot.club.database import session_scope
from bot.club.importer import import_table
from bot.club.models import (
    Campaign,
    Child,
    DemoData,
    Donation,
    LinkRequest,
    Sponsor,
    Sponsorship,
    VolunteerRegistration,
)
from bot.club.tables import LOAD_ORDER, TABLES
from bot.settings import ROOT

SEED_DIR = ROOT / "data" / "seed"
NO_SYNC = {"synchronize_session": False}  # bulk deletes: no objects loaded


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
        result = import_table(url, table, path, allow_demo=True)
        if not result.ok:
            raise SeedError(f"{path}: " + "; ".join(result.errors))
        added += result.created
    _mark(url)
    return added


def _mark(url: str) -> None:
    with session_scope(url) as session, session.begin():
        for name in LOAD_ORDER:
            model = TABLES[name].model
            top = session.scalar(select(func.max(model.id)))
            if top is not None:
                session.merge(DemoData(table_name=name, max_id=top))


def remove_demo(url: str) -> int:
    """Delete the demo rows (and what refers to them); returns rows deleted."""
    deleted = 0
    with session_scope(url) as session, session.begin():
        marks = {m.table_name: m.max_id for m in session.scalars(select(DemoData))}
        deleted += _remove_dependents(session, marks)
        for name in reversed(LOAD_ORDER):
            if name in marks:
                model = TABLES[name].model
                deleted += session.execute(
                    delete(model).where(model.id <= marks[name]),
                    execution_options=NO_SYNC,
                ).rowcount
        session.execute(delete(DemoData))
    return deleted


def _remove_dependents(session: Session, marks: dict[str, int]) -> int:
    """Rows made while the demo ran that point at demo rows."""
    children = select(Child.id).where(Child.id <= marks.get("children", 0))
    sponsors = select(Sponsor.id).where(Sponsor.id <= marks.get("sponsors", 0))
    campaigns = select(Campaign.id).where(Campaign.id <= marks.get("campaigns", 0))
    statements = [
        delete(Donation).where(
            Donation.child_id.in_(children) | Donation.sponsor_id.in_(sponsors)
        ),
        delete(Sponsorship).where(
            Sponsorship.child_id.in_(children) | Sponsorship.sponsor_id.in_(sponsors)
        ),
        delete(LinkRequest).where(LinkRequest.sponsor_id.in_(sponsors)),
        delete(VolunteerRegistration).where(
            VolunteerRegistration.campaign_id.in_(campaigns)
        ),
    ]
    return sum(
        session.execute(s, execution_options=NO_SYNC).rowcount for s in statements
    )
