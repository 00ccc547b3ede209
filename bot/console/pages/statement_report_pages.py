"""The monthly report from the console (/admin/statements/report, admins
only): after importing a month's exports and booking its review list, staff
make the month's report (figures, XLSX, PDF, PNG under var/reports/YYYY-MM/,
`bot.reports.monthly.report_files`) with one click, as
`python -m bot report --month YYYY-MM` does, and follow the link to the
public page /sao-ke/YYYY-MM. The schedule makes last month's by itself on the
1st; this remakes a month after late bookings. Audited (`statement_report`).
"""

from __future__ import annotations

from datetime import date, datetime

from flask import current_app, request, url_for
from flask_login import current_user

from bot.club.database import session_scope
from bot.console import audit
from bot.console.accounts import requires_role
from bot.console.pages import address, bp, db_url
from bot.console.pages.statement_pages import UploadForm, render_statements
from bot.reports.monthly.month_figures import (
    MonthError,
    months_with_books,
    parse_month,
)

STALE = "Trang đã cũ hoặc thiếu mã bảo vệ: tải lại nhé."


def report_months(today: date) -> list[date]:
    """The months the books cover, newest first (the choices of the form)."""
    with session_scope(db_url()) as session:
        return months_with_books(session, today)


def _refused(reason: str):
    return render_statements(400, report_error=reason)


@bp.post("/statements/report")
@requires_role("admin")
def statements_report():
    from bot.reports.monthly.report_files import make_report  # matplotlib, fpdf2

    if not UploadForm().validate_on_submit():
        return _refused(STALE)
    now = datetime.now()
    try:
        month = parse_month(request.form.get("month", ""), now.date())
    except MonthError:
        return _refused("Bạn chọn một tháng trong danh sách nhé (dạng YYYY-MM).")
    if month not in report_months(now.date()):
        return _refused(f"Sổ sách chưa có tháng {month:%m/%Y}: chưa làm báo cáo.")
    made = make_report(db_url(), current_app.config["SETTINGS"].var_dir, month, now)
    report = made.report
    audit.record(
        db_url(),
        current_user.username,
        "statement_report",
        report.summary_line(),
        address(),
    )
    public = url_for("public_statement.month", name=report.label)
    return render_statements(report=report, public_url=public)
