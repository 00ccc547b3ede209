"""bench/statements.py on a tiny year, so the benchmark cannot rot: its files
are read by the real importer, they add up, and a second pass adds nothing."""

from __future__ import annotations

from bench import statements as bench


def test_a_tiny_year_imports_once_and_reconciles(capsys):
    figures = bench.main(["--rows", "60", "--files", "3", "--children", "5"])
    assert (figures["rows"], figures["new"], figures["duplicates"]) == (60, 60, 60)
    assert figures["gaps"] == 0  # each month opens where the last one closed
    assert figures["matched"] + figures["review"] == 60
    assert 0 < figures["matched"] < 60
    out = capsys.readouterr().out
    assert "3 Vietcombank .xlsx files, 60 rows, 5 sponsored children" in out
    assert "target: the year under 10 s" in out
