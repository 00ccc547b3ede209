"""Campaign actions against a real SQLite database, as the action server runs them."""

from __future__ import annotations

import asyncio
import json
from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.campaigns import ActionListCampaigns, ActionShowCampaignDetail, filters
from actions.volunteer import ActionAskVolunteerFormCampaign
from bot.club.database import session_scope
from bot.club.models import Campaign
from tests.club.factories import campaign

DOMAIN = yaml.safe_load((Path(__file__).parents[2] / "domain.yml").read_text("utf-8"))


def tracker(text: str = "", entities: list | None = None, slots=None) -> Tracker:
    return Tracker(
        sender_id="web:test",
        slots=slots or {},
        latest_message={"text": text, "entities": entities or [], "intent": {}},
        events=[],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


def run(action, tracker_: Tracker):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker_, DOMAIN))
    return dispatcher.messages, events


def test_list_shows_upcoming_campaigns_with_detail_buttons(club_db, use_db):
    use_db(club_db)
    messages, events = run(ActionListCampaigns(), tracker("có chiến dịch nào ko"))
    assert events == []
    [message] = messages
    assert message["response"] == "utter_campaigns_list"
    listing = message["campaigns"]
    assert "Áo ấm cho em" in listing and "Xuân yêu thương" in listing
    assert "Trung thu" not in listing and "bị hủy" not in listing
    assert "sắp mở đăng ký" in listing  # the planned build
    assert "đang nhận đăng ký đến hết" in listing
    titles = [b["title"] for b in message["buttons"]]
    assert titles == ["Áo ấm cho em", "Xuân yêu thương", "Xây điểm trường Sa Ná"]
    payload = message["buttons"][0]["payload"]
    assert payload.startswith("/ask_campaign_detail")
    assert json.loads(payload.removeprefix("/ask_campaign_detail")) == {
        "campaign": "Áo ấm cho em"
    }


def test_list_when_nothing_is_upcoming(db_url, use_db):
    use_db(db_url)
    messages, _ = run(ActionListCampaigns(), tracker())
    assert [m["response"] for m in messages] == ["utter_campaigns_none"]


def test_database_error_answers_politely(tmp_path, use_db):
    use_db(f"sqlite:///{tmp_path / 'not-migrated.db'}")  # no tables: SQL error
    for action in (ActionListCampaigns(), ActionShowCampaignDetail()):
        entities = [{"entity": "campaign", "value": "áo ấm"}]
        messages, events = run(action, tracker(entities=entities))
        assert [m["response"] for m in messages] == ["utter_campaigns_failed"]
        assert events == []


def test_detail_by_entity_without_diacritics(club_db, use_db):
    use_db(club_db)
    entities = [{"entity": "campaign", "value": "ao am"}]
    messages, events = run(ActionShowCampaignDetail(), tracker(entities=entities))
    [message] = messages
    assert message["response"] == "utter_campaign_detail"
    assert message["name"] == "Áo ấm cho em"
    assert message["cost"].startswith("500.000 đ")
    assert events == [
        {
            "event": "slot",
            "timestamp": None,
            "name": "campaign",
            "value": "Áo ấm cho em",
        }
    ]


def test_detail_free_campaign_and_slot_fallback(club_db, use_db):
    use_db(club_db)
    messages, _ = run(ActionShowCampaignDetail(), tracker(slots={"campaign": "sa na"}))
    assert messages[0]["name"] == "Xây điểm trường Sa Ná"
    assert (
        messages[0]["cost"]
        == DOMAIN["responses"]["utter_campaign_cost_free"][0]["text"]
    )


def test_detail_unknown_campaign(club_db, use_db):
    use_db(club_db)
    entities = [{"entity": "campaign", "value": "đi Sa Pa"}]
    messages, events = run(ActionShowCampaignDetail(), tracker(entities=entities))
    assert [m["response"] for m in messages] == ["utter_campaign_not_found"]
    assert events == []


def test_detail_finds_campaign_named_in_text_before_older_slot(club_db, use_db):
    use_db(club_db)
    asked = tracker(
        "xuan yeu thuong mat phi bao nhieu", slots={"campaign": "Áo ấm cho em"}
    )
    messages, _ = run(ActionShowCampaignDetail(), asked)
    assert messages[0]["name"] == "Xuân yêu thương"
    follow_up = tracker("đi mấy ngày vậy ad", slots={"campaign": "Áo ấm cho em"})
    messages, _ = run(ActionShowCampaignDetail(), follow_up)
    assert messages[0]["name"] == "Áo ấm cho em"


