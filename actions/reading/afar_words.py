"""Wanting to help without going ("mình không đi được nhưng muốn góp sức
online"): the other ways to help answer it, not the volunteer sign-up that its
words ("góp sức", "tham gia") lead the classifier to.

Being far away is not enough: "em ở xa có tham gia được không" asks to join.
Money named ("ở xa thì ck vào đâu") asks for the account, which the donation
answer gives; a fee ("không đi được có được hoàn phí không") is for a member.
"""

from __future__ import annotations

from actions.reading.typed_words import has_any_phrase, words_of

CANNOT_GO = (
    "không đi được", "không tham gia được", "không lên được", "chưa đi được",
    "không thể đi", "không thể tham gia", "không đi cùng được",
    "không có thời gian đi", "không đi tình nguyện được", "không cần đi",
    "không đi cùng đoàn được", "không đi theo đoàn được",
)  # fmt: skip
REMOTE = ("online", "onl", "từ xa", "trực tuyến", "qua mạng", "ở nhà")
# "tham gia" alone is in "không tham gia được": only with the way of it.
HELPING = (
    "góp sức", "giúp", "hỗ trợ", "đóng góp", "cách nào", "làm gì", "cộng tác",
    "góp", "ủng hộ", "tham gia online", "tham gia từ xa", "tình nguyện online",
)  # fmt: skip
# Money, not the amount letters of gift_words ("k" is also "không" here).
NOT_HELPING = (
    "tiền", "ck", "chuyển khoản", "stk", "số tài khoản", "tài khoản", "qr",
    "phí", "hoàn",
)  # fmt: skip


def helps_from_afar(text: str) -> bool:
    """The message offers help but cannot go, or offers it online."""
    words = words_of(text)
    return (
        has_any_phrase(words, CANNOT_GO + REMOTE)
        and has_any_phrase(words, HELPING)
        and not has_any_phrase(words, NOT_HELPING)
    )
