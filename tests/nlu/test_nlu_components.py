"""The custom NLU components on messages processed by hand (no trained model)."""

import unicodedata

import pytest
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.crf import FoldedCRFEntityExtractor
from bot.nlu.entity_values import (
    EntityValueNormalizer,
    merge_overlapping,
    normalize_child_code,
)
from bot.nlu.tokenizer import VietnameseTokenizer
from bot.nlu.unknown import UnknownWordsGuard, is_vietnamese_syllable


@pytest.fixture
def tokenizer():
    return VietnameseTokenizer(VietnameseTokenizer.get_default_config())


def tokenized(tokenizer, text):
    message = Message({TEXT: text})
    tokenizer.process([message])
    return message


def lemmas(message):
    return [token.lemma for token in message.get(TOKENS_NAMES[TEXT])]


def test_lemmas_fold_diacritics_but_tokens_keep_them(tokenizer):
    message = tokenized(tokenizer, "Nuôi em bao nhiêu tiền")
    assert lemmas(message) == ["nuoi", "em", "bao", "nhieu", "tien"]
    assert [t.text for t in message.get(TOKENS_NAMES[TEXT])][0] == "Nuôi"
    typed = tokenized(tokenizer, "nuoi em bao nhieu tien")
    assert lemmas(typed) == lemmas(message)


def test_teencode_lemmas(tokenizer):
    message = tokenized(tokenizer, "e mún đk đi tnv ko ad")
    assert lemmas(message) == [
        "em",
        "muon",
        "dang ky",
        "di",
        "tinh nguyen vien",
        "khong",
        "admin",
    ]


def test_a_final_a_is_the_particle_in_lemmas_too(tokenizer):
    assert lemmas(tokenized(tokenizer, "có đợt nào ko a?"))[-1] == "a"
    assert lemmas(tokenized(tokenizer, "a ơi")) == ["anh", "oi"]


def test_decomposed_input_is_composed_before_tokenizing(tokenizer):
    composed = "Đăng ký chiến dịch Áo ấm"
    decomposed = unicodedata.normalize("NFD", composed)
    assert decomposed != composed
    message = tokenized(tokenizer, decomposed)
    assert message.get(TEXT) == composed
    assert lemmas(message) == lemmas(tokenized(tokenizer, composed))
    # offsets refer to the composed text, so entity spans read back correctly
    token = message.get(TOKENS_NAMES[TEXT])[3]
    assert composed[token.start : token.end] == "dịch"


def test_emoji_are_not_tokens(tokenizer):
    message = tokenized(tokenizer, "cảm ơn ad 🙏❤️")
    assert lemmas(message) == ["cam", "on", "admin"]
    only_emoji = tokenized(tokenizer, "👍")
    assert len(only_emoji.get(TOKENS_NAMES[TEXT])) == 1  # Rasa keeps one token


def test_empty_message_becomes_a_blank_every_featurizer_handles(tokenizer):
    message = tokenized(tokenizer, "")
    assert message.get(TEXT) == " "
    assert all(not t.text.strip() for t in message.get(TOKENS_NAMES[TEXT]))


def test_five_thousand_characters(tokenizer):
    text = "Nuôi em " * 625
    assert len(text) == 5000
    message = tokenized(tokenizer, text)
    assert lemmas(message) == ["nuoi", "em"] * 625


def test_crf_features_see_the_folded_word(tokenizer):
    config = FoldedCRFEntityExtractor.get_default_config()
    extractor = FoldedCRFEntityExtractor(config, None, None)
    message = tokenized(tokenizer, "sđt của mk")
    crf_tokens = extractor._convert_to_crf_tokens(message)
    assert [t.text for t in crf_tokens] == ["sđt", "của", "mk"]
    assert [t.pos_tag for t in crf_tokens] == ["so dien thoai", "cua", "minh"]


def entity(name, start, end, value, extractor="CRFEntityExtractor", **extra):
    return {
        "entity": name,
        "start": start,
        "end": end,
        "value": value,
        "extractor": extractor,
        **extra,
    }


def normalized(text, entities):
    message = Message({TEXT: text, ENTITIES: entities})
    normalizer = EntityValueNormalizer(EntityValueNormalizer.get_default_config())
    normalizer.process([message])
    return message.get(ENTITIES)


def test_values_are_normalised_and_text_kept_as_typed():
    text = "chuyển 1tr2 từ sđt +84 912.345.678, bé ne 0123"
    result = normalized(
        text,
        [
            entity("amount", 7, 11, "1tr2"),
            entity("phone", 19, 34, "+84 912.345.678"),
            entity("child_code", 39, 46, "ne 0123"),
        ],
    )
    assert [(e["entity"], e["text"], e["value"]) for e in result] == [
        ("amount", "1tr2", 1_200_000),
        ("phone", "+84 912.345.678", "0912345678"),
        ("child_code", "ne 0123", "NE0123"),
    ]


