"""Console sign-in: Flask-Login sessions that expire, login throttled per
account and per address, and roles.

Roles: `admin` may do everything; `volunteer` reads conversations, labels the
NLU inbox and answers handoffs, but never retrains, promotes or sees
children's private notes (`requires_role`).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort
from flask_login import LoginManager, UserMixin, current_user
from sqlalchemy import select
from werkzeug.security import check_password_hash

from bot.bridge.http.rate_limit import RateLimiter
from bot.club.database import session_scope
from bot.club.models import StaffUser
from bot.club.vocab import STAFF_ROLES

# Five wrong passwords in 15 minutes lock the account, and separately the
# address, for what is left of those 15 minutes.
LOGIN_FAILURES = 5
LOGIN_WINDOW = 15 * 60


class Staff(UserMixin):
    def __init__(self, user: StaffUser) -> None:
        self.id = str(user.id)
        self.username = user.username
        self.role = user.role

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


class LoginGuard:
    """Counts failed logins per account and per address."""

    def __init__(self) -> None:
        self.failures = RateLimiter(LOGIN_FAILURES, LOGIN_WINDOW)

    def blocked(self, username: str, address: str) -> bool:
        return self.failures.blocked(f"user:{username}") or self.failures.blocked(
            f"address:{address}"
        )

    def failed(self, username: str, address: str) -> None:
        self.failures.allow(f"user:{username}")
        self.failures.allow(f"address:{address}")


def authenticate(url: str, username: str, password: str) -> Staff | None:
    with session_scope(url) as session:
        user = session.scalars(
            select(StaffUser).where(StaffUser.username == username.strip())
        ).first()
    if user is None or not check_password_hash(user.password_hash, password):
        return None
    return Staff(user)


def login_manager(url_getter: Callable[[], str]) -> LoginManager:
    manager = LoginManager()
    manager.login_view = "console.login"
    manager.login_message = "Bạn đăng nhập để tiếp tục nhé."

    @manager.user_loader
    def load(user_id: str) -> Staff | None:
        if not user_id.isdigit():
            return None
        with session_scope(url_getter()) as session:
            user = session.get(StaffUser, int(user_id))
        return Staff(user) if user else None

    return manager


def requires_role(*roles: str) -> Callable:
    """Only these roles (403 for the others); login is checked first."""
    assert set(roles) <= set(STAFF_ROLES)

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any):
            if not current_user.is_authenticated:
                from flask import current_app

                return current_app.login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return guarded

    return decorate
