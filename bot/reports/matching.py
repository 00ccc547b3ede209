"""Match a credit to a fund, a sponsor and a child, with a confidence.

- high: an exact fund code (a word of its own) and nothing that disagrees: a
  child code must be a child with an active sponsorship, a phone's sponsor
  must be that child's sponsor; or a payer staff assigned before. Only high
  matches are booked as donations without a person looking.
- medium: the fund code only inside a run-together word ("NUOIEMNE0101"),
  or inferred from a child code, or a child code that is unknown or has no
  active sponsorship.
- low: parts that disagree (two funds, a phone of another sponsor), or only a
  sponsor's phone.
- none: nothing found.
Everything below high waits in the review list with the suggestion filled in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.club.models import Child, Fund, Sponsor, Sponsorship
from bot.reports.ledger import PayerRule
from bot.reports.memo_scan import MemoScan, plain, scan

CHILD_FUND = "NUOIEM"  # the fund a child's code belongs to
LEVELS = ("none", "low", "medium", "high")


@dataclass(frozen=True)
class Match:
    fund: str | None
    child: str | None
    sponsor_id: int | None
    phone: str | None
    confidence: str
    reasons: tuple[str, ...] = ()
    by: str = "memo"


@dataclass
class Directory:
    """The club's codes, loaded once per import (10,000 memos, no queries)."""

    funds: dict[str, int]
    children: dict[str, int]
    sponsors: dict[str, int]  # phone -> sponsor id
    sponsorships: dict[str, list[tuple[int, date, date | None]]]
    rules: dict[str, tuple[str, int | None, str | None]]  # payer -> match

    @property
    def fund_codes(self) -> tuple[str, ...]:
        return tuple(self.funds)

    @classmethod
    def load(cls, session: Session) -> Directory:
        funds = dict(session.execute(select(Fund.code, Fund.id)).all())
        children = dict(session.execute(select(Child.code, Child.id)).all())
        codes = {v: k for k, v in children.items()}
        held: dict[str, list] = {}
        for s in session.scalars(select(Sponsorship)):
            held.setdefault(codes[s.child_id], []).append(
                (s.sponsor_id, s.since, s.until)
            )
        fund_codes = {v: k for k, v in funds.items()}
        rules = {
            r.payer: (fund_codes[r.fund_id], r.sponsor_id, codes.get(r.child_id))
            for r in session.scalars(select(PayerRule))
        }
        sponsors = dict(session.execute(select(Sponsor.phone, Sponsor.id)).all())
        return cls(funds, children, sponsors, held, rules)

    def sponsor_of(self, child: str, on: date) -> int | None:
        for sponsor, since, until in self.sponsorships.get(child, ()):
            if since <= on and (until is None or on <= until):
                return sponsor
        return None


def payer_key(counter_account: str, counter_name: str, found: MemoScan) -> str:
    """Who sent it: the counter-account number, else the sender's name."""
    account = "".join(ch for ch in counter_account if ch.isdigit())
    if account := account or found.sender_account:
        return f"acct:{account}"
    name = plain(counter_name) or found.sender_name
    return f"name:{name}" if name else ""


def _fund(found: MemoScan, reasons: list[str]) -> tuple[str | None, str]:
    exact = {f.value for f in found.funds if f.exact}
    codes = exact or {f.value for f in found.funds}
    if len(codes) > 1:
        reasons.append("several fund codes: " + ", ".join(sorted(codes)))
        return None, "low"
    if not codes:
        return None, "none"
    if not exact:
        reasons.append("fund code inside a run-together word")
        return codes.pop(), "medium"
    return codes.pop(), "high"


def match_memo(found: MemoScan, book: Directory, on: date) -> Match:
    """The match of one memo, already scanned, on the day it arrived."""
    reasons: list[str] = []
    fund, level = _fund(found, reasons)
    known = [c for c in found.children if c.value in book.children]
    child = known[0].value if known else None
    for c in found.children:
        if c.value not in book.children:
            reasons.append(f"unknown child code {c.value}")
            level = min(level, "medium", key=LEVELS.index)
    child_sponsor = book.sponsor_of(child, on) if child else None
    if child and not known[0].exact:
        reasons.append(f"child code {child} inside a run-together word")
        level = min(level, "medium", key=LEVELS.index)
    if child and child_sponsor is None:
        reasons.append(f"{child} has no active sponsorship")
        level = min(level, "medium", key=LEVELS.index)
    if child and fund is None and level == "none" and CHILD_FUND in book.funds:
        fund, level = CHILD_FUND, "medium"
        reasons.append(f"fund {CHILD_FUND} inferred from the child code")
    phone = found.phones[0] if found.phones else None
    phone_sponsor = book.sponsors.get(phone) if phone else None
    if phone and phone_sponsor is None:
        reasons.append(f"phone {phone} is not a sponsor's")
    if phone_sponsor and child_sponsor and phone_sponsor != child_sponsor:
        reasons.append(f"the phone's sponsor is not {child}'s sponsor")
        level = "low"
    sponsor = phone_sponsor or child_sponsor
    if fund is None and sponsor is not None and level == "none":
        level = "low"
        reasons.append("only a sponsor's phone")
    return Match(fund, child, sponsor, phone, level, tuple(reasons))


def match_credit(
    memo: str, payer: str, book: Directory, on: date, found: MemoScan | None = None
) -> Match:
    """The memo's match, or the payer's remembered one when the memo is unsure."""
    found = found or scan(memo, book.fund_codes)
    match = match_memo(found, book, on)
    if match.confidence != "high" and payer in book.rules:
        fund, sponsor, child = book.rules[payer]
        why = ("assigned by staff to this payer before", *match.reasons)
        return Match(fund, child, sponsor, match.phone, "high", why, "payer")
    return match
