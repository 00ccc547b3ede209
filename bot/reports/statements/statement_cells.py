"""Cells of a bank export as the banks write them: dates and money.

Dates arrive as `dd/mm/yyyy` (with a time, or `-`/`.` between the parts), as
datetimes read from an .xlsx, or as Excel serial numbers. Money arrives as
numbers or as text with `,` or `.` between thousands ("1,234,000.00",
"1.234.000 VND"), sometimes negative, in parentheses or signed "+".
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from bot.club.values import ascii_digits
from bot.text import nfc

Cell = str | int | float | datetime | date | None

_EXCEL_EPOCH = date(1899, 12, 30)
_DMY = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})")
_YMD = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_CURRENCY = re.compile(r"\s*(VND|VNĐ|đ|d)\s*$", re.IGNORECASE)


class CellValueError(ValueError):
    """A cell that is not what its column says; the message names the value."""


def digits(value: str) -> str:
    """Any script's digits as 0-9 (most cells are ASCII already: skip those)."""
    return value if value.isascii() else ascii_digits(value)


def text(cell: Cell) -> str:
    """A cell as trimmed NFC text ("" for an empty cell)."""
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    return " ".join(nfc(str(cell)).split())


def is_blank(cell: Cell) -> bool:
    return text(cell) == ""


def parse_date(cell: Cell) -> date:
    """The day of a date cell (any time of day is dropped)."""
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, date):
        return cell
    if isinstance(cell, (int, float)) and 20_000 < cell < 80_000:  # 1954-2119
        return _EXCEL_EPOCH + timedelta(days=int(cell))
    value = digits(text(cell))
    if not value:
        raise CellValueError("the date is empty")
    try:
        if match := _DMY.match(value):
            day, month, year = (int(part) for part in match.groups())
            return date(year, month, day)
        if match := _YMD.match(value):
            return date(*(int(part) for part in match.groups()))
        if re.fullmatch(r"\d{5}(\.0+)?", value) and 20_000 < float(value) < 80_000:
            return _EXCEL_EPOCH + timedelta(days=int(float(value)))
    except ValueError:
        pass
    raise CellValueError(f"{value!r} is not a date (dd/mm/yyyy)")


def _digits_of(value: str) -> str:
    """ "1,234,000.00" / "1.234.000" / "1 234 000,5" as "1234000.00" etc."""
    value = value.replace(" ", "")
    marks = [ch for ch in value if ch in ",."]
    if not marks:
        return value
    last = max(value.rfind(","), value.rfind("."))
    decimals = len(value) - last - 1
    if len(set(marks)) == 2 or (len(marks) == 1 and decimals != 3):
        whole, fraction = value[:last], value[last + 1 :]
        return re.sub(r"[,.]", "", whole) + "." + fraction
    return re.sub(r"[,.]", "", value)  # one kind only: thousands


def parse_money(cell: Cell) -> int | None:
    """Whole đồng in a money cell, None when it is empty or a dash."""
    if isinstance(cell, (int, float)) and not isinstance(cell, bool):
        value = float(cell)
    else:
        raw = digits(text(cell))
        plain = _CURRENCY.sub("", raw).strip()
        if plain in ("", "-", "--"):
            return None
        negative = plain.startswith("-") or plain.startswith("(")
        body = plain.strip("()+- ")
        if not re.fullmatch(r"\d[\d,. ]*", body):
            raise CellValueError(f"{raw!r} is not an amount of money")
        value = float(_digits_of(body)) * (-1 if negative else 1)
    if not abs(value) < 10**15:  # also NaN and infinity
        raise CellValueError(f"{text(cell)!r} is not an amount of đồng a bank writes")
    if abs(value - round(value)) > 0.001:
        raise CellValueError(f"{value} is not a whole number of đồng")
    return int(round(value))
