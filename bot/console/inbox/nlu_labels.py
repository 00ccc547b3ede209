"""Staff labels on NLU inbox items, and what the retrain flow reads of them.

States: new → labelled (an intent, confirmed or chosen) → trained (set by the
retrain flow with `mark_trained`); "noise" and "later" set an item aside, "new"
puts it back. A label changes the database at once; `reviewed_yaml` turns every
labelled and trained item into data/nlu/reviewed.yml, which staff then save
(`nlu_training.save`, after `rasa data validate`). So "labelled" means "will be
in the training data once saved", and `unsaved` says when the file lags.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path

import yaml
from sqlalchemy import func, select, update

from bot.club.database import get_engine, session_scope
from bot.console.inbox.nlu_placeholders import plain, training_text
from bot.console.inbox.nlu_training import (
    DATA_DIR,
    current,
    key_of,
    render,
    saved_labels,
)
from bot.console.rows import InboxItem
from bot.settings import ROOT

ACTIONS = ("confirm", "relabel", "noise", "later", "new")
SORTS = ("newest", "frequent")
PAGE_SIZE = 30
MAX_IDS = 500  # one bulk action at most
NOT_LABELS = ("nlu_fallback",)
items = InboxItem.__table__


class BadLabel(ValueError):
    """A label the console refuses; the message says why, for the page."""


@cache
def intents(domain_file: Path = ROOT / "domain.yml") -> tuple[str, ...]:
    """The intents a message may be labelled with: the domain's, in its order."""
    found = yaml.safe_load(domain_file.read_text("utf-8")).get("intents") or []
    names = [i if isinstance(i, str) else next(iter(i)) for i in found]
    return tuple(n for n in names if n not in NOT_LABELS)


def ranking(item) -> list[tuple[str, float]]:
    return [(name, float(p)) for name, p in json.loads(item.ranking or "[]")]


def count_by_state(db_url: str) -> dict[str, int]:
    query = select(items.c.state, func.count()).group_by(items.c.state)
    with get_engine(db_url).connect() as conn:
        return dict(conn.execute(query).all())


def new_count(db_url: str) -> int:
    query = select(func.count()).select_from(items).where(items.c.state == "new")
    with get_engine(db_url).connect() as conn:
        return conn.execute(query).scalar() or 0


@dataclass(frozen=True)
class Page:
    items: list[InboxItem]
    number: int
    pages: int


def page(db_url: str, state: str, sort: str, number: int) -> Page:
    """One page of the items in a state, latest or most frequent first."""
    order = [InboxItem.last_at.desc(), InboxItem.id.desc()]
    if sort == "frequent":
        order.insert(0, InboxItem.count.desc())
    where = InboxItem.state == state
    with session_scope(db_url) as session:
        total = session.scalar(select(func.count()).where(where)) or 0
        pages = max(1, -(-total // PAGE_SIZE))
        number = min(max(number, 1), pages)
        query = (
            select(InboxItem)
            .where(where)
            .order_by(*order)
            .offset((number - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE)
        )
        return Page(list(session.scalars(query)), number, pages)


def _intent_for(item: InboxItem, action: str, intent: str | None) -> str | None:
    if action == "relabel":
        return intent
    top = next(iter(ranking(item)), (None, 0))[0]
    return top if top in intents() else None


def label(
    db_url: str, ids: list[int], action: str, username: str, intent: str | None = None
) -> tuple[int, int]:
    """Apply one action to items: (changed, skipped). Confirm gives each item
    its own top intent; an item without a usable one is skipped."""
    if action not in ACTIONS:
        raise BadLabel(f"Không có thao tác “{action}”.")
    if action == "relabel" and intent not in intents():
        raise BadLabel(f"Không có ý định “{intent}” trong domain.yml.")
    if not ids:
        raise BadLabel("Bạn chưa chọn câu nào.")
    if len(ids) > MAX_IDS:
        raise BadLabel(f"Mỗi lần chỉ gán được tối đa {MAX_IDS} câu.")
    changed = skipped = 0
    now = datetime.utcnow()
    with session_scope(db_url) as session, session.begin():
        for item in session.scalars(select(InboxItem).where(InboxItem.id.in_(ids))):
            if action in ("confirm", "relabel"):
                given = _intent_for(item, action, intent)
                if given is None:
                    skipped += 1
                    continue
                item.state, item.intent = "labelled", given
            else:
                item.state, item.intent = action, None
            item.labelled_by, item.labelled_at = username, now
            changed += 1
    return changed, skipped


def example_of(item: InboxItem, data_dir: Path = DATA_DIR) -> str:
    """The item's text as it goes into reviewed.yml (annotated, placeholders)."""
    return training_text(item.text, data_dir / "nlu" / "patterns.yml")


def _labelled(db_url: str, states: tuple[str, ...]) -> list[InboxItem]:
    query = (
        select(InboxItem)
        .where(InboxItem.state.in_(states), InboxItem.intent.is_not(None))
        .order_by(InboxItem.labelled_at.desc(), InboxItem.id.desc())
    )
    with session_scope(db_url) as session:
        return list(session.scalars(query))


def reviewed_yaml(db_url: str, data_dir: Path = DATA_DIR) -> str:
    """reviewed.yml as the labels in the database make it."""
    found = _labelled(db_url, ("labelled", "trained"))
    return render([(example_of(i, data_dir), i.intent) for i in found], data_dir)


def unsaved(db_url: str, data_dir: Path = DATA_DIR) -> bool:
    """Whether reviewed.yml differs from the labels (staff should save)."""
    wanted, saved = reviewed_yaml(db_url, data_dir), current(data_dir)
    return wanted != saved and not (saved is None and "nlu: []" in wanted)


@dataclass(frozen=True)
class Labelled:
    id: int
    text: str  # as in reviewed.yml, without entity annotations
    intent: str
    saved: bool  # in reviewed.yml as it is now, so in the next training


def labelled_examples(db_url: str, data_dir: Path = DATA_DIR) -> list[Labelled]:
    """Items labelled but not yet trained: for the retrain flow's evaluation,
    then `mark_trained` with the ids of those that were `saved`."""
    saved = saved_labels(data_dir)
    found = []
    for item in _labelled(db_url, ("labelled",)):
        text = plain(example_of(item, data_dir))
        in_file = saved.get(key_of(text)) == item.intent
        found.append(Labelled(item.id, text, item.intent, in_file))
    return found


def mark_trained(db_url: str, ids: list[int]) -> int:
    """Labelled items a new model was trained on; the number changed."""
    if not ids:
        return 0
    query = (
        update(items)
        .where(items.c.id.in_(ids), items.c.state == "labelled")
        .values(state="trained")
    )
    with get_engine(db_url).begin() as conn:
        return conn.execute(query).rowcount
