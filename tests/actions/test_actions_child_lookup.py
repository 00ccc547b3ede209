"""Privacy of the child look-up: public summary for anyone, news only for the
verified sponsor, identical answers for unknown codes and wrong phones, lockout."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from actions.child_lookup import ActionShowChildNews, ValidateChildLookupForm
from bot.club.database import session_scope
from bot.club.models import Child, Sponsor
from bot.club.seed import seed_if_empty
from tests.actions.actions_kit import responses, run, tracker

FORM = "child_lookup_form"
PRIVATE = [
    "Học kỳ I em đạt học sinh giỏi",
    "Na Mèo",
    "sửa mái",
]  # NE0101's private data


@pytest.fixture(autouse=True)
def demo(db_url, monkeypatch):
    seed_if_empty(db_url)
    monkeypatch.setenv("DATABASE_URL", db_url)
    return db_url


def ask_code(text: str, sender="web:s1", slots=None):
    return run(
        ValidateChildLookupForm(),
        tracker(
            text,
            slots={**(slots or {}), "requested_slot": "child_code"},
            set_now={"child_code": text},
            form=FORM,
            sender=sender,
        ),
    )


def give_phone(text: str, code="NE0101", sender="web:s1", slots=None):
    asked = {**(slots or {}), "child_code": code, "requested_slot": "lookup_phone"}
    return run(
        ValidateChildLookupForm(),
        tracker(
            text, slots=asked, set_now={"lookup_phone": text}, form=FORM, sender=sender
        ),
    )


def shown(messages) -> str:
    return " ".join(str(v) for m in messages for v in m.values())


def test_code_is_found_in_the_opening_message():
    opening = tracker("bé ne 0101 dạo này thế nào", intent="lookup_child", form=FORM)
    _, slots = run(ValidateChildLookupForm(), opening)
    assert slots["child_code"] == "NE0101"


def test_anyone_gets_only_the_public_summary():
    messages, slots = ask_code("NE0101")
    assert responses(messages) == ["utter_child_public"]
    assert messages[0]["given_name"] == "Mai" and messages[0]["grade"] == "Lớp 4"
    assert slots == {"child_code": "NE0101"}  # next: the phone
    assert not any(secret in shown(messages) for secret in PRIVATE)


def test_unknown_code_and_wrong_phone_get_the_same_answer():
    unknown, _ = ask_code("NE9999")
    wrong, slots = give_phone("0987 654 321")  # Đức sponsors NE0102, not NE0101
    assert responses(unknown) == responses(wrong) == ["utter_lookup_mismatch"]
    assert unknown == wrong
    assert slots["lookup_phone"] is None


def test_malformed_input_is_asked_again_without_counting():
    messages, _ = ask_code("mã gì ạ")
    assert responses(messages) == ["utter_child_code_invalid"]
    messages, _ = give_phone("abc")
    assert responses(messages) == ["utter_phone_invalid"]


def test_five_failures_lock_lookups_even_with_the_right_phone():
    for _ in range(4):
        messages, _ = give_phone("0900000000")
        assert responses(messages) == ["utter_lookup_mismatch"]
    messages, slots = ask_code("NE9998")
    assert responses(messages) == ["utter_lookup_locked"]
    assert slots["requested_slot"] is None
    messages, slots = give_phone("0912345678")
    assert responses(messages) == ["utter_lookup_locked"]
    assert "verified_sponsor_id" not in slots
    other_user, _ = give_phone("0912345678", sender="web:someone-else")
    assert other_user == []  # the lock is per chat user


def test_verified_sponsor_sees_the_news_and_the_account_is_linked(demo):
    messages, slots = give_phone("+84 912 345 678", sender="messenger:psid-1")
    assert messages == [] and slots["lookup_phone"] == "verified"
    done = tracker(slots={"child_code": "NE0101", **slots}, sender="messenger:psid-1")
    news, reset = run(ActionShowChildNews(), done)
    assert responses(news) == ["utter_child_news"]
    assert news[0]["note"].startswith("Học kỳ I") and news[0]["months_paid"] == 6
    assert reset == {"child_code": None, "lookup_phone": None}
    with session_scope(demo) as session:
        sponsor = session.scalars(
            select(Sponsor).where(Sponsor.phone == "0912345678")
        ).one()
    assert sponsor.messenger_id == "psid-1"
    # Later, from the same account, no phone is asked for her other child.
    messages, slots = ask_code("NE0103", sender="messenger:psid-1")
    assert messages == [] and slots["lookup_phone"] == "verified"


def test_a_verified_sponsor_cannot_see_another_sponsors_child(demo):
    _, verified = give_phone("0912345678")
    messages, slots = ask_code("NE0102", slots=verified)  # Đức's child
    assert responses(messages) == ["utter_child_public"]
    assert "lookup_phone" not in slots
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
