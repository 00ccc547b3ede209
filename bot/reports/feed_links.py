"""One transfer, one ledger row: the bank feed's row and the export's row of
the same transaction are linked even when their keys differ.

A fed row (SePay, Casso) takes the key the export should give the same
transaction (`feed`), but the bank may write the reference differently in
the export, or the service may have none. So a row of an export whose key is
not in the ledger is first offered to the fed rows no export has claimed yet
(`statement_id` NULL) of the same account, day and amount; the other way, a
fed row whose key is not in the ledger is offered to the export rows no feed
has claimed (`feed_id` NULL). When several could be the one, the memos that
read most alike are paired first (ties: the older row), and each row is paired
at most once: two equal transfers on one day stay two.

A fed row an export claims takes the export's key (and its donation the same
reference), so importing that export again counts it as a duplicate.
"""

from __future__ import annotations

from collections import defaultdict
from difflib import SequenceMatcher

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.club.models import Donation
from bot.reports.ledger import BankTransaction
from bot.reports.memo_scan import plain
from bot.reports.statements.statement_parser import StatementRow

FEEDS = ("sepay", "casso")


def account_prefix(bank: str, account: str) -> str:
    """The start of every key of this account (`statement_import.row_key`)."""
    return f"{bank}:{account}:" if account else f"{bank}:"


def closeness(memo: str, other: str) -> float:
    """How alike two memos read, 0 to 1, as banks write them."""
    return SequenceMatcher(None, plain(memo), plain(other)).ratio()


def pair_up(memos: list[str], candidates: list[BankTransaction]) -> dict[int, int]:
    """Index of a memo -> index of its candidate: closest first, each once."""
    scored = sorted(
        (-closeness(memo, tx.description), tx.id, mine, theirs)
        for mine, memo in enumerate(memos)
        for theirs, tx in enumerate(candidates)
    )
    pairs: dict[int, int] = {}
    taken: set[int] = set()
    for _, _, mine, theirs in scored:
        if mine not in pairs and theirs not in taken:
            pairs[mine] = theirs
            taken.add(theirs)
    return pairs


def claim_fed(session: Session, statement_id: int, keys: list[str]) -> None:
    """Fed rows the export gives the same key: this statement's now."""
    for start in range(0, len(keys), 500):
        session.execute(
            update(BankTransaction)
            .where(
                BankTransaction.key.in_(keys[start : start + 500]),
                BankTransaction.source.in_(FEEDS),
                BankTransaction.statement_id.is_(None),
            )
            .values(statement_id=statement_id)
            .execution_options(synchronize_session=False)
        )


def _adopt(tx: BankTransaction, row: StatementRow, key: str, statement_id: int):
    donation: Donation | None = tx.donation
    if donation is not None and donation.reference == tx.key:
        donation.reference = key
    tx.key, tx.statement_id = key, statement_id
    tx.counter_account = tx.counter_account or row.counter_account[:40]
    tx.counter_name = tx.counter_name or row.counter_name[:200]
    if tx.balance is None:
        tx.balance = row.balance


def _unclaimed_fed(session: Session, prefix: str, day, amount: int) -> list:
    query = select(BankTransaction).where(
        BankTransaction.source.in_(FEEDS),
        BankTransaction.statement_id.is_(None),
        BankTransaction.date == day,
        BankTransaction.amount == amount,
        BankTransaction.key.startswith(prefix, autoescape=True),
    )
    return list(session.scalars(query.order_by(BankTransaction.id)))


def link_fed(
    session: Session,
    statement_id: int,
    prefix: str,
    fresh: list[tuple[StatementRow, str]],
) -> list[tuple[StatementRow, str]]:
    """Pair the export's new rows with unclaimed fed rows; the rows left."""
    groups: dict[tuple, list[int]] = defaultdict(list)
    for index, (row, _) in enumerate(fresh):
        groups[(row.date, row.amount)].append(index)
    linked: set[int] = set()
    for (day, amount), indexes in groups.items():
        candidates = _unclaimed_fed(session, prefix, day, amount)
        if not candidates:
            continue
        memos = [fresh[i][0].description for i in indexes]
        for mine, theirs in pair_up(memos, candidates).items():
            row, key = fresh[indexes[mine]]
            _adopt(candidates[theirs], row, key, statement_id)
            linked.add(indexes[mine])
    session.flush()
    return [pair for index, pair in enumerate(fresh) if index not in linked]


def export_twin(
    session: Session, prefix: str, row: StatementRow
) -> BankTransaction | None:
    """The export's row of a fed transaction whose key it did not give."""
    query = select(BankTransaction).where(
        BankTransaction.source == "statement",
        BankTransaction.feed_id.is_(None),
        BankTransaction.date == row.date,
        BankTransaction.amount == row.amount,
        BankTransaction.key.startswith(prefix, autoescape=True),
    )
    candidates = list(session.scalars(query.order_by(BankTransaction.id)))
    if not candidates:
        return None
    return candidates[pair_up([row.description], candidates)[0]]
