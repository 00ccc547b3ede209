"""Club rows for tests: campaigns relative to today."""

from __future__ import annotations

from datetime import date, timedelta

from bot.club.models import Campaign


def campaign(name: str, start_in: int, days: int = 3, **fields) -> Campaign:
    """A campaign starting `start_in` days from today (negative: in the past)."""
    start = date.today() + timedelta(days=start_in)
    values = dict(
        name=name,
        synonyms="",
        description=f"Mô tả {name}",
        district="Quan Sơn",
        province="Thanh Hóa",
        start_date=start,
        end_date=start + timedelta(days=days),
        registration_deadline=start - timedelta(days=7),
        capacity=30,
        requirements="Từ 18 tuổi.",
        cost=500_000,
        status="open",
    )
    values.update(fields)
    return Campaign(**values)


def sample_campaigns() -> list[Campaign]:
    return [
        campaign("Trung thu cho em", -60, status="done"),
        campaign("Áo ấm cho em", 20, synonyms="áo ấm|mùa đông"),
        campaign("Xuân yêu thương", 50, synonyms="xuân yêu thương|tết"),
        campaign(
            "Xây điểm trường Sa Ná",
            100,
            synonyms="xây trường|sa ná",
            cost=0,
            status="planned",
        ),
        campaign("Chuyến bị hủy", 30, status="cancelled"),
    ]
