"""What volunteers may not read: phone numbers in any spelling and the bot's
answers that carry a child's private details."""

from __future__ import annotations

import re

import pytest
import yaml

from bot.bridge.worker.replies import responses
from bot.console import masking
from bot.console.masking import CHILD_PRIVATE_MASK, PHONE_MASK, for_viewer
from bot.settings import ROOT

PHONES = [
    "0912345678",
    "0912 345 678",
    "0912.345.678",
    "091-234-5678",
    "+84 912.345.678",
    "+84912345678",
    "84912345678",
    "0387 654 321",
    "０９１２３４５６７８",  # full-width digits
    "024 3826 1234",  # a landline
    "09123456789",  # a digit too many: still someone's number
]
NOT_PHONES = [
    "1.200.000đ",
    "200.000 đ/tháng",
    "500k",
    "NE0101",
    "2024-05-31",
    "0123 4567 8910",  # the club's public bank account
    "100.000.000 đồng",
]


def nlu_phone_regex() -> re.Pattern:
    patterns = yaml.safe_load((ROOT / "data/nlu/patterns.yml").read_text("utf-8"))
    [phone] = [p for p in patterns["nlu"] if p.get("regex") == "phone"]
    [example] = [e for e in phone["examples"].splitlines() if e.strip()]
    return re.compile(example.strip().removeprefix("- "), re.IGNORECASE)


@pytest.mark.parametrize("phone", PHONES)
def test_phone_numbers_are_masked_in_any_spelling(phone):
    masked = for_viewer(f"số mình là {phone} nhé", admin=False)
    assert masked == f"số mình là {PHONE_MASK} nhé"


@pytest.mark.parametrize("text", NOT_PHONES)
def test_amounts_codes_and_dates_are_left_alone(text):
    assert for_viewer(f"ủng hộ {text}", admin=False) == f"ủng hộ {text}"


def test_the_mobile_pattern_is_the_one_the_bot_reads_phones_with():
    from actions.child_lookup import PHONE_IN_TEXT

    nlu = nlu_phone_regex()
    assert masking.PHONE_IN_TEXT.pattern == nlu.pattern == PHONE_IN_TEXT.pattern
    read = [p for p in PHONES + NOT_PHONES if nlu.search(p)]
    assert len(read) >= 8 and all(PHONE_MASK in masking.mask_phones(p) for p in read)


@pytest.mark.parametrize(
    "text, masked",
    [
        ("NE0101 0912 345 678", f"NE0101 {PHONE_MASK}"),
        ("0101 0912 345 678", f"0101 {PHONE_MASK}"),
        ("SĐT0912345678", f"SĐT{PHONE_MASK}"),
        ("0912345678 5 lần", f"{PHONE_MASK} 5 lần"),
        ("0912345678, 0987654321", f"{PHONE_MASK}, {PHONE_MASK}"),
    ],
)
def test_phones_next_to_other_numbers(text, masked):
    assert masking.mask_phones(text) == masked


def test_admins_read_everything():
    assert for_viewer("gọi 0912345678", admin=True) == "gọi 0912345678"
    assert for_viewer("x", admin=True, sender="bot", response="utter_child_news") == "x"


def test_child_news_is_masked_by_response_or_by_its_text():
    [template] = responses()["utter_child_news"]
    news = template["text"].format(
        given_name="Lan",
        code="NE0101",
        school="Trường Sơn Lộ",
        grade="lớp 3",
        district="Bảo Lạc",
        note="bố đang ốm",
        months_paid=5,
        monthly="200.000",
    )
    assert for_viewer(news, admin=False, sender="bot") == CHILD_PRIVATE_MASK
    assert for_viewer("bất kỳ", False, "bot", "utter_child_news") == CHILD_PRIVATE_MASK
    first_part = news.split("\n📝")[0]  # a platform split a long message
    assert for_viewer(first_part, admin=False, sender="bot") == CHILD_PRIVATE_MASK
    public = "Dạ, em Lan (NE0101) đang học lớp 3 ở huyện Bảo Lạc và đang chờ"
    assert for_viewer(public, False, "bot", "utter_child_waiting") == public


def test_every_response_with_a_childs_private_details_is_masked():
    private_slots = ("{note}", "{school}", "{months_paid}")
    carrying = {
        name
        for name, variants in responses().items()
        for v in variants
        if any(slot in (v.get("text") or "") for slot in private_slots)
    }
    assert carrying and carrying <= masking.CHILD_PRIVATE_RESPONSES
