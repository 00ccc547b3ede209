"""Statement import speed (issue #13 "Speed"): `make bench-statements`.

Generates a year of one account's Vietcombank exports (12 monthly .xlsx
files, 10,000 rows by default, memos with the noise banks add: prefixes,
run-together codes, sender notes, no codes at all; one debit in ten) for a
club of 300 sponsored children. Then it times importing the whole year into a
fresh SQLite ledger (read, parse, match, reconcile, write) and importing it
again (every row a duplicate). Target: the year in under ten seconds.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from openpyxl import Workbook

from bot.club.database import session_scope
from bot.club.models import Child, Sponsor, Sponsorship
from bot.club.seed import seed_if_empty
from bot.ops.schema import migrate
from bot.reports.statement_import import import_statement

TARGET_S = 10.0
HEADER = ["STT", "Ngày giao dịch / Số CT", "Số tiền ghi nợ/Debit",
          "Số tiền ghi có/Credit", "Số dư/Balance",
          "Nội dung chi tiết/Description"]  # fmt: skip
NAMES = ("NGUYEN VAN AN", "TRAN THI BICH", "LE MINH CHAU", "PHAM THU DUNG")


def add_children(url: str, count: int) -> list[tuple[str, str]]:
    """`count` children, each sponsored by their own made-up sponsor."""
    pairs = [(f"NE{5000 + n:04d}", f"09{70000000 + n:08d}") for n in range(count)]
    with session_scope(url) as session, session.begin():
        for code, phone in pairs:
            child = Child(code=code, given_name="Em", status="sponsored")
            sponsor = Sponsor(full_name=f"Nhà hảo tâm {code}", phone=phone)
            session.add_all([child, sponsor])
            session.flush()
            session.add(
                Sponsorship(
                    child_id=child.id, sponsor_id=sponsor.id, since=date(2025, 1, 1)
                )
            )
    return pairs


def memo(rng: random.Random, pairs: list[tuple[str, str]]) -> str:
    code, phone = rng.choice(pairs)
    sender = (
        f"CT tu 03510{rng.randrange(10**8):08d} {rng.choice(NAMES)} toi 0071000999888"
    )
    return rng.choices(
        [f"NUOIEM {code} {phone}",
         f"MBVCB.{rng.randrange(10**10)}.NUOIEM {code}.{sender}",
         f"IBFT NUOIEM{code}", "CHUYEN TIEN UNG HO XAYTRUONG", "ung ho cac em",
         f"CHIENDICH AO AM {phone}"],
        weights=[45, 15, 10, 10, 10, 10],
    )[0]  # fmt: skip


def write_month(path: Path, month: int, rows: int, balance: int, rng, pairs) -> int:
    """One month's export; returns its closing balance."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    first = date(2026, month, 1)
    sheet.append(["SAO KÊ TÀI KHOẢN / STATEMENT OF ACCOUNT"])
    sheet.append(["Số tài khoản / Account number: 0071000999888"])
    sheet.append(["Số dư đầu kỳ / Opening balance:", None, None, None, f"{balance:,}"])
    sheet.append(HEADER)
    for n in range(rows):
        day = first + timedelta(days=n * 28 // rows)
        debit = rng.random() < 0.1 and balance > 2_000_000
        amount = (
            -rng.randrange(1, 20) * 100_000 if debit else 160_000 * rng.randrange(1, 4)
        )
        balance += amount
        text = "Chi mua gao cho diem truong" if debit else memo(rng, pairs)
        cells = ["", f"{-amount:,}"] if debit else [f"{amount:,}", ""]
        ref = f"{month:02d}{n:05d}.{rng.randrange(10**5):05d}"
        sheet.append(
            [n + 1, f"{day:%d/%m/%Y}\n{ref}", cells[1], cells[0], f"{balance:,}", text]
        )
    sheet.append(["Số dư cuối kỳ / Closing balance:", None, None, None, f"{balance:,}"])
    book.save(path)
    return balance


def run(workdir: Path, rows: int, files: int, children: int) -> dict:
    url = f"sqlite:///{workdir / 'club.db'}"
    migrate(url)
    seed_if_empty(url)
    rng = random.Random(13)
    pairs = add_children(url, children)
    paths, balance = [], 50_000_000
    for month in range(1, files + 1):
        paths.append(workdir / f"vcb_2026_{month:02d}.xlsx")
        balance = write_month(paths[-1], month, rows // files, balance, rng, pairs)
    figures = {"rows": 0, "new": 0, "matched": 0, "review": 0, "gaps": 0}
    start = time.perf_counter()
    for path in paths:
        summary = import_statement(url, path)
        for name in ("rows", "new", "matched", "review"):
            figures[name] += getattr(summary, name)
        figures["gaps"] += bool(summary.gap)
    figures["import_s"] = time.perf_counter() - start
    start = time.perf_counter()
    figures["duplicates"] = sum(import_statement(url, p).duplicates for p in paths)
    figures["again_s"] = time.perf_counter() - start
    return figures


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000, help="rows in the year")
    parser.add_argument("--files", type=int, default=12, help="monthly files")
    parser.add_argument("--children", type=int, default=300)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-statements-") as workdir:
        f = run(Path(workdir), args.rows, args.files, args.children)
    rate = f["rows"] / f["import_s"]
    verdict = "under" if f["import_s"] < TARGET_S else "NOT under"
    files = f"{args.files} Vietcombank .xlsx files"
    print(f"{files}, {f['rows']} rows, {args.children} sponsored children")
    print(
        f"import: {f['import_s']:.2f} s ({rate:,.0f} rows/s), {f['new']} new, "
        f"{f['matched']} matched, {f['review']} to review, {f['gaps']} gaps"
    )
    print(f"again:  {f['again_s']:.2f} s, {f['duplicates']} duplicates, 0 new")
    print(f"target: the year {verdict} {TARGET_S:.0f} s")
    return f


if __name__ == "__main__":
    main()
