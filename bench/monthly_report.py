"""Monthly report speed (issue #13 item 5): `make bench-report`.

Generates a year of books (December 2025 to November 2026) into a fresh
SQLite club: 10,000 entries by default, nine donations in ten (45 % from a
sponsor for their child, the rest from named or anonymous donors to any
fund) and one expense in ten with the purposes staff write, 300 sponsored
children, and 500 bank rows still in review. Then it times, with the year in
the database:

- the figures of each of the twelve months (what `/sao-ke/YYYY-MM` computes
  on every view);
- one month's whole report: figures, XLSX, PDF and PNG (what the schedule and
  `python -m bot report` do), for the busiest month;
- the twelve months' whole reports, one after the other.

Target: a month's report, with a year of data, in under five seconds.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select

from bot.club.database import get_engine, session_scope
from bot.club.models import Child, Donation, Expense, Fund, Sponsor, Sponsorship
from bot.club.seed import seed_if_empty
from bot.ops.schema import migrate
from bot.reports.ledger import BankTransaction
from bot.reports.monthly.month_figures import month_report, next_month
from bot.reports.monthly.report_files import (
    WRITERS,
    figures,
    make_report,
    report_path,
)

TARGET_S = 5.0
FIRST = date(2025, 12, 1)
NOW = datetime(2026, 12, 1, 6, 0)  # when the schedule makes November's report
SURNAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ")
MIDDLE = ("Thị", "Văn", "Minh", "Thu", "Đức", "Ngọc", "Hữu", "Thanh")
GIVEN = ("Lan", "An", "Bình", "Châu", "Dũng", "Hà", "Hùng", "Mai", "Nam", "Trang")
PURPOSES = {
    "NUOIEM": ("Tiền ăn trưa tháng {m} cho {n} em", "Mua gạo cho bếp ăn điểm trường"),
    "XAYTRUONG": ("Mua xi măng, cát đợt {n}", "Tiền công thợ xây đợt {n}"),
    "CHIENDICH": ("Mua {n} áo ấm", "Thuê xe chở đoàn", "Chi phí khác"),
}


def add_children(url: str, count: int) -> list[tuple[int, int]]:
    """`count` sponsored children: (child id, sponsor id)."""
    with session_scope(url) as session, session.begin():
        pairs = []
        for n in range(count):
            child = Child(code=f"NE{6000 + n:04d}", given_name="Em", status="sponsored")
            sponsor = Sponsor(
                full_name=f"Nhà hảo tâm {n}", phone=f"09{80000000 + n:08d}"
            )
            session.add_all([child, sponsor])
            session.flush()
            session.add(
                Sponsorship(
                    child_id=child.id, sponsor_id=sponsor.id, since=date(2025, 1, 1)
                )
            )
            pairs.append((child.id, sponsor.id))
    return pairs


def fill_year(url: str, entries: int, children: int, review: int) -> dict:
    rng = random.Random(13)
    pairs = add_children(url, children)
    with session_scope(url) as session:
        funds = dict(session.execute(select(Fund.code, Fund.id)).all())
    days = (next_month(date(2026, 11, 1)) - FIRST).days
    donations, expenses = [], []
    for _ in range(entries):
        day = FIRST + timedelta(days=rng.randrange(days))
        if rng.random() < 0.1:
            code = rng.choice(sorted(PURPOSES))
            purpose = rng.choice(PURPOSES[code]).format(
                m=day.month, n=rng.randrange(2, 40)
            )
            amount = rng.randrange(1, 30) * 100_000
            expenses.append(
                {
                    "date": day,
                    "amount": amount,
                    "fund_id": funds[code],
                    "purpose": purpose,
                }
            )
            continue
        row = {"date": day, "sponsor_id": None, "child_id": None, "memo": ""}
        if rng.random() < 0.45:
            child, sponsor = rng.choice(pairs)
            months = rng.choice((1, 1, 3, 6))
            row.update(
                amount=160_000 * months,
                fund_id=funds["NUOIEM"],
                sponsor_id=sponsor,
                child_id=child,
                donor_name=f"Nhà hảo tâm {sponsor}",
                memo="NUOIEM",
            )
        else:
            anonymous = rng.random() < 0.15
            name = " ".join(
                (rng.choice(SURNAMES), rng.choice(MIDDLE), rng.choice(GIVEN))
            )
            row.update(
                amount=rng.choice((50_000, 100_000, 200_000, 500_000, 1_000_000)),
                fund_id=funds[rng.choice(sorted(funds))],
                donor_name="Ẩn danh" if anonymous else name,
            )
        donations.append(row)
    bank = [
        {
            "key": f"bench-review-{n}",
            "date": FIRST + timedelta(days=rng.randrange(days)),
            "amount": rng.choice((1, 1, 1, -1)) * rng.randrange(1, 20) * 50_000,
            "state": "review",
            "description": "IBFT ung ho",
        }
        for n in range(review)
    ]
    with get_engine(url).begin() as conn:
        conn.execute(insert(Donation), donations)
        conn.execute(insert(Expense), expenses)
        conn.execute(insert(BankTransaction), bank)
    return {"donations": len(donations), "expenses": len(expenses), "review": review}


def run(workdir: Path, entries: int, children: int, review: int) -> dict:
    url = f"sqlite:///{workdir / 'club.db'}"
    migrate(url)
    seed_if_empty(url)  # the demo club's funds (and its few rows, from 2026-08)
    found = fill_year(url, entries, children, review)
    months = []
    month = FIRST
    while month < NOW.date().replace(day=1):
        months.append(month)
        month = next_month(month)
    start = time.perf_counter()
    with session_scope(url) as session:
        reports = [month_report(session, m, NOW) for m in months]
    found["figures_s"] = time.perf_counter() - start
    busiest = max(reports, key=lambda r: len(r.donations))
    found["busiest"] = busiest.label
    found["busiest_donations"] = len(busiest.donations)
    start = time.perf_counter()
    made = make_report(url, workdir, busiest.month, NOW)
    found["report_s"] = time.perf_counter() - start
    start = time.perf_counter()
    make_report(url, workdir, busiest.month, NOW)
    found["again_s"] = time.perf_counter() - start
    found["sizes"] = {kind: path.stat().st_size for kind, path in made.paths.items()}
    start = time.perf_counter()
    steps = {"figures": 0.0, "xlsx": 0.0, "pdf": 0.0, "png": 0.0}
    for m in months:
        begun = time.perf_counter()
        report = figures(url, m, NOW)
        steps["figures"] += time.perf_counter() - begun
        for kind, writer in WRITERS.items():
            begun = time.perf_counter()
            path = report_path(workdir, m, kind)
            path.parent.mkdir(parents=True, exist_ok=True)
            writer(report, path)
            steps[kind] += time.perf_counter() - begun
    found["year_s"] = time.perf_counter() - start
    found["steps"] = steps
    found["months"] = len(months)
    return found


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=10_000, help="in the year")
    parser.add_argument("--children", type=int, default=300)
    parser.add_argument("--review", type=int, default=500, help="bank rows in review")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-report-") as workdir:
        f = run(Path(workdir), args.entries, args.children, args.review)
    verdict = "under" if f["report_s"] < TARGET_S else "NOT under"
    print(
        f"a year of books: {f['donations']} donations, {f['expenses']} expenses, "
        f"{f['review']} bank rows in review, {args.children} sponsored children"
    )
    print(
        f"figures of the {f['months']} months: {f['figures_s']:.2f} s "
        f"({f['figures_s'] / f['months'] * 1000:.0f} ms a month)"
    )
    sizes = ", ".join(f"{k} {v / 1024:.0f} KiB" for k, v in f["sizes"].items())
    print(
        f"one month's report ({f['busiest']}, {f['busiest_donations']} donations; "
        f"figures, XLSX, PDF, PNG): {f['report_s']:.2f} s "
        f"(again: {f['again_s']:.2f} s; {sizes})"
    )
    steps = ", ".join(f"{k} {v:.2f} s" for k, v in f["steps"].items())
    print(f"the {f['months']} months' reports: {f['year_s']:.2f} s ({steps})")
    print(f"target: a month's report {verdict} {TARGET_S:.0f} s")
    return f


if __name__ == "__main__":
    main()
