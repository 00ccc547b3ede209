"""The NLU inbox (/admin/inbox): messages the bot may have misunderstood, one
row per normalised text. Both roles label (confirm, relabel, noise, later, one
row or several at once); a label changes the database at once, and "Lưu vào dữ
liệu huấn luyện" writes data/nlu/reviewed.yml after `rasa data validate`.
Every action is audited. The nav's badge counts the new items.
"""

from __future__ import annotations

import logging
from pathlib import Path

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.datastructures import MultiDict

from bot.console import audit, masking
from bot.console.inbox import nlu_labels
from bot.console.inbox.nlu_labels import BadLabel
from bot.console.inbox.nlu_training import save
from bot.console.pages import address, bp, db_url, nlu_data_dir, refresh_copies
from bot.settings import ROOT

logger = logging.getLogger(__name__)
TABS = ("new", "labelled", "later", "noise", "trained")
MAX_PAGE = 100_000


class InboxForm(FlaskForm):
    pass


class SaveForm(FlaskForm):
    pass


def data_dir() -> Path:
    """Where data/nlu/ is: the repository's, or a test's copy."""
    return nlu_data_dir()


@bp.context_processor
def inbox_badge() -> dict:
    """The count of new inbox items for the nav, only for signed-in staff."""
    if not current_user.is_authenticated:
        return {}
    try:
        return {"inbox_badge": nlu_labels.new_count(db_url())}
    except SQLAlchemyError:  # the badge never breaks a page
        logger.exception("inbox_badge_failed")
        return {}


def _view(args: MultiDict) -> tuple[str, str, int]:
    state = args.get("state", "new")
    if state not in TABS:
        raise BadLabel(f"Không có mục “{state}” trong hộp NLU.")
    sort = args.get("sort", "newest")
    if sort not in nlu_labels.SORTS:
        raise BadLabel(f"Không sắp xếp được theo “{sort}”.")
    number = args.get("page", "1")
    if not number.isdigit() or not 1 <= int(number) <= MAX_PAGE:
        raise BadLabel("Số trang không hợp lệ.")
    return state, sort, int(number)


def _render(state: str, sort: str, number: int, error=None, problems=(), status=200):
    page = nlu_labels.page(db_url(), state, sort, number)
    admin = current_user.is_admin
    page_html = render_template(
        "console/inbox.html",
        state=state,
        sort=sort,
        page=page,
        tabs=TABS,
        counts=nlu_labels.count_by_state(db_url()),
        intents=nlu_labels.intents(),
        ranking=nlu_labels.ranking,
        example=lambda item: nlu_labels.example_of(item, data_dir()),
        bot_said=lambda text: masking.for_viewer(text or "", admin, "bot"),
        unsaved=nlu_labels.unsaved(db_url(), data_dir()),
        form=InboxForm(),
        save_form=SaveForm(),
        error=error,
        problems=problems,
    )
    return page_html, status


def _view_or_default(form: MultiDict) -> tuple[str, str, int]:
    """The tab, order and page a form came from (hidden fields)."""
    try:
        return _view(form)
    except BadLabel:
        return "new", "newest", 1


def _back(form: MultiDict):
    state, sort, number = _view_or_default(form)
    url = url_for("console.inbox_page", state=state, sort=sort, page=number)
    return redirect(url, 303)


@bp.get("/inbox")
@login_required
def inbox_page():
    try:
        state, sort, number = _view(request.args)
    except BadLabel as bad:
        return _render("new", "newest", 1, error=str(bad), status=400)
    refresh_copies()
    return _render(state, sort, number)


def _ids(values: list[str]) -> list[int]:
    if not all(v.isdigit() and len(v) < 12 for v in values):
        raise BadLabel("Danh sách câu đã chọn không hợp lệ.")
    return [int(v) for v in values]


def _typed_intent(form: MultiDict) -> tuple[list[int], str, str | None]:
    """Enter pressed in an intent box: that row, or the chosen rows."""
    typed = [(k[7:], v.strip()) for k, v in form.items() if k.startswith("intent_")]
    typed = [(row, value) for row, value in typed if value]
    if len(typed) == 1:
        return _ids([typed[0][0]]), "relabel", typed[0][1]
    if form.get("intent", "").strip():
        return _ids(form.getlist("ids")), "relabel", form["intent"].strip()
    raise BadLabel("Bạn chọn một thao tác bằng các nút bên cạnh câu nhé.")


def parse_label(form: MultiDict) -> tuple[list[int], str, str | None]:
    """(ids, action, intent) of a posted label: one row's button
    (`one` = "<id>:<action>", its own intent box) or a bulk one
    (`bulk` = action, the ticked `ids`, the shared intent box)."""
    if one := form.get("one"):
        row, _, action = one.partition(":")
        return _ids([row]), action, form.get(f"intent_{row}", "").strip() or None
    if bulk := form.get("bulk"):
        return _ids(form.getlist("ids")), bulk, form.get("intent", "").strip() or None
    return _typed_intent(form)


@bp.post("/inbox/label")
@login_required
def inbox_label():
    view = _view_or_default(request.form)
    if not InboxForm().validate_on_submit():
        reason = "Trang đã cũ hoặc thiếu mã bảo vệ: bạn tải lại trang nhé."
        return _render(*view, error=reason, status=400)
    try:
        ids, action, intent = parse_label(request.form)
        changed, skipped = nlu_labels.label(
            db_url(), ids, action, current_user.username, intent
        )
    except BadLabel as bad:
        return _render(*view, error=str(bad), status=400)
    detail = " ".join(filter(None, [action, intent, f"ids={','.join(map(str, ids))}"]))
    audit.record(db_url(), current_user.username, "inbox_label", detail, address())
    flash(f"Đã cập nhật {changed} câu.")
    if skipped:
        flash(
            f"{skipped} câu chưa có ý định bot đoán hợp lệ: bạn chọn ý định giúp nhé."
        )
    return _back(request.form)


@bp.post("/inbox/save")
@login_required
def inbox_save():
    view = _view_or_default(request.form)
    if not SaveForm().validate_on_submit():
        reason = "Trang đã cũ hoặc thiếu mã bảo vệ: bạn tải lại trang nhé."
        return _render(*view, error=reason, status=400)
    text = nlu_labels.reviewed_yaml(db_url(), data_dir())
    log = Path(current_app.config.get("LOG_DIR") or ROOT / "var" / "log")
    log = log / "inbox-validate.log"
    checked = save(text, data_dir(), log)
    if not checked.ok:
        reason = "Rasa chưa chấp nhận dữ liệu mới nên chưa lưu gì cả. Rasa báo:"
        return _render(*view, error=reason, problems=checked.problems, status=422)
    examples = text.count("\n    - ")
    audit.record(
        db_url(), current_user.username, "inbox_save", f"{examples} examples", address()
    )
    flash(
        f"Đã lưu {examples} câu vào data/nlu/reviewed.yml; "
        "lần huấn luyện tới sẽ học các câu này."
    )
    return _back(request.form)