def test_unparseable_values_are_left_alone():
    result = normalized("số 12345", [entity("phone", 3, 8, "12345")])
    assert result[0]["value"] == "12345"
    assert result[0]["text"] == "12345"


def test_other_entities_keep_their_synonym_value():
    result = normalized("đi áo ấm", [entity("campaign", 3, 8, "Áo ấm cho em 2026")])
    assert result[0]["value"] == "Áo ấm cho em 2026"
    assert result[0]["text"] == "áo ấm"


def test_duplicates_keep_the_preferred_extractor_then_the_longer_span():
    regex = entity("phone", 4, 16, "0912 345 678", "RegexEntityExtractor")
    crf = entity("phone", 4, 8, "0912", confidence_entity=0.99)
    amount_inside = entity("amount", 9, 16, "345 678")
    kept = merge_overlapping([crf, amount_inside, regex], {"phone": regex["extractor"]})
    assert kept == [regex]
    longer = entity("person_name", 0, 12, "Nguyễn Thu Hà")
    shorter = entity("person_name", 0, 6, "Nguyễn")
    assert merge_overlapping([shorter, longer], {}) == [longer]


def test_child_code_normaliser():
    assert normalize_child_code("ne-0042") == "NE0042"
    assert normalize_child_code("NE0042") == "NE0042"


def test_vietnamese_syllables():
    for word in ["nghieng", "chuyen", "khuya", "thuong", "a", "gi", "quyet", "ung"]:
        assert is_vietnamese_syllable(word), word
    for word in ["qwxz", "pltk", "vbnm", "asdf", "hjkl", "brrr", "xkcd"]:
        assert not is_vietnamese_syllable(word), word


@pytest.fixture
def guard(tmp_path, tokenizer):
    storage = LocalModelStorage(tmp_path)
    component = UnknownWordsGuard(
        UnknownWordsGuard.get_default_config(), storage, Resource("guard")
    )
    examples = [tokenized(tokenizer, t) for t in ["ok ad", "hello", "thanks nhé"]]
    component.train(TrainingData(examples))
    return component


def guarded(guard, tokenizer, text, entities=()):
    message = tokenized(tokenizer, text)
    message.set(INTENT, {"name": "affirm", "confidence": 0.53})
    message.set(
        INTENT_RANKING_KEY,
        [{"name": "affirm", "confidence": 0.53}, {"name": "greet", "confidence": 0.2}],
    )
    message.set(ENTITIES, list(entities))
    guard.process([message])
    return message


def test_gibberish_loses_its_confidence(guard, tokenizer):
    message = guarded(guard, tokenizer, "qwxz pltk vbnm")
    assert message.get(INTENT)["confidence"] == 0.0
    assert {r["confidence"] for r in message.get(INTENT_RANKING_KEY)} == {0.0}


def test_mostly_gibberish_is_scaled_by_the_known_share(guard, tokenizer):
    message = guarded(guard, tokenizer, "ok qwxz pltk")
    assert message.get(INTENT)["confidence"] == pytest.approx(0.53 / 3)


def test_known_words_new_syllables_numbers_and_entities_pass(guard, tokenizer):
    for text in ["hello ad", "chuyến xe khuya", "0912345678", "NE0123"]:
        assert guarded(guard, tokenizer, text).get(INTENT)["confidence"] == 0.53
    name = entity("person_name", 0, 9, "Wolfgang Xu")
    assert guarded(guard, tokenizer, "Wolfgang Xu", [name]).get(INTENT)[
        "confidence"
    ] == pytest.approx(0.53)


def test_the_guard_persists_its_vocabulary(guard, tmp_path):
    loaded = UnknownWordsGuard.load(
        UnknownWordsGuard.get_default_config(),
        LocalModelStorage(tmp_path),
        Resource("guard"),
        None,
    )
    assert loaded.vocabulary == guard.vocabulary
    assert {"ok", "admin", "hello", "cam on", "nhe"} <= loaded.vocabulary


@pytest.mark.parametrize(
    ("intent", "placed"),
    [
        ("nlu_fallback", "lookup_child"),
        ("out_of_scope", "lookup_child"),
        ("sponsor_child", "sponsor_child"),  # "nhận nuôi bé NE0104"
        ("inform", "inform"),  # a code given as an answer
    ],
)
def test_an_unplaced_message_with_a_child_code_is_a_look_up(intent, placed):
    from bot.nlu.code_intent import ChildCodeIntent

    code = {"entity": "child_code", "value": "NE0104", "start": 0, "end": 7}
    with_code = Message(
        data={TEXT: "NE 0104 sao rồi", INTENT: {"name": intent}, ENTITIES: [code]}
    )
    without = Message(data={TEXT: "qwxz", INTENT: {"name": intent}, ENTITIES: []})
    ChildCodeIntent().process([with_code, without])
    assert with_code.get(INTENT)["name"] == placed
    assert without.get(INTENT)["name"] == intent
