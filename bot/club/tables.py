"""Import and export the club's tables as CSV or XLSX, the way staff keep them.

Each table is described once (`TABLES`): its columns, how a cell is parsed and
validated, and how a row is found again (natural key) so a re-import updates
instead of duplicating. An import is all or nothing: every bad row is reported
with its line number and reason, and nothing is written unless all rows pass.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.club.models import (
    Campaign,
    Child,
    Donation,
    Expense,
    Fund,
    Sponsor,
    Sponsorship,
)
from bot.club.values import ascii_digits, normalize_phone, parse_amount
from bot.club.vocab import (
    CAMPAIGN_STATUSES,
    CHILD_CODE_EXAMPLE,
    CHILD_STATUSES,
    DONATION_SOURCES,
    child_code,
)
from bot.text import nfc

Parser = Callable[[str, Session], Any]


class CellError(ValueError):
    """A cell that cannot be stored; the message is shown to staff."""


@dataclass(frozen=True)
class Column:
    name: str
    parse: Parser
    required: bool = True
    attr: str | None = None  # model attribute, defaults to `name`
    export: Callable[[Any, Session], Any] | None = None

    @property
    def target(self) -> str:
        return self.attr or self.name


@dataclass(frozen=True)
class Table:
    model: type
    columns: list[Column]
    key: str | None = None  # column whose value finds an existing row
    order: Any = None


# --- cell parsers -----------------------------------------------------------


def text(max_len: int = 500) -> Parser:
    def parse(raw: str, _s: Session) -> str:
        value = nfc(raw)
        if len(value) > max_len:
            raise CellError(f"longer than {max_len} characters")
        return value

    return parse


_WHOLE = re.compile(r"-?(?:[0-9]{1,3}(?:([.,])[0-9]{3}(?:\1[0-9]{3})*)|[0-9]+)")


def whole(minimum: int = 0, maximum: int = 10**12) -> Parser:
    """A whole number: "12", "1.200" or "1,200" (groups of three), never "1,5"."""

    def parse(raw: str, _s: Session) -> int:
        value = ascii_digits(raw.strip())
        if not _WHOLE.fullmatch(value):
            raise CellError(f"{raw!r} is not a whole number")
        number = int(value.replace(".", "").replace(",", ""))
        if not minimum <= number <= maximum:
            raise CellError(f"{number} is outside {minimum}–{maximum}")
        return number

    return parse


def money(raw: str, _s: Session) -> int:
    amount = parse_amount(raw)
    if amount is None:
        raise CellError(f"{raw!r} is not an amount of money in đồng")
    return amount


def day(raw: str, _s: Session) -> date:
    value = raw.strip()
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    raise CellError(f"{raw!r} is not a date (use 2026-12-19 or 19/12/2026)")


def phone(raw: str, _s: Session) -> str:
    value = normalize_phone(raw)
    if value is None:
        raise CellError(f"{raw!r} is not a Vietnamese mobile number")
    return value


def one_of(*choices: str) -> Parser:
    def parse(raw: str, _s: Session) -> str:
        value = raw.strip().lower()
        if value not in choices:
            raise CellError(f"{raw!r} is not one of: {', '.join(choices)}")
        return value

    return parse


def code(raw: str, _s: Session) -> str:
    """A child's code, in the one format the bot can look up (`bot.club.vocab`)."""
    value = child_code(raw)
    if value is None:
        raise CellError(f"{raw!r} is not a child code like {CHILD_CODE_EXAMPLE}")
    return value


def fund_code(raw: str, _s: Session) -> str:
    value = raw.strip().upper()
    if not re.match(r"^[A-Z0-9_]{2,30}$", value):
        raise CellError(f"{raw!r} is not a fund code like NUOIEM")
    return value


