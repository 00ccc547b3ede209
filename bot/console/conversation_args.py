"""The conversations page's query arguments, read strictly: a filter or page
link the console cannot read is refused with a reason (a 400), never a 500.

`?platform=zalo&from=2024-05-01&to=2024-05-31&fell_back=1&low=1&handed_off=1
&review=later`, `day=` for one day, `older_at=`/`older_id=` for the next page.
"""

from __future__ import annotations

from datetime import date, datetime

from werkzeug.datastructures import MultiDict

from bot.console.conversation_list import Cursor, Filters
from bot.console.rows import REVIEW_STATES

PLATFORMS = ("messenger", "zalo", "web", "other")
FLAGS = {"fell_back": "fell_back", "low": "low_confidence", "handed_off": "handed_off"}
_ON = ("1", "on")
FIRST_YEAR, LAST_YEAR = 2000, 2999


class BadQuery(ValueError):
    """A filter or page link the console cannot read; the message says why."""


def _day(args: MultiDict, name: str) -> date | None:
    value = args.get(name, "").strip()
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise BadQuery(
            f"Ngày “{value}” chưa đúng dạng năm-tháng-ngày (ví dụ 2024-05-31)."
        ) from None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise BadQuery(f"Ngày “{value}” nằm ngoài khoảng bot từng hoạt động.")
    return day


def parse_filters(args: MultiDict) -> Filters:
    platform = args.get("platform", "").strip() or None
    if platform and platform not in PLATFORMS:
        raise BadQuery(f"Không có kênh “{platform}”.")
    review = args.get("review", "").strip() or None
    if review and review not in REVIEW_STATES:
        raise BadQuery(f"Không có trạng thái xem “{review}”.")
    since, until = _day(args, "from"), _day(args, "to")
    if day := _day(args, "day"):
        since = until = day
    if since and until and since > until:
        raise BadQuery("Ngày bắt đầu đang sau ngày kết thúc.")
    flags = {}
    for arg, field in FLAGS.items():
        value = args.get(arg, "").strip()
        if value and value not in _ON:
            raise BadQuery(f"Bộ lọc “{arg}” chỉ nhận giá trị 1.")
        flags[field] = bool(value)
    return Filters(platform, since, until, review_state=review, **flags)


def parse_cursor(args: MultiDict) -> Cursor | None:
    at, cid = args.get("older_at", ""), args.get("older_id", "")
    if not at and not cid:
        return None
    try:
        return Cursor(datetime.fromisoformat(at), cid)
    except ValueError:
        raise BadQuery("Liên kết trang cũ hơn không hợp lệ.") from None
