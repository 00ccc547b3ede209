"""Nuôi em explanation and sign-up, donations, statement_answers, handoff."""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from actions.donations import ActionDonationInfo
from actions.handoff import ActionHandoff, when_answered
from actions.sponsorship import (
    ActionAskSponsorFormFullName,
    ActionExplainSponsorship,
    ActionSubmitSponsorRequest,
    ValidateSponsorForm,
)
from actions.statement_answers import ActionShowStatement
from bot.club.database import session_scope
from bot.club.limits import lock_reason
from bot.club.models import LookupAttempt, SponsorRequest
from bot.club.tickets import is_paused, release
from tests.actions.actions_kit import DOMAIN, responses, run, tracker

pytestmark = pytest.mark.usefixtures("demo")

# Nguyễn Thu Trang, first sponsor of the demo, checked by phone in this web chat
TRANG = {"verified_sponsor_id": 1, "verified_at": time.time()}


def test_explanation_uses_live_figures_and_public_summaries_only():
    messages, _ = run(ActionExplainSponsorship(), tracker("nuôi em là gì"))
    assert responses(messages) == [
        "utter_sponsorship_explain",
        "utter_sponsorship_waiting",
    ]
    assert messages[0]["monthly"] == "160.000"
    assert (messages[0]["supported"], messages[0]["waiting"]) == (4, 3)
    assert "NE0104: em Vàng, Lớp 6, Mường Lát" in messages[1]["children"]
    assert "7 km" not in messages[1]["children"]  # private note of NE0104


def sponsor_answer(
    slot: str, text: str, filled: dict | None = None, intent: str = "inform"
):
    return run(
        ValidateSponsorForm(),
        tracker(
            text,
            intent=intent,
            slots={**(filled or {}), "requested_slot": slot},
            set_now={slot: text},
            form="sponsor_form",
        ),
    )


def test_sponsor_form_answers():
    assert sponsor_answer("children_count", "2 bé")[1]["children_count"] == "2"
    assert sponsor_answer("children_count", "hai")[1]["children_count"] == "2"
    messages, slots = sponsor_answer("children_count", "50")
    assert responses(messages) == ["utter_children_count_invalid"]
    any_district = DOMAIN["responses"]["utter_any_district"][0]["text"]
    _, slots = sponsor_answer("district_preference", "không", intent="deny")
    assert slots["district_preference"] == any_district  # "không" answers here
    _, slots = sponsor_answer("district_preference", "Mường Lát")
    assert slots["district_preference"] == "Mường Lát"
    assert sponsor_answer("children_count", "năm")[1]["children_count"] == "5"
    assert sponsor_answer("children_count", "nam")[1]["children_count"] == "5"
    messages, _ = sponsor_answer("children_count", "bọn mình")  # not "bốn"
    assert responses(messages) == ["utter_children_count_invalid"]


@pytest.mark.parametrize("slot", ["full_name", "phone", "children_count"])
@pytest.mark.parametrize(
    "typed, intent",
    [
        ("nuôi 1 em mỗi tháng hết bao nhiêu ạ", "ask_sponsorship"),
        ("mỗi tháng bao nhiêu tiền vậy ạ", "ask_statement"),  # as the NLU reads it
    ],
)
def test_a_question_about_nuoi_em_mid_form_is_answered_not_taken(slot, typed, intent):
    """ "mỗi tháng bao nhiêu tiền vậy ạ" was saved as the sponsor's name."""
    messages, slots = sponsor_answer(slot, typed, intent=intent)
    assert responses(messages) == ["utter_sponsorship_in_form"]
    assert messages[0]["monthly"] == "160.000" and slots == {slot: None}


@pytest.mark.parametrize(
    "typed",
    [
        "mình muốn dừng nuôi em",
        "chị muốn ngừng nhận nuôi bé NE0101 từ tháng sau",
        "minh muon dung nuoi em",
        "cho mình đổi sang em khác",
    ],
)
def test_asking_to_stop_sponsoring_opens_no_sign_up(typed):
    """Read as `sponsor_child`, "mình muốn dừng nuôi em" was thanked for
    wanting to sponsor and asked for a name."""
    opening = tracker(typed, intent="sponsor_child", form="sponsor_form")
    messages, slots = run(ValidateSponsorForm(), opening)
    assert responses(messages) == ["utter_sponsorship_undo"]
    assert slots == {"requested_slot": None}


