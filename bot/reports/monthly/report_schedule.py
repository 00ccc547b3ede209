"""Last month's report, made on the first day of each month at 06:00 by a
huey periodic task of the bridge's own huey, as the nightly retention is
(`bot.bridge.app.build_queue`). huey reads crontabs in UTC unless made with
`utc=False` (ours is not): 06:00 UTC is 13:00 in Vietnam, still the 1st, so
the month before is the same in either clock and is over by then. Rows still
in review stay out of it; staff who book them later make the report again
with `python -m bot report --month YYYY-MM`."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from huey import crontab

from bot.logs import log_event
from bot.reports.monthly.month_figures import previous_month

if TYPE_CHECKING:  # the writers import matplotlib and fpdf2: only when run
    from bot.reports.monthly.report_files import ReportFiles

logger = logging.getLogger(__name__)
FIRST_OF_MONTH = crontab(month="*", day="1", hour="6", minute="0")
TASK_NAME = "monthly_report"


def last_month(
    database_url: str, var_dir: Path, now: datetime | None = None
) -> ReportFiles:
    """The report of the month before `now`, written under var/reports/."""
    from bot.reports.monthly.report_files import make_report

    now = now or datetime.now()
    return make_report(database_url, var_dir, previous_month(now.date()), now)


def schedule_monthly(huey, run: Callable[[], ReportFiles]) -> None:
    """Register the monthly run with the bridge's huey (its consumer runs it)."""

    def monthly_report() -> None:
        made = run()
        report = made.report
        log_event(
            logger,
            logging.INFO,
            "monthly_report_done",
            month=report.label,
            received=report.received,
            spent=report.spent,
            unreconciled=report.unreconciled.count,
            folder=made.paths["pdf"].parent,
        )

    huey.periodic_task(FIRST_OF_MONTH, name=TASK_NAME)(monthly_report)
