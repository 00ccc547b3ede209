"""Where a month's report files live and how they are made:
var/reports/YYYY-MM/sao-ke-YYYY-MM.{xlsx,pdf,png}.

`make_report` computes the figures once and writes the three files (each to a
temporary name, then renamed, so a page never serves a half-written file).
Both the schedule, the command line and the public page call it; a file
already there is served as it is (remake it with `python -m bot report`)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from bot.club.database import session_scope
from bot.reports.monthly.month_figures import MonthReport, month_report
from bot.reports.monthly.report_chart import write_chart
from bot.reports.monthly.report_pdf import write_pdf
from bot.reports.monthly.report_sheets import write_workbook

KINDS = ("xlsx", "pdf", "png")
WRITERS: dict[str, Callable[[MonthReport, Path], Path]] = {
    "xlsx": write_workbook,
    "pdf": write_pdf,
    "png": write_chart,
}


@dataclass(frozen=True)
class ReportFiles:
    report: MonthReport
    paths: dict[str, Path]


def report_dir(var_dir: Path, month: date) -> Path:
    return var_dir / "reports" / f"{month:%Y-%m}"


def report_path(var_dir: Path, month: date, kind: str) -> Path:
    return report_dir(var_dir, month) / f"sao-ke-{month:%Y-%m}.{kind}"


def _write(writer, report: MonthReport, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.stem}-", suffix=path.suffix
    )
    os.close(handle)
    try:
        writer(report, Path(temporary))
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return path


def figures(database_url: str, month: date, now: datetime) -> MonthReport:
    with session_scope(database_url) as session:
        return month_report(session, month, now)


def write_files(
    report: MonthReport, var_dir: Path, kinds: tuple[str, ...] = KINDS
) -> dict[str, Path]:
    return {
        kind: _write(WRITERS[kind], report, report_path(var_dir, report.month, kind))
        for kind in kinds
    }


def make_report(
    database_url: str, var_dir: Path, month: date, now: datetime | None = None
) -> ReportFiles:
    """The month's figures and its three files, written anew."""
    report = figures(database_url, month, now or datetime.now())
    return ReportFiles(report, write_files(report, var_dir))
