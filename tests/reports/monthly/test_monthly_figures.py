"""The monthly report's figures on a club whose October is known by hand."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from bot.club.database import session_scope
from bot.reports.monthly.donor_names import donor_key, public_text, short_name
from bot.reports.monthly.expense_categories import category
from bot.reports.monthly.month_figures import (
    MonthError,
    dong,
    month_report,
    months_with_books,
    parse_month,
    previous_month,
)
from tests.reports.monthly.month_books import (
    OCTOBER,
    OCTOBER_CHILDREN,
    OCTOBER_DONORS,
)

NOW = datetime(2026, 12, 4, 9, 0)


def report(url: str, month: date):
    with session_scope(url) as session:
        return month_report(session, month, NOW)


def test_october_per_fund(october_books):
    october = report(october_books, date(2026, 10, 1))
    got = {
        f.code: (
            f.opening,
            f.received,
            dict(f.spent_by_category),
            f.closing,
            f.donations,
            f.donors,
        )
        for f in october.funds
    }
    assert got == OCTOBER
    for fund in october.funds:
        assert fund.opening + fund.received - fund.spent == fund.closing
    assert october.donors == OCTOBER_DONORS
    assert october.children_paid == OCTOBER_CHILDREN
    assert october.complete


def test_one_months_closing_is_the_next_months_opening(october_books):
    october = report(october_books, date(2026, 10, 1))
    november = report(october_books, date(2026, 11, 1))
    assert [f.closing for f in october.funds] == [f.opening for f in november.funds]
    assert november.received == 160_000 and november.spent == 0
    assert november.donors == 1  # Bình, once


def test_rows_in_review_are_left_out_and_counted(october_books):
    october = report(october_books, date(2026, 10, 1))
    assert october.unreconciled.count == 2  # the booked row and November's are not
    assert (october.unreconciled.credits, october.unreconciled.debits) == (
        250_000,
        40_000,
    )
    assert october.received == 2_100_000  # neither review credit is received
    assert (october.bank.opening, october.bank.closing) == (1_300_000, 3_120_000)
    assert report(october_books, date(2026, 9, 1)).bank is None


@pytest.mark.parametrize(
    ("month", "children"),
    [
        (date(2026, 9, 1), 0),  # a gift without a child pays nobody's lunch
        (date(2026, 10, 1), 2),
        (date(2026, 11, 1), 2),  # NE0101 prepaid, NE0102 paid again
        (date(2026, 12, 1), 1),  # NE0101's third month
        (date(2027, 1, 1), 0),
    ],
)
def test_children_whose_lunches_were_paid(october_books, month, children):
    assert report(october_books, month).children_paid == children


def test_the_public_rows_carry_no_phone_memo_or_child(october_books):
    october = report(october_books, date(2026, 10, 1))
    donors = [gift.donor for gift in october.donations]
    assert donors == ["N.T. Lan", "T.V. Bình", "N.T. Lan", "N.V. An", "Ẩn danh"] + [
        "Ẩn danh"
    ]
    text = repr(october.donations)
    assert "0912345678" not in text and "NE0101" not in text and "Mai" not in text


def test_the_months_run_from_the_first_entry_to_this_month(october_books):
    with session_scope(october_books) as session:
        months = months_with_books(session, date(2026, 12, 4))
    assert months == [date(2026, 12, 1), date(2026, 11, 1), date(2026, 10, 1)] + [
        date(2026, 9, 1)
    ]


def test_no_books_no_months(db_url):
    with session_scope(db_url) as session:
        assert months_with_books(session, date(2026, 12, 4)) == []


@pytest.mark.parametrize(
    ("name", "short"),
    [
        ("Nguyễn Thị Lan", "N.T. Lan"),
        ("NGUYEN VAN AN", "N.V. An"),
        ("Lan", "Lan"),
        ("", "Ẩn danh"),
        ("  ẩn danh ", "Ẩn danh"),
        ("Giấu tên", "Ẩn danh"),
        ("Nguyễn Thu Trang 0912345678", "N.T. Trang"),
        ("NE0101", "Ẩn danh"),
        ("Công ty ABC", "C.T. ABC"),
        ("Nguye\u0302\u0303n Văn Hùng", "N.V. Hùng"),  # typed decomposed (NFD)
    ],
)
def test_short_names(name, short):
    assert short_name(name) == short


def test_donors_are_counted_by_record_then_name():
    assert donor_key(7, "Lan", 1) == donor_key(7, "Nguyễn Thị Lan", 2)
    assert donor_key(None, "Nguyễn Thị Lan", 1) == donor_key(None, "NGUYEN THI LAN", 2)
    assert donor_key(None, "Ẩn danh", 1) != donor_key(None, "Ẩn danh", 2)


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("Tiền ăn trưa tháng 9 cho 7 em (160.000 đ/em)", None),
        ("Mua 12.000.000 đ xi măng", None),
        ("Gửi anh Hùng 0912 345 678", "Gửi anh Hùng [số]"),
        ("+84.912.345.678", "[số]"),
        ("CT tu 0351000646393 toi", "CT tu [số] toi"),
        ("NUOIEMNE0101 và ne-0102", "NUOIEM[mã em] và [mã em]"),
    ],
)
def test_public_text_masks_phones_accounts_and_child_codes(text, shown):
    assert public_text(text) == (shown or text)


@pytest.mark.parametrize(
    ("purpose", "kind"),
    [
        ("Tiền ăn trưa tháng 9 cho 7 em (160.000 đ/em)", "Bữa trưa"),
        ("TIEN AN TRUA T9", "Bữa trưa"),
        ("Mua xi măng, cát cho điểm trường Sa Ná", "Vật liệu xây dựng"),
        ("Bánh và đèn Trung thu cho 300 em ở Trung Sơn", "Quà và đồ dùng"),
        ("Mua đồ cho các em", "Khác"),  # "các" is not "cát"
        ("Thuê thợ xây", "Nhân công"),
        ("Phí SMS Banking", "Phí ngân hàng"),
    ],
)
def test_spending_categories_from_the_purpose(purpose, kind):
    assert category(purpose) == kind


@pytest.mark.parametrize("text", ["2026-13", "2026-1", "26-10", "abc", "", "1999-12"])
def test_a_malformed_month_is_one_sentence(text):
    with pytest.raises(MonthError, match=r"is not a month; write it as YYYY-MM"):
        parse_month(text, date(2026, 12, 4))


def test_months_to_come_cannot_be_reported():
    with pytest.raises(MonthError, match="2027-01 has not begun yet"):
        parse_month("2027-01", date(2026, 12, 4))
    assert parse_month("2026-12", date(2026, 12, 4)) == date(2026, 12, 1)
    assert previous_month(date(2026, 1, 1)) == date(2025, 12, 1)


def test_dong():
    assert dong(1_120_000) == "1.120.000 đ"
    assert dong(-5_000) == "−5.000 đ"
