"""Log in, log out and the audit log (the home page is dashboard_pages.py)."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from bot.console import audit
from bot.console.accounts import authenticate, requires_role
from bot.console.pages import LogoutForm, address, bp, db_url


class LoginForm(FlaskForm):
    username = StringField("Tên đăng nhập", validators=[DataRequired(), Length(max=50)])
    password = PasswordField("Mật khẩu", validators=[DataRequired(), Length(max=200)])


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
    username, where = form.username.data.strip(), address()
    guard = current_app.config["LOGIN_GUARD"]
    if guard.blocked(username, where):
        audit.record(db_url(), username, "login_blocked", "", where)
        flash("Đăng nhập sai nhiều lần quá. Bạn thử lại sau 15 phút nhé.")
        return render_template("console/login.html", form=form), 429
    staff = authenticate(db_url(), username, form.password.data)
    if staff is None:
        guard.failed(username, where)
        audit.record(db_url(), username, "login_failed", "", where)
        flash("Tên đăng nhập hoặc mật khẩu chưa đúng.")
        return render_template("console/login.html", form=form), 401
    session.clear()
    session.permanent = True  # expires after CONSOLE_SESSION_MINUTES idle
    login_user(staff)
    audit.record(db_url(), staff.username, "login", staff.role, where)
    return redirect(url_for("console.home"))


@bp.post("/logout")
@login_required
def logout():
    if not LogoutForm().validate_on_submit():
        return redirect(url_for("console.home")), 303
    audit.record(db_url(), current_user.username, "logout", "", address())
    logout_user()
    session.clear()
    return redirect(url_for("console.login_page"))


@bp.get("/audit")
@requires_role("admin")
def audit_log():
    return render_template("console/audit.html", entries=audit.latest(db_url()))
