"""Gifts in kind ("mình muốn quyên góp sách vở cũ", "ủng hộ quần áo cũ gửi ở
đâu ạ"): the drop-off point answers them, not the bank account."""

from __future__ import annotations

from actions.reading.typed_words import has_any_phrase, words_of
from bot.club.vocab import child_code_in

# "áo ấm" alone is also a campaign's name, so only clothes named otherwise;
# "ủng" (boots) is left out, being the first word of "ủng hộ".
GOODS = (
    "quần áo, áo cũ, áo khoác, áo len, chăn, màn, sách, vở, truyện, đồ dùng, "
    "đồ cũ, đồ chơi, giày, dép, mũ, tất, khăn, bút, cặp, balo, gạo, sữa, "
    "mì tôm, bánh kẹo, hiện vật, quà"
)
MONEY = "tiền, ck, chuyển khoản, stk, số tài khoản, tài khoản, qr, đ, k, tr, triệu"


def gives_goods(text: str) -> bool:
    """The message offers things, and names no money or amount."""
    words = words_of(text)
    amount = any(  # "500k"; a child's code ("NE0101") is none
        any(c.isdigit() for c in word) and child_code_in(word) is None for word in words
    )
    return has_any_phrase(words, GOODS.split(", ")) and not (
        amount or has_any_phrase(words, MONEY.split(", "))
    )
