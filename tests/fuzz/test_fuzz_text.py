"""Fuzzing (hypothesis) of what runs on every user message: the folding of
bot/text.py and the Rasa components of bot/nlu/ (tokenizer, CRF tag
conversions, entity value normaliser, unknown-words guard).

Whatever the message, nothing raises, the output has the right type and a
bounded length, and the properties the matching relies on hold.
"""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.club.vocab import child_code
from bot.nlu.code_intent import ChildCodeIntent
from bot.nlu.crf import bilou_to_bio, bio_to_bilou, ngram_features
from bot.nlu.entity_values import EntityValueNormalizer, normalize_entities
from bot.nlu.tokenizer import VietnameseTokenizer
from bot.nlu.unknown import UnknownWordsGuard, is_vietnamese_syllable
from bot.text import TEENCODE, fold, fold_word, fold_words, nfc, scrub, strip_diacritics
from tests.fuzz.strategies import fuzz, messages, raw_text

texts = messages | raw_text | st.just("")

# The longest teencode expansion per character typed ("tnv" + a space →
# "tinh nguyen vien" + a space is 17/4); lower() can double a letter ("İ").
FOLD_GROWTH = 5


@fuzz()
@given(texts)
def test_nfc_and_scrub_give_storable_text_and_are_idempotent(text):
    for value in (nfc(text), scrub(text), fold(text), strip_diacritics(scrub(text))):
        assert isinstance(value, str)
        value.encode("utf-8")  # no lone surrogate survives
    assert nfc(nfc(text)) == nfc(text)
    assert scrub(scrub(text)) == scrub(text)
    assert nfc(text) == unicodedata.normalize("NFC", nfc(text)) == nfc(text).strip()
    assert strip_diacritics(strip_diacritics(text)) == strip_diacritics(text)


@fuzz()
@given(texts)
def test_fold_gives_plain_lower_case_words_of_bounded_length(text):
    folded = fold(text)
    assert len(folded) <= FOLD_GROWTH * len(text)
    assert folded == folded.strip() and "  " not in folded
    assert folded == folded.lower() and "đ" not in folded
    assert not any(unicodedata.combining(ch) for ch in folded)


@fuzz()
@given(texts)
def test_fold_is_idempotent_except_where_it_makes_a_teencode_word(text):
    """fold(fold(x)) == fold(x), but for one designed exception: teencode is
    looked up as typed, so "à" (a particle) folds to "a" and stays apart
    from "a" (teencode for "anh"); folding "a" again gives "anh". Folding
    twice is then a fixed point."""
    once = fold(text)
    twice = fold(once)
    if not any(word in TEENCODE for word in once.split()):
        assert twice == once
    assert fold(twice) == twice


@fuzz()
@given(st.lists(messages | raw_text, max_size=12))
def test_fold_words_keeps_one_folded_word_per_word(words):
    folded = fold_words(words)
    assert len(folded) == len(words)
    assert folded[:-1] == [fold_word(w) for w in words[:-1]]
    if len(words) > 1 and nfc(words[-1]).lower() == "a":
        assert folded[-1] == "a"  # the closing particle "ạ" typed without its dot
    elif words:
        assert folded[-1] == fold_word(words[-1])


@pytest.fixture(scope="module")
def tokenizer() -> VietnameseTokenizer:
    return VietnameseTokenizer(VietnameseTokenizer.get_default_config())


def tokenized(tokenizer, text: str) -> Message:
    message = Message(data={TEXT: text})
    tokenizer.process([message])
    return message


@fuzz()
@given(text=texts)
def test_the_tokenizer_gives_tokens_at_their_offsets_with_folded_lemmas(
    tokenizer, text
):
    message = tokenized(tokenizer, text)
    composed = message.get(TEXT)
    assert composed == (unicodedata.normalize("NFC", text) or " ")
    for token in message.get(TOKENS_NAMES[TEXT]):
        assert composed[token.start : token.end] == token.text
        assert isinstance(token.lemma, str) and token.lemma
        assert len(token.lemma) <= FOLD_GROWTH * len(token.text) + 5


# --- entities ----------------------------------------------------------------

ENTITY_TYPES = ["amount", "phone", "child_code", "email", "campaign", "month"]
EXTRACTORS = ["RegexEntityExtractor", "FoldedCRFEntityExtractor", None]