@pytest.mark.parametrize(
    ("typed", "answer"),
    [
        ("mình muốn đến thăm bé được không", "utter_sponsorship_visit"),
        ("chị lên thăm em vào dịp tết được ko", "utter_sponsorship_visit"),
        ("có thể nhận nuôi ẩn danh không", "utter_anonymous"),
        ("minh muon nuoi em nhung giau ten", "utter_anonymous"),
    ],
)
def test_asking_to_visit_or_stay_anonymous_opens_no_sign_up(typed, answer):
    """Read as `sponsor_child`, both got the sign-up and were asked a name."""
    opening = tracker(typed, intent="sponsor_child", form="sponsor_form")
    messages, slots = run(ValidateSponsorForm(), opening)
    assert responses(messages) == [answer]
    assert slots == {"requested_slot": None}


@pytest.mark.parametrize(
    "typed, count",
    [
        ("mình muốn nhận nuôi 2 bé", "2"),
        ("nuôi hai em được không ạ", "2"),
        ("chi nhan nuoi 3 chau", "3"),
        ("mình muốn nhận nuôi em", None),
        ("mình 30 tuổi muốn nhận nuôi em", None),
        ("mình muốn nhận nuôi 25 bé", None),  # past the limit: asked later
    ],
)
def test_the_count_in_the_opening_message_is_not_asked_again(typed, count):
    opening = tracker(typed, intent="sponsor_child", form="sponsor_form")
    messages, slots = run(ValidateSponsorForm(), opening)
    assert slots.get("children_count") == count
    assert "utter_children_count_invalid" not in responses(messages)


@pytest.mark.parametrize(
    "typed, district",
    [
        ("mình muốn nhận nuôi một em ở Quan Sơn", "Quan Sơn"),
        ("nhan nuoi 1 be o muong lat duoc khong", "Mường Lát"),
        ("mình muốn nhận nuôi em", None),
        ("mình ở Hà Nội muốn nhận nuôi em", None),  # no child of the club there
    ],
)
def test_a_district_in_the_opening_message_is_not_asked_again(typed, district):
    opening = tracker(typed, intent="sponsor_child", form="sponsor_form")
    messages, slots = run(ValidateSponsorForm(), opening)
    assert slots.get("district_preference") == district
    assert responses(messages) == []


def test_a_count_is_taken_only_from_the_opening_message():
    """Later, the form's own question sets it; a name with a number is no count."""
    later = tracker(
        "Nguyễn Văn 2 em",
        intent="inform",
        form="sponsor_form",
        slots={"requested_slot": "full_name"},
    )
    _, slots = run(ValidateSponsorForm(), later)
    assert "children_count" not in slots


@pytest.mark.parametrize(
    "typed", ["mình muốn nhận nuôi 1 bé", "đăng ký làm bố nuôi", "cho c đk nuôi em vs"]
)
def test_signing_up_to_sponsor_is_not_stopping(typed):
    opening = tracker(typed, intent="sponsor_child", form="sponsor_form")
    messages, _ = run(ValidateSponsorForm(), opening)
    assert "utter_sponsorship_undo" not in responses(messages)


@pytest.mark.parametrize(
    "typed, intent, name",
    [
        ("mình tên là Lê Văn Hùng", "inform", "Lê Văn Hùng"),
        ("em là nguyễn thị mai ạ", "inform", "Nguyễn Thị Mai"),
        ("tên e là trần bích ngọc nhé", "inform", "Trần Bích Ngọc"),
        ("Anh Thư Nguyễn", "inform", "Anh Thư Nguyễn"),  # a name, not "anh"
        ("Lan", "inform", None),  # one word
        ("12345", "out_of_scope", None),
    ],
)
def test_a_name_is_taken_from_how_people_give_it(typed, intent, name):
    messages, slots = sponsor_answer("full_name", typed, intent=intent)
    assert slots["full_name"] == name
    assert responses(messages) == ([] if name else ["utter_name_invalid"])


@pytest.mark.parametrize(
    "slot", ["full_name", "phone", "children_count", "district_preference"]
)
@pytest.mark.parametrize(
    "typed, intent, answer",
    [
        ("cho hỏi phí bao nhiêu?", "inform", "utter_sponsorship_in_form"),
        ("sao kê tháng 5 thế nào", "ask_statement", "utter_statement_in_form"),
        (
            "tiền có được sao kê công khai ko",
            "ask_statement",
            "utter_statement_in_form",
        ),
        ("đi có nguy hiểm không ạ", "ask_safety", "utter_form_question_later"),
        ("stk của clb là gì", "donate", "utter_form_question_later"),
        ("ủa vậy là sao?", "out_of_scope", "utter_form_question_later"),
    ],
)
def test_a_question_mid_form_is_answered_or_put_off_never_invalid(
    slot, typed, intent, answer
):
    """ "sao kê tháng 5" while the form asked for a name got "tên chưa đúng".
    A question is never taken as the answer, and never called a wrong one:
    the form answers what it can and says the rest must wait."""
    messages, slots = sponsor_answer(slot, typed, intent=intent)
    assert responses(messages) == [answer]
    assert slots == {slot: None}
    if answer == "utter_statement_in_form":
        assert messages[0]["url"].endswith("/sao-ke/")


