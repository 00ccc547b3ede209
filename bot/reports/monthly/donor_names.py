"""What the public may read about a donor: a shortened name, never a phone.

The club keeps no "stay anonymous" flag on donations or sponsors, so every
name is shortened on public pages and files ("Nguyễn Thị Lan" → "N.T. Lan")
and a donor who gave no name, or wrote one of the words for anonymous ("Ẩn
danh", "an danh", "giấu tên"), is shown as "Ẩn danh". Bank names come in
capitals without diacritics ("NGUYEN VAN AN" → "N.V. An"). Any word holding a
digit (a phone, an account, a child code typed into the name) is dropped
before shortening, so nothing that identifies a person or a child by number
can reach a public page through a name.
"""

from __future__ import annotations

import re

from bot.text import nfc, strip_diacritics

ANONYMOUS = "Ẩn danh"
_ANONYMOUS_WORDS = {"an danh", "giau ten", "khong ten", "vo danh", "anonymous"}
_WORD = re.compile(r"[^\W\d_]+(?:[-'][^\W\d_]+)*", re.UNICODE)


def _plain(text: str) -> str:
    return " ".join(strip_diacritics(text).lower().split())


def short_name(name: str | None) -> str:
    """ "Nguyễn Thị Lan" → "N.T. Lan"; one word stays; nothing → "Ẩn danh"."""
    text = nfc(name or "")
    if not text or _plain(text) in _ANONYMOUS_WORDS:
        return ANONYMOUS
    words = [w for w in text.split() if not any(ch.isdigit() for ch in w)]
    words = [m for w in words for m in _WORD.findall(w)]
    if not words:
        return ANONYMOUS
    shouting = text.isupper()  # a bank's "NGUYEN VAN AN"; "Công ty ABC" stays
    last = words[-1].capitalize() if shouting else words[-1]
    if len(words) == 1:
        return last
    initials = "".join(f"{w[0].upper()}." for w in words[:-1])
    return f"{initials} {last}"


def donor_key(sponsor_id: int | None, name: str | None, donation_id: int) -> str:
    """Who a donation came from, for counting donors once: the sponsor record,
    else the name as typed (folded), else the donation itself (an anonymous
    gift counts as one donor, since nothing tells two anonymous donors apart)."""
    if sponsor_id is not None:
        return f"sponsor:{sponsor_id}"
    plain = _plain(nfc(name or ""))
    if plain and plain not in _ANONYMOUS_WORDS:
        return f"name:{plain}"
    return f"donation:{donation_id}"


# A run of digits with the separators people type ("0912 345 678",
# "+84.912.345.678", "0071000999888"): a phone when it starts with 0 or 84 and
# holds 9 to 11 digits, an account number when it holds 10 or more; amounts
# ("1.120.000") stay. A child code ("NE0101", "nuoiemne0101") anywhere.
_NUMBER = re.compile(r"\+?\d(?:[ .-]?\d)*")
_CHILD_CODE = re.compile(r"(?i)ne[ .-]?\d{4}(?!\d)")
NUMBER_MASK = "[số]"
CHILD_MASK = "[mã em]"


def _private_number(found: re.Match) -> str:
    digits = re.sub(r"\D", "", found.group())
    phone = digits.startswith(("0", "84")) and 9 <= len(digits) <= 11
    return NUMBER_MASK if phone or len(digits) >= 10 else found.group()


def public_text(text: str | None) -> str:
    """A purpose or note as the public may read it: phones, account numbers and
    child codes masked."""
    masked = _CHILD_CODE.sub(CHILD_MASK, nfc(text or ""))
    return _NUMBER.sub(_private_number, masked)
