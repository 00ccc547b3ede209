"""Lower the intent confidence of messages made of words nobody ever wrote.

A linear classifier still spreads its probability over the intents when a message
shares no feature with the training data ("qwxz pltk vbnm" came out as `affirm`
at 0.53), so `FallbackClassifier` never fires. This component, placed after the
classifier and the entity extractors and before `FallbackClassifier`, counts the
message's tokens that are *known*: their folded form was seen in training, or is
a well-formed Vietnamese syllable (onset + vowels + final, checked on the folded
form), or holds a digit or "@", or lies inside an extracted entity. When fewer
than `min_known_ratio` of the tokens are known, every intent confidence is
multiplied by the known ratio, so keyboard mashing falls back while a new
Vietnamese word, a name or a phone number does not.
"""

from __future__ import annotations

import json
import re
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.nlu.constants import (
    ENTITIES,
    INTENT,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.text import fold_word

# Written Vietnamese syllables, folded (no diacritics, đ → d).
_ONSET = "ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdghklmnprstvx]"
_NUCLEUS = "[aeiouy]{1,3}"
_CODA = "ch|ng|nh|[cmnpt]"
SYLLABLE = re.compile(rf"^(?:{_ONSET})?{_NUCLEUS}(?:{_CODA})?$")


def is_vietnamese_syllable(folded: str) -> bool:
    return bool(SYLLABLE.match(folded))


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True
)
class UnknownWordsGuard(GraphComponent):
    """Scales intent confidences down by the share of known tokens."""

    VOCAB_FILE = "vocabulary.json"

    @classmethod
    def required_components(cls) -> list[type]:
        return [Tokenizer]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"min_known_ratio": 0.5}

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        vocabulary: set[str] | None = None,
    ) -> None:
        self.min_known_ratio = float(config.get("min_known_ratio", 0.5))
        self.vocabulary = vocabulary or set()
        self._model_storage = model_storage
        self._resource = resource

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> UnknownWordsGuard:
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> UnknownWordsGuard:
        vocabulary: set[str] = set()
        try:
            with model_storage.read_from(resource) as path:
                vocabulary = set(json.loads((path / cls.VOCAB_FILE).read_text()))
        except (ValueError, FileNotFoundError):
            pass
        return cls(config, model_storage, resource, vocabulary)

    def train(self, training_data: TrainingData) -> Resource:
        for message in training_data.training_examples:
            for token in message.get(TOKENS_NAMES[TEXT]) or []:
                self.vocabulary.add(token.lemma or token.text.lower())
        with self._model_storage.write_to(self._resource) as path:
            (path / self.VOCAB_FILE).write_text(json.dumps(sorted(self.vocabulary)))
        return self._resource

    def known_ratio(self, message: Message) -> float:
        tokens = message.get(TOKENS_NAMES[TEXT]) or []
        if not tokens:
            return 1.0
        spans = [
            (e["start"], e["end"])
            for e in message.get(ENTITIES) or []
            if "start" in e and "end" in e
        ]
        known = 0
        for token in tokens:
            folded = token.lemma or fold_word(token.text)
            if (
                folded in self.vocabulary
                or any(ch.isdigit() or ch == "@" for ch in token.text)
                or all(is_vietnamese_syllable(part) for part in folded.split())
                or any(s <= token.start and token.end <= e for s, e in spans)
            ):
                known += 1
        return known / len(tokens)

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            intent = message.get(INTENT)
            if not intent or not message.get(TOKENS_NAMES[TEXT]):
                continue
            ratio = self.known_ratio(message)
            if ratio >= self.min_known_ratio:
                continue
            scaled = dict(intent)
            scaled[PREDICTED_CONFIDENCE_KEY] = intent[PREDICTED_CONFIDENCE_KEY] * ratio
            message.set(INTENT, scaled, add_to_output=True)
            ranking = [
                {
                    **item,
                    PREDICTED_CONFIDENCE_KEY: item[PREDICTED_CONFIDENCE_KEY] * ratio,
                }
                for item in message.get(INTENT_RANKING_KEY) or []
            ]
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
