"""What a donor says about a transfer of their own, read from folded text.

fold() reads teencode: "ck" is "chuyen khoan", "r" is "roi", "đc" is "duoc",
"ko" is "khong", "mk" is "minh".
"""

from __future__ import annotations

import re

from bot.text import fold

# Asking about their own transfer: "mình đã chuyển khoản chưa thấy", "em ck
# 150k r clb nhận đc chưa", "tra giúp mình khoản chuyển hôm trước". A question
# about the club's money ("quỹ xây trường được bao nhiêu rồi", "tiền quỹ đã chi
# vào đâu rồi") has none of these words.
OWN_TRANSFER = re.compile(
    r"\b(?:"
    r"cua (?:minh|toi|em|chi|anh|con)"
    r"|chua thay|da chuyen|chuyen (?:khoan )?roi"
    r"|nhan (?:duoc )?chua|da nhan|(?:vao|den|toi) chua"
    r"|(?:minh|toi|em|chi|anh) da (?:ung ho|dong gop|gop)"
    r"|lich su ung ho|khoan chuyen|doi soat|(?:check|kiem tra|tra) giup"
    r")\b"
)

# "chuyển" alone only where it is money: "chuyển rồi", "chuyển 300k", "chuyển
# vào tài khoản clb", not "chuyển nhà", "chuyển sang lớp khác", "chuyển vào
# nhóm zalo", "chuyển tin nhắn".
_MOVED_MONEY = (
    r"chuyen(?=$| (?:roi|xong|\d|cho (?:cau lac bo|admin|quy|page)"
    r"|(?:vao|qua|sang|toi|den) (?:tk|tai khoan|so tai khoan|momo|vi|ngan hang|quy"
    r"|cau lac bo)))"
)
# "góp" but not "góp ý" (feedback)
_GIVE = (
    rf"(?:chuyen khoan|chuyen tien|{_MOVED_MONEY}|ung ho|dong gop|gop(?! y\b)"
    r"|donate|gui tien)"
)
# Saying a transfer is done: "em vừa chuyển khoản 200k ủng hộ xây trường ạ",
# "mình mới ck 500k nhé ad", "đã ck cho clb r nha", "chuyển rồi nhé".
TRANSFER_DONE = re.compile(
    rf"\b(?:(?:da|vua|moi) (?:\w+ )?{_GIVE}|{_GIVE}(?: \w+){{0,4}} roi)\b"
)
# ... unless it asks something ("nhận được chưa", "vào đâu", "được không",
# "mình muốn xem lại các khoản đã ủng hộ", "check giúp") or tells of a problem
# ("chuyển nhầm", "đã ck nhưng ghi sai nội dung", "quên ghi mã"): those need an
# answer or a person, not thanks.
NOT_A_NOTICE = re.compile(
    r"\b(?:chua|khong|dau|nao|sao|gi|bao gio|bao lau|bao nhieu|hay|co phai"
    r"|muon|xem|check|kiem tra|giup|nho|so tai khoan|stk"
    r"|nhung|nham|sai|quen|thieu|loi|lon|hoan|huy)\b"
)


# A transfer gone wrong needs its own answer (actions.reading.asides): a memo
# forgotten or wrong ("quên ghi nội dung", "ck rồi mà ghi sai nội dung", "không
# ghi mã quỹ") is sorted out by staff in the review list; money sent by
# mistake or too much ("chuyển nhầm", "lỡ chuyển dư", "ck lộn số tiền") is
# given back. "nội dung chuyển khoản ghi gì" asks what to write: no problem.
MEMO_PROBLEM = re.compile(
    r"\b(?:quen|khong|chua|thieu|sai|nham|lon)(?: ghi)?(?: \w+)? (?:noi dung|nd"
    r"|ma quy|ghi chu|loi nhan)\b|\b(?:noi dung|nd) (?:bi |da )?(?:sai|nham|lon"
    r"|thieu)\b"
)
# "chuyển" alone only right before the mistake: not "chuyển sang lớp khác nhầm".
MISTAKEN_TRANSFER = re.compile(
    r"\b(?:(?:chuyen khoan|chuyen tien|gui tien)(?: \w+){0,3}|chuyen) (?:nham|lon"
    r"|thua|du(?! lich| an| kien| dinh| bi| thi| hoc))\b"
    r"|\b(?:nham|lon|sai) (?:so tai khoan|tai khoan|so tien)\b"
)


def transfer_problem(text: str) -> str | None:
    """ "memo" (forgotten or wrong), "mistake" (sent by mistake or too much)
    or None."""
    folded = fold(text)
    if MEMO_PROBLEM.search(folded):
        return "memo"
    if MISTAKEN_TRANSFER.search(folded):
        return "mistake"
    return None


def asks_about_own_transfer(text: str) -> bool:
    return OWN_TRANSFER.search(fold(text)) is not None


def reports_transfer(text: str) -> bool:
    """The message tells the club a transfer was made, and asks nothing."""
    folded = fold(text)
    return (
        "?" not in text
        and TRANSFER_DONE.search(folded) is not None
        and NOT_A_NOTICE.search(folded) is None
    )
