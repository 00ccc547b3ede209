"""Ways of paying that the bank account answers differently: e-wallets ("clb
có momo không": the account, which the wallets pay through VietQR) and giving
from abroad ("mình ở nước ngoài chuyển tiền về được không", read as a
statement question).

"quốc tế" alone is also "Quốc tế thiếu nhi" (Children's Day): only with a
word for paying.
"""

from __future__ import annotations

from actions.reading.typed_words import has_any_phrase, words_of

WALLETS = (
    "momo", "zalopay", "zalo pay", "viettelpay", "viettel money", "ví điện tử",
    "shopeepay",
)  # fmt: skip
ABROAD = (
    "nước ngoài", "chuyển khoản quốc tế", "chuyển tiền quốc tế", "thẻ quốc tế",
    "paypal", "swift", "ngoại tệ", "western union", "kiều hối",
)  # fmt: skip


def names_wallet(text: str) -> bool:
    return has_any_phrase(words_of(text), WALLETS)


def gives_from_abroad(text: str) -> bool:
    return has_any_phrase(words_of(text), ABROAD)
