"""A candidate model against the live one, in the retrain job's process.

Both models are loaded with Rasa's `Agent` (`bot.ops.nlu_parser.Parser`, the same code
the NLU benchmark uses) and predict the intent of: the held-out sets
(tests/nlu/test_*.yml and tests/heldout/*.yml, as typed and with diacritics
removed; scoring only, nothing here is tuned on them), every example staff
labelled in the NLU inbox, and the distinct user messages of the last days
copied from Rasa's tracker store (`copied_events`). The rules that decide from
these numbers are in `bot.ops.verdict`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from bot.club.database import session_scope
from bot.console.rows import CopiedEvent, InboxItem

HELD_OUT = ("tests/nlu/test_*.yml", "tests/heldout/*.yml")
MAX_REPLAYED = 3000  # distinct texts, most recent first: bounds the job's time


@dataclass
class SetScore:
    """Correct predictions of one held-out file: as typed, without diacritics."""

    name: str
    n: int
    candidate: list[int]
    live: list[int] | None = None


@dataclass
class LabelledScore:
    id: int
    text: str
    intent: str
    candidate: str  # predicted intent
    live: str | None = None
    state: str = "labelled"  # the inbox state when evaluated
    saved: bool = False  # in data/nlu/reviewed.yml, so the candidate learnt it


@dataclass
class Comparison:
    held_out: list[SetScore] = field(default_factory=list)
    labelled: list[LabelledScore] = field(default_factory=list)
    changed: list[dict] = field(default_factory=list)  # text, count, live, candidate
    replayed: int = 0  # distinct messages replayed through both models
    days: int = 7
    has_live: bool = False

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Comparison:
        return cls(
            held_out=[SetScore(**s) for s in data.get("held_out", [])],
            labelled=[LabelledScore(**s) for s in data.get("labelled", [])],
            changed=data.get("changed", []),
            replayed=data.get("replayed", 0),
            days=data.get("days", 7),
            has_live=data.get("has_live", False),
        )


def held_out_files(root: Path) -> list[Path]:
    return sorted(p for pattern in HELD_OUT for p in root.glob(pattern))


def labelled_items(url: str) -> list[tuple[int, str, str, str]]:
    """(id, text, intent, state) of every inbox item staff gave an intent."""
    query = (
        select(InboxItem.id, InboxItem.text, InboxItem.intent, InboxItem.state)
        .where(InboxItem.state.in_(("labelled", "trained")))
        .where(InboxItem.intent.is_not(None))
        .order_by(InboxItem.id)
    )
    with session_scope(url) as session:
        return [tuple(row) for row in session.execute(query)]


def saved_ids(url: str, root: Path) -> set[int]:
    """Labelled (not yet trained) items whose label is in the project's
    reviewed.yml, i.e. in the data the candidate was trained on."""
    from bot.console.inbox.nlu_labels import labelled_examples

    return {x.id for x in labelled_examples(url, root / "data") if x.saved}


def recent_messages(url: str, days: int, now: datetime) -> list[tuple[str, int]]:
    """Distinct user texts of the last `days` days, with how often each came."""
    query = (
        select(CopiedEvent.text, func.count(), func.max(CopiedEvent.at))
        .where(CopiedEvent.kind == "user", CopiedEvent.text.is_not(None))
        .where(CopiedEvent.at >= now - timedelta(days=days))
        .group_by(CopiedEvent.text)
        .order_by(func.max(CopiedEvent.at).desc())
        .limit(MAX_REPLAYED)
    )
    with session_scope(url) as session:
        return [(text, n) for text, n, _ in session.execute(query) if text.strip()]


def _score_set(parsers: dict, path: Path) -> SetScore:
    from bot.ops.nlu_parser import load_examples, without_diacritics

    examples = load_examples([path])
    spellings = (examples, without_diacritics(examples))
    correct = {
        role: [
            sum(parser.parse(e.text).intent == e.intent for e in spelled)
            for spelled in spellings
        ]
        for role, parser in parsers.items()
    }
    return SetScore(path.name, len(examples), correct["candidate"], correct.get("live"))


def compare(
    candidate: Path, live: Path | None, root: Path, url: str, days: int
) -> Comparison:
    """Load both models and score them (the live one is None before any
    promotion: then only the candidate is scored)."""
    from bot.ops.nlu_parser import Parser

    parsers = {"candidate": Parser(candidate)}
    if live is not None:
        parsers["live"] = Parser(live)
    try:
        result = Comparison(days=days, has_live=live is not None)
        result.held_out = [_score_set(parsers, p) for p in held_out_files(root)]
        saved = saved_ids(url, root)
        for item_id, text, intent, state in labelled_items(url):
            guesses = {r: p.parse(text).intent for r, p in parsers.items()}
            result.labelled.append(
                LabelledScore(
                    item_id,
                    text,
                    intent,
                    state=state,
                    saved=item_id in saved,
                    **guesses,
                )
            )
        messages = recent_messages(url, days, datetime.utcnow())
        result.replayed = len(messages)
        if live is not None:
            for text, count in messages:
                old = parsers["live"].parse(text).intent
                new = parsers["candidate"].parse(text).intent
                if old != new:
                    result.changed.append(
                        {"text": text, "count": count, "live": old, "candidate": new}
                    )
        return result
    finally:
        for parser in parsers.values():
            parser.close()
