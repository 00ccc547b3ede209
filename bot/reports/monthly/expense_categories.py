"""Categories of spending, for the monthly report and the review list.

An `Expense` has a `category` (migration 0013): a bank debit is imported with
the category guessed from its description as a suggestion, and staff keep or
change it in the review list when they book it (`statement_review.assign`).
An expense without one (entered by CSV, or before 0013) is put in the
category guessed from its free-text `purpose` ("Tiền ăn trưa tháng 9 cho 7
em", "Mua xi măng, cát cho điểm trường Sa Ná"): the first whose words appear
in it, else "Khác". Words are compared with their diacritics ("cát" is sand,
"các" is not); a phrase of two syllables or more also matches without them,
for a bank's debit description ("TIEN AN TRUA T9").
"""

from __future__ import annotations

import re

from bot.text import nfc, strip_diacritics

OTHER = "Khác"

# (category as shown, words or phrases of a purpose, lower case with diacritics)
CATEGORIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Bữa trưa", ("ăn trưa", "bữa trưa", "cơm trưa", "tiền ăn", "bếp ăn", "gạo")),
    (
        "Vật liệu xây dựng",
        ("xi măng", "cát", "gạch", "sắt thép", "thép", "tôn", "vật liệu", "đá"),
    ),
    ("Nhân công", ("nhân công", "tiền công", "thợ")),
    (
        "Quà và đồ dùng",
        ("quà", "áo", "chăn", "bánh", "đèn", "sách", "vở", "đồ dùng", "cặp", "dép"),
    ),
    ("Đi lại", ("xe", "xăng", "đi lại", "vận chuyển", "vé tàu", "vé xe")),
    ("Phí ngân hàng", ("phí", "sms banking", "phí dịch vụ")),
)


NAMES = tuple(name for name, _ in CATEGORIES) + (OTHER,)  # what staff choose


def _plain(text: str) -> str:
    return " ".join(strip_diacritics(text).split())


def _pattern(words: list[str]) -> re.Pattern:
    return re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, words)) + r")(?!\w)")


_PATTERNS = tuple(
    (
        name,
        _pattern(list(words)),
        _pattern([_plain(w) for w in words if " " in w]),
    )
    for name, words in CATEGORIES
)


def category(purpose: str | None) -> str:
    """The category of an expense by the words of its purpose."""
    text = " ".join(nfc(purpose or "").lower().split())
    plain = _plain(text)
    for name, accented, folded in _PATTERNS:
        if accented.search(text) or folded.search(plain):
            return name
    return OTHER


def category_of(stored: str | None, purpose: str | None) -> str:
    """The category an expense is reported under: staff's, else the guess."""
    return stored if stored else category(purpose)
