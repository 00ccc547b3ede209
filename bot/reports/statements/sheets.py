"""The rows of an export file, whatever its format: CSV, XLSX, or the HTML
table Vietcombank saves with an .xls name.

Each row comes with the line number staff see in their spreadsheet program.
A real (binary, BIFF) .xls is refused with a sentence saying to save it as
.xlsx: no reader for it is pinned alongside Rasa.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

from bot.reports.statements.statement_cells import Cell

Row = tuple[int, list[Cell]]  # (line number, cells)


class SheetError(ValueError):
    """The file cannot be read at all; the message says why and what to do."""


class _TableRows(HTMLParser):
    """The cells of every <tr> of an HTML document, in order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "br" and self._cell is not None:
            self._cell.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            if not self.rows:
                self.rows.append([])
            self.rows[-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _decode(raw: bytes) -> str:
    for encoding in ("utf-8-sig", "utf-16", "cp1258"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise SheetError("the file is neither UTF-8, UTF-16 nor Windows-1258 text")


def _html_rows(raw: bytes) -> Iterator[Row]:
    parser = _TableRows()
    parser.feed(_decode(raw))
    for number, cells in enumerate(parser.rows, start=1):
        yield number, list(cells)


def _csv_rows(raw: bytes) -> Iterator[Row]:
    content = _decode(raw)
    sample = content[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    if sample.count("\t") > max(sample.count(";"), sample.count(",")):
        delimiter = "\t"
    reader = csv.reader(io.StringIO(content), delimiter=delimiter)
    try:
        for cells in reader:
            yield reader.line_num, list(cells)
    except csv.Error as error:
        raise SheetError(f"line {reader.line_num} is not CSV ({error})") from None


def _xlsx_rows(path: Path) -> Iterator[Row]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds on a broken file
        raise SheetError(f"cannot open it as an .xlsx workbook ({error})") from None
    try:
        sheet = book.worksheets[0]
        for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, list(cells)
    finally:
        book.close()


def read_rows(path: Path) -> list[Row]:
    """Every row of the first sheet (or table) of `path`."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise SheetError(f"cannot read it ({error.strerror})") from None
    head = raw[:1024].lstrip().lower()
    if raw[:4] == b"PK\x03\x04":
        return list(_xlsx_rows(path))
    if b"<table" in raw[:65536].lower() or head.startswith((b"<html", b"<!doc")):
        return list(_html_rows(raw))
    if raw[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise SheetError(
            "it is an old binary .xls workbook: open it and save it as .xlsx"
        )
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        raise SheetError("it has an .xlsx name but is not an .xlsx workbook")
    return list(_csv_rows(raw))
