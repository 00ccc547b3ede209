from datetime import date

import pytest

from bot.club.values import normalize_phone, parse_amount, parse_month, phone_in


@pytest.mark.parametrize(
    "typed",
    [
        "0912345678",
        "0912 345 678",
        "0912.345.678",
        "+84 912 345 678",
        "84912345678",
        "+84-912-345-678",
        "(091) 234 5678",
    ],
)
def test_phone_formats_normalise_to_ten_digits(typed):
    assert normalize_phone(typed) in {"0912345678"}


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "12345",
        "0212345678",
        "091234567",
        "09123456789",
        "abc0912345678",
        "+1 912 345 678",
    ],
)
def test_not_a_vietnamese_mobile(typed):
    assert normalize_phone(typed) is None


@pytest.mark.parametrize(
    "typed, phone",
    [
        ("0912.345.678", "0912345678"),
        ("sđt mình là 0912 345 678 ạ", "0912345678"),
        ("sdt e: +84 912 345 678 nha ad", "0912345678"),
        ("0912345678, 0912 345 678 đó ạ", "0912345678"),  # one number twice
        ("0912345678 hoặc 0987654321", None),  # which one?
        ("mình ko nhớ sđt ạ", None),
        ("mã NE0101 ạ", None),
        ("năm sinh 2003, lớp 12", None),
    ],
)
def test_a_form_answer_gives_the_one_phone_in_it(typed, phone):
    assert phone_in(typed) == phone


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("500k", 500_000),
        ("500 k", 500_000),
        ("160k", 160_000),
        ("1tr", 1_000_000),
        ("1 triệu", 1_000_000),
        ("1 triệu 2", 1_200_000),
        ("1tr2", 1_200_000),
        ("3tr5", 3_500_000),
        ("1,5tr", 1_500_000),
        ("1.5 triệu", 1_500_000),
        ("200.000đ", 200_000),
        ("200,000 đ", 200_000),
        ("200000", 200_000),
        ("200 000 đồng", 200_000),
        ("300 nghìn", 300_000),
        ("160 ngàn", 160_000),
        ("10 củ", 10_000_000),
        ("4 trieu ruoi", 4_500_000),
        ("2 tỷ", 2_000_000_000),
        ("1.920.000 VND", 1_920_000),
        ("1tr250", 1_250_000),
    ],
)
def test_amounts_in_dong(typed, amount):
    assert parse_amount(typed) == amount


@pytest.mark.parametrize("typed", ["", "nhiều tiền", "0k", "k", "tr"])
def test_not_an_amount(typed):
    assert parse_amount(typed) is None


TODAY = date(2026, 11, 23)


@pytest.mark.parametrize(
    ("typed", "past", "future"),
    [
        ("tháng 5", date(2026, 5, 1), date(2027, 5, 1)),
        ("thang 12/2024", date(2024, 12, 1), date(2024, 12, 1)),
        ("T10", date(2026, 10, 1), date(2027, 10, 1)),
        ("thg 11", date(2026, 11, 1), date(2026, 11, 1)),
        ("sao kê tháng này", date(2026, 11, 1), date(2026, 11, 1)),
        ("tháng trước", date(2026, 10, 1), date(2026, 10, 1)),
        ("tháng sau", date(2026, 12, 1), date(2026, 12, 1)),
        ("tháng 12 năm 2025", date(2025, 12, 1), date(2025, 12, 1)),
        ("sao kê tháng 10 năm ngoái", date(2025, 10, 1), date(2025, 10, 1)),
        ("thang 3 nam nay", date(2026, 3, 1), date(2026, 3, 1)),
        ("tháng 2 năm sau", date(2027, 2, 1), date(2027, 2, 1)),
    ],
)
def test_months(typed, past, future):
    assert parse_month(typed, TODAY) == past
    assert parse_month(typed, TODAY, prefer_past=False) == future


def test_not_a_month():
    assert parse_month("tháng 13", TODAY) is None
    assert parse_month("hôm qua", TODAY) is None


def test_sql_errors_and_logs_carry_no_parameters(db_url):
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    from bot.club.database import get_engine

    engine = get_engine(db_url)
    with pytest.raises(IntegrityError) as raised, engine.begin() as conn:
        conn.execute(
            text("INSERT INTO sponsors (full_name, phone) VALUES (:n, :p)"),
            [{"n": "Lê Văn An", "p": "0912000111"}] * 2,  # the same phone twice
        )
    message = str(raised.value)
    assert "0912000111" not in message and "Lê Văn An" not in message
    with get_engine(db_url).connect() as conn:
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30_000
