"""Console accounts: login, CSRF, throttling, expiry, roles, audit, escaping."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.club.database import session_scope
from bot.club.models import AuditEntry
from tests.console.conftest import csrf_token, log_in


def actions(db_url) -> list[tuple[str, str]]:
    with session_scope(db_url) as session:
        rows = session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        return [(row.username, row.action) for row in rows]


def test_pages_need_a_login(console):
    for path in ("/admin/", "/admin/audit"):
        response = console.get(path)
        assert response.status_code == 302
        assert "/admin/login" in response.headers["Location"]


def test_login_then_logout_are_audited(console, db_url):
    response = log_in(console, "thu.ha")
    assert response.status_code == 302
    home = console.get("/admin/").get_data(as_text=True)
    assert "Xin chào thu.ha" in home and "quản trị" in home
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', home)[1]
    assert console.post("/admin/logout", data={"csrf_token": token}).status_code == 302
    assert console.get("/admin/").status_code == 302
    assert actions(db_url) == [("thu.ha", "login"), ("thu.ha", "logout")]


def test_a_wrong_password_is_refused_and_audited(console, db_url):
    response = log_in(console, "thu.ha", "sai-mat-khau-roi")
    assert response.status_code == 401
    assert "chưa đúng" in response.get_data(as_text=True)
    assert console.get("/admin/").status_code == 302
    assert actions(db_url) == [("thu.ha", "login_failed")]


def test_a_form_without_its_csrf_token_is_refused(console):
    form = {"username": "thu.ha", "password": "mat-khau-dai-du"}
    assert console.post("/admin/login", data=form).status_code == 400
    log_in(console, "thu.ha")
    assert console.post("/admin/logout", data={}).status_code == 303
    assert console.get("/admin/").status_code == 200  # still logged in


def test_brute_force_is_throttled_per_account_and_per_address(console, db_url):
    for i in range(5):
        log_in(console, "thu.ha", f"doan-sai-{i:04d}", address=f"198.51.100.{i}")
    blocked = log_in(console, "thu.ha", address="203.0.113.5")  # right password
    assert blocked.status_code == 429
    assert "15 phút" in blocked.get_data(as_text=True)
    assert log_in(console, "minh.tnv", address="203.0.113.5").status_code == 302
    for i in range(5):
        log_in(console, f"khong-co-{i}", "x" * 12, address="198.51.100.77")
    other = log_in(console, "minh.tnv", address="198.51.100.77")
    assert other.status_code == 429  # the address guessed too often
    assert ("thu.ha", "login_blocked") in actions(db_url)


def test_a_session_expires(console):
    log_in(console, "thu.ha")
    assert console.get("/admin/").status_code == 200
    app = console.application
    app.permanent_session_lifetime = timedelta(seconds=-1)
    assert console.get("/admin/").status_code == 302  # the signed cookie is too old


def test_a_volunteer_is_denied_admin_pages(console):
    log_in(console, "minh.tnv")
    assert console.get("/admin/").status_code == 200
    denied = console.get("/admin/audit")
    assert denied.status_code == 403
    assert "quản trị viên" in denied.get_data(as_text=True)


def test_user_text_is_escaped_in_pages(console):
    log_in(console, "<script>alert(1)</script>", "x" * 12)
    log_in(console, "thu.ha")
    page = console.get("/admin/audit").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


@pytest.mark.parametrize("path", ["/admin/login", "/admin/"])
def test_console_pages_are_framed_by_nobody(console, path):
    response = console.get(path)
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_the_login_form_has_the_documented_fields(console):
    page = console.get("/admin/login").get_data(as_text=True)
    for field in ('name="username"', 'name="password"', 'name="csrf_token"'):
        assert field in page
    assert csrf_token(console)