def test_list_filtered_by_district_and_month(club_db, use_db):
    use_db(club_db)
    messages, _ = run(ActionListCampaigns(), tracker("có chiến dịch nào ở quan son ko"))
    assert [b["title"] for b in messages[0]["buttons"]] == [
        "Áo ấm cho em",
        "Xuân yêu thương",
        "Xây điểm trường Sa Ná",
    ]  # all in Quan Sơn
    month = (date.today() + timedelta(days=100)).strftime("%m/%Y")
    messages, _ = run(ActionListCampaigns(), tracker(f"tháng {month} có đi đâu không"))
    assert [b["title"] for b in messages[0]["buttons"]] == ["Xây điểm trường Sa Ná"]


def _dated(name: str, start: date, end: date) -> Campaign:
    return Campaign(name=name, district="Quan Sơn", start_date=start, end_date=end)


SEASONAL = [
    _dated("Áo ấm", date(2026, 12, 19), date(2026, 12, 22)),
    _dated("Xuân yêu thương", date(2027, 1, 23), date(2027, 2, 3)),
    _dated("Xây trường", date(2027, 3, 15), date(2027, 4, 15)),
    _dated("Mùa hè tình nguyện", date(2027, 7, 1), date(2027, 7, 15)),
]


@pytest.mark.parametrize(
    "text, kept, said",
    [
        ("mùa hè này clb có đi đâu không ạ", ["Mùa hè tình nguyện"], "vào mùa hè"),
        ("nghi he co chien dich nao ko ad", ["Mùa hè tình nguyện"], "vào mùa hè"),
        ("tết này có đi đâu không", ["Xuân yêu thương"], "vào dịp Tết"),
        ("mùa đông có chiến dịch gì", ["Áo ấm", "Xuân yêu thương"], "vào mùa đông"),
        ("chiến dịch xuân yêu thương", [c.name for c in SEASONAL], ""),
        ("quý 1 có đi đâu không", ["Xuân yêu thương", "Xây trường"], "vào quý 1"),
    ],
)
def test_list_filtered_by_season(text, kept, said):
    """ "mùa hè này clb có đi đâu không" listed every campaign."""
    campaigns, described = filters(text, SEASONAL, DOMAIN)
    assert [c.name for c in campaigns] == kept and described == said


def test_list_filter_with_no_match_says_so(club_db, use_db):
    use_db(club_db)
    far = (date.today() + timedelta(days=300)).strftime("%m/%Y")
    messages, _ = run(ActionListCampaigns(), tracker(f"tháng {far} có chiến dịch ko"))
    assert [m["response"] for m in messages] == ["utter_campaigns_none_filtered"]
    assert messages[0]["filter"] == f"trong tháng {far}"


def test_detail_shows_room_left_and_register_button(club_db, use_db):
    use_db(club_db)
    entities = [{"entity": "campaign", "value": "áo ấm"}]
    messages, _ = run(ActionShowCampaignDetail(), tracker(entities=entities))
    assert messages[0]["room"] == "còn 30/30 chỗ"
    [button] = messages[0]["buttons"]
    assert button["payload"] == '/register_volunteer{"campaign": "Áo ấm cho em"}'
    entities = [{"entity": "campaign", "value": "sa ná"}]
    messages, _ = run(ActionShowCampaignDetail(), tracker(entities=entities))
    assert messages[0]["buttons"] == []  # planned: registration not open yet


def test_detail_without_any_campaign_gives_the_general_answer(club_db, use_db):
    use_db(club_db)
    messages, _ = run(
        ActionShowCampaignDetail(), tracker("đi tình nguyện cần mang gì ạ")
    )
    assert [m["response"] for m in messages] == ["utter_campaigns_general"]


def test_a_running_campaign_without_deadline_is_described_as_the_form_treats_it(
    db_url, use_db
):
    """One rule for "registration is open": what the bot says and what the
    volunteer form accepts cannot disagree."""
    use_db(db_url)
    with session_scope(db_url) as session, session.begin():
        session.add(campaign("Đang chạy", -2, days=10, registration_deadline=None))
    closed = DOMAIN["responses"]["utter_campaign_status_closed"][0]["text"]
    entities = [{"entity": "campaign", "value": "đang chạy"}]
    messages, _ = run(ActionShowCampaignDetail(), tracker(entities=entities))
    assert messages[0]["status"] == closed
    assert messages[0]["buttons"] == []  # no register button
    listing, _ = run(ActionListCampaigns(), tracker())
    assert closed in listing[0]["campaigns"]
    form, _ = run(ActionAskVolunteerFormCampaign(), tracker())
    assert form[0]["buttons"] == []  # not offered by the form either


