"""Gifts in kind ("mình muốn quyên góp sách vở cũ") get the drop-off point,
not the bank account; anything naming money or an amount still gets the
account."""

from __future__ import annotations

import pytest

from actions.donations import ActionDonationInfo
from actions.reading.gift_words import gives_goods
from tests.actions.actions_kit import responses, run, tracker

pytestmark = pytest.mark.usefixtures("demo")

GOODS = [
    "mình muốn quyên góp sách vở cũ",
    "ủng hộ quần áo cũ gửi ở đâu ạ",
    "ung ho quan ao cu o dau",
    "mình có mấy thùng sách muốn gửi cho các em",
    "gửi đồ cũ cho các em thế nào",
    "có nhận chăn màn không ạ",
    "gửi quà cho bé được không ạ",
    "mình muốn gửi quà tết cho em NE0101",
]
MONEY = [
    "mình muốn ủng hộ tiền mua sách cho các em",
    "ủng hộ 500k mua vở",
    "mình muốn ủng hộ chiến dịch áo ấm",  # a campaign's name, not clothes
    "cho mình xin stk ủng hộ",
    "ủng hộ thế nào ạ",
    "gửi 500k làm quà cho bé NE0101",
]


@pytest.mark.parametrize("text", GOODS)
def test_gifts_in_kind_get_the_drop_off_point(text):
    assert gives_goods(text)
    messages, events = run(ActionDonationInfo(), tracker(text))
    assert responses(messages) == ["utter_donate_goods"] and events == {}


@pytest.mark.parametrize("text", MONEY)
def test_money_still_gets_the_account(text):
    assert not gives_goods(text)
    messages, _ = run(ActionDonationInfo(), tracker(text))
    assert responses(messages)[0] == "utter_donate_bank"
