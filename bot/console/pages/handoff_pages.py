"""The handoff desk: open tickets, the conversation so far, replies, notes."""

from __future__ import annotations

from datetime import datetime

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from bot.club.tickets import release
from bot.console import audit, handoffs
from bot.console.pages import address, bp, db_url


class ReplyForm(FlaskForm):
    text = TextAreaField("Trả lời", validators=[DataRequired(), Length(max=2000)])


class ReleaseForm(FlaskForm):
    pass


class AssignForm(FlaskForm):
    pass


class NoteForm(FlaskForm):
    note = TextAreaField(
        "Ghi chú nội bộ", validators=[DataRequired(), Length(max=2000)]
    )


class CannedForm(FlaskForm):
    pass


@bp.get("/handoffs")
@login_required
def handoff_list():
    tickets = handoffs.open_tickets_newest_first(db_url())
    return render_template("console/handoffs.html", tickets=tickets)


def _ticket_or_404(ticket_id: int):
    found = handoffs.ticket(db_url(), ticket_id)
    if found is None:
        abort(404)
    return found


@bp.get("/handoffs/<int:ticket_id>")
@login_required
def handoff(ticket_id: int):
    found = _ticket_or_404(ticket_id)
    now = datetime.utcnow()
    return render_template(
        "console/handoff.html",
        ticket=found,
        lines=handoffs.conversation(db_url(), found.conversation_id),
        window=handoffs.window(db_url(), found.conversation_id, now),
        now=now,
        reply=ReplyForm(),
        release=ReleaseForm(),
        assign=AssignForm(),
        note=NoteForm(),
        canned=CannedForm(),
        canned_replies=handoffs.canned_replies(),
        notes=handoffs.notes(db_url(), ticket_id),
    )


@bp.post("/handoffs/<int:ticket_id>/reply")
@login_required
def handoff_reply(ticket_id: int):
    found = _ticket_or_404(ticket_id)
    if found.status != "open":  # given back to the bot: it answers now
        flash("Phiếu này đã trả cho bot, không gửi trả lời nữa.")
        return redirect(url_for("console.handoff", ticket_id=ticket_id))
    form = ReplyForm()
    canned = handoffs.canned_replies().get(request.form.get("canned", ""))
    if canned and CannedForm().validate_on_submit():
        text = canned
    elif form.validate_on_submit():
        text = form.text.data
    else:
        flash("Trả lời chưa gửi được: nội dung trống, quá dài, hoặc trang đã cũ.")
        return redirect(url_for("console.handoff", ticket_id=ticket_id))
    try:
        platform = handoffs.send_reply(
            db_url(), found.conversation_id, text, datetime.utcnow()
        )
    except handoffs.ReplyRefused as refused:
        flash(str(refused))
        return redirect(url_for("console.handoff", ticket_id=ticket_id))
    if platform != "web":
        current_app.config["QUEUE"].sender.schedule(found.conversation_id)
    detail = f"ticket {ticket_id} {found.conversation_id}"
    audit.record(db_url(), current_user.username, "handoff_reply", detail, address())
    flash("Đã gửi.")
    return redirect(url_for("console.handoff", ticket_id=ticket_id))


@bp.post("/handoffs/<int:ticket_id>/assign")
@login_required
def handoff_assign(ticket_id: int):
    _ticket_or_404(ticket_id)
    if AssignForm().validate_on_submit():
        handoffs.assign(db_url(), ticket_id, current_user.username)
        audit.record(
            db_url(),
            current_user.username,
            "handoff_assign",
            f"ticket {ticket_id}",
            address(),
        )
    return redirect(url_for("console.handoff", ticket_id=ticket_id))


@bp.post("/handoffs/<int:ticket_id>/note")
@login_required
def handoff_note(ticket_id: int):
    _ticket_or_404(ticket_id)
    form = NoteForm()
    if form.validate_on_submit():
        handoffs.add_note(db_url(), ticket_id, current_user.username, form.note.data)
    else:
        flash("Ghi chú trống hoặc quá dài.")
    return redirect(url_for("console.handoff", ticket_id=ticket_id))


@bp.post("/handoffs/<int:ticket_id>/release")
@login_required
def handoff_release(ticket_id: int):
    found = _ticket_or_404(ticket_id)
    if ReleaseForm().validate_on_submit():
        release(db_url(), found.conversation_id, current_user.username)
        detail = f"ticket {ticket_id} {found.conversation_id}"
        audit.record(
            db_url(), current_user.username, "handoff_release", detail, address()
        )
        flash("Đã trả cuộc trò chuyện cho bot.")
    return redirect(url_for("console.handoff_list"))