@st.composite
def text_with_entities(draw):
    text = draw(texts)
    entities = []
    for _ in range(draw(st.integers(0, 5))):
        start = draw(st.integers(0, len(text)))
        end = draw(st.integers(start, len(text)))
        entity = {
            "entity": draw(st.sampled_from(ENTITY_TYPES)),
            "start": start,
            "end": end,
            "value": text[start:end],
            "extractor": draw(st.sampled_from(EXTRACTORS)),
        }
        if draw(st.booleans()):
            entity["confidence_entity"] = draw(st.floats(0, 1))
        entities.append(entity)
    return text, entities


@fuzz()
@given(text_with_entities())
def test_entity_values_are_normalised_and_never_overlap(sample):
    text, entities = sample
    prefer = EntityValueNormalizer.get_default_config()["prefer"]
    result = normalize_entities(text, entities, prefer)
    assert len(result) <= len(entities)
    spans = sorted((e["start"], e["end"]) for e in result)
    for (_, end), (start, _) in zip(spans, spans[1:], strict=False):
        assert end <= start  # no two kept entities overlap
    for entity in result:
        assert entity["text"] == text[entity["start"] : entity["end"]]
        value = entity["value"]
        if entity["entity"] == "amount":
            assert (isinstance(value, int) and 0 < value <= 10**15) or value == entity[
                "text"
            ]
        if entity["entity"] == "phone" and value != entity["text"]:
            assert len(value) == 10 and value.isascii() and value.isdigit()
        if entity["entity"] == "child_code":
            typed = entity["text"]
            assert value == (child_code(typed) or typed.strip().upper())


@fuzz(0.5)
@given(text_with_entities(), st.sampled_from(["nlu_fallback", "greet", "inform"]))
def test_the_components_after_the_extractors_process_any_message(
    tokenizer, sample, intent
):
    text, entities = sample
    message = tokenized(tokenizer, text)
    message.set(ENTITIES, entities)
    message.set(INTENT, {"name": intent, "confidence": 0.9})
    normalizer = EntityValueNormalizer(EntityValueNormalizer.get_default_config())
    normalizer.process([message])
    ChildCodeIntent().process([message])
    guard = UnknownWordsGuard({"min_known_ratio": 0.5}, None, None, {"chao", "ad"})
    ratio = guard.known_ratio(message)
    assert 0.0 <= ratio <= 1.0
    guard.process([message])
    confidence = message.get(INTENT)["confidence"]
    assert 0.0 <= confidence <= 0.9 or (
        confidence == 1.0 and message.get(INTENT)["name"] == "lookup_child"
    )


# --- CRF tags ----------------------------------------------------------------

entity_names = st.sampled_from(["phone", "amount", "campaign"])


@st.composite
def bilou_sequences(draw):
    """Valid BILOU tag sequences, as Rasa's CRF produces them."""
    tags: list[str] = []
    for _ in range(draw(st.integers(0, 8))):
        kind = draw(st.sampled_from(["O", "U", "BL"]))
        name = draw(entity_names)
        if kind == "O":
            tags.append("O")
        elif kind == "U":
            tags.append(f"U-{name}")
        else:
            inner = draw(st.integers(0, 3))
            tags += [f"B-{name}", *[f"I-{name}"] * inner, f"L-{name}"]
    return tags


@fuzz()
@given(bilou_sequences())
def test_bio_tags_turn_back_into_the_same_bilou_tags(tags):
    assert bio_to_bilou(bilou_to_bio(tags)) == tags


@fuzz()
@given(st.lists(st.sampled_from(["O", "B-x", "I-x", "L-x", "U-x", "I-y", "B-y"])))
def test_any_tag_sequence_converts_without_error(tags):
    assert len(bio_to_bilou(tags)) == len(bilou_to_bio(tags)) == len(tags)


@fuzz()
@given(st.lists(raw_text, min_size=1, max_size=8), st.data())
def test_ngram_features_are_strings_around_the_word(words, data):
    index = data.draw(st.integers(0, len(words) - 1))
    features = ngram_features(words, index)
    assert set(features) <= {"b-1", "b+1", "b-2", "b+2", "t-1", "t+1", "t0"}
    assert all(isinstance(value, str) for value in features.values())
    assert features.get("b-1", f"{words[index - 1]}|{words[index]}").endswith(
        f"|{words[index]}"
    )


@fuzz()
@given(texts)
def test_the_syllable_check_answers_for_any_folded_word(text):
    for word in fold(text).split():
        assert isinstance(is_vietnamese_syllable(word), bool)
