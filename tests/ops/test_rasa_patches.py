"""bot.rasa_patches: Rasa's check of the action server's answers, its schema
checked once; the answers that pass and fail, and the errors, are Rasa's."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction

import bot.rasa_channel  # noqa: F401  (applies the patch, as Rasa does on loading it)
from bot import rasa_patches

GOOD: list[dict[str, Any]] = [
    {"events": [], "responses": []},
    {
        "events": [{"event": "slot", "name": "child_code", "value": "NE0101"}],
        "responses": [
            {"text": "Dạ", "buttons": [{"title": "Có", "payload": "/affirm"}]}
        ],
    },
]
BAD: list[dict[str, Any]] = [
    {"events": [{"name": "no event key"}], "responses": []},
    {"events": "not a list", "responses": []},
    {"events": [{"event": "slot", "name": 3}], "responses": []},
]


def action() -> RemoteAction:
    return RemoteAction("action_lookup_child", None)


def test_loading_the_channel_installs_the_patch():
    patched = RemoteAction._validate_action_result
    assert patched is rasa_patches.validate_action_result


@pytest.mark.parametrize("answer", GOOD)
def test_valid_answers_pass(answer):
    assert action()._validate_action_result(answer) is True


@pytest.mark.parametrize("answer", BAD)
def test_invalid_answers_fail_with_rasas_error(answer):
    spec = RemoteAction.action_response_format_spec()
    with pytest.raises(jsonschema.ValidationError) as rasa_error:
        jsonschema.validate(answer, spec)
    with pytest.raises(jsonschema.ValidationError) as ours:
        action()._validate_action_result(answer)
    assert ours.value.path == rasa_error.value.path
    assert ours.value.message.startswith(rasa_error.value.message)
    assert "Failed to validate Action server response" in ours.value.message


def test_the_schema_is_checked_once_not_for_each_answer():
    rasa_patches.action_answer_validator.cache_clear()
    for answer in GOOD * 5:
        action()._validate_action_result(answer)
    calls = rasa_patches.action_answer_validator.cache_info()
    assert (calls.misses, calls.hits) == (1, 9)
