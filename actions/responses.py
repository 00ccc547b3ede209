"""Render response fragments kept in domain.yml.

Actions that build one message out of several pieces (a line per campaign)
take the pieces' wording from the domain that Rasa sends with every call, so all
user-facing text stays in domain.yml.
"""

from __future__ import annotations

from typing import Any


def phrase(domain: dict[str, Any], response: str, /, **values: Any) -> str:
    """The first text variant of `response`, with `{placeholders}` filled."""
    variants = domain.get("responses", {}).get(response) or []
    if not variants or "text" not in variants[0]:
        raise KeyError(f"response {response!r} with a text is missing from domain.yml")
    return variants[0]["text"].format(**values)


def money(amount: int) -> str:
    """Vietnamese thousands separator: 160000 -> '160.000'."""
    return f"{amount:,}".replace(",", ".")


def date_range(start, end) -> str:
    """'19/12 – 22/12/2026', or with both years when a campaign spans New Year."""
    if start == end:
        return start.strftime("%d/%m/%Y")
    left = (
        start.strftime("%d/%m")
        if start.year == end.year
        else start.strftime("%d/%m/%Y")
    )
    return f"{left} – {end.strftime('%d/%m/%Y')}"
