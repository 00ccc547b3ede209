"""Gifts in kind ("mình muốn quyên góp sách vở cũ", "ủng hộ quần áo cũ gửi ở
đâu ạ"): the drop-off point answers them, not the bank account.

Things of one syllable count only as typed, with their diacritics: without
them most are other words ("qua" via, "sach" clean, "sua" to fix, "dep"
pretty, "giay" paper, "cap" to grant, "vo" into). Some are other words even
with them ("khó khăn", "tất cả"): those phrases are taken out first.
"""

from __future__ import annotations

from actions.reading.typed_words import find_phrase, has_any_phrase, words_of
from bot.club.vocab import child_code_in

# "áo ấm" alone is also a campaign's name, so only clothes named otherwise;
# "ủng" (boots) is left out, being the first word of "ủng hộ".
GOODS = (
    "quần áo, áo cũ, áo khoác, áo len, sách vở, sách cũ, vở cũ, truyện tranh, "
    "đồ dùng, đồ cũ, đồ chơi, giày dép, bánh kẹo, mì tôm, hiện vật, chăn màn, "
    "chăn ấm, balo"
)
THINGS = {"chăn", "màn", "sách", "vở", "truyện", "giày", "dép", "mũ", "tất"}
THINGS |= {"khăn", "bút", "cặp", "gạo", "sữa", "quà"}
NOT_THINGS = ("khó khăn", "tất cả", "tất nhiên")
MONEY = "tiền, ck, chuyển khoản, stk, số tài khoản, tài khoản, qr, đ, k, tr, triệu"


def _without(words: list[str], phrases: tuple[str, ...]) -> list[str]:
    """`words` with every occurrence of `phrases` taken out."""
    for phrase in phrases:
        size = len(phrase.split())
        while (start := find_phrase(words, phrase)) >= 0:
            words = words[:start] + words[start + size :]
    return words


def gives_goods(text: str) -> bool:
    """The message offers things, and names no money or amount."""
    words = words_of(text)
    amount = any(  # "500k"; a child's code ("NE0101") is none
        any(c.isdigit() for c in word) and child_code_in(word) is None for word in words
    )
    things = _without(words, NOT_THINGS)
    goods = has_any_phrase(words, GOODS.split(", ")) or bool(THINGS & set(things))
    return goods and not (amount or has_any_phrase(words, MONEY.split(", ")))
