"""`GET /qr/vietqr.png?memo=...&amount=...`: the VietQR image the bot sends
with the club's bank account, so donors scan instead of typing the memo.

Always the club's own account (settings): the URL chooses only the memo
(what `vietqr.memo_text` keeps: letters, digits, spaces, ≤ 25) and an amount,
so the page cannot be used to make a QR code to someone else's account.
Messenger and Zalo fetch the image from this public URL.
"""

from __future__ import annotations

from functools import lru_cache

from flask import Blueprint, Response, current_app, request

from bot.reports import vietqr

bp = Blueprint("transfer_qr", __name__)
MAX_AMOUNT = 1_000_000_000  # đồng; more is surely a typo


def _refuse(reason: str) -> Response:
    return Response(reason, status=400, mimetype="text/plain")


@lru_cache(maxsize=256)
def _image(bank_bin: str, account: str, amount: int | None, memo: str) -> bytes:
    return vietqr.png(vietqr.payload(bank_bin, account, amount, memo))


@bp.get("/qr/vietqr.png")
def image() -> Response:
    memo = request.args.get("memo", "")
    try:
        if memo and vietqr.memo_text(memo) != memo:
            return _refuse("memo: only A-Z, 0-9 and single spaces, at most 25")
    except vietqr.VietQRError as error:
        return _refuse(f"memo: {error}")
    raw_amount = request.args.get("amount", "")
    if raw_amount and not (raw_amount.isdigit() and 0 < int(raw_amount) <= MAX_AMOUNT):
        return _refuse("amount: a whole number of đồng from 1 to 1000000000")
    settings = current_app.config["BANK"]
    png = _image(*settings, int(raw_amount) if raw_amount else None, memo)
    response = Response(png, mimetype="image/png")
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response
