"""What a transfer memo holds, read as banks deliver it.

Banks prepend their own text ("MBVCB.3278907687.", "IBFT", "CT tu
0351000646393 NGUYEN THI A toi ..."), strip diacritics, drop spaces and wrap
lines. So codes are searched anywhere in the upper-cased, folded text, and
each is marked `exact` when it stands as a word of its own, or not when it was
found inside a run-together word ("NUOIEMNE0101"), which is less sure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.club.values import ascii_digits, normalize_phone
from bot.text import nfc, strip_diacritics

# A child's code, maybe run together with a phone after it ("NE01010912345678").
_CHILD = re.compile(r"NE[ ._\-]?(\d{4})(?=(?:0[35789]\d{8}|84\d{9})?(?!\d))")
_PHONE = re.compile(r"(?<!\d)(?:\+84|84|0)(?:[ .\-]?\d){9}(?!\d)")
# "CT tu <account> <NAME> toi <account>": Vietcombank's note of the sender.
_SENDER = re.compile(
    r"\bCT (?:TU|TỪ) (\d{6,19}) ([A-Z][A-Z ]*?) (?:TOI|DEN)\b(?: \d{6,19})?"
)
_TRANSFER_FROM = re.compile(r"\b(?:TU TK|FROM ACC(?:OUNT)?) (\d{6,19})\b")


@dataclass(frozen=True)
class Found:
    value: str
    exact: bool  # a word of its own, not inside a run-together word


@dataclass(frozen=True)
class MemoScan:
    funds: tuple[Found, ...]
    children: tuple[Found, ...]
    phones: tuple[str, ...]
    sender_account: str = ""
    sender_name: str = ""


def plain(memo: str) -> str:
    """Upper case, no diacritics, ASCII digits, single spaces."""
    memo = memo or ""
    if memo.isascii():  # most memos: banks strip diacritics
        return " ".join(memo.upper().split())
    folded = strip_diacritics(ascii_digits(nfc(memo))).upper()
    return " ".join(folded.split())


def _funds(text: str, codes: tuple[str, ...]) -> list[Found]:
    words = set(re.findall(r"[A-Z0-9]+", text))
    squashed = re.sub(r"[^A-Z0-9]", "", text)
    found = []
    for code in codes:
        if code in words:
            found.append(Found(code, True))
        elif code in squashed:
            found.append(Found(code, False))
    return found


def _children(text: str) -> list[Found]:
    found = []
    for match in _CHILD.finditer(text):
        start, end = match.span()
        alone_before = start == 0 or not text[start - 1].isalnum()
        exact = alone_before and (end == len(text) or not text[end].isalnum())
        found.append(Found(f"NE{match.group(1)}", exact))
    return found


def scan(memo: str, fund_codes: tuple[str, ...]) -> MemoScan:
    """Fund codes (among `fund_codes`), child codes, phones and the sender."""
    text = plain(memo)
    account = name = ""
    if sender := _SENDER.search(text):
        account, name = sender.group(1), sender.group(2).strip()
        text = text[: sender.start()] + " " + text[sender.end() :]
    elif sender := _TRANSFER_FROM.search(text):
        account = sender.group(1)
        text = text[: sender.start()] + " " + text[sender.end() :]
    children = _children(text)
    rest = _CHILD.sub(" ", text)
    phones = []
    for match in _PHONE.finditer(rest):
        phone = normalize_phone(match.group())
        if phone and phone not in phones:
            phones.append(phone)
    return MemoScan(
        funds=tuple(_funds(text, fund_codes)),
        children=tuple(children),
        phones=tuple(phones),
        sender_account=account,
        sender_name=name,
    )
