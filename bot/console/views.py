"""The console's pages (blueprint `console`, under /admin)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from bot.club.tickets import release
from bot.console import audit, handoffs
from bot.console.accounts import authenticate, requires_role

HERE = Path(__file__).resolve().parent
bp = Blueprint(
    "console",
    __name__,
    url_prefix="/admin",
    template_folder=str(HERE / "templates"),
    static_folder=str(HERE / "static"),
    static_url_path="/static",
)


class LoginForm(FlaskForm):
    username = StringField("Tên đăng nhập", validators=[DataRequired(), Length(max=50)])
    password = PasswordField("Mật khẩu", validators=[DataRequired(), Length(max=200)])


class LogoutForm(FlaskForm):
    pass


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


@bp.context_processor
def page_forms() -> dict:
    """The logout button on every page (it posts with its CSRF token)."""
    return {"logout": LogoutForm()}


def _url() -> str:
    return current_app.config["DATABASE_URL"]


def _address() -> str:
    return request.remote_addr or "unknown"


@bp.get("/login")
def login_page():
    if current_user.is_authenticated:
        return redirect(url_for("console.home"))
    return render_template("console/login.html", form=LoginForm())


@bp.post("/login")
def login():
    form = LoginForm()
    if not form.validate_on_submit():  # CSRF token missing or wrong, empty fields
        return render_template("console/login.html", form=form), 400
    username, address = form.username.data.strip(), _address()
    guard = current_app.config["LOGIN_GUARD"]
    if guard.blocked(username, address):
        audit.record(_url(), username, "login_blocked", "", address)
        flash("Đăng nhập sai nhiều lần quá. Bạn thử lại sau 15 phút nhé.")
        return render_template("console/login.html", form=form), 429
    staff = authenticate(_url(), username, form.password.data)
    if staff is None:
        guard.failed(username, address)
        audit.record(_url(), username, "login_failed", "", address)
        flash("Tên đăng nhập hoặc mật khẩu chưa đúng.")
        return render_template("console/login.html", form=form), 401
    session.clear()
    session.permanent = True  # expires after CONSOLE_SESSION_MINUTES idle
    login_user(staff)
    audit.record(_url(), staff.username, "login", staff.role, address)
    return redirect(url_for("console.home"))


@bp.post("/logout")
@login_required
def logout():
    if not LogoutForm().validate_on_submit():
        return redirect(url_for("console.home")), 303
    audit.record(_url(), current_user.username, "logout", "", _address())
    logout_user()
    session.clear()
    return redirect(url_for("console.login_page"))


@bp.get("/")
@login_required
def home():
    return render_template("console/home.html")


@bp.get("/audit")
@requires_role("admin")
def audit_log():
    return render_template("console/audit.html", entries=audit.latest(_url()))


@bp.get("/handoffs")
@login_required
def handoff_list():
    tickets = handoffs.open_tickets_newest_first(_url())
    return render_template("console/handoffs.html", tickets=tickets)


def _ticket_or_404(ticket_id: int):
    found = handoffs.ticket(_url(), ticket_id)
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
        lines=handoffs.conversation(_url(), found.conversation_id),
        window=handoffs.window(_url(), found.conversation_id, now),
        now=now,
        reply=ReplyForm(),
        release=ReleaseForm(),
        assign=AssignForm(),
        note=NoteForm(),
        canned=CannedForm(),
        canned_replies=handoffs.canned_replies(),
        notes=handoffs.notes(_url(), ticket_id),
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
            _url(), found.conversation_id, text, datetime.utcnow()
        )
    except handoffs.ReplyRefused as refused:
        flash(str(refused))
        return redirect(url_for("console.handoff", ticket_id=ticket_id))
    if platform != "web":
        current_app.config["QUEUE"].sender.schedule(found.conversation_id)
    detail = f"ticket {ticket_id} {found.conversation_id}"
    audit.record(_url(), current_user.username, "handoff_reply", detail, _address())
    flash("Đã gửi.")
    return redirect(url_for("console.handoff", ticket_id=ticket_id))


@bp.post("/handoffs/<int:ticket_id>/assign")
@login_required
def handoff_assign(ticket_id: int):
    _ticket_or_404(ticket_id)
    if AssignForm().validate_on_submit():
        handoffs.assign(_url(), ticket_id, current_user.username)
        audit.record(
            _url(),
            current_user.username,
            "handoff_assign",
            f"ticket {ticket_id}",
            _address(),
        )
    return redirect(url_for("console.handoff", ticket_id=ticket_id))


@bp.post("/handoffs/<int:ticket_id>/note")
@login_required
def handoff_note(ticket_id: int):
    _ticket_or_404(ticket_id)
    form = NoteForm()
    if form.validate_on_submit():
        handoffs.add_note(_url(), ticket_id, current_user.username, form.note.data)
    else:
        flash("Ghi chú trống hoặc quá dài.")
    return redirect(url_for("console.handoff", ticket_id=ticket_id))


@bp.post("/handoffs/<int:ticket_id>/release")
@login_required
def handoff_release(ticket_id: int):
    found = _ticket_or_404(ticket_id)
    if ReleaseForm().validate_on_submit():
        release(_url(), found.conversation_id, current_user.username)
        detail = f"ticket {ticket_id} {found.conversation_id}"
        audit.record(
            _url(), current_user.username, "handoff_release", detail, _address()
        )
        flash("Đã trả cuộc trò chuyện cho bot.")
    return redirect(url_for("console.handoff_list"))


@bp.app_errorhandler(403)
def forbidden(_error):
    return render_template("console/forbidden.html"), 403