def test_the_name_is_asked_with_thanks_once_then_plainly():
    def asked(before: list[dict]) -> list[str]:
        opened = tracker("mình muốn nhận nuôi 1 bé", form="sponsor_form", before=before)
        return responses(run(ActionAskSponsorFormFullName(), opened)[0])

    def bot(response: str) -> dict:
        return {"event": "bot", "metadata": {"utter_action": response}}

    assert asked([]) == ["utter_ask_sponsor_form_full_name"]
    for said in (
        "utter_ask_sponsor_form_full_name",
        "utter_ask_sponsor_form_full_name_again",
    ):
        again = [{"event": "user", "text": "…"}, bot(said)]
        assert asked(again) == ["utter_ask_sponsor_form_full_name_again"]


@pytest.mark.parametrize("typed", ["Đúng", "dung", "đúng rồi ạ"])
def test_yes_confirms_the_sponsor_form(typed):
    filled = {
        "full_name": "Trần Thị Bình",
        "phone": "0912888777",
        "children_count": "1",
        "district_preference": "Mường Lát",
    }
    messages, slots = sponsor_answer("sponsor_confirm", typed, filled)
    assert "utter_form_stopped" not in responses(messages)
    assert slots["sponsor_confirm"] == "yes"


def test_sponsor_request_is_saved_for_staff(demo):
    filled = {
        "full_name": "Phạm Thị Lan",
        "phone": "0977123456",
        "children_count": "2",
        "district_preference": "Quan Sơn",
        "sponsor_confirm": "yes",
    }
    messages, _ = run(
        ActionSubmitSponsorRequest(), tracker(slots=filled, sender="zalo:9")
    )
    assert responses(messages) == ["utter_sponsor_request_saved"]
    with session_scope(demo) as session:
        request = session.scalars(select(SponsorRequest)).one()
    assert (request.status, request.children_count, request.conversation_id) == (
        "pending",
        2,
        "zalo:9",
    )
    unconfirmed = {**filled, "sponsor_confirm": None}
    messages, _ = run(ActionSubmitSponsorRequest(), tracker(slots=unconfirmed))
    assert messages == []


def test_donation_memo_is_generic_or_has_the_sponsors_child():
    messages, _ = run(ActionDonationInfo(), tracker("cho mình xin stk"))
    assert responses(messages) == [
        "utter_donate_bank",
        "utter_donate_qr_ask_fund",
        "utter_donate_other",
    ]
    assert "NUOIEM – Quỹ Nuôi em" in messages[0]["funds"]
    assert "NE0" not in messages[0]["memo"]
    messages, _ = run(ActionDonationInfo(), tracker("stk", slots=TRANG))
    assert messages[0]["memo"] == "NUOIEM NE0101 0912345678"


def test_a_sponsor_also_gets_a_vietqr_with_memo_and_monthly_amount():
    messages, _ = run(ActionDonationInfo(), tracker("cho mình xin stk"))
    assert "utter_donate_qr" not in responses(messages)  # no fund named: no QR
    messages, _ = run(ActionDonationInfo(), tracker("stk", slots=TRANG))
    assert responses(messages) == [
        "utter_donate_bank",
        "utter_donate_qr",
        "utter_donate_other",
    ]
    url = urlsplit(messages[1]["qr_url"])
    assert url.path == "/qr/vietqr.png"
    assert parse_qs(url.query) == {
        "memo": ["NUOIEM NE0101 0912345678"],
        "amount": ["160000"],
    }


def test_public_statement_totals_for_the_month_asked():
    messages, _ = run(ActionShowStatement(), tracker("cho xin sao kê tháng 10/2026"))
    [statement] = messages
    assert statement["month"] == "10/2026"
    assert "Quỹ Nuôi em: thu 2.480.000 đ, chi 1.120.000 đ" in statement["funds"]
    assert (
        "Quỹ Xây trường: thu 5.000.000 đ, chi 4.200.000 đ, số dư 2.800.000 đ"
        in (statement["funds"])
    )
    assert "xi măng" in statement["expenses"]  # October's, not November's
    assert "áo ấm" not in statement["expenses"]


def test_own_donations_only_for_a_verified_sponsor():
    asked = "mình ck hôm qua clb nhận được chưa"
    messages, _ = run(ActionShowStatement(), tracker(asked))
    assert responses(messages) == ["utter_statement_verify_hint"]
    messages, _ = run(ActionShowStatement(), tracker(asked, slots=TRANG))
    assert responses(messages) == ["utter_statement_own"]
    assert "02/11/2026: 480.000 đ – Quỹ Nuôi em" in messages[0]["donations"]


