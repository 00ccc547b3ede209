"""Waiting to hear back after signing up ("đăng ký rồi bao giờ có kết quả ạ",
"mình đăng ký rồi mà chưa thấy ai liên hệ"): what happens next and how to ask
a member, not the fallback or the answer about one's own transfers ("chưa
thấy"). Both parts must be there: a sign-up already made and word of hearing
back. Read from folded text.
"""

from __future__ import annotations

import re

from bot.text import fold

SIGNED_UP = re.compile(
    r"\b(?:da|vua|moi) (?:\w+ )?dang ky\b|\bdang ky(?: \w+){0,4} (?:roi|xong)\b"
)
HEARING_BACK = re.compile(
    r"\b(?:ket qua|lien he|lien lac|goi (?:lai|dien|cho)|cuoc goi|phan hoi"
    r"|tra loi|duyet|xac nhan|thong bao)\b"
)


def waits_after_sign_up(text: str) -> bool:
    folded = fold(text)
    return bool(SIGNED_UP.search(folded) and HEARING_BACK.search(folded))
