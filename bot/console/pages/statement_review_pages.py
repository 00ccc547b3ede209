"""The bank review list (/admin/statements/review, admins only): credits the
matcher was unsure of or could not match, and every debit, newest first.
Staff confirm the suggestion with one click (one row, or several ticked at
once), or choose the fund (and a child, a sponsor; for a debit its category,
suggested from its description, and its purpose) and assign. A credit's
assignment is remembered for its payer, whose next transfer then matches by
itself (`bot.reports.statement_review`). Every assignment is audited
(`statement_assign`).
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select

from bot.club.database import session_scope
from bot.club.models import Fund, Sponsor
from bot.console import audit
from bot.console.accounts import requires_role
from bot.console.pages import address, bp, db_url
from bot.console.pages.statement_pages import send_now
from bot.reports.balance_checks import dong
from bot.reports.booked_thanks import thank
from bot.reports.monthly.expense_categories import NAMES
from bot.reports.statement_review import AssignError, ReviewItem, assign, review_list

SHOWN = 200  # rows on the page, newest first
CONFIDENCE = {
    "high": "chắc chắn",
    "medium": "khá chắc",
    "low": "chưa chắc",
    "none": "không đoán được",
}
REMEMBERED = "Lần sau người chuyển này sẽ tự khớp."
STALE = "Trang đã cũ hoặc thiếu mã bảo vệ: bạn tải lại trang nhé."


class ReviewForm(FlaskForm):
    pass


def _choices() -> tuple[list[tuple[str, str]], list[tuple[int, str]]]:
    """(fund code, name) and (sponsor id, name) for the selects."""
    with session_scope(db_url()) as session:
        funds = session.execute(select(Fund.code, Fund.name).order_by(Fund.code))
        people = select(Sponsor.id, Sponsor.full_name).order_by(Sponsor.full_name)
        return [tuple(f) for f in funds], [tuple(p) for p in session.execute(people)]


def _render(error: str | None = None, status: int = 200):
    items = review_list(db_url())
    funds, sponsors = _choices()
    page = render_template(
        "console/statements_review.html",
        items=items[::-1][:SHOWN],
        total=len(items),
        funds=funds,
        sponsors=sponsors,
        categories=NAMES,
        confidence=CONFIDENCE,
        dong=dong,
        form=ReviewForm(),
        error=error,
    )
    return page, status


@bp.get("/statements/review")
@requires_role("admin")
def statement_review_page():
    return _render()


def _number(text: str, what: str) -> int | None:
    """The id typed or picked ("12 · Trần Minh Đức" from the list, or "12")."""
    text = text.split("·")[0].strip()
    if not text:
        return None
    if not text.isdigit() or len(text) > 12:
        raise AssignError(f"{what} “{text}” không hợp lệ")
    return int(text)


def _book(
    item: ReviewItem | None, tx_id: int, fund: str, sponsor, child, purpose, kind=None
):
    """Assign one transaction, audit it; returns the flash line."""
    by = current_user.username
    assign(db_url(), tx_id, fund, sponsor, child, by, purpose, kind)
    thank(db_url(), [tx_id], send=send_now())  # a recent sponsor's transfer
    detail = f"tx={tx_id} fund={fund.upper()}"
    detail += f" sponsor={sponsor}" if sponsor else ""
    detail += f" child={child.upper()}" if child else ""
    detail += f" purpose={purpose}" if purpose else ""
    detail += f" category={kind}" if kind else ""
    audit.record(db_url(), current_user.username, "statement_assign", detail, address())
    if item is None:
        return f"Đã ghi giao dịch {tx_id} vào quỹ {fund.upper()}."
    line = f"Đã ghi {dong(abs(item.amount))} ngày {item.date:%d/%m/%Y} vào quỹ "
    line += fund.upper() + (f", bé {child.upper()}" if child else "")
    line += f", loại chi “{kind}”." if kind and item.kind == "debit" else "."
    if item.kind == "credit" and item.payer:
        line += " " + REMEMBERED
    return line


def _waiting() -> dict[int, ReviewItem]:
    return {item.id: item for item in review_list(db_url())}


@bp.post("/statements/review/<int:tx_id>")
@requires_role("admin")
def statement_assign(tx_id: int):
    if not ReviewForm().validate_on_submit():
        return _render(STALE, 400)
    item = _waiting().get(tx_id)
    form = request.form
    try:
        if form.get("action") == "confirm":
            if item is None or not item.fund_code:
                raise AssignError("giao dịch này không có gợi ý để xác nhận")
            fund, sponsor, child = item.fund_code, item.sponsor_id, item.child_code
            kind = item.category
        else:
            fund = form.get("fund", "").strip()
            if not fund:
                raise AssignError("bạn chọn quỹ trước nhé")
            sponsor = _number(form.get("sponsor", ""), "Mã người nhận nuôi")
            child = form.get("child", "").strip() or None
            kind = form.get("category", "").strip() or None
        purpose = form.get("purpose", "").strip()[:500] or None
        flash(_book(item, tx_id, fund, sponsor, child, purpose, kind))
    except AssignError as refused:
        return _render(f"Chưa ghi được: {refused}", 400)
    return redirect(url_for("console.statement_review_page"), 303)


@bp.post("/statements/review/confirm")
@requires_role("admin")
def statement_confirm_many():
    """The ticked rows, each to its suggestion; rows without one are left."""
    if not ReviewForm().validate_on_submit():
        return _render(STALE, 400)
    ids = request.form.getlist("ids")
    if not ids or not all(i.isdigit() and len(i) < 12 for i in ids):
        return _render("Bạn đánh dấu các giao dịch cần xác nhận trước nhé.", 400)
    waiting, booked, left = _waiting(), 0, []
    for tx_id in map(int, ids):
        item = waiting.get(tx_id)
        if item is None or not item.fund_code:
            left.append(str(tx_id))
            continue
        try:
            _book(
                item, tx_id, item.fund_code, item.sponsor_id, item.child_code, None,
                item.category,
            )  # fmt: skip
            booked += 1
        except AssignError as refused:
            left.append(f"{tx_id} ({refused})")
    if booked:
        flash(f"Đã ghi {booked} giao dịch theo gợi ý. {REMEMBERED}")
    if left:
        flash(f"Chưa ghi (không có gợi ý hoặc lỗi): {', '.join(left)}.")
    return redirect(url_for("console.statement_review_page"), 303)
