"""Normalise entity values as users type them: phones, amounts of money, months.

Used by the NLU pipeline (entity values) and by the actions (form validation,
sponsor verification), so "0912.345.678" and "+84 912 345 678" are one phone
and "1tr2", "1 triệu 2" and "1.200.000đ" are one amount.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from bot.text import nfc, strip_diacritics

_PHONE_CHARS = re.compile(r"[\s.\-()]")
_DIGITS = re.compile(r"[0-9]+")


def ascii_digits(text: str) -> str:
    """Decimal digits of any script ("１２", "٣") as 0-9; other characters, such
    as superscripts ("²"), are left as they are and so are not digits."""
    return "".join(
        str(unicodedata.decimal(ch)) if unicodedata.category(ch) == "Nd" else ch
        for ch in text
    )


_MOBILE = re.compile(r"^0[35789]\d{8}$")


def normalize_phone(text: str) -> str | None:
    """A Vietnamese mobile number as 10 digits starting with 0, or None."""
    digits = _PHONE_CHARS.sub("", ascii_digits(text or ""))
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    return digits if _MOBILE.match(digits) else None


# A Vietnamese mobile number inside a sentence (normalised by normalize_phone).
PHONE_IN_TEXT = re.compile(
    r"(?<![\d+])(?:\+84|84|0)[ .-]?[35789]\d(?:[ .-]?\d){7}(?!\d)"
)


def phone_in(text: str) -> str | None:
    """The mobile number a form's answer gives: the whole answer ("0912.345.678")
    or the one number in a sentence ("sđt mình là 0912 345 678 ạ"); None when
    there is none, or two different ones (which is meant is not known)."""
    whole = normalize_phone(text)
    if whole is not None:
        return whole
    found = {normalize_phone(m.group()) for m in PHONE_IN_TEXT.finditer(text or "")}
    found.discard(None)
    return found.pop() if len(found) == 1 else None


_UNITS = {
    "k": 1_000,
    "nghin": 1_000,
    "ngan": 1_000,
    "ng": 1_000,
    "tr": 1_000_000,
    "trieu": 1_000_000,
    "cu": 1_000_000,
    "m": 1_000_000,
    "ty": 1_000_000_000,
    "ti": 1_000_000_000,
}
_UNIT = "|".join(sorted(_UNITS, key=len, reverse=True))
_CURRENCY = re.compile(r"\s*(vnd|dong|d)$")
_DECIMAL_UNIT = re.compile(rf"^(\d+)[.,](\d+)\s*({_UNIT})$")
_UNIT_THEN_DIGITS = re.compile(rf"^(\d+)\s*({_UNIT})\s*(\d{{1,3}})?\s*(ruoi)?$")
_GROUPED = re.compile(r"^\d{1,3}([.,]\d{3})+$")


def _plain(text: str) -> str:
    """Lower case without diacritics, punctuation kept (unlike `fold`)."""
    return " ".join(strip_diacritics(ascii_digits(nfc(text)).lower()).split())


def parse_amount(text: str) -> int | None:
    """Money in whole đồng: "500k" → 500000, "1 triệu 2" → 1200000, or None."""
    plain = _CURRENCY.sub("", _plain(text)).strip()
    plain = re.sub(r"(?<=\d) (?=[.,]?\d{3}\b)", "", plain)  # "200 000"
    value: float | None = None
    if match := _DECIMAL_UNIT.match(plain):
        whole, fraction, unit = match.groups()
        value = float(f"{whole}.{fraction}") * _UNITS[unit]
    elif match := _UNIT_THEN_DIGITS.match(plain):
        whole, unit, rest, half = match.groups()
        size = _UNITS[unit]
        value = int(whole) * size
        if rest:  # "1tr2" is 1.2 million, "1tr250" 1.25 million
            value += int(rest) * size // 10 ** len(rest)
        if half:
            value += size // 2
    elif _GROUPED.match(plain) or _DIGITS.fullmatch(plain):
        value = int(re.sub(r"[.,]", "", plain))
    if value is None or value <= 0:
        return None
    return int(round(value))


_MONTH_YEAR = re.compile(
    r"\b(?:thang|thg|t)\s*(\d{1,2})(?:\s*(?:/|nam|-)\s*(\d{4}))?\b"
)
_RELATIVE = {"nay": 0, "truoc": -1, "vua roi": -1, "sau": 1, "toi": 1}
_YEAR_OFFSETS = {"nay": 0, "ngoai": -1, "truoc": -1, "sau": 1, "toi": 1}
_NAMED_YEAR = re.compile(r"\bnam (nay|ngoai|truoc|sau|toi)\b")
_YEAR = re.compile(r"\bnam (20\d{2})\b")


def parse_year(text: str, today: date) -> int | None:
    """The year a message names: "năm 2025", "năm ngoái", "năm nay"."""
    folded = _plain(text)
    if match := _YEAR.search(folded):
        return int(match.group(1))
    if match := _NAMED_YEAR.search(folded):
        return today.year + _YEAR_OFFSETS[match.group(1)]
    return None


def _shift(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def parse_month(text: str, today: date, prefer_past: bool = True) -> date | None:
    """The first day of the month meant: "tháng 5", "thang 12/2024", "T10",
    "tháng này", "tháng trước". Without a year, the nearest such month in the
    past (statements) or, with `prefer_past=False`, in the future (campaigns)."""
    folded = _plain(text)
    for word, offset in _RELATIVE.items():
        if re.search(rf"\bthang {word}\b", folded):
            return _shift(today.replace(day=1), offset)
    match = _MONTH_YEAR.search(folded)
    if not match or not 1 <= int(match.group(1)) <= 12:
        return None
    month = int(match.group(1))
    if match.group(2):
        return date(int(match.group(2)), month, 1)
    if (named := _NAMED_YEAR.search(folded)) is not None:  # "tháng 10 năm ngoái"
        return date(today.year + _YEAR_OFFSETS[named.group(1)], month, 1)
    year = today.year
    if prefer_past and month > today.month:
        year -= 1
    if not prefer_past and month < today.month:
        year += 1
    return date(year, month, 1)
