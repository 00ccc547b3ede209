"""Staff accounts for the console: salted password hashes only."""

from __future__ import annotations

import getpass
import re
import sys

from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from bot.club.database import session_scope
from bot.club.models import StaffUser
from bot.club.vocab import STAFF_ROLES

USERNAME = re.compile(r"^[a-z0-9._-]{3,50}$")
MIN_PASSWORD = 10


class StaffError(ValueError):
    """A staff account cannot be created as asked; the message says why."""


def read_password(from_stdin: bool = False) -> str:
    """From standard input when asked or when it is not a terminal (scripts),
    else asked twice without echo."""
    if from_stdin or not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Password again: "):
        raise StaffError("the two passwords differ")
    return first


def create_staff(url: str, username: str, password: str, role: str = "admin") -> None:
    if not USERNAME.match(username):
        raise StaffError("username: 3-50 characters of a-z, 0-9, dot, dash, underscore")
    if len(password) < MIN_PASSWORD:
        raise StaffError(f"the password needs at least {MIN_PASSWORD} characters")
    if role not in STAFF_ROLES:
        raise StaffError(f"role: one of {', '.join(STAFF_ROLES)}")
    with session_scope(url) as session, session.begin():
        taken = session.scalars(select(StaffUser).where(StaffUser.username == username))
        if taken.first():
            raise StaffError(f"staff user {username!r} already exists")
        session.add(
            StaffUser(
                username=username,
                password_hash=generate_password_hash(password),
                role=role,
            )
        )


def verify_staff(url: str, username: str, password: str) -> bool:
    with session_scope(url) as session:
        user = session.scalars(
            select(StaffUser).where(StaffUser.username == username)
        ).first()
    return user is not None and check_password_hash(user.password_hash, password)
