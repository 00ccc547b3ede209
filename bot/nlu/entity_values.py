"""Entity values in the form the actions need; the text stays as the user typed it.

Runs after the entity extractors and `EntitySynonymMapper`:

- overlapping entities (the regex extractor and the CRF often find the same
  phone) are merged, keeping the configured extractor's, else the longer;
- `text` is always the span as typed, `value` the normalised value:
  `amount` → integer đồng (`parse_amount`: "1tr2" → 1200000), `phone` → ten
  digits from 0 (`normalize_phone`: "+84 912.345.678" → "0912345678"),
  `child_code` → upper case without separators ("ne 0123" → "NE0123").
  A value that does not parse keeps the extractor's value, so an action can
  still ask again politely.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.club.values import normalize_phone, parse_amount
from bot.club.vocab import child_code


def normalize_child_code(text: str) -> str:
    return child_code(text) or text.strip().upper()


NORMALIZERS: dict[str, Callable[[str], Any]] = {
    "amount": parse_amount,
    "phone": normalize_phone,
    "child_code": normalize_child_code,
}


def _overlaps(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return a["start"] < b["end"] and b["start"] < a["end"]


def merge_overlapping(
    entities: list[dict[str, Any]], prefer: dict[str, str]
) -> list[dict[str, Any]]:
    """Drop an entity that overlaps a better one (Rasa has no nested entities):
    the configured extractor's first, then the longer span, then confidence."""

    def rank(entity: dict[str, Any]) -> tuple[bool, int, float]:
        preferred = prefer.get(entity.get("entity", "")) == entity.get("extractor")
        length = entity["end"] - entity["start"]
        return preferred, length, float(entity.get("confidence_entity") or 1.0)

    kept: list[dict[str, Any]] = []
    for entity in sorted(entities, key=rank, reverse=True):
        if "start" not in entity or "end" not in entity:
            kept.append(entity)
            continue
        if any("start" in other and _overlaps(entity, other) for other in kept):
            continue
        kept.append(entity)
    return sorted(kept, key=lambda e: (e.get("start", 0), e.get("end", 0)))


def normalize_entities(
    text: str, entities: list[dict[str, Any]], prefer: dict[str, str]
) -> list[dict[str, Any]]:
    result = []
    for entity in merge_overlapping(entities, prefer):
        entity = dict(entity)
        if "start" in entity and "end" in entity:
            entity["text"] = text[entity["start"] : entity["end"]]
        normalize = NORMALIZERS.get(entity.get("entity", ""))
        typed = entity.get("text") or str(entity.get("value", ""))
        if normalize and (value := normalize(typed)) is not None:
            entity["value"] = value
        result.append(entity)
    return result


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False
)
class EntityValueNormalizer(GraphComponent):
    """Merges duplicate entities and normalises amount, phone and child_code."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            # entity type -> extractor whose span wins when two overlap
            "prefer": {
                "child_code": "RegexEntityExtractor",
                "phone": "RegexEntityExtractor",
                "email": "RegexEntityExtractor",
                "amount": "RegexEntityExtractor",
            }
        }

    def __init__(self, config: dict[str, Any]) -> None:
        self.prefer: dict[str, str] = dict(config.get("prefer") or {})

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> EntityValueNormalizer:
        return cls(config)

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            entities = message.get(ENTITIES)
            if entities:
                text = message.get(TEXT) or ""
                message.set(
                    ENTITIES,
                    normalize_entities(text, entities, self.prefer),
                    add_to_output=True,
                )
        return messages
