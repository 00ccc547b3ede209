"""bench/monthly_report.py on a tiny year, so the benchmark cannot rot: its
books are read by the real report, and every month's files are written."""

from __future__ import annotations

from bench import monthly_report as bench


def test_a_tiny_year_reports_every_month(capsys):
    figures = bench.main(["--entries", "120", "--children", "5", "--review", "10"])
    assert figures["donations"] + figures["expenses"] == 120
    assert figures["months"] == 12
    assert all(size > 0 for size in figures["sizes"].values())
    out = capsys.readouterr().out
    assert "figures of the 12 months:" in out
    assert "target: a month's report under 5 s" in out
