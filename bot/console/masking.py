"""What volunteers may not read in a conversation: phone numbers and a child's
private details. Admins see everything; every console page that shows chat
text to a volunteer passes it through `for_viewer` (or `mask_phones`).

A child's private details reach a chat only in the bot's answers to that
child's verified sponsor (`CHILD_PRIVATE_RESPONSES`, see actions/child_lookup.py).
Copied Rasa events name the response they came from; the bridge's own
transcripts (web chat, outbox) do not, so a line is also recognised by the
response's text in domain.yml.
"""

from __future__ import annotations

import re
from functools import cache

from flask_login import current_user

from bot.bridge.worker.replies import responses
from bot.text import nfc

# A Vietnamese mobile number inside a sentence, in any spacing ("0912 345 678",
# "+84 912.345.678", "84912345678"), as data/nlu/patterns.yml and
# actions/child_lookup.py read it (tests/console/test_masking.py ties them);
# then, in what is left, landlines and numbers typed a digit short or long,
# which are just as private. Two passes, so a short number typed before a phone
# ("NE0101 0912 345 678") cannot take part of it.
PHONE_IN_TEXT = re.compile(
    r"(?<![\d+])(?:\+84|84|0)[ .-]?[35789]\d(?:[ .-]?\d){7}(?!\d)"
)
OTHER_PHONE = re.compile(
    r"(?<![\d+])(?:\+84|84|[0０])[ .-]?(?!0)\d(?:[ .-]?\d){7,9}(?!\d)"
)
PHONE_MASK = "[số điện thoại]"

# Responses that carry a child's private details (school, family notes, what
# the sponsor paid); `utter_child_waiting` is the public summary and stays.
CHILD_PRIVATE_RESPONSES = frozenset({"utter_child_news"})
CHILD_PRIVATE_MASK = "[thông tin riêng của em — chỉ quản trị xem được]"
_SLOT = re.compile(r"\{\w+\}")
_MIN_PREFIX = 12  # a shorter opening line is not distinctive enough


def mask_phones(text: str) -> str:
    return OTHER_PHONE.sub(PHONE_MASK, PHONE_IN_TEXT.sub(PHONE_MASK, text or ""))


@cache
def _private_templates() -> tuple[tuple[re.Pattern, str], ...]:
    """(whole text as a pattern, its opening words) per private response variant."""
    found = []
    for name in sorted(CHILD_PRIVATE_RESPONSES):
        for variant in responses().get(name) or []:
            pieces = _SLOT.split(nfc(variant.get("text") or ""))
            pattern = "(?s:.+?)".join(re.escape(p) for p in pieces)
            found.append((re.compile(pattern), pieces[0]))
    return tuple(found)


def is_child_private(text: str, response: str | None = None) -> bool:
    """A bot line that carries a child's private details: by the response it
    came from, else by its text (whole, or its opening words when a platform
    split a long message)."""
    if response in CHILD_PRIVATE_RESPONSES:
        return True
    text = nfc(text or "")
    for pattern, opening in _private_templates():
        if pattern.fullmatch(text):
            return True
        if len(opening) >= _MIN_PREFIX and text.startswith(opening):
            return True
    return False


def viewer_is_admin() -> bool:
    """Whether the signed-in staff member is an admin; False outside a request,
    so anything shown without a known admin is masked."""
    return bool(getattr(current_user, "is_admin", False))


def for_viewer(
    text: str, admin: bool, sender: str = "user", response: str | None = None
) -> str:
    """The text as this staff member may read it."""
    if admin:
        return text or ""
    if sender != "user" and is_child_private(text, response):
        return CHILD_PRIVATE_MASK
    return mask_phones(text)
