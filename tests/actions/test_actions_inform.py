"""A message that only gives information is acted on, not just acknowledged."""

from __future__ import annotations

import pytest

from actions.fallback import ActionAcknowledge, ActionRouteInform
from tests.actions.actions_kit import responses, run, tracker

pytestmark = pytest.mark.usefixtures("club")


def run_events(text: str):
    import asyncio

    from rasa_sdk.executor import CollectingDispatcher

    from tests.actions.actions_kit import DOMAIN

    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionRouteInform().run(dispatcher, tracker(text), DOMAIN))
    return dispatcher.messages, events


@pytest.mark.parametrize(
    "text",
    ["NE0103", "mã ne 0102 ạ", "em NE0101 0912345678", "cho mình hỏi thăm em NE0101"],
)
def test_a_child_code_anywhere_starts_the_look_up(text):
    """ "hỏi thăm" holds "thăm em" (a visit) but asks for the child's news."""
    messages, events = run_events(text)
    assert messages == []
    assert events == [
        {"event": "followup", "timestamp": None, "name": "child_lookup_form"}
    ]


@pytest.mark.parametrize("text", ["áo ấm", "Xuân yêu thương", "ao am cho em a"])
def test_a_campaign_name_alone_opens_that_campaign(text):
    messages, events = run_events(text)
    assert [m["response"] for m in messages] == ["utter_campaign_detail"]
    assert [(e["event"], e["name"]) for e in events] == [("slot", "campaign")]
    assert events[0]["value"] == messages[0]["name"]


@pytest.mark.parametrize(
    "text",
    ["Nguyễn Văn An", "2003", "áo ấm thì mình có mấy cái cũ", "mình có đôi ủng cũ"],
)
def test_nothing_usable_gets_a_short_question(text):
    messages, events = run(ActionRouteInform(), tracker(text))
    assert responses(messages) == ["utter_inform_ack"] and events == {}


@pytest.mark.parametrize(
    "text, entities",
    [
        ("500k nhé ad", [{"entity": "amount", "value": 500000}]),
        ("ck", []),
        ("e donate nhe", []),
        ("mình ủng hộ nhé", []),
    ],
)
def test_a_word_for_giving_or_an_amount_gets_thanks_and_the_way_on(text, entities):
    messages, events = run(ActionRouteInform(), tracker(text, entities=entities))
    assert responses(messages) == ["utter_inform_giving"] and events == {}


@pytest.mark.parametrize(
    "text", ["mình chuyển khoản rồi nhé", "e vua donate r nhe", "chuyen roi do ad"]
)
def test_news_of_a_transfer_gets_thanks_and_the_statement(text):
    messages, events = run(ActionRouteInform(), tracker(text))
    assert responses(messages) == ["utter_transfer_thanks"] and events == {}


@pytest.mark.parametrize(
    "text, answer",
    [
        ("cho mình đổi sang chiến dịch xuân yêu thương", "utter_registration_undo"),
        ("em bận rồi không đi được nữa ạ", "utter_registration_undo"),
        ("chị muốn ngừng nhận nuôi bé NE0101", "utter_sponsorship_undo"),
        ("cho mình lên thăm bé NE0101 được không", "utter_sponsorship_visit"),
        ("mình muốn gặp bé một lần", "utter_sponsorship_visit"),
    ],
)
def test_asking_to_cancel_change_or_visit_gets_the_way_to_a_member(text, answer):
    """Read as `inform` or unclear (the fallback's topics), not as a sign-up;
    a child's code in it starts no look-up."""
    from actions.fallback import ActionAskTopic

    for action in (ActionRouteInform(), ActionAskTopic()):
        messages, events = run(action, tracker(text))
        assert responses(messages) == [answer] and events == {}


def test_visiting_a_school_is_not_visiting_a_sponsored_child():
    text = "cho mình lên thăm điểm trường được không"
    messages, _ = run(ActionRouteInform(), tracker(text))
    assert responses(messages) == ["utter_inform_ack"]


@pytest.mark.parametrize(
    "text, intent, answer",
    [
        ("ok", "affirm", "utter_affirm_ack"),
        ("cảm ơn ad nhiều", "thank", "utter_thank"),
        ("bye ad", "goodbye", "utter_goodbye"),
        ("ok đã ck", "affirm", "utter_transfer_thanks"),
        ("xong rồi nhé ad, mình ck rồi", "goodbye", "utter_transfer_thanks"),
        ("cảm ơn ad, em bận không đi được nữa", "thank", "utter_registration_undo"),
        ("không ạ", "deny", "utter_deny_ack"),
        ("mùa thu có đi đâu không", "deny", "utter_ask_topic"),  # a question
        ("có phải phỏng vấn không ad", "affirm", "utter_ask_topic"),
        ("vâng ạ", "affirm", "utter_affirm_ack"),
        ("đúng rồi ạ", "affirm", "utter_affirm_ack"),
        ("có nhận sữa không ạ", "deny", "utter_donate_goods"),
    ],
)
def test_an_acknowledgement_carrying_news_gets_the_news_answered(text, intent, answer):
    """ "ok đã ck", read as affirm, got "Dạ vâng ạ" and no word of the gift."""
    messages, events = run(ActionAcknowledge(), tracker(text, intent=intent))
    assert responses(messages) == [answer] and events == {}
