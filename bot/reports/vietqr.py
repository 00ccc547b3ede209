"""VietQR: the NAPAS QR that banking apps scan to fill in a transfer.

An EMVCo merchant-presented payload: fields of ID (2 digits), length (2
digits) and value; field 38 names NAPAS (A000000727), the bank's BIN and the
account; 62.08 carries the transfer memo, so a donor no longer types it (and
no longer types it wrongly). The last field is a CRC-16/CCITT-FALSE over
everything before it, "6304" included. Rendered offline with segno.
"""

from __future__ import annotations

import io
import re

import segno

from bot.text import strip_diacritics

NAPAS = "A000000727"
TO_ACCOUNT = "QRIBFTTA"
MEMO_MAX = 25  # characters a bank keeps of field 62.08


class VietQRError(ValueError):
    """The payload cannot be made from these values; the message says why."""


def crc16(data: bytes) -> str:
    """CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF) as 4 upper-case hex digits."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return f"{crc:04X}"


def field(tag: str, value: str) -> str:
    if len(value) > 99:
        raise VietQRError(f"field {tag} is longer than 99 characters")
    return f"{tag}{len(value):02d}{value}"


def memo_text(*parts: str) -> str:
    """A memo banks keep: ASCII letters, digits and single spaces, ≤ 25 characters."""
    folded = strip_diacritics(" ".join(parts)).upper()
    memo = re.sub(r"[^A-Z0-9]+", " ", folded).strip()
    if len(memo) > MEMO_MAX:
        raise VietQRError(f"the memo {memo!r} is longer than {MEMO_MAX} characters")
    return memo


def payload(
    bank_bin: str, account: str, amount: int | None = None, memo: str = ""
) -> str:
    """The VietQR string for a transfer to `account` at the bank `bank_bin`."""
    if not re.fullmatch(r"\d{6}", bank_bin):
        raise VietQRError(f"a bank BIN is 6 digits, got {bank_bin!r}")
    if not re.fullmatch(r"[0-9A-Za-z]{1,19}", account):
        raise VietQRError(
            f"an account number is 1-19 letters or digits, got {account!r}"
        )
    if amount is not None and not 0 < amount < 10**13:
        raise VietQRError(f"the amount must be a positive number of đồng, got {amount}")
    if len(memo) > MEMO_MAX or not memo.isascii():
        raise VietQRError(f"the memo must be ASCII, at most {MEMO_MAX} characters")
    beneficiary = field("00", bank_bin) + field("01", account)
    merchant = field("00", NAPAS) + field("01", beneficiary) + field("02", TO_ACCOUNT)
    body = (
        field("00", "01")
        + field("01", "11" if amount is None else "12")
        + field("38", merchant)
        + field("53", "704")  # đồng
        + (field("54", str(amount)) if amount is not None else "")
        + field("58", "VN")
        + (field("62", field("08", memo)) if memo else "")
        + "6304"
    )
    return body + crc16(body.encode("ascii"))


def png(data: str, scale: int = 8) -> bytes:
    """The QR code of `data` as a PNG image."""
    out = io.BytesIO()
    segno.make(data, error="m", micro=False).save(
        out, kind="png", scale=scale, border=4
    )
    return out.getvalue()
