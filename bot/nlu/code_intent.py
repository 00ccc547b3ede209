"""A message holding a child code that the classifier could not place is a
look-up ("NE 0104 sao rồi ad", or a code among words never seen in training).

Placed after `FallbackClassifier`: when the message fell back (or was read as
out of scope) and carries a `child_code` entity, its intent becomes
`lookup_child`. Messages the classifier did place keep their intent: "nhận nuôi
bé NE0104" stays a sponsorship, and a code given as an answer stays `inform`
(the dialogue routes both; see actions/fallback.py).
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import (
    ENTITIES,
    INTENT,
    INTENT_NAME_KEY,
    PREDICTED_CONFIDENCE_KEY,
)
from rasa.shared.nlu.training_data.message import Message

UNPLACED = {"nlu_fallback", "out_of_scope"}


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False
)
class ChildCodeIntent(GraphComponent):
    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> ChildCodeIntent:
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            intent = message.get(INTENT) or {}
            has_code = any(
                entity.get("entity") == "child_code"
                for entity in message.get(ENTITIES) or []
            )
            if has_code and intent.get(INTENT_NAME_KEY) in UNPLACED:
                placed = {
                    INTENT_NAME_KEY: "lookup_child",
                    PREDICTED_CONFIDENCE_KEY: 1.0,
                }
                message.set(INTENT, placed, add_to_output=True)
        return messages
