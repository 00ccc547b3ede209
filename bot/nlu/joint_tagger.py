"""Rasa component around `bot.nlu.joint_net`: one network for intent and slots.

Registered both as an intent classifier and as an entity extractor, so one
pipeline entry replaces a classifier and a CRF. It reads the tokens of the
tokenizer (no featurizer needed): the network learns its own word and character
representations from the training data alone, nothing pretrained and nothing
downloaded. Measured on PhoATIS in BENCHMARKS.md ("PhoATIS").

Training tags are BIO tags derived from the entity character spans (a token
inside an entity is B- if it starts it, I- otherwise); predicted spans become
Rasa entities with the character offsets of their first and last token.
Weights are stored as plain arrays (`.npz`), the vocabulary as JSON.

TensorFlow's thread pools follow TF_NUM_INTRAOP_THREADS/TF_NUM_INTEROP_THREADS
(or Rasa's TF_INTRA_OP_PARALLELISM_THREADS for `rasa train`).
"""

from __future__ import annotations

import json
import logging
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    EXTRACTOR,
    INTENT,
    INTENT_RANKING_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.joint_net import DEFAULTS, JointNet, Vocabulary, bio_spans

logger = logging.getLogger(__name__)
RANKING_LENGTH = 10


def bio_tags(tokens: list[Token], entities: list[dict[str, Any]]) -> list[str]:
    """One BIO tag per token from the entities' character spans."""
    tags = ["O"] * len(tokens)
    for entity in entities:
        start, end = entity[ENTITY_ATTRIBUTE_START], entity[ENTITY_ATTRIBUTE_END]
        inside = [i for i, t in enumerate(tokens) if t.start >= start and t.end <= end]
        for position, index in enumerate(inside):
            prefix = "B-" if position == 0 else "I-"
            tags[index] = prefix + entity[ENTITY_ATTRIBUTE_TYPE]
    return tags


def words_of(message: Message) -> tuple[list[Token], list[str]]:
    tokens = message.get(TOKENS_NAMES[TEXT]) or []
    return tokens, [token.text for token in tokens]


@DefaultV1Recipe.register(
    [
        DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER,
        DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR,
    ],
    is_trainable=True,
)
class JointIntentSlotTagger(GraphComponent, IntentClassifier, EntityExtractorMixin):
    """Intent classifier and BIO slot tagger trained as one network."""

    @classmethod
    def required_components(cls) -> list[type]:
        return [Tokenizer]

    @staticmethod
    def required_packages() -> list[str]:
        return ["tensorflow"]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return dict(DEFAULTS)

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        net: JointNet | None = None,
    ) -> None:
        self.component_config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self.net = net

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> JointIntentSlotTagger:
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        examples = [
            (e, words_of(e)) for e in training_data.intent_examples if e.get(INTENT)
        ]
        examples = [(e, words) for e, words in examples if words[1]]
        if len({e.get(INTENT) for e, _ in examples}) < 2:
            logger.warning("JointIntentSlotTagger needs two intents; not trained.")
            return self._resource
        sentences = [words[1] for _, words in examples]
        tags = [bio_tags(words[0], e.get(ENTITIES) or []) for e, words in examples]
        intents = [e.get(INTENT) for e, _ in examples]
        vocab = Vocabulary.build(sentences, tags, intents)
        net = JointNet(self.component_config, vocab)
        net.fit(sentences, tags, intents, log=logger.debug)
        self.net = net
        self._persist()
        return self._resource

    # File names in the component's model storage: written by `_persist`,
    # read by `load`.
    VOCABULARY_FILE = "vocabulary.json"
    NET_FILES = "net{}.npz"  # one per ensemble member

    def _persist(self) -> None:
        assert self.net is not None
        with self._model_storage.write_to(self._resource) as directory:
            (directory / self.VOCABULARY_FILE).write_text(
                json.dumps(self.net.vocab.as_dict(), ensure_ascii=False), "utf-8"
            )
            for k, (model, transitions) in enumerate(
                zip(self.net.models, self.net.transitions, strict=True)
            ):
                arrays = {f"w{i}": w for i, w in enumerate(model.get_weights())}
                path = directory / self.NET_FILES.format(k)
                np.savez(path, transitions=transitions, **arrays)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> JointIntentSlotTagger:
        try:
            with model_storage.read_from(resource) as directory:
                vocab = Vocabulary(
                    **json.loads((directory / cls.VOCABULARY_FILE).read_text("utf-8"))
                )
                net = JointNet(config, vocab)
                for path in sorted(directory.glob(cls.NET_FILES.format("*"))):
                    with np.load(path, allow_pickle=False) as stored:
                        count = len(stored.files) - 1
                        weights = [stored[f"w{i}"] for i in range(count)]
                        net.add_model(weights, stored["transitions"])
        except (ValueError, FileNotFoundError):
            return cls(config, model_storage, resource)
        return cls(config, model_storage, resource, net)

    def process(self, messages: list[Message]) -> list[Message]:
        if self.net is None or not messages:
            return messages
        sentences = [words_of(m)[1] for m in messages]
        tags, probabilities = self.net.predict(sentences)
        for message, sequence, row in zip(messages, tags, probabilities, strict=True):
            self._set_intent(message, row)
            self._set_entities(message, sequence)
        return messages

    def _set_intent(self, message: Message, row: np.ndarray) -> None:
        assert self.net is not None
        ranking = [
            {"name": self.net.vocab.intents[i], "confidence": float(row[i])}
            for i in np.argsort(-row)[:RANKING_LENGTH]
        ]
        message.set(INTENT, ranking[0], add_to_output=True)
        message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)

    def _set_entities(self, message: Message, tags: list[str]) -> None:
        tokens = message.get(TOKENS_NAMES[TEXT]) or []
        text = message.get(TEXT) or ""
        found = []
        for start, end, label in sorted(bio_spans(tags)):
            first, last = tokens[start], tokens[end - 1]
            found.append(
                {
                    ENTITY_ATTRIBUTE_START: first.start,
                    ENTITY_ATTRIBUTE_END: last.end,
                    ENTITY_ATTRIBUTE_VALUE: text[first.start : last.end],
                    ENTITY_ATTRIBUTE_TYPE: label,
                    EXTRACTOR: self.__class__.__name__,
                }
            )
        message.set(
            ENTITIES, [*(message.get(ENTITIES) or []), *found], add_to_output=True
        )

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
