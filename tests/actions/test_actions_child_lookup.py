"""Privacy of the child look-up: waiting children public, every other code
answered alike until the phone is checked, failures counted per code, source
and overall, verification that expires and is tied to the stored link."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from actions.child_lookup import (
    ActionAskChildCode,
    ActionShowChildNews,
    ValidateChildLookupForm,
)
from bot.club import limits, sponsors
from bot.club.database import session_scope
from bot.club.limits import OVERALL_LIMIT
from bot.club.models import Child, Sponsor
from tests.actions.actions_kit import responses, run, tracker

pytestmark = pytest.mark.usefixtures("demo")

FORM = "child_lookup_form"
PRIVATE = [
    "Học kỳ I em đạt học sinh giỏi",
    "Na Mèo",
    "sửa mái",
]  # NE0101's private data
TRANG = "0912345678"  # sponsors NE0101 and NE0103
DUC = "0987654321"  # sponsors NE0102


def web(client: str = "203.0.113.7") -> dict:
    return {"web": {"session_id": "s", "client": client}}


def ask_code(text: str, sender="web:s1", slots=None, metadata=None):
    return run(
        ValidateChildLookupForm(),
        tracker(
            text,
            slots={**(slots or {}), "requested_slot": "child_code"},
            set_now={"child_code": text},
            form=FORM,
            sender=sender,
            metadata=metadata,
        ),
    )


def give_phone(text: str, code="NE0101", sender="web:s1", slots=None, metadata=None):
    asked = {**(slots or {}), "child_code": code, "requested_slot": "lookup_phone"}
    return run(
        ValidateChildLookupForm(),
        tracker(
            text,
            slots=asked,
            set_now={"lookup_phone": text},
            form=FORM,
            sender=sender,
            metadata=metadata,
        ),
    )


def news_for(sender: str, slots: dict, code: str = "NE0101"):
    done = tracker(slots={**slots, "child_code": code}, sender=sender)
    return run(ActionShowChildNews(), done)


def shown(messages) -> str:
    return " ".join(str(v) for m in messages for v in m.values())


def sponsor(url: str, phone: str) -> Sponsor:
    with session_scope(url) as session:
        return session.scalars(select(Sponsor).where(Sponsor.phone == phone)).one()


def test_code_is_found_in_the_opening_message():
    opening = tracker("bé ne 0101 dạo này thế nào", intent="lookup_child", form=FORM)
    _, slots = run(ValidateChildLookupForm(), opening)
    assert slots["child_code"] == "NE0101"


def test_a_child_waiting_for_a_sponsor_is_public():
    messages, slots = ask_code("NE0104")
    assert responses(messages) == ["utter_child_waiting"]
    assert messages[0]["given_name"] == "Vàng"
    assert slots["requested_slot"] is None  # nothing more to ask


@pytest.mark.parametrize("code", ["NE0101", "NE0106", "NE9999", "NE0999"])
def test_sponsored_and_unknown_codes_look_the_same(code):
    """NE0101/NE0106 sponsored, NE9999/NE0999 unknown: the phone question and
    nothing else for each."""
    messages, slots = ask_code(code)
    assert messages == [] and slots == {"child_code": code}


def test_unknown_code_and_wrong_phone_get_the_same_answer():
    unknown, unknown_slots = give_phone(TRANG, code="NE9999")
    wrong, wrong_slots = give_phone(DUC)  # Đức sponsors NE0102, not NE0101
    assert responses(unknown) == responses(wrong) == ["utter_lookup_mismatch"]
    assert unknown == wrong and unknown_slots == wrong_slots


def test_the_phone_may_come_in_a_sentence():
    messages, slots = give_phone("sđt mình là 0912 345 678 ạ")
    assert messages == [] and slots["lookup_phone"] == "verified"


def test_another_code_instead_of_the_phone_asks_the_phone_again():
    """The sponsor meant another child: no "wrong phone", the question again."""
    messages, slots = give_phone("à nhầm, tra cứu em NE0102")
    assert messages == [] and slots["lookup_phone"] is None
    messages, _ = give_phone("à nhầm, tra cứu em")
    assert responses(messages) == ["utter_phone_invalid"]


def test_malformed_input_is_asked_again_without_counting(demo):
    messages, _ = ask_code("mã gì ạ")
    assert responses(messages) == ["utter_child_code_invalid"]
    messages, _ = give_phone("abc")
    assert responses(messages) == ["utter_phone_invalid"]
    assert limits.locks(demo, datetime.utcnow()) == []


def test_a_code_is_locked_for_every_new_session_after_five_misses():
    for i in range(5):  # one guess per fresh web session and client address
        meta = web(f"198.51.100.{i}")
        messages, _ = give_phone(f"090000000{i}", sender=f"web:s{i}", metadata=meta)
    assert responses(messages) == ["utter_lookup_locked"]
    fresh = web("192.0.2.99")
    messages, slots = give_phone(TRANG, sender="web:new", metadata=fresh)
    assert responses(messages) == ["utter_lookup_locked"]
    assert "verified_sponsor_id" not in slots  # the right phone too: locked
    other, _ = give_phone(DUC, code="NE0102", sender="web:new", metadata=fresh)
    assert other == []  # another code is not locked


def test_a_source_is_locked_across_sessions_and_codes():
    meta = web("203.0.113.50")
    for i in range(5):
        give_phone("0900000000", code=f"NE09{i:02d}", sender=f"web:x{i}", metadata=meta)
    messages, _ = ask_code("NE0102", sender="web:x9", metadata=meta)
    assert responses(messages) == ["utter_lookup_locked"]
    elsewhere, _ = ask_code("NE0102", sender="web:y", metadata=web("203.0.113.51"))
    assert elsewhere == []


def test_all_lookups_lock_when_failures_pile_up_everywhere(demo):
    for i in range(OVERALL_LIMIT):
        give_phone(
            "0900000000",
            code=f"NE{1000 + i}",
            sender=f"web:z{i}",
            metadata=web(f"10.9.{i}.1"),
        )
    messages, _ = ask_code("NE0102", sender="web:late", metadata=web("192.0.2.1"))
    assert responses(messages) == ["utter_lookup_locked"]
    assert any(lock.kind == "overall" for lock in limits.locks(demo, datetime.utcnow()))


def test_a_linked_sponsor_gets_through_a_locked_code(demo):
    _, verified = give_phone(TRANG, sender="messenger:psid-1")
    for i in range(5):
        give_phone("0900000000", sender=f"web:a{i}", metadata=web(f"10.0.0.{i}"))
    messages, slots = ask_code("NE0101", sender="messenger:psid-1")
    assert messages == [] and slots["lookup_phone"] == "verified"


def test_staff_list_and_clear_locks(demo):
    for i in range(5):
        give_phone("0900000000", sender=f"web:c{i}", metadata=web(f"10.1.0.{i}"))
    now = datetime.utcnow()
    [lock] = [x for x in limits.locks(demo, now) if x.kind == "code"]
    assert (lock.key, lock.failures) == ("NE0101", 5)
    assert limits.clear(demo, "ne 0101", now) == 5
    assert [x for x in limits.locks(demo, now) if x.kind == "code"] == []
    messages, slots = give_phone(TRANG, sender="web:after", metadata=web("10.2.0.1"))
    assert slots["lookup_phone"] == "verified"


def test_verified_sponsor_sees_the_news_and_the_account_is_linked(demo):
    messages, slots = give_phone("+84 912 345 678", sender="messenger:psid-1")
    assert messages == [] and slots["lookup_phone"] == "verified"
    news, reset = news_for("messenger:psid-1", slots)
    assert responses(news) == ["utter_child_news"]
    assert news[0]["note"].startswith("Học kỳ I") and news[0]["months_paid"] == 6
    assert reset == {"child_code": None, "lookup_phone": None}
    assert sponsor(demo, TRANG).messenger_id == "psid-1"
    # Later, from the same account, no phone is asked for her other child.
    messages, slots = ask_code("NE0103", sender="messenger:psid-1")
    assert messages == [] and slots["lookup_phone"] == "verified"


def test_a_link_expires_after_the_verification_days(demo):
    give_phone(TRANG, sender="messenger:psid-1")
    with session_scope(demo) as session, session.begin():
        trang = session.scalars(select(Sponsor).where(Sponsor.phone == TRANG)).one()
        trang.messenger_verified_at = datetime.utcnow() - timedelta(days=31)
    messages, slots = ask_code("NE0101", sender="messenger:psid-1")
    assert messages == [] and slots == {"child_code": "NE0101"}  # phone again


def test_the_verification_days_are_a_setting(demo, monkeypatch):
    monkeypatch.setenv("LOOKUP_VERIFY_DAYS", "60")
    give_phone(TRANG, sender="messenger:psid-1")
    with session_scope(demo) as session, session.begin():
        trang = session.scalars(select(Sponsor).where(Sponsor.phone == TRANG)).one()
        trang.messenger_verified_at = datetime.utcnow() - timedelta(days=31)
    _, slots = ask_code("NE0101", sender="messenger:psid-1")
    assert slots["lookup_phone"] == "verified"


def test_a_second_account_does_not_replace_the_link(demo):
    give_phone(TRANG, sender="messenger:first")
    _, slots = give_phone(TRANG, sender="messenger:second")
    assert slots["lookup_phone"] == "verified"  # for this conversation
    assert sponsor(demo, TRANG).messenger_id == "first"  # not replaced
    [request] = sponsors.link_requests(demo)
    assert (request.platform, request.user_id, request.status) == (
        "messenger",
        "second",
        "pending",
    )
    news, _ = news_for("messenger:second", slots)
    assert responses(news) == ["utter_child_news"]
    sponsors.decide(demo, request.id, approve=False, by="thu.ha")
    news, _ = news_for("messenger:second", slots)  # the slot alone is not enough
    assert responses(news) == ["utter_lookup_mismatch"]


def test_an_approved_request_moves_the_link(demo):
    give_phone(TRANG, sender="zalo:old")
    give_phone(TRANG, sender="zalo:new")
    [request] = sponsors.link_requests(demo)
    sponsors.decide(demo, request.id, approve=True, by="thu.ha")
    assert sponsor(demo, TRANG).zalo_id == "new"
    messages, slots = ask_code("NE0101", sender="zalo:new")
    assert slots["lookup_phone"] == "verified"
    messages, slots = ask_code("NE0101", sender="zalo:old")
    assert slots == {"child_code": "NE0101"}


def test_removing_the_link_revokes_the_verification(demo):
    _, slots = give_phone(TRANG, sender="messenger:psid-1")
    sponsors.unlink(demo, "messenger", "psid-1")
    news, _ = news_for("messenger:psid-1", slots)
    assert responses(news) == ["utter_lookup_mismatch"]
    assert not any(secret in shown(news) for secret in PRIVATE)


def test_a_web_check_expires(demo):
    _, slots = give_phone(TRANG, sender="web:s1")
    stale = {**slots, "verified_at": slots["verified_at"] - 31 * 86400}
    news, _ = news_for("web:s1", stale)
    assert responses(news) == ["utter_lookup_mismatch"]


def test_a_verified_sponsor_cannot_see_another_sponsors_child(demo):
    _, verified = give_phone(TRANG)
    messages, slots = ask_code("NE0102", slots=verified)  # Đức's child
    assert messages == [] and "lookup_phone" not in slots
    forged = tracker(
        slots={**verified, "child_code": "NE0102", "lookup_phone": "verified"}
    )
    news, _ = run(ActionShowChildNews(), forged)
    assert responses(news) == ["utter_lookup_mismatch"]
    with session_scope(demo) as session:
        note = session.scalars(
            select(Child.private_note).where(Child.code == "NE0102")
        ).one()
    assert note not in shown(news)


def test_no_news_when_the_form_ended_unverified():
    news, _ = run(ActionShowChildNews(), tracker(slots={"child_code": "NE0101"}))
    assert news == []


def test_database_failure_is_polite(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    messages, slots = ask_code("NE0101")
    assert responses(messages) == ["utter_lookup_failed"]
    assert slots["requested_slot"] is None


def test_a_code_and_the_phone_in_one_message_take_one_turn():
    opening = tracker(
        "NE0101 sđt mình 0912 345 678 ạ", intent="lookup_child", form=FORM
    )
    messages, slots = run(ValidateChildLookupForm(), opening)
    assert messages == []
    assert slots["child_code"] == "NE0101" and slots["lookup_phone"] == "verified"


def test_a_waiting_child_and_a_phone_give_only_the_public_summary():
    opening = tracker("NE0104 0912 345 678", intent="lookup_child", form=FORM)
    messages, slots = run(ValidateChildLookupForm(), opening)
    assert responses(messages) == ["utter_child_waiting"]
    assert slots["lookup_phone"] is None


def open_lookup(text: str, sender: str):
    opening = tracker(text, intent="lookup_child", form=FORM, sender=sender)
    return run(ValidateChildLookupForm(), opening)


def test_a_verified_sponsor_of_one_child_is_not_asked_the_code(demo):
    """ "bé dạo này thế nào rồi" from Đức's verified account: his one child."""
    give_phone(DUC, code="NE0102", sender="messenger:psid-2")
    messages, slots = open_lookup("bé dạo này thế nào rồi ạ", "messenger:psid-2")
    assert messages == []
    assert slots == {"child_code": "NE0102", "lookup_phone": "verified"}


