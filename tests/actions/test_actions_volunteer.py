"""The volunteer registration form: checks, refusals, corrections, stop, save."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from actions.fallback import ActionAcknowledge, ActionAskTopic
from actions.reading.signup_words import waits_after_sign_up
from actions.statement_answers import ActionShowStatement
from actions.volunteer import (
    ActionAskVolunteerFormCampaign,
    ActionSubmitVolunteerRegistration,
    ValidateVolunteerForm,
)
from bot.club.database import session_scope
from bot.club.models import Campaign, VolunteerRegistration
from tests.actions.actions_kit import responses, run, tracker

pytestmark = pytest.mark.usefixtures("club")

FORM = "volunteer_form"
FILLED = {
    "campaign": "Áo ấm cho em",
    "full_name": "Nguyễn Văn An",
    "phone": "0912888777",
    "birth_year": "2003",
    "school_or_work": "ĐH Hồng Đức",
}


def answer(slot: str, text: str, slots: dict | None = None, intent: str = "inform"):
    asked = {**(slots or {}), "requested_slot": slot}
    return run(
        ValidateVolunteerForm(),
        tracker(text, intent=intent, slots=asked, set_now={slot: text}, form=FORM),
    )


def registrations(url: str) -> list[VolunteerRegistration]:
    with session_scope(url) as session:
        return list(session.scalars(select(VolunteerRegistration)))


def test_campaign_question_offers_only_open_campaigns():
    messages, _ = run(ActionAskVolunteerFormCampaign(), tracker(form=FORM))
    assert responses(messages) == ["utter_ask_volunteer_campaign"]
    assert [b["title"] for b in messages[0]["buttons"]] == [
        "Áo ấm cho em",
        "Xuân yêu thương",
    ]


def test_opening_message_names_the_campaign():
    opening = tracker(
        "cho e đk xuân yêu thương", intent="register_volunteer", form=FORM
    )
    _, slots = run(ValidateVolunteerForm(), opening)
    assert slots["campaign"] == "Xuân yêu thương"


@pytest.mark.parametrize(
    "typed, chosen",
    [("1", "Áo ấm cho em"), ("số 2", "Xuân yêu thương"), ("2 ạ", "Xuân yêu thương")],
)
def test_a_campaign_may_be_chosen_by_its_place_among_the_buttons(typed, chosen):
    """ "1" meant the first button; it got "this campaign is not open"."""
    messages, slots = answer("campaign", typed)
    assert messages == [] and slots["campaign"] == chosen


def test_a_number_past_the_buttons_is_no_campaign():
    messages, slots = answer("campaign", "3")
    assert responses(messages) == ["utter_campaign_not_open_in_form"]
    assert slots["campaign"] is None


@pytest.mark.parametrize(
    ("slot", "typed", "stored"),
    [
        ("campaign", "ao am", "Áo ấm cho em"),
        ("full_name", "nguyễn  văn an", "Nguyễn Văn An"),
        ("phone", "+84 912.888.777", "0912888777"),
        ("birth_year", "mình sinh năm 2003 ạ", "2003"),
        ("school_or_work", " ĐH Hồng Đức ", "ĐH Hồng Đức"),
        ("school_or_work", "em học ở ĐH Y Hà Nội", "ĐH Y Hà Nội"),
        ("school_or_work", "minh dang lam viec tai Viettel", "Viettel"),
        ("school_or_work", "Em làm giáo viên", "Em làm giáo viên"),
    ],
)
def test_answers_are_normalised(slot, typed, stored):
    messages, slots = answer(slot, typed, FILLED)
    assert messages == []
    assert slots[slot] == stored


@pytest.mark.parametrize(
    ("slot", "typed", "response"),
    [
        ("campaign", "đi Sa Pa", "utter_campaign_not_open_in_form"),
        ("full_name", "An", "utter_name_invalid"),
        ("full_name", "0912888777", "utter_name_invalid"),
        ("phone", "12345", "utter_phone_invalid"),
        ("birth_year", "hai nghìn lẻ ba", "utter_birth_year_invalid"),
        ("school_or_work", "?", "utter_school_invalid"),
    ],
)
def test_bad_answers_are_asked_again(slot, typed, response):
    messages, slots = answer(slot, typed, FILLED)
    assert responses(messages) == [response]
    assert slots[slot] is None
    assert "requested_slot" not in slots  # the form goes on


def test_planned_campaign_is_refused_and_form_ends():
    messages, slots = answer("campaign", "xây trường sa ná")
    assert responses(messages) == ["utter_campaign_closed"]
    assert messages[0]["status"] == "sắp mở đăng ký"
    assert slots["requested_slot"] is None


def test_full_campaign_is_refused(club):
    with session_scope(club) as session, session.begin():
        campaign = session.scalars(
            select(Campaign).where(Campaign.name == "Áo ấm cho em")
        ).one()
        campaign.capacity = 1
        session.add(
            VolunteerRegistration(
                code="TNAAAAAA",
                campaign_id=campaign.id,
                full_name="Lê Bình",
                phone="0987000111",
                birth_year=2000,
            )
        )
    messages, slots = answer("campaign", "áo ấm cho em")
    assert responses(messages) == ["utter_campaign_full"]
    assert slots["requested_slot"] is None


def test_same_phone_cannot_register_twice(club):
    _, slots = answer("volunteer_confirm", "/affirm", FILLED, intent="affirm")
    final = tracker(slots={**FILLED, **slots})
    messages, _ = run(ActionSubmitVolunteerRegistration(), final)
    assert responses(messages) == ["utter_volunteer_registered"]
    messages, slots = answer("phone", "0912 888 777", FILLED)
    assert responses(messages) == ["utter_already_registered"]
    assert messages[0]["code"] == registrations(club)[0].code
    assert slots["requested_slot"] is None


def test_the_phone_may_come_in_a_sentence():
    messages, slots = answer("phone", "sdt của em là 0912.888.777 ạ", FILLED)
    assert messages == [] and slots["phone"] == "0912888777"
    messages, slots = answer("phone", "0912888777 hoặc 0987000111", FILLED)
    assert responses(messages) == ["utter_phone_invalid"] and slots["phone"] is None


def test_age_rules_of_the_campaign():
    messages, slots = answer("birth_year", "2015", FILLED)
    assert responses(messages) == ["utter_too_young"]
    assert slots["requested_slot"] is None


def test_correction_at_confirmation_asks_that_field_again():
    messages, slots = answer("volunteer_confirm", "sửa số điện thoại", FILLED)
    assert messages == []
    assert slots["phone"] is None and slots["volunteer_confirm"] is None


def test_correction_mid_form():
    partial = {k: FILLED[k] for k in ("campaign", "full_name", "phone")}
    _, slots = answer("birth_year", "sửa họ tên", partial)
    assert slots["full_name"] is None and slots["birth_year"] is None


@pytest.mark.parametrize("typed", ["thôi", "hủy", "thôi không đăng ký nữa", "/deny"])
def test_user_can_stop_at_any_step(typed, club):
    messages, slots = answer(
        "phone", typed, {"campaign": "Áo ấm cho em"}, intent="deny"
    )
    assert responses(messages) == ["utter_form_stopped"]
    assert slots["requested_slot"] is None
    submitted, _ = run(ActionSubmitVolunteerRegistration(), tracker(slots=FILLED))
    assert submitted == [] and registrations(club) == []


def test_negative_looking_answer_is_not_a_stop():
    messages, slots = answer("school_or_work", "ĐH Hồng Đức", FILLED, intent="deny")
    assert messages == [] and slots["school_or_work"] == "ĐH Hồng Đức"


@pytest.mark.parametrize(
    ("typed", "intent"),
    [
        ("Đúng", "affirm"),
        ("Đúng", "deny"),  # whatever the classifier thought
        ("dung", "inform"),  # no diacritics: at a confirmation, "đúng" wins
        ("đúng r", "inform"),
        ("Đúng ạ", "inform"),
        ("vâng", "inform"),
    ],
)
def test_yes_at_the_confirmation_is_yes(typed, intent, club):
    messages, slots = answer("volunteer_confirm", typed, FILLED, intent=intent)
    assert "utter_form_stopped" not in responses(messages)
    assert slots["volunteer_confirm"] == "yes"


@pytest.mark.parametrize("typed", ["dừng", "Dừng lại", "dung lai", "thôi"])
def test_stop_at_the_confirmation_stops(typed, club):
    messages, slots = answer("volunteer_confirm", typed, FILLED, intent="deny")
    assert responses(messages) == ["utter_form_stopped"]
    assert slots["requested_slot"] is None


@pytest.mark.parametrize(
    ("slot", "typed"),
    [
        ("phone", "dừng"),  # typed with diacritics: a stop wherever it is said
        ("phone", "dung"),  # without: away from a confirmation, a stop too
        ("school_or_work", "khỏi"),
    ],
)
def test_stop_words_mid_form(slot, typed, club):
    messages, slots = answer(slot, typed, FILLED, intent="inform")
    assert responses(messages) == ["utter_form_stopped"]


@pytest.mark.parametrize(
    ("slot", "typed"),
    [
        ("school_or_work", "Khối 12"),  # "khối" is not "khỏi"
        ("full_name", "Lê Văn Dũng"),
    ],
)
def test_words_that_only_fold_like_a_stop_word_are_answers(slot, typed, club):
    messages, slots = answer(slot, typed, FILLED, intent="deny")
    assert "utter_form_stopped" not in responses(messages)
    assert slots[slot] is not None


def test_a_word_that_only_folds_like_a_correction_is_not_one():
    # "đợi" (wait) folds like "đổi" (change): not a request to change the name.
    messages, slots = answer("volunteer_confirm", "đợi tên mình chút", FILLED)
    assert slots.get("full_name", FILLED["full_name"]) == FILLED["full_name"]
    _, fixed = answer("volunteer_confirm", "doi ten", FILLED)  # unaccented: "đổi"
    assert fixed["full_name"] is None


def test_confirmed_registration_is_saved_with_a_code(club):
    _, slots = answer("volunteer_confirm", "đúng rồi", FILLED)
    assert slots["volunteer_confirm"] == "yes"
    done = tracker(slots={**FILLED, "volunteer_confirm": "yes"}, sender="zalo:u42")
    messages, reset = run(ActionSubmitVolunteerRegistration(), done)
    [saved] = registrations(club)
    assert (saved.full_name, saved.phone, saved.birth_year) == (
        "Nguyễn Văn An",
        "0912888777",
        2003,
    )
    assert saved.conversation_id == "zalo:u42"
    assert messages[0]["code"] == saved.code and saved.code.startswith("TN")
    assert reset["volunteer_confirm"] is None


def test_database_failure_ends_the_form_politely(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    messages, slots = answer("campaign", "áo ấm")
    assert responses(messages) == ["utter_registration_failed"]
    assert slots["requested_slot"] is None
    done = tracker(slots={**FILLED, "volunteer_confirm": "yes"})
    messages, _ = run(ActionSubmitVolunteerRegistration(), done)
    assert responses(messages) == ["utter_registration_failed"]


def submit(slots: dict, sender: str, address: str):
    metadata = {"web": {"session_id": "s", "client": address}}
    done = tracker(
        slots={**slots, "volunteer_confirm": "yes"}, sender=sender, metadata=metadata
    )
    return run(ActionSubmitVolunteerRegistration(), done)


@pytest.mark.parametrize("typed", ["０９１２ ８８８ ７７７", "0９１２８８８７７７"])
def test_other_digits_do_not_get_past_one_phone_per_campaign(club, typed):
    """ "0" and full-width digits used to be stored as typed, a second phone."""
    fresh, slots = answer("phone", typed, FILLED)
    assert slots["phone"] == "0912888777"  # normalised before any check
    submit(FILLED, "web:first", "198.51.100.1")
    again, slots = answer("phone", typed, FILLED)
    assert responses(again) == ["utter_already_registered"]
    assert slots["phone"] is None


def test_one_source_registers_at_most_three_times_a_day(club):
    for i in range(3):
        filled = {**FILLED, "phone": f"091288877{i}"}
        done, _ = submit(filled, f"web:s{i}", "198.51.100.7")
        assert responses(done) == ["utter_volunteer_registered"]
    refused, _ = submit({**FILLED, "phone": "0912888779"}, "web:s9", "198.51.100.7")
    assert responses(refused) == ["utter_daily_limit"]
    elsewhere, _ = submit({**FILLED, "phone": "0912888779"}, "web:x", "203.0.113.1")
    assert responses(elsewhere) == ["utter_volunteer_registered"]
    assert len(registrations(club)) == 4


@pytest.mark.parametrize(
    "slot", ["full_name", "phone", "birth_year", "school_or_work", "volunteer_confirm"]
)
def test_a_question_about_the_campaign_mid_form_is_answered_not_taken(slot):
    """ "à mà chi phí bao nhiêu vậy ạ" is answered from the campaign chosen;
    nothing is set, so the form asks its question again."""
    earlier = {k: v for k, v in FILLED.items() if k != slot}
    typed = "à mà chi phí bao nhiêu vậy ạ"
    messages, slots = answer(slot, typed, earlier, intent="ask_campaign_detail")
    assert responses(messages) == ["utter_campaign_aspects"]
    assert messages[0]["lines"].startswith("💰 Chi phí: 500.000 đ")
    assert messages[0]["buttons"] == [] and slots == {slot: None}


@pytest.mark.parametrize(
    "slot", ["full_name", "phone", "birth_year", "school_or_work", "volunteer_confirm"]
)
def test_a_question_the_form_cannot_answer_waits_and_is_not_called_wrong(slot):
    """ "có được cấp giấy chứng nhận ko" is no answer to any question of the
    form, nor a wrong one: the question must wait, the form asks again."""
    earlier = {k: v for k, v in FILLED.items() if k != slot}
    typed = "có được cấp giấy chứng nhận ko"
    messages, slots = answer(slot, typed, earlier, intent="ask_certificate")
    assert responses(messages) == ["utter_form_question_later"]
    assert slots == {slot: None}


@pytest.mark.parametrize(
    "typed, intent",
    [
        ("ĐH Hồng Đức", "ask_campaign_detail"),  # a classifier's slip
        ("Trường THPT Chu Văn An ạ", "ask_club_info"),
        ("công ty may Đức Giang", "ask_campaigns"),
        ("chưa đi làm, đang ôn thi", "ask_campaign_detail"),
    ],
)
def test_a_school_read_as_a_question_is_still_a_school(typed, intent):
    """Only a question worded as one is refused in a free-text answer."""
    messages, slots = answer("school_or_work", typed, FILLED, intent=intent)
    assert messages == [] and slots["school_or_work"] == typed


@pytest.mark.parametrize(
    "typed",
    [
        "em muốn hủy đăng ký chiến dịch áo ấm",
        "em bận rồi không đi được nữa ạ",
        "mình muốn đổi số điện thoại đã đăng ký",
        "cho mình đổi sang chiến dịch xuân yêu thương",
        "huy dk giup e",
    ],
)
def test_asking_to_cancel_or_change_opens_no_form(typed):
    """Read as `register_volunteer`, these opened the form to sign up again."""
    opening = tracker(typed, intent="register_volunteer", form=FORM)
    messages, slots = run(ValidateVolunteerForm(), opening)
    assert responses(messages) == ["utter_registration_undo"]
    assert slots == {"requested_slot": None}


@pytest.mark.parametrize(
    "typed",
    ["cho e đk xuân yêu thương", "em muốn đăng ký đi tình nguyện", "đk 2 người"],
)
def test_signing_up_is_not_undoing(typed):
    opening = tracker(typed, intent="register_volunteer", form=FORM)
    messages, slots = run(ValidateVolunteerForm(), opening)
    assert "utter_registration_undo" not in responses(messages)


def test_an_answer_that_names_a_cost_is_still_an_answer():
    """Only a message read as a campaign question is one."""
    messages, slots = answer("school_or_work", "Trường Tài chính", FILLED)
    assert messages == [] and slots["school_or_work"] == "Trường Tài chính"


@pytest.mark.parametrize(
    "text",
    [
        "đăng ký rồi bao giờ có kết quả ạ",
        "mình đăng ký rồi mà chưa thấy ai liên hệ",
        "em đã đăng ký nhưng chưa nhận được cuộc gọi",
        "dk roi khi nao dc goi lai a",
    ],
)
def test_waiting_to_hear_back_after_signing_up_gets_what_happens_next(text):
    """Before: the fallback, or how to see one's own transfers ("chưa thấy")."""
    for action in (ActionShowStatement(), ActionAskTopic(), ActionAcknowledge()):
        messages, _ = run(action, tracker(text))
        assert responses(messages) == ["utter_sign_up_follow_up"]


@pytest.mark.parametrize(
    "text", ["mình muốn đăng ký", "đăng ký xong thì làm gì tiếp", "hủy đăng ký"]
)
def test_signing_up_or_undoing_is_not_waiting_to_hear_back(text):
    assert not waits_after_sign_up(text)
