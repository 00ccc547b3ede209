from datetime import date

import pytest
from sqlalchemy.exc import IntegrityError

from bot.club.campaign_queries import find_campaign, upcoming_campaigns
from bot.club.database import session_scope
from bot.club.models import Campaign
from bot.club.seed import seed_if_empty
from tests.club.factories import campaign


def test_upcoming_excludes_past_and_cancelled_and_sorts_by_start(club_db):
    with session_scope(club_db) as session:
        names = [c.name for c in upcoming_campaigns(session, date.today())]
    assert names == ["Áo ấm cho em", "Xuân yêu thương", "Xây điểm trường Sa Ná"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Áo ấm cho em", "Áo ấm cho em"),
        ("ao am", "Áo ấm cho em"),
        ("MÙA ĐÔNG", "Áo ấm cho em"),
        ("xay truong", "Xây điểm trường Sa Ná"),
        ("chiến dịch tết năm nay", "Xuân yêu thương"),
    ],
)
def test_find_campaign_by_name_or_synonym_with_or_without_diacritics(
    club_db, query, expected
):
    with session_scope(club_db) as session:
        assert find_campaign(session, query).name == expected


def test_find_campaign_unknown_or_empty(club_db):
    with session_scope(club_db) as session:
        assert find_campaign(session, "chuyến đi sao hỏa") is None
        assert find_campaign(session, "  ") is None


def test_constraints_reject_bad_campaigns(db_url):
    bad = campaign("Âm tiền", 10, cost=-1)
    with (
        pytest.raises(IntegrityError),
        session_scope(db_url) as session,
        session.begin(),
    ):
        session.add(bad)


def test_demo_seed_loads_once(db_url):
    assert seed_if_empty(db_url) > 30
    assert seed_if_empty(db_url) == 0
    with session_scope(db_url) as session:
        districts = {c.district for c in session.query(Campaign)}
    assert "Mường Lát" in districts
