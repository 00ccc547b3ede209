"""Checks `rasa data validate` does not make: every response is reachable and
every response an action or the bridge names exists."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).parents[2]
DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text("utf-8"))
CODE = "\n".join(
    p.read_text("utf-8")
    for d in ("actions", "bot", "connectors")
    for p in (ROOT / d).rglob("*.py")
)
DIALOGUE = (ROOT / "data/rules.yml").read_text("utf-8") + (
    ROOT / "data/stories.yml"
).read_text("utf-8")
FORM_SLOTS = {
    slot for form in DOMAIN["forms"].values() for slot in form["required_slots"]
}
# Pieces that actions splice into a bigger message (a line per campaign...).
FRAGMENTS = set(re.findall(r'phrase\(\s*domain,\s*"(utter_\w+)"', CODE)) | {
    name
    for name in DOMAIN["responses"]
    if name.startswith("utter_topic_")  # titles
    or name.startswith("utter_campaign_aspect_")  # lines of a campaign's card
}
# Responses Rasa's default actions say (fallback).
RASA_DEFAULTS = {"utter_default", "utter_ask_rephrase"}
# Ready answers the console's handoff desk offers by their prefix.
CANNED = {name for name in DOMAIN["responses"] if name.startswith("utter_canned_")}


def test_every_response_is_used_by_a_rule_story_action_form_or_the_bridge():
    asked = {f"utter_ask_{slot}" for slot in FORM_SLOTS} | {
        f"utter_ask_{form}_{slot}"  # Rasa prefers a form's own question
        for form, spec in DOMAIN["forms"].items()
        for slot in spec["required_slots"]
    }
    unused = [
        name
        for name in DOMAIN["responses"]
        if name not in DIALOGUE
        and f'"{name}"' not in CODE
        and name not in asked
        and name not in RASA_DEFAULTS
        and name not in CANNED
    ]
    assert unused == []


def test_every_response_named_in_code_exists():
    named = {
        name
        for name in re.findall(r'"(utter_[a-z_]+)"', CODE)
        if not name.endswith("_")  # a prefix, such as "utter_canned_"
        and name != "utter_action"  # Rasa's metadata key on bot events
    }
    assert named, "the pattern should find the responses the actions use"
    assert sorted(named - set(DOMAIN["responses"])) == []


def test_fragments_are_found():
    assert {"utter_campaign_line", "utter_statement_fund_line"} <= FRAGMENTS


def test_whole_messages_are_polite_vietnamese():
    for name, variants in DOMAIN["responses"].items():
        for variant in variants:
            text = variant.get("text", "")
            assert text, name
            if name not in FRAGMENTS:
                assert text.startswith("Dạ"), f"{name} should open politely with 'Dạ'"


def test_buttons_fit_every_platform():
    """Messenger quick replies: at most 13, titles of at most 20 characters."""
    for name, variants in DOMAIN["responses"].items():
        for variant in variants:
            buttons = variant.get("buttons", [])
            assert len(buttons) <= 13, name
            for button in buttons:
                assert 0 < len(button["title"]) <= 20, (name, button["title"])
                assert button["payload"].strip(), (name, button)