def ref(model: type, attr: str, normalise: Parser) -> Parser:
    """A cell naming another row (a child code, a fund code, a sponsor phone)."""

    def parse(raw: str, session: Session) -> int:
        value = normalise(raw, session)
        found = session.scalars(
            select(model.id).where(getattr(model, attr) == value)
        ).first()
        if found is None:
            raise CellError(f"no {model.__tablename__} row with {attr} {value!r}")
        return found

    return parse


def show_ref(model: type, attr: str, column: str) -> Callable[[Any, Session], Any]:
    def export(row: Any, session: Session) -> Any:
        key = getattr(row, column)
        return "" if key is None else getattr(session.get(model, key), attr)

    return export


def link(
    name: str, model: type, attr: str, parse: Parser, fk: str, required: bool = True
) -> Column:
    """A column naming another row by its natural key (child code, fund code,
    sponsor phone), stored as that row's id in `fk` and exported as the key."""
    return Column(
        name,
        ref(model, attr, parse),
        required=required,
        attr=fk,
        export=show_ref(model, attr, fk),
    )


# --- the tables -------------------------------------------------------------

TABLES: dict[str, Table] = {
    "campaigns": Table(
        Campaign,
        [
            Column("name", text(200)),
            Column("synonyms", text(), required=False),
            Column("description", text(2000), required=False),
            Column("district", text(100)),
            Column("province", text(100)),
            Column("start_date", day),
            Column("end_date", day),
            Column("registration_deadline", day, required=False),
            Column("capacity", whole(1, 100_000), required=False),
            Column("requirements", text(2000), required=False),
            Column("logistics", text(2000), required=False),
            Column("cost", whole(0), required=False),
            Column("status", one_of(*CAMPAIGN_STATUSES)),
            Column("min_age", whole(0, 120), required=False),
            Column("max_age", whole(0, 120), required=False),
        ],
        key="name",
        order=Campaign.start_date,
    ),
    "funds": Table(
        Fund,
        [
            Column("code", fund_code),
            Column("name", text(200)),
            Column("description", text(2000), required=False),
        ],
        key="code",
        order=Fund.code,
    ),
    "children": Table(
        Child,
        [
            Column("code", code),
            Column("given_name", text(100)),
            Column("birth_year", whole(1990, 2100), required=False),
            Column("school", text(200), required=False),
            Column("grade", text(20), required=False),
            Column("district", text(100), required=False),
            Column("needs", text(2000), required=False),
            Column("public_note", text(2000), required=False),
            Column("private_note", text(4000), required=False),
            Column("photo_path", text(300), required=False),
            Column("status", one_of(*CHILD_STATUSES)),
        ],
        key="code",
        order=Child.code,
    ),
    "sponsors": Table(
        Sponsor,
        [
            Column("full_name", text(200)),
            Column("phone", phone),
            Column("email", text(200), required=False),
            Column("messenger_id", text(100), required=False),
            Column("zalo_id", text(100), required=False),
        ],
        key="phone",
        order=Sponsor.id,
    ),
    "sponsorships": Table(
        Sponsorship,
        [
            link("child_code", Child, "code", code, "child_id"),
            link("sponsor_phone", Sponsor, "phone", phone, "sponsor_id"),
            Column("monthly_amount", money),
            Column("since", day),
            Column("until", day, required=False),
        ],
        order=Sponsorship.id,
    ),
    "donations": Table(
        Donation,
        [
            Column("date", day),
            Column("amount", money),
            link("fund_code", Fund, "code", fund_code, "fund_id"),
            link(
                "sponsor_phone", Sponsor, "phone", phone, "sponsor_id", required=False
            ),
            link("child_code", Child, "code", code, "child_id", required=False),
            Column("donor_name", text(200), required=False),
            Column("memo", text(500), required=False),
            Column("source", one_of(*DONATION_SOURCES)),
            Column("reference", text(100), required=False),
        ],
        key="reference",
        order=Donation.date,
    ),
    "expenses": Table(
        Expense,
        [
            Column("date", day),
            Column("amount", money),
            link("fund_code", Fund, "code", fund_code, "fund_id"),
            Column("purpose", text(2000)),
            Column("proof_link", text(500), required=False),
        ],
        order=Expense.date,
    ),
}