def test_a_campaign_entity_that_is_not_text_is_ignored(club_db, use_db):
    use_db(club_db)
    entities = [{"entity": "campaign", "value": {"a": 1}}]
    messages, _ = run(ActionShowCampaignDetail(), tracker(entities=entities))
    assert [m["response"] for m in messages] == ["utter_campaign_not_found"]


ASKED_ABOUT = [  # a follow-up after the card, and the parts of the card it asks
    ("có mất phí ko", ["cost"]),
    ("chi phi bao nhieu v ad", ["cost"]),
    ("đi mấy ngày vậy", ["dates"]),
    ("bao nhiêu tuổi thì đi được", ["requirements"]),
    ("yeu cau gi a", ["requirements"]),
    ("còn slot k ad", ["room"]),
    ("hạn đk là bh ạ", ["registration"]),
    ("hạn đăng ký đến bao giờ", ["dates", "registration"]),
    ("cần mang gì", ["bring"]),
    ("tổ chức ở xã nào, mất bao nhiêu tiền", ["place", "cost"]),
    ("có xe đưa đón không ad", ["logistics"]),
    ("đi xe gì lên vậy", ["logistics"]),
    ("ngủ ở đâu z ad", ["place", "logistics"]),
    ("ăn uống thế nào ạ", ["logistics"]),
]


LOGISTICS_UNSET = DOMAIN["responses"]["utter_campaign_logistics_unset"][0]["text"]
# "cost" → "💰 Chi phí", the label of that line of the card
LABELS = {
    name.removeprefix("utter_campaign_aspect_"): variants[0]["text"].split(":")[0]
    for name, variants in DOMAIN["responses"].items()
    if name.startswith("utter_campaign_aspect_")
}


def parts_answered(message: dict) -> list[str]:
    """Which lines of the card an answer has, by their labels."""
    part_of = {label: part for part, label in LABELS.items()}
    return [part_of[line.split(":")[0]] for line in message["lines"].split("\n")]


def test_a_follow_up_gets_the_part_asked_and_a_button_to_the_whole_card(
    club_db, use_db
):
    use_db(club_db)
    for text, parts in ASKED_ABOUT:
        messages, events = run(
            ActionShowCampaignDetail(), tracker(text, slots={"campaign": "áo ấm"})
        )
        assert [m["response"] for m in messages] == ["utter_campaign_aspects"], text
        assert parts_answered(messages[0]) == parts, text
        assert [b["title"] for b in messages[0]["buttons"]] == [
            "Đăng ký tham gia",
            "Xem đầy đủ",
        ]
        assert events[0]["value"] == "Áo ấm cho em"
    [message], _ = run(
        ActionShowCampaignDetail(),
        tracker("có mất phí ko", slots={"campaign": "áo ấm"}),
    )
    assert message["lines"] == "💰 Chi phí: 500.000 đ mỗi người (gồm đi lại, ăn ở)"
    whole = message["buttons"][1]["payload"]
    messages, _ = run(
        ActionShowCampaignDetail(), tracker(whole, slots={"campaign": "áo ấm"})
    )
    assert messages[0]["response"] == "utter_campaign_detail"


def test_the_logistics_line_is_the_clubs_or_says_when_it_is_told(club_db, use_db):
    """ "có xe đưa đón không", "ngủ ở đâu" got the whole card, which did not say."""
    use_db(club_db)
    meet = "Tập trung 6h sáng tại văn phòng CLB, đi xe khách CLB thuê."
    with session_scope(club_db) as session, session.begin():
        session.query(Campaign).filter_by(name="Xuân yêu thương").one().logistics = meet
    asked = "có xe đưa đón không"
    [told], _ = run(
        ActionShowCampaignDetail(), tracker(asked, slots={"campaign": "tết"})
    )
    assert told["lines"] == f"🚌 Đi lại, ăn ở: {meet}"
    [card], _ = run(
        ActionShowCampaignDetail(), tracker("chi tiết", slots={"campaign": "tết"})
    )
    assert card["response"] == "utter_campaign_detail" and card["logistics"] == meet
    [unset], _ = run(
        ActionShowCampaignDetail(), tracker(asked, slots={"campaign": "áo ấm"})
    )
    assert unset["lines"] == "🚌 Đi lại, ăn ở: " + LOGISTICS_UNSET


def test_what_the_card_cannot_answer_gets_the_whole_card(club_db, use_db):
    use_db(club_db)
    for text in (
        "lịch trình thế nào ạ",
        "tiến độ đến đâu rồi",
        "chi tiết",
    ):
        messages, _ = run(
            ActionShowCampaignDetail(), tracker(text, slots={"campaign": "sa na"})
        )
        assert [m["response"] for m in messages] == ["utter_campaign_detail"], text
