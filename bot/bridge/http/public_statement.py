"""The public "sao kê": `GET /sao-ke/` lists the months, `GET /sao-ke/YYYY-MM`
shows a month's figures per fund and its donations, and
`/sao-ke/YYYY-MM.xlsx|.pdf|.png` download the report's files (made on first
request when the schedule or `python -m bot report` has not made them).

What the public reads: amounts, funds, spending per category, purposes with
phones, account numbers and child codes masked, and donors' names shortened
("N.T. Lan", `bot.reports.monthly.donor_names`). Never a phone, a memo or a
child's code or name beside a donor (a child's details go only to the child's
verified sponsor). A month before the books begin or not yet begun is a
polite 404 page, a malformed one too.

The current month's files are remade when older than FRESH_SECONDS (the month
is still running); a past month's are kept until someone remakes them with
`python -m bot report --month YYYY-MM` (after booking rows from the review
list, for instance).
"""

from __future__ import annotations

import re
import time
from datetime import date, datetime

from flask import Blueprint, Response, current_app, render_template, send_file

from bot.club.database import session_scope
from bot.reports.monthly.donor_names import public_text
from bot.reports.monthly.month_figures import (
    dong,
    month_report,
    months_with_books,
    next_month,
)

bp = Blueprint("public_statement", __name__, template_folder="templates")
_NAME = re.compile(r"^(\d{4})-(\d{2})(?:\.(xlsx|pdf|png))?$")
MIMETYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
    "png": "image/png",
}
FRESH_SECONDS = 600  # how long the running month's files are served as made


def now() -> datetime:
    """The bridge's local time (a function, so tests can set the day)."""
    return datetime.now()


def _months(today: date) -> list[date]:
    with session_scope(current_app.config["DATABASE_URL"]) as session:
        return months_with_books(session, today)


def _missing(reason: str) -> Response:
    page = render_template("sao_ke/missing.html", reason=reason)
    return Response(page, status=404, mimetype="text/html")


@bp.app_template_filter("dong")
def _dong(amount: int | None) -> str:
    return "không rõ" if amount is None else dong(amount)


@bp.get("/sao-ke/")
def months() -> str:
    today = now().date()
    return render_template(
        "sao_ke/index.html", months=_months(today), current=today.replace(day=1)
    )


def _file(month: date, kind: str, moment: datetime) -> Response:
    from bot.reports.monthly.report_files import figures, report_path, write_files

    var_dir = current_app.config["SETTINGS"].var_dir
    path = report_path(var_dir, month, kind)
    running = moment.date() < next_month(month)
    stale = not path.exists() or (
        running and time.time() - path.stat().st_mtime > FRESH_SECONDS
    )
    if stale:
        report = figures(current_app.config["DATABASE_URL"], month, moment)
        write_files(report, var_dir, (kind,))
    return send_file(
        path,
        mimetype=MIMETYPES[kind],
        as_attachment=kind != "png",
        download_name=path.name,
        max_age=60 if running else 3600,
    )


@bp.get("/sao-ke/<name>")
def month(name: str):
    found = _NAME.match(name)
    if not found or not 1 <= int(found.group(2)) <= 12:
        return _missing("malformed")
    wanted = date(int(found.group(1)), int(found.group(2)), 1)
    moment = now()
    if wanted not in _months(moment.date()):
        return _missing("future" if wanted > moment.date() else "unknown")
    if found.group(3):
        return _file(wanted, found.group(3), moment)
    with session_scope(current_app.config["DATABASE_URL"]) as session:
        report = month_report(session, wanted, moment)
    expenses = [(line, public_text(line.purpose)) for line in report.expenses]
    return render_template("sao_ke/month.html", report=report, expenses=expenses)


@bp.get("/sao-ke/<path:_rest>")
def elsewhere(_rest: str) -> Response:
    """Anything deeper under /sao-ke/ is no month either."""
    return _missing("malformed")
