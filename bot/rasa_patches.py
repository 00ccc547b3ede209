"""One fix to Rasa 3.6, applied when Rasa loads the bridge's channel.

Rasa checks each answer of the action server with `jsonschema.validate(answer,
schema)`. That function first validates the *schema* against the JSON Schema
meta-schema, and with jsonschema 4.17 this costs about 25 ms a call, where
checking the answer itself costs 0.3 ms: half of Rasa's CPU per turn in the
scale bench, and 25 ms more latency on every turn that runs a custom action
(BENCHMARKS.md, "Session 14: Rasa's check of action answers"). The schema is
a constant, so here it is checked once and its validator is reused; an answer
passes or fails exactly as before, with the same error (`jsonschema.validate`
also raises the `best_match` of the errors).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from jsonschema import Validator, exceptions, validators
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL


@cache
def action_answer_validator() -> Validator:
    """The validator of the action server's answers, its schema checked once."""
    schema = RemoteAction.action_response_format_spec()
    cls = validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def validate_action_result(_action: RemoteAction, result: dict[str, Any]) -> bool:
    """`RemoteAction._validate_action_result` with the validator reused."""
    error = exceptions.best_match(action_answer_validator().iter_errors(result))
    if error is None:
        return True
    error.message += (
        ". Failed to validate Action server response from API, "
        "make sure your response from the Action endpoint is valid. "
        f"For more information about the format visit {DOCS_BASE_URL}/custom-actions"
    )
    raise error


def apply() -> None:
    RemoteAction._validate_action_result = validate_action_result  # type: ignore[assignment]
