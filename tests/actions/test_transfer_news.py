"""A donor telling the club a transfer is made ("em vừa ck 200k ủng hộ xây
trường ạ") is thanked and shown where it will appear, whichever intent the
NLU picks (donate, ask_statement or inform), instead of being sent the bank
account again or asked to verify."""

from __future__ import annotations

import time

import pytest

from actions.donations import ActionDonationInfo
from actions.fallback import ActionRouteInform
from actions.reading.transfer_words import reports_transfer
from actions.statement_answers import ActionShowStatement
from tests.actions.actions_kit import responses, run, tracker

pytestmark = pytest.mark.usefixtures("demo")

NEWS = [
    "em vừa chuyển khoản 200k ủng hộ xây trường ạ",
    "mình mới ck 500k nhé ad",
    "đã ck cho clb r nha",
    "chuyen roi do ad",
    "mk ck r nha",
    "e đã gửi tiền ủng hộ quỹ nuôi em",
    "mình vừa donate 1tr cho quỹ xây trường",
    "đã chuyển 300k, nội dung XAYTRUONG 0912345678",
    "ck xong r ad oi",
    "Mình đã ủng hộ 200k ạ",
    "đã chuyển cho clb 500k",
    "mình vừa chuyển vào tk clb",
    "mình chuyển qua ví momo rồi nhé",
]
NOT_NEWS = [
    # questions
    "em ck 150k r clb nhận đc chưa",
    "đã chuyển khoản ko thấy",
    "chuyển rồi nhé?",
    "đã ck rồi thì bao lâu có sao kê",
    "mình muốn xem lại các khoản mình đã ủng hộ",
    "mk ck 500k lúc sáng check giúp mk vs",
    # problems, for a person
    "mình chuyển nhầm số tiền rồi",
    "đã ck nhưng ghi sai nội dung",
    # not done yet, or not money
    "mình muốn ck ủng hộ 200k",
    "chuyển khoản vào đâu vậy ad",
    "ck thì ghi nội dung gì",
    "ủng hộ thế nào ạ",
    "quỹ xây trường được bao nhiêu rồi",
    "mình đã đăng ký rồi",
    "mình đã góp ý với ad rồi",
    # "chuyển" that moves no money
    "mình vừa chuyển vào nhóm zalo rồi",
    "em đã chuyển sang lớp khác",
    "mình mới chuyển nhà",
    "em đã chuyển tin nhắn cho bạn ấy",
]
TRANG = {"verified_sponsor_id": 1, "verified_at": time.time()}  # 0912345678


@pytest.mark.parametrize("text", NEWS)
def test_news_of_a_transfer_is_told_apart(text):
    assert reports_transfer(text)


@pytest.mark.parametrize("text", NOT_NEWS)
def test_a_question_or_a_problem_is_not_news(text):
    assert not reports_transfer(text)


@pytest.mark.parametrize("action", [ActionDonationInfo(), ActionShowStatement()])
def test_news_is_thanked_whatever_the_intent(action):
    messages, events = run(action, tracker(NEWS[0]))
    assert responses(messages) == ["utter_transfer_thanks"] and events == {}


def test_news_as_inform_is_thanked():
    messages, _ = run(
        ActionRouteInform(),
        tracker("ck rồi nha ad, 500k", entities=[{"entity": "amount", "value": 5e5}]),
    )
    assert responses(messages) == ["utter_transfer_thanks"]


def test_a_verified_sponsor_asking_still_sees_their_own_transfers():
    news = tracker("đã ck cho clb r nha", slots=TRANG)
    assert responses(run(ActionShowStatement(), news)[0]) == ["utter_transfer_thanks"]
    asked = tracker("đã ck cho clb r, nhận được chưa ạ", slots=TRANG)
    assert responses(run(ActionShowStatement(), asked)[0]) == ["utter_statement_own"]


def test_a_question_still_gets_the_account():
    messages, _ = run(ActionDonationInfo(), tracker("mình muốn ck ủng hộ 200k"))
    assert responses(messages)[0] == "utter_donate_bank"
