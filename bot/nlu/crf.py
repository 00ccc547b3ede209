"""CRF entity extraction that also sees each token's folded form.

Rasa's `CRFEntityExtractor` builds its word features from the token as typed
("tháng", "thang" and "thg" are three unrelated words to it). This subclass puts
the folded lemma from `VietnameseTokenizer` ("thang", teencode expanded) in the
slot the stock extractor keeps for a part-of-speech tag, so the `pos` feature of
the config means "folded word" and `pos2` its first two letters.

Two options, both off by default (the club's config uses neither), measured on
PhoATIS in BENCHMARKS.md:

- `ngram_features: true` adds word bigrams and trigrams around each token
  (lower-cased as typed), e.g. "đến|hà" or "từ|đà|nẵng": multi-syllable names
  and the word before them read as one feature.
- `BIO: true` (with `BILOU_flag: true`) trains on B-/I- tags only: Rasa's
  BILOU schema is computed, then L- becomes I- and U- becomes B-; predictions are
  turned back into BILOU before Rasa decodes them. Half of BILOU's labels, so it
  trains in a fraction of the time, and unlike plain tags it can separate two
  adjacent entities of the same type ("hà nội huế").

Everything else (training, persistence) is the stock extractor.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.extractors.crf_entity_extractor import CRFEntityExtractor, CRFToken
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

NGRAM_FEATURES = "ngram_features"
BIO = "BIO"


def bilou_to_bio(tags: list[str]) -> list[str]:
    """L-x → I-x, U-x → B-x; other tags unchanged."""
    swap = {"L-": "I-", "U-": "B-"}
    return [swap[tag[:2]] + tag[2:] if tag[:2] in swap else tag for tag in tags]


def bio_to_bilou(tags: list[str]) -> list[str]:
    """A BIO sequence as BILOU: an entity's last tag becomes L- (or U- when it
    is also its first). An I- that continues nothing starts an entity."""
    result = []
    for index, tag in enumerate(tags):
        prefix, name = tag[:2], tag[2:]
        if prefix not in {"B-", "I-"}:
            result.append(tag)
            continue
        previous = result[-1] if result else "O"
        starts = prefix == "B-" or previous[2:] != name or previous[:2] in {"L-", "U-"}
        following = tags[index + 1] if index + 1 < len(tags) else "O"
        ends = following != f"I-{name}"
        if starts:
            result.append(("U-" if ends else "B-") + name)
        else:
            result.append(("L-" if ends else "I-") + name)
    return result


def ngram_features(words: list[str], index: int) -> dict[str, str]:
    """Bigrams and trigrams of lower-cased words in a window of two each side."""
    features = {}
    last = len(words) - 1
    if index > 0:
        features["b-1"] = f"{words[index - 1]}|{words[index]}"
    if index < last:
        features["b+1"] = f"{words[index]}|{words[index + 1]}"
    if index > 1:
        features["b-2"] = f"{words[index - 2]}|{words[index - 1]}"
        features["t-1"] = f"{words[index - 2]}|{words[index - 1]}|{words[index]}"
    if index < last - 1:
        features["b+2"] = f"{words[index + 1]}|{words[index + 2]}"
        features["t+1"] = f"{words[index]}|{words[index + 1]}|{words[index + 2]}"
    if 0 < index < last:
        features["t0"] = f"{words[index - 1]}|{words[index]}|{words[index + 1]}"
    return features


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True
)
class FoldedCRFEntityExtractor(CRFEntityExtractor):
    """`CRFEntityExtractor` whose `pos`/`pos2` features are the folded word."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            **CRFEntityExtractor.get_default_config(),
            NGRAM_FEATURES: False,
            BIO: False,
        }

    def _convert_to_crf_tokens(self, message: Message) -> list[CRFToken]:
        crf_tokens = super()._convert_to_crf_tokens(message)
        tokens = message.get(TOKENS_NAMES[TEXT]) or []
        for crf_token, token in zip(crf_tokens, tokens, strict=False):
            crf_token.pos_tag = token.lemma or token.text.lower()
        return crf_tokens

    @classmethod
    def _crf_tokens_to_features(
        cls,
        crf_tokens: list[CRFToken],
        config: dict[str, Any],
        include_tag_features: bool = False,
    ) -> list[dict[str, Any]]:
        features = super()._crf_tokens_to_features(
            crf_tokens, config, include_tag_features
        )
        if config.get(NGRAM_FEATURES):
            words = [token.text.lower() for token in crf_tokens]
            for index, token_features in enumerate(features):
                token_features.update(ngram_features(words, index))
        return features

    def _get_tags(self, message: Message) -> dict[str, list[str]]:
        tags = super()._get_tags(message)
        if self.component_config.get(BIO):
            return {name: bilou_to_bio(sequence) for name, sequence in tags.items()}
        return tags

    def _most_likely_tag(
        self, predictions: list[dict[str, float]]
    ) -> tuple[list[str], list[float]]:
        tags, confidences = super()._most_likely_tag(predictions)
        if self.component_config.get(BIO):
            tags = bio_to_bilou(tags)
        return tags, confidences