def test_handoff_pauses_the_bot_until_released(demo):
    messages, _ = run(ActionHandoff(), tracker("cho gặp người thật", sender="zalo:77"))
    assert responses(messages) == ["utter_handoff_created"]
    assert is_paused(demo, "zalo:77")
    again, _ = run(ActionHandoff(), tracker("alo", sender="zalo:77"))
    assert again[0]["ticket"] == messages[0]["ticket"]  # one open ticket
    assert release(demo, "zalo:77", staff="thu.ha") == 1
    assert not is_paused(demo, "zalo:77")


def test_one_source_opens_at_most_three_handoff_tickets_a_day(demo):
    metadata = {"web": {"session_id": "s", "client": "198.51.100.3"}}
    for i in range(3):
        opened, _ = run(
            ActionHandoff(), tracker("gặp người", sender=f"web:h{i}", metadata=metadata)
        )
        assert responses(opened) == ["utter_handoff_created"]
    refused, _ = run(
        ActionHandoff(), tracker("gặp người", sender="web:h9", metadata=metadata)
    )
    assert responses(refused) == ["utter_daily_limit"]
    assert not is_paused(demo, "web:h9")


def test_handoff_says_when_a_person_answers():
    vietnam = timezone(timedelta(hours=7))
    soon = DOMAIN["responses"]["utter_handoff_when_soon"][0]["text"]
    assert when_answered(DOMAIN, datetime(2026, 11, 23, 10, tzinfo=vietnam)) == soon
    assert "mai" in when_answered(DOMAIN, datetime(2026, 11, 23, 22, tzinfo=vietnam))
    assert "nay" in when_answered(DOMAIN, datetime(2026, 11, 23, 3, tzinfo=vietnam))


def test_failures_of_the_database_are_polite(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    for action, expected in (
        (ActionExplainSponsorship(), "utter_sponsorship_failed"),
        (ActionDonationInfo(), "utter_donation_failed"),
        (ActionShowStatement(), "utter_statement_failed"),
        (ActionHandoff(), "utter_handoff_failed"),
    ):
        messages, _ = run(action, tracker("sao kê"))
        assert responses(messages) == [expected]


def test_lock_expires_after_an_hour(demo):
    old = datetime.utcnow() - timedelta(minutes=61)
    with session_scope(demo) as session, session.begin():
        session.add_all(
            LookupAttempt(
                conversation_id="web:x",
                child_code="NE0101",
                source="web:x",
                succeeded=False,
                created_at=old,
            )
            for _ in range(5)
        )
    with session_scope(demo) as session:
        assert lock_reason(session, "NE0101", "web:y", datetime.utcnow()) is None
        during = old + timedelta(minutes=30)
        assert lock_reason(session, "NE0101", "web:y", during) == "code"
        assert lock_reason(session, "NE0102", "web:x", during) == "source"


def test_fallback_offers_the_two_likeliest_topics_then_none():
    from actions.fallback import ActionAskTopic

    unsure = tracker("ủng hộ áo ấm thì sao ạ", intent="nlu_fallback")
    unsure.latest_message["intent_ranking"] = [
        {"name": "nlu_fallback", "confidence": 0.7},
        {"name": "donate", "confidence": 0.28},
        {"name": "greet", "confidence": 0.2},
        {"name": "ask_campaign_detail", "confidence": 0.18},
    ]
    messages, _ = run(ActionAskTopic(), unsure)
    assert responses(messages) == ["utter_ask_topic"]
    assert [(b["title"], b["payload"]) for b in messages[0]["buttons"]] == [
        ("Ủng hộ CLB", "/donate"),
        ("Chi tiết chiến dịch", "/ask_campaign_detail"),
        ("Không phải ạ", "/out_of_scope"),
    ]
    nothing_known = tracker("???", intent="nlu_fallback")
    messages, _ = run(ActionAskTopic(), nothing_known)
    assert [b["payload"] for b in messages[0]["buttons"]] == [
        "/ask_campaigns",
        "/ask_sponsorship",
        "/out_of_scope",
    ]


def test_a_fund_named_without_a_month_gets_its_total_to_date():
    messages, _ = run(
        ActionShowStatement(), tracker("quy xay truong duoc bao nhieu roi")
    )
    assert responses(messages) == ["utter_statement_fund_total"]
    assert messages[0]["fund"] == "Quỹ Xây trường"
    assert re.search(r"/sao-ke/\d{4}-\d{2}$", messages[0]["url"])
    assert "đ" not in messages[0]["received"] and messages[0]["received"] != "0"
    monthly, _ = run(ActionShowStatement(), tracker("sao kê tháng 10/2026"))
    assert monthly[0]["url"].endswith("/sao-ke/2026-10")