# The order that satisfies references (a sponsorship needs its child and sponsor).
LOAD_ORDER = [
    "campaigns",
    "funds",
    "children",
    "sponsors",
    "sponsorships",
    "donations",
    "expenses",
]


# --- reading and writing files ------------------------------------------------


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return (
            value.date().isoformat()
            if value.time() == datetime.min.time()
            else str(value)
        )
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# The key a CSV row's cells beyond the header's columns are kept under.
EXTRA_CELLS = "\0extra"


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row) pairs from a CSV or XLSX file; line 1 is the header."""
    if path.suffix.lower() == ".xlsx":
        from openpyxl import load_workbook

        sheet = load_workbook(path, read_only=True, data_only=True).worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = [_cell(h).strip() for h in next(rows, [])]
        for line, values in enumerate(rows, start=2):
            cells = [_cell(v) for v in values]
            if any(c.strip() for c in cells):
                yield line, dict(zip(header, cells, strict=False))
        return
    if path.suffix.lower() != ".csv":
        raise CellError(f"{path.name}: only .csv and .xlsx files can be imported")
    encoding = _csv_encoding(path)
    with path.open(encoding=encoding, newline="") as handle:
        try:
            first = handle.readline() if encoding == "utf-16" else ""
            handle.seek(0)
            # Excel's "Unicode text" is UTF-16 with tabs between the cells.
            delimiter = "\t" if "\t" in first and "," not in first else ","
            reader = csv.DictReader(handle, restkey=EXTRA_CELLS, delimiter=delimiter)
            for line, row in enumerate(reader, start=2):
                extra = [c for c in row.pop(EXTRA_CELLS, []) if c.strip()]
                cells = {k.strip(): _from_csv(v or "") for k, v in row.items() if k}
                if extra:
                    cells[EXTRA_CELLS] = ",".join(extra)
                if any(v.strip() for v in cells.values()):
                    yield line, cells
        except UnicodeDecodeError:
            kind = "UTF-16" if encoding == "utf-16" else "UTF-8"
            raise CellError(
                f"{path.name}: not {kind} text; in Excel use Save As, CSV UTF-8"
            ) from None
        except csv.Error as error:
            raise CellError(f"{path.name} line {reader.line_num}: {error}") from None


def _csv_encoding(path: Path) -> str:
    """UTF-16 when the file starts with its byte-order mark (Excel's "Unicode
    text"), else UTF-8 with or without one."""
    with path.open("rb") as handle:
        start = handle.read(2)
    return "utf-16" if start in (b"\xff\xfe", b"\xfe\xff") else "utf-8-sig"


# A spreadsheet runs a cell that starts with one of these as a formula
# ("=HYPERLINK(...)" in a donor's memo). Exports keep such text as text: a
# string cell in XLSX, a leading apostrophe in CSV (removed again on import).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_text(value: Any) -> str:
    text = _cell(value)
    return (
        f"'{text}"
        if isinstance(value, str) and text.startswith(FORMULA_START)
        else text
    )


def _from_csv(text: str) -> str:
    return (
        text[1:]
        if text.startswith("'") and text[1:].startswith(FORMULA_START)
        else text
    )


def write_rows(path: Path, header: list[str], rows: Iterable[list[Any]]) -> int:
    count = 0
    if path.suffix.lower() == ".xlsx":
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        sheet.append(header)
        for line, row in enumerate(rows, start=2):
            sheet.append([_cell(v) for v in row])
            for cell in sheet[line]:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # never a formula
            count += 1
        book.save(path)
        return count
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for row in rows:
            writer.writerow([_csv_text(v) for v in row])
            count += 1
    return count
