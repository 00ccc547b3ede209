"""The home page (`/admin/`): the dashboard over the last 7, 30 or 90 days.

Charts are inline SVG drawn by the server (templates/console/charts.html): no
JavaScript and no outside files, so the console works on a club's LAN with no
internet. This module only lays the figures out; the queries are in
`bot.console.stats`. Both roles see it; volunteers read texts with phone
numbers masked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import render_template, request
from flask_login import current_user, login_required

from bot.console import masking, stats
from bot.console.pages import bp, db_url, refresh_copies

PLATFORMS = ("messenger", "zalo", "web", "other")


@dataclass(frozen=True)
class Day:
    day: date
    counts: dict[str, int]  # per platform
    fell_back: int

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def fallback_rate(self) -> float | None:
        return self.fell_back / self.total if self.total else None


@dataclass(frozen=True)
class Marker:
    offset: float  # days from the window's start, for the chart's x axis
    change: stats.ModelChange


def days_of(counts: list[stats.DayCount], first: date, days: int) -> list[Day]:
    """One entry per day of the window, zero where nothing came."""
    per_day: dict[date, dict[str, int]] = {}
    fell_back: dict[date, int] = {}
    for c in counts:
        platform = c.platform if c.platform in PLATFORMS else "other"
        day = per_day.setdefault(c.day, {})
        day[platform] = day.get(platform, 0) + c.messages
        fell_back[c.day] = fell_back.get(c.day, 0) + c.fell_back
    window = [first + timedelta(days=i) for i in range(days)]
    return [Day(d, per_day.get(d, {}), fell_back.get(d, 0)) for d in window]


def markers(changes: list[stats.ModelChange], since: datetime) -> list[Marker]:
    return [Marker((c.at - since) / timedelta(days=1), c) for c in changes]


def duration(value: timedelta | None) -> str:
    """A wait as staff say it: "12 phút", "3 giờ 5 phút", "2 ngày 4 giờ"."""
    if value is None:
        return "—"
    minutes = int(value.total_seconds() // 60)
    day, hour, minute = minutes // 1440, minutes // 60 % 24, minutes % 60
    if day:
        return f"{day} ngày {hour} giờ"
    if hour:
        return f"{hour} giờ {minute} phút"
    return f"{minute} phút" if minute else "dưới 1 phút"


def _refused(value: str):
    return render_template(
        "console/dashboard.html", error=value, choices=stats.DAY_CHOICES
    ), 400


@bp.get("/")
@login_required
def home():
    raw = request.args.get("days")
    try:
        days = stats.parse_days(raw)
    except ValueError:
        return _refused(raw or "")
    url = db_url()
    refresh_copies()
    since = stats.first_moment(days, datetime.utcnow())
    table = days_of(stats.messages_per_day(url, since), since.date(), days)
    messages = sum(d.total for d in table)
    fell_back = sum(d.fell_back for d in table)
    admin = current_user.is_admin
    return render_template(
        "console/dashboard.html",
        error=None,
        choices=stats.DAY_CHOICES,
        days=days,
        table=table,
        platforms=PLATFORMS,
        messages=messages,
        fallback_rate=fell_back / messages if messages else None,
        handoffs=stats.handoffs(url, since),
        intents=stats.top_intents(url, since),
        misunderstood=[
            (masking.for_viewer(text or "", admin), n)
            for text, n in stats.misunderstood(url, since)
        ],
        markers=markers(stats.model_changes(url, since), since),
        duration=duration,
    )
