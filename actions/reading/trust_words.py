"""Asking whether the gift reaches the children whole ("tiền ủng hộ có bị trừ
phí quản lý không", "có đến tay các em không"): the club's rule on that,
with the way to the statement, not a month's statement that does not say it.
Asking to give without one's name shown ("có thể nhận nuôi ẩn danh không"):
what the public sees of a donor, not the sponsor form.

A fee for the transfer itself ("chuyển khoản có mất phí không") is another
question, answered with the account.
"""

from __future__ import annotations

from actions.reading.typed_words import has_any_phrase, words_of

MONEY_USE = (
    "phí quản lý", "chi phí quản lý", "trích lại", "trích phần trăm",
    "trích bao nhiêu", "bị trừ", "cắt phần trăm", "ăn chặn", "ăn bớt",
    "đúng mục đích", "đến tay", "tới tay", "đến được với các em",
    "có dùng hết", "dùng hết cho các em", "sai mục đích", "mục đích khác",
    "dùng vào việc khác", "dùng cho việc khác", "chi vào việc khác",
    "chi cho việc khác",
)  # fmt: skip


def asks_about_money_use(text: str) -> bool:
    return has_any_phrase(words_of(text), MONEY_USE)


ANONYMOUS = (
    "ẩn danh", "giấu tên", "dấu tên", "không công khai tên", "không để tên",
    "không ghi tên", "không muốn công khai", "không muốn lộ", "nặc danh",
)  # fmt: skip


def asks_anonymity(text: str) -> bool:
    return has_any_phrase(words_of(text), ANONYMOUS)
