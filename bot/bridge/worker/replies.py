"""Texts the bridge itself says (busy, attachment received), read from domain.yml."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

from bot.settings import ROOT
from connectors.messenger import GET_STARTED_PAYLOAD


@cache
def responses(domain_file: Path = ROOT / "domain.yml") -> dict:
    """The responses of domain.yml, read once per process."""
    with domain_file.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle).get("responses", {})


@cache
def standing_payloads(domain_file: Path = ROOT / "domain.yml") -> frozenset[str]:
    """Payloads offered to everyone at any time: Messenger's Get Started and
    persistent menu (set by `python -m bot messenger-setup`)."""
    menu = [
        bridge_message(name, domain_file)["buttons"]
        for name in ("utter_messenger_menu", "utter_messenger_menu_person")
    ]
    payloads = {str(b.get("payload") or "") for buttons in menu for b in buttons}
    return frozenset({GET_STARTED_PAYLOAD, *(p for p in payloads if p.startswith("/"))})


def bridge_message(name: str, domain_file: Path = ROOT / "domain.yml") -> dict:
    """The first variant of a response as a Rasa-style message dict."""
    variants = responses(domain_file).get(name)
    if not variants:
        raise KeyError(f"response {name!r} is missing from {domain_file}")
    variant = variants[0]
    return {"text": variant.get("text", ""), "buttons": variant.get("buttons", [])}
