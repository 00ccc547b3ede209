"""Categories of spending for the monthly report.

An `Expense` has no category column: it has a fund (what the ledger calls a
debit's category) and a free-text `purpose` ("Tiền ăn trưa tháng 9 cho 7 em",
"Mua xi măng, cát cho điểm trường Sa Ná"). The report groups a fund's
spending by the first category whose words appear in the purpose, else
"Khác"; the workbook's expense sheet keeps each purpose as written. Words are
compared with their diacritics ("cát" is sand, "các" is not); a phrase of two
syllables or more also matches without them, for a bank's debit description
("TIEN AN TRUA T9"). A real category column would need a migration and a field
in the review page; until then, add words here when "Khác" grows.
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
