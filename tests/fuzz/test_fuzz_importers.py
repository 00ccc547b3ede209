"""Fuzzing (hypothesis) of the staff's table importer (`python -m bot import`)
and the bank statement importer with whole files, and memory bounds for
hostile inputs of every parser a stranger or a file can reach.

An import writes every row or none and answers with line numbers and reasons
(or one readable error for the file); it never raises anything else. Memory:
a hostile input costs memory in proportion to its size (checked with
tracemalloc against a generous multiple), never more.
"""

from __future__ import annotations

import contextlib
import tracemalloc
from collections.abc import Callable

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.club.database import session_scope
from bot.club.importer import import_table
from bot.club.models import Child
from bot.club.tables import TABLES, CellError
from bot.reports.statement_import import import_statement
from bot.reports.statements.sheets import SheetError
from bot.text import fold
from tests.fuzz.strategies import fuzz, raw_text

CHILD_COLUMNS = [c.name for c in TABLES["children"].columns]
cell = st.one_of(
    raw_text,
    st.sampled_from(["NE0101", "NE9999", "2016", "sponsored", "", "=1+1", "Lớp 4"]),
)
rows = st.lists(st.lists(cell, min_size=0, max_size=len(CHILD_COLUMNS) + 2), max_size=6)
headers = st.one_of(
    st.just(CHILD_COLUMNS),
    st.permutations(CHILD_COLUMNS),
    st.lists(raw_text, max_size=len(CHILD_COLUMNS)),
)


def csv_bytes(header: list[str], body: list[list[str]], encoding: str) -> bytes:
    """Every cell quoted, by hand: Python 3.10's csv writer refuses a NUL,
    which a stranger's file may well hold."""

    def line(cells: list[str]) -> str:
        return ",".join('"' + c.replace('"', '""') + '"' for c in cells) + "\r\n"

    text = "".join(line(cells) for cells in [header, *body])
    return text.encode(encoding, errors="surrogatepass")


def children(url: str) -> int:
    with session_scope(url) as session:
        return session.scalar(select(func.count()).select_from(Child))


@fuzz(0.5)
@given(
    header=headers,
    body=rows,
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]),
)
def test_a_children_file_is_imported_whole_or_refused_with_reasons(
    header, body, encoding, db_url, tmp_path_factory
):
    path = tmp_path_factory.mktemp("imp") / "children.csv"
    path.write_bytes(csv_bytes(header, body, encoding))
    before = children(db_url)
    try:
        result = import_table(db_url, "children", path)
    except CellError as error:
        assert str(error)  # one readable sentence for the whole file
        assert children(db_url) == before
        return
    if result.errors:
        assert all(e.startswith("line ") for e in result.errors)
        assert children(db_url) == before  # nothing of a refused file
    else:
        assert children(db_url) == before + result.created


@fuzz(0.5)
@given(data=st.binary(max_size=2000), ext=st.sampled_from(["csv", "xlsx", "xls"]))
def test_any_bytes_as_a_bank_export_are_read_or_refused(
    data, ext, db_url, tmp_path_factory
):
    path = tmp_path_factory.mktemp("stm") / f"export.{ext}"
    path.write_bytes(data)
    try:
        summary = import_statement(db_url, path)
    except (SheetError, ValueError) as error:
        assert str(error)
        return
    assert summary is not None


def peak_bytes(run: Callable[[], object]) -> int:
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_is_bounded_for_hostile_inputs(db_url, tmp_path):
    """A 256 KB message (the webhook limit) and 2 MB files made to hurt: one
    enormous cell, thousands of columns, deep quoting. The peak stays within
    a small multiple of the input's size."""
    message = "ko dc a ơi NE0101 " * 15_000  # ~270 KB
    assert peak_bytes(lambda: fold(message)) < 40 * len(message)
    huge_cell = tmp_path / "children.csv"
    huge_cell.write_text(",".join(CHILD_COLUMNS) + "\nNE0101," + "x" * 2_000_000)
    wide = tmp_path / "wide.csv"
    wide.write_text(",".join(f"c{i}" for i in range(200_000)) + "\n")
    quoted = tmp_path / "export.csv"
    quoted.write_text('"' + '""' * 1_000_000 + '"\n')
    for path, run in (
        (
            huge_cell,
            lambda: _quietly(lambda: import_table(db_url, "children", huge_cell)),
        ),
        (wide, lambda: _quietly(lambda: import_table(db_url, "children", wide))),
        (quoted, lambda: _quietly(lambda: import_statement(db_url, quoted))),
    ):
        size = path.stat().st_size
        assert peak_bytes(run) < 40 * size, path.name


def _quietly(run: Callable[[], object]) -> None:
    """Refused with a reason is fine: what matters here is the memory."""
    with contextlib.suppress(CellError, SheetError, ValueError):
        run()
