"""A small club whose October 2026 figures are known by hand (the expected
values are in `OCTOBER`), shared by the report's tests and the public page's."""

from __future__ import annotations

from datetime import date

from bot.club.database import session_scope
from bot.club.models import Child, Donation, Expense, Fund, Sponsor, Sponsorship
from bot.reports.ledger import BankStatement, BankTransaction

LAN_PHONE, BINH_PHONE = "0912345678", "0987654321"

# fund: (opening, received, spent by category, closing, donations, donors)
OCTOBER = {
    "NUOIEM": (300_000, 680_000, {"Bữa trưa": 320_000}, 660_000, 2, 2),
    "XAYTRUONG": (
        1_000_000,
        1_300_000,
        {"Vật liệu xây dựng": 400_000, "Nhân công": 100_000},
        1_800_000,
        2,
        2,
    ),
    "CHIENDICH": (0, 120_000, {"Khác": 30_000}, 90_000, 2, 2),
}
OCTOBER_DONORS = 5  # Lan (two funds), Bình, NGUYEN VAN AN, two anonymous gifts
OCTOBER_CHILDREN = 2  # NE0101 (480,000 at 160,000: Oct-Dec), NE0102 (one month)


def fill(url: str) -> str:
    with session_scope(url) as s, s.begin():
        funds = {
            code: Fund(code=code, name=name)
            for code, name in (
                ("NUOIEM", "Quỹ Nuôi em"),
                ("XAYTRUONG", "Quỹ Xây trường"),
                ("CHIENDICH", "Quỹ Chiến dịch"),
            )
        }
        lan = Sponsor(full_name="Nguyễn Thị Lan", phone=LAN_PHONE)
        binh = Sponsor(full_name="Trần Văn Bình", phone=BINH_PHONE)
        first = Child(code="NE0101", given_name="Mai", status="sponsored")
        second = Child(code="NE0102", given_name="Sùng", status="sponsored")
        s.add_all([*funds.values(), lan, binh, first, second])
        s.flush()
        s.add_all(
            [
                Sponsorship(
                    child_id=first.id, sponsor_id=lan.id, since=date(2026, 1, 1)
                ),
                Sponsorship(
                    child_id=second.id,
                    sponsor_id=binh.id,
                    monthly_amount=200_000,
                    since=date(2026, 1, 1),
                ),
            ]
        )

        def gift(day, amount, fund, name="", sponsor=None, child=None, memo=""):
            s.add(
                Donation(
                    date=day,
                    amount=amount,
                    fund_id=funds[fund].id,
                    donor_name=name,
                    sponsor_id=sponsor.id if sponsor else None,
                    child_id=child.id if child else None,
                    memo=memo,
                )
            )

        def spend(day, amount, fund, purpose):
            s.add(
                Expense(
                    date=day, amount=amount, fund_id=funds[fund].id, purpose=purpose
                )
            )

        # September: the opening balances.
        gift(date(2026, 9, 10), 500_000, "NUOIEM", "Lê Văn Cũ")
        gift(date(2026, 9, 20), 1_000_000, "XAYTRUONG", "Ẩn danh")
        spend(date(2026, 9, 25), 200_000, "NUOIEM", "Tiền ăn trưa tháng 9")
        # October.
        memo = f"NUOIEM NE0101 {LAN_PHONE}"
        gift(date(2026, 10, 2), 480_000, "NUOIEM", "Nguyễn Thị Lan", lan, first, memo)
        gift(date(2026, 10, 5), 200_000, "NUOIEM", "Trần Văn Bình", binh, second)
        gift(date(2026, 10, 6), 300_000, "XAYTRUONG", "Nguyễn Thị Lan", lan, None, memo)
        gift(date(2026, 10, 7), 1_000_000, "XAYTRUONG", "NGUYEN VAN AN")
        gift(date(2026, 10, 8), 50_000, "CHIENDICH", "")
        gift(date(2026, 10, 9), 70_000, "CHIENDICH", "Ẩn danh")
        spend(date(2026, 10, 20), 320_000, "NUOIEM", "Tiền ăn trưa tháng 10 cho 2 em")
        spend(date(2026, 10, 21), 400_000, "XAYTRUONG", "Mua xi măng")
        spend(date(2026, 10, 22), 100_000, "XAYTRUONG", "Thuê thợ xây")
        spend(
            date(2026, 10, 23),
            30_000,
            "CHIENDICH",
            f"Hoàn tiền cho anh Hùng {LAN_PHONE} (NE0101)",
        )
        # November.
        gift(date(2026, 11, 3), 160_000, "NUOIEM", "Trần Văn Bình", binh, second)
        # The bank's side: October's statement and rows still in review.
        statement = BankStatement(
            bank="vcb",
            account="0071000999888",
            file_name="saoke-10.xlsx",
            first_date=date(2026, 10, 1),
            last_date=date(2026, 10, 31),
            opening=1_300_000,
            closing=3_120_000,
            rows=3,
            new_rows=3,
        )
        s.add(statement)
        s.flush()
        for key, day, amount, state in (
            ("r1", date(2026, 10, 12), 250_000, "review"),
            ("r2", date(2026, 10, 13), -40_000, "review"),
            ("r3", date(2026, 10, 2), 480_000, "booked"),
            ("r4", date(2026, 11, 1), 90_000, "review"),
        ):
            s.add(
                BankTransaction(
                    statement_id=statement.id,
                    key=key,
                    date=day,
                    amount=amount,
                    state=state,
                    description=f"CK {LAN_PHONE}",
                )
            )
    return url
