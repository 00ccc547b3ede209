"""Texts the bridge itself says (busy, attachment received), read from domain.yml."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

from bot.settings import ROOT


@cache
def _responses(domain_file: Path) -> dict:
    with domain_file.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle).get("responses", {})


def bridge_message(name: str, domain_file: Path = ROOT / "domain.yml") -> dict:
    """The first variant of a response as a Rasa-style message dict."""
    variants = _responses(domain_file).get(name)
    if not variants:
        raise KeyError(f"response {name!r} is missing from {domain_file}")
    variant = variants[0]
    return {"text": variant.get("text", ""), "buttons": variant.get("buttons", [])}
