"""Asking for a receipt of a gift ("có xuất hóa đơn cho công ty không",
"chuyển khoản xong có biên nhận ko"), not for the statement of what was spent.

The classifier reads these as a campaign, statement or certificate question:
their words ("xác nhận", "giấy", "chứng từ") are shared with those topics.
"giấy xác nhận" alone is also a volunteer's certificate, so it counts only
beside a word for giving; "chứng từ các khoản chi" asks for the statement.
"""

from __future__ import annotations

from actions.reading.typed_words import has_any_phrase, words_of

RECEIPT = ("hóa đơn", "hoá đơn", "biên nhận", "biên lai", "chứng từ")
CONFIRMATION = (
    "giấy xác nhận", "thư xác nhận", "xác nhận tài trợ", "xác nhận ủng hộ",
    "thư cảm ơn", "giấy cảm ơn", "giấy chứng nhận",
)  # fmt: skip
GIVING = (
    "ủng hộ", "tài trợ", "quyên góp", "đóng góp", "chuyển khoản", "ck",
    "donate", "công ty", "doanh nghiệp", "cơ quan",
)  # fmt: skip
# What was spent, and the statement itself: the statement answers those.
SPENDING = (
    "khoản chi", "chi tiêu", "đã chi", "tiền chi", "chi những", "chi gì",
    "mua gì", "mua những", "sao kê", "thu chi",
)  # fmt: skip


def asks_receipt(text: str) -> bool:
    """The message asks for an invoice, receipt or letter for a gift."""
    words = words_of(text)
    if has_any_phrase(words, SPENDING):
        return False
    return has_any_phrase(words, RECEIPT) or (
        has_any_phrase(words, CONFIRMATION) and has_any_phrase(words, GIVING)
    )
