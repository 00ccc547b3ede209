"""Conversations: every platform in one list, one conversation's transcript
(latest 50 events, older ones paged in), and its review state. Both roles may
read; volunteers see phone numbers and a child's private details masked.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from bot.console import audit, conversation_list, masking
from bot.console.conversation_args import BadQuery, parse_cursor, parse_filters
from bot.console.pages import address, bp, db_url, refresh_copies
from bot.console.rows import REVIEW_STATES, CopiedEvent


class ReviewForm(FlaskForm):
    pass


@dataclass(frozen=True)
class Shown:
    event: CopiedEvent
    text: str  # as this staff member may read it
    low: bool
    ranking: list[tuple[str, float]]


def _copy() -> None:
    refresh_copies()


def _refused(reason: str, status: int):
    page = render_template(
        "console/conversations.html", error=reason, entries=[], older=None, newest=None
    )
    return page, status


@bp.get("/conversations")
@login_required
def conversation_list_page():
    try:
        filters, cursor = parse_filters(request.args), parse_cursor(request.args)
    except BadQuery as bad:
        return _refused(str(bad), 400)
    _copy()
    entries, older = conversation_list.conversations(db_url(), filters, cursor)
    args = {k: v for k, v in request.args.items() if not k.startswith("older_")}
    here = "console.conversation_list_page"
    newest = url_for(here, **args) if cursor else None
    if older:
        args.update(older_at=older.last_at.isoformat(), older_id=older.conversation_id)
    return render_template(
        "console/conversations.html",
        error=None,
        entries=entries,
        shown=lambda text: masking.for_viewer(text, current_user.is_admin),
        older=url_for(here, **args) if older else None,
        newest=newest,
    )


def _shown(event: CopiedEvent) -> Shown:
    text = masking.for_viewer(
        event.text or "", current_user.is_admin, event.kind, event.action
    )
    low = event.kind == "user" and conversation_list.is_low(event)
    return Shown(event, text, low, conversation_list.ranking(event))


@bp.get("/conversations/<path:conversation_id>")
@login_required
def conversation_page(conversation_id: str):
    before = request.args.get("before", "").strip()
    if before and (not before.isdigit() or len(before) > 18):
        return _refused("Liên kết tin cũ hơn không hợp lệ.", 400)
    _copy()
    found = conversation_list.summary(db_url(), conversation_id)
    if found is None:
        return _refused("Không tìm thấy cuộc trò chuyện này.", 404)
    page = conversation_list.transcript(
        db_url(), conversation_id, int(before) if before else None
    )
    return render_template(
        "console/conversation.html",
        summary=found,
        events=[_shown(e) for e in page.events],
        older=page.older,
        latest=not before,
        review=ReviewForm(),
    )


@bp.post("/conversations/<path:conversation_id>/review")
@login_required
def conversation_review(conversation_id: str):
    state = request.form.get("state", "")
    if not ReviewForm().validate_on_submit():
        return _refused("Trang đã cũ hoặc thiếu mã bảo vệ: bạn tải lại trang nhé.", 400)
    if state not in REVIEW_STATES:
        return _refused(f"Không có trạng thái xem “{state[:30]}”.", 400)
    if not conversation_list.set_review_state(db_url(), conversation_id, state):
        return _refused("Không tìm thấy cuộc trò chuyện này.", 404)
    detail = f"{conversation_id} {state}"
    audit.record(
        db_url(), current_user.username, "conversation_review", detail, address()
    )
    return redirect(
        url_for("console.conversation_page", conversation_id=conversation_id), 303
    )
