"""Messages through the project's trained model (trained once per fingerprint,
shared with the integration tests and the test stories)."""

import asyncio
import unicodedata

import pytest
from rasa.core.agent import Agent

from bot.ops.training import train
from bot.settings import ROOT


@pytest.fixture(scope="module")
def parse():
    model = train(ROOT / "models", ROOT / "var" / "log" / "train.log")
    agent = Agent.load(str(model))
    loop = asyncio.new_event_loop()
    yield lambda text: loop.run_until_complete(agent.parse_message(text))
    loop.close()


def entities(result):
    return {e["entity"]: (e["text"], e["value"]) for e in result["entities"]}


def test_phone_amount_and_code_values_are_normalised(parse):
    result = parse("mình chuyển 1tr2 rồi, sđt +84 912.345.678, bé ne0123")
    found = entities(result)
    assert found["amount"] == ("1tr2", 1_200_000)
    assert found["phone"] == ("+84 912.345.678", "0912345678")
    assert found["child_code"] == ("ne0123", "NE0123")


@pytest.mark.parametrize(
    ("text", "value"),
    [("500k", 500_000), ("1 triệu 2", 1_200_000), ("200.000đ", 200_000)],
)
def test_amounts_as_people_type_them(parse, text, value):
    result = parse(f"mình ủng hộ {text} nhé")
    assert entities(result)["amount"] == (text, value)


def test_one_entity_per_span(parse):
    result = parse("sdt 0912 345 678")
    spans = [(e["start"], e["end"]) for e in result["entities"]]
    assert spans == [(4, 16)]


def test_decomposed_and_composed_text_parse_alike(parse):
    composed = "bé NE0123 dạo này thế nào ạ"
    decomposed = unicodedata.normalize("NFD", composed)
    a, b = parse(composed), parse(decomposed)
    assert a["intent"]["name"] == b["intent"]["name"] == "lookup_child"
    assert entities(a) == entities(b) == {"child_code": ("NE0123", "NE0123")}


def test_without_diacritics_and_in_teencode(parse):
    assert parse("nuoi 1 em het bao nhieu tien")["intent"]["name"] == (
        "ask_sponsorship"
    )
    assert parse("e muốn đk đi tình nguyện")["intent"]["name"] == ("register_volunteer")
    assert parse("cho mik xin stk")["intent"]["name"] == "donate"


def test_gibberish_falls_back(parse):
    assert parse("qwxz pltk vbnm")["intent"]["name"] == "nlu_fallback"


def test_emoji_empty_and_very_long_messages_parse(parse):
    assert parse("🙏🙏")["intent"]["name"]
    assert parse("")["entities"] == []
    long = parse("nuôi em bao nhiêu tiền " * 220)
    assert long["intent"]["name"] == "ask_sponsorship"