@pytest.mark.parametrize(
    "phone, sender",
    [(TRANG, "messenger:psid-1"), (None, "messenger:psid-9")],
    ids=["two children: which one", "not verified"],
)
def test_the_code_is_asked_of_anyone_else(demo, phone, sender):
    if phone:
        give_phone(phone, sender=sender)
    messages, slots = open_lookup("bé dạo này thế nào rồi ạ", sender)
    assert messages == [] and "child_code" not in slots


def test_a_verified_sponsor_of_several_children_picks_one_by_button(demo):
    give_phone(TRANG, sender="messenger:psid-1")
    messages, _ = run(ActionAskChildCode(), tracker("", sender="messenger:psid-1"))
    assert responses(messages) == ["utter_ask_child_code_own"]
    assert [b["payload"] for b in messages[0]["buttons"]] == ["NE0101", "NE0103"]
    messages, _ = run(ActionAskChildCode(), tracker("", sender="messenger:psid-9"))
    assert responses(messages) == ["utter_ask_child_code"]  # no codes for strangers
    assert "buttons" not in messages[0] or not messages[0]["buttons"]


def test_a_question_mid_look_up_is_put_off_in_the_look_ups_words():
    """The forms' put-off spoke of a sign-up being recorded."""
    messages, slots = run(
        ValidateChildLookupForm(),
        tracker(
            "tháng này mình đóng tiền ăn cho bé chưa nhỉ?",
            intent="ask_statement",
            slots={"requested_slot": "child_code"},
            set_now={"child_code": "tháng này mình đóng tiền ăn cho bé chưa nhỉ?"},
            form=FORM,
        ),
    )
    assert responses(messages) == ["utter_lookup_question_later"]
    assert slots["child_code"] is None
