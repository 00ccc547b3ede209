"""After the bot asks which fund a VietQR code is for, a reply that only names
a fund gets that fund's code, whichever intent the NLU picks: "xây trường" is
also a campaign's name (inform or ask_campaign_detail), "nuôi em" is read as
asking what Nuôi em is."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import pytest

from actions.campaigns import ActionShowCampaignDetail
from actions.fallback import ActionRouteInform
from actions.sponsorship import ActionExplainSponsorship
from tests.actions.actions_kit import responses, run, tracker

pytestmark = pytest.mark.usefixtures("demo")


def bot(response: str) -> dict:
    return {"event": "bot", "text": "…", "metadata": {"utter_action": response}}


ASKED_FUND = [  # "cho mình xin mã qr", and the bot's answer
    {"event": "user", "text": "cho mình xin mã qr"},
    bot("utter_donate_bank"),
    bot("utter_donate_qr_ask_fund"),
    bot("utter_donate_other"),
]
ACTIONS = [ActionRouteInform(), ActionShowCampaignDetail(), ActionExplainSponsorship()]


@pytest.mark.parametrize("action", ACTIONS, ids=lambda a: a.name())
@pytest.mark.parametrize(
    "text, memo", [("xây trường", "XAYTRUONG"), ("quỹ nuôi em ạ", "NUOIEM")]
)
def test_a_fund_named_after_the_question_gets_its_vietqr(action, text, memo):
    messages, _ = run(action, tracker(text, before=ASKED_FUND))
    assert responses(messages) == [
        "utter_donate_qr_fund",
        "utter_donate_qr_fund_add_phone",  # not verified: no phone in the memo
    ]
    assert messages[0]["memo"] == memo
    query = parse_qs(urlsplit(messages[0]["qr_url"]).query)
    assert query == {"memo": [memo]}


def test_a_verified_sponsors_memo_has_their_phone():
    trang = {"verified_sponsor_id": 1, "verified_at": time.time()}  # 0912345678
    messages, _ = run(
        ActionRouteInform(), tracker("xây trường", slots=trang, before=ASKED_FUND)
    )
    assert responses(messages) == ["utter_donate_qr_fund"]
    assert messages[0]["memo"] == "XAYTRUONG 0912345678"


def test_without_the_question_the_name_is_the_campaign_again():
    earlier = [{"event": "user", "text": "chào ad"}, bot("utter_greet")]
    messages, _ = run(ActionRouteInform(), tracker("xây trường", before=earlier))
    assert responses(messages) == ["utter_campaign_detail"]
    # the question two turns ago no longer counts
    later = [*ASKED_FUND, {"event": "user", "text": "ok"}, bot("utter_ok")]
    messages, _ = run(ActionRouteInform(), tracker("xây trường", before=later))
    assert responses(messages) == ["utter_campaign_detail"]
