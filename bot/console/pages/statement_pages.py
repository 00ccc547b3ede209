"""Bank statements (/admin/statements, admins only: the club's money and its
donors' names and accounts): upload one bank export, which is imported into
the ledger all at once or not at all (`bot.reports.statement_import`), and
the list of the statements imported so far; below it, the month's report
(`statement_report_pages`). The review list of what the
matcher could not decide is in `statement_review_pages`. Every import, and
every refused file, is audited (`statement_import`).
"""

from __future__ import annotations

import re
import tempfile
from datetime import date
from pathlib import Path

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.utils import secure_filename

from bot.club.database import session_scope
from bot.console import audit
from bot.console.accounts import requires_role
from bot.console.pages import address, bp, db_url
from bot.reports.balance_checks import BalanceError, dong
from bot.reports.booked_thanks import booked_in_statement, thank
from bot.reports.ledger import BankStatement, BankTransaction
from bot.reports.monthly.month_figures import months_with_books, previous_month
from bot.reports.statement_import import StatementRefused, import_statement
from bot.reports.statements.sheets import SheetError

# A month of a busy account is a few hundred kB; the rest of the app keeps
# WEBHOOK_MAX_BYTES (bot/bridge/app.py lets the server read this much).
STATEMENT_MAX_BYTES = 5 * 1024 * 1024
BANKS = {
    "auto": "Tự nhận ra",
    "vcb": "Vietcombank",
    "tcb": "Techcombank",
    "mb": "MB",
    "bidv": "BIDV",
}
LISTED = 50  # statements shown, newest first
LINE = re.compile(r"^line (\d+): ")


class UploadForm(FlaskForm):
    pass


def review_count(url: str) -> int:
    with session_scope(url) as session:
        query = select(func.count()).where(BankTransaction.state == "review")
        return session.scalar(query.select_from(BankTransaction)) or 0


@bp.context_processor
def statement_badge() -> dict:
    """How many bank transactions wait for staff, for admins' nav."""
    if not (current_user.is_authenticated and current_user.is_admin):
        return {}
    try:
        return {"statement_badge": review_count(db_url())}
    except SQLAlchemyError:  # the badge never breaks a page
        return {}


def in_vietnamese(reason: str) -> str:
    """`line 10: ...` → `Dòng 10: ...`; the reasons themselves are the
    importer's, as the command line prints them."""
    return LINE.sub(r"Dòng \1: ", reason)


def _statements() -> list[BankStatement]:
    with session_scope(db_url()) as session:
        query = select(BankStatement).order_by(BankStatement.id.desc()).limit(LISTED)
        return list(session.scalars(query))


def render_statements(status: int = 200, **shown):
    """The page, with what an upload or a report made (`shown`)."""
    today = date.today()
    with session_scope(db_url()) as session:
        months = months_with_books(session, today)
    page = render_template(
        "console/statements.html",
        form=UploadForm(),
        banks=BANKS,
        statements=_statements(),
        waiting=review_count(db_url()),
        dong=dong,
        max_mb=STATEMENT_MAX_BYTES // (1024 * 1024),
        months=months,
        last_month=previous_month(today),
        **shown,
    )
    return page, status


@bp.get("/statements")
@requires_role("admin")
def statements_page():
    return render_statements()


def _saved_name(filename: str) -> str:
    """The upload's own name (ASCII), keeping its suffix: the importer reads
    .xlsx, .xls (HTML) and .csv by their content and the name is listed."""
    name = secure_filename(filename)
    suffix = Path(filename).suffix.lower()
    if not name or (suffix.isascii() and not name.lower().endswith(suffix)):
        name = "sao-ke" + (suffix if re.fullmatch(r"\.\w{1,5}", suffix) else "")
    return name[-200:]


def send_now():
    """The bridge's way to send a conversation's outbox at once (None when
    this app runs without a queue: the keeper's sweep sends it later)."""
    queue = current_app.config.get("QUEUE")
    return queue.sender.schedule if queue is not None else None


def _import(upload, bank: str):
    with tempfile.TemporaryDirectory(prefix="statement-") as folder:
        path = Path(folder) / _saved_name(upload.filename or "")
        upload.save(path)
        return import_statement(db_url(), path, bank)


def _refused(name: str, headline: str, reasons: list[str], status: int = 422):
    detail = f"{name} refused: {headline}"
    audit.record(db_url(), current_user.username, "statement_import", detail, address())
    return render_statements(status, refused=headline, reasons=reasons, file_name=name)


@bp.post("/statements")
@requires_role("admin")
def statements_upload():
    request.max_content_length = STATEMENT_MAX_BYTES
    try:
        upload = request.files.get("file")
        valid = UploadForm().validate_on_submit()
    except RequestEntityTooLarge:  # any page render would read the body again
        flash(f"Tệp lớn quá {STATEMENT_MAX_BYTES // (1024 * 1024)} MB: chưa nhập gì.")
        return redirect(url_for("console.statements_page"), 303)
    if not valid:
        return render_statements(
            400, error="Trang đã cũ hoặc thiếu mã bảo vệ: tải lại nhé."
        )
    bank = request.form.get("bank", "auto")
    if bank not in BANKS:
        return render_statements(
            400, error=f"Không có ngân hàng “{bank}” trong danh sách."
        )
    if upload is None or not upload.filename:
        return render_statements(400, error="Bạn chọn tệp sao kê để tải lên nhé.")
    name = upload.filename
    try:
        summary = _import(upload, bank)
    except StatementRefused as refused:
        count = len(refused.errors)
        headline = (
            f"{count} dòng không đọc được" if count else in_vietnamese(str(refused))
        )
        return _refused(name, headline, [in_vietnamese(e) for e in refused.errors])
    except BalanceError as error:
        return _refused(name, "số dư không khớp", [in_vietnamese(str(error))])
    except SheetError as error:
        return _refused(name, "không đọc được tệp", [str(error)])
    audit.record(
        db_url(), current_user.username, "statement_import", summary.line(), address()
    )
    if summary.statement_id is not None:  # recent sponsors' transfers: thanks
        booked = booked_in_statement(db_url(), summary.statement_id)
        thank(db_url(), booked, send=send_now())
    return render_statements(summary=summary, file_name=name)
