"""The club's vocabularies are defined once (bot.club.vocab); these tests tie the
copies that must live in data files (migrations, NLU patterns) to them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from sqlalchemy import text

from bot.bridge.store import records
from bot.club import vocab
from bot.club.database import get_engine
from bot.club.tables import code as import_code
from bot.nlu.entity_values import normalize_child_code

ROOT = Path(__file__).parents[2]

CHECKS = {
    ("campaigns", "ck_campaign_status"): vocab.CAMPAIGN_STATUSES,
    ("volunteer_registrations", "ck_registration_status"): vocab.REGISTRATION_STATUSES,
    ("children", "ck_child_status"): vocab.CHILD_STATUSES,
    ("sponsor_requests", "ck_request_status"): vocab.SPONSOR_REQUEST_STATUSES,
    ("handoff_tickets", "ck_handoff_status"): vocab.TICKET_STATUSES,
    ("link_requests", "ck_link_request_status"): vocab.LINK_REQUEST_STATUSES,
    ("inbox_messages", "ck_inbox_status"): records.INBOX_STATUSES,
    ("outbound_messages", "ck_outbound_status"): records.OUTBOUND_STATUSES,
}


@pytest.mark.parametrize(("table", "name"), list(CHECKS))
def test_migrated_check_constraints_use_the_vocabularies(db_url, table, name):
    with get_engine(db_url).connect() as conn:
        sql = conn.execute(
            text("SELECT sql FROM sqlite_master WHERE name = :t"), {"t": table}
        ).scalar_one()
    found = re.search(rf"CONSTRAINT {name} CHECK \(status IN \(([^)]*)\)\)", sql)
    assert found, f"{name} missing from {table}"
    values = tuple(v.strip().strip("'") for v in found.group(1).split(","))
    assert values == CHECKS[(table, name)]


def test_the_nlu_regex_is_the_vocabulary_regex():
    patterns = yaml.safe_load((ROOT / "data/nlu/patterns.yml").read_text("utf-8"))
    [entry] = [e for e in patterns["nlu"] if e.get("regex") == "child_code"]
    [regex] = [line.removeprefix("- ") for line in entry["examples"].splitlines()]
    assert regex == vocab.CHILD_CODE_IN_TEXT


SAMPLES = [
    "NE0101",
    "ne0101",
    "ne 0101",
    "NE-0101",
    "Ne.0101",
    "ne_0101",
    "NE123",
    "NE01234",
    "AB0101",
    "XY12",
    "0101",
    "NE 01 01",
    "NEO101",
]


@pytest.mark.parametrize("typed", SAMPLES)
def test_importer_lookup_and_nlu_accept_the_same_codes(typed):
    """A code staff can import is a code the bot can find in a message, and
    both store the same form."""
    in_message = vocab.child_code_in(f"tra cứu bé {typed} giúp mình")
    try:
        imported = import_code(typed, None)
    except Exception:
        imported = None
    assert imported == in_message == vocab.child_code(typed)
    nlu_match = re.search(vocab.CHILD_CODE_IN_TEXT, typed, re.IGNORECASE)
    assert bool(nlu_match) == (imported is not None)
    if imported:
        assert normalize_child_code(nlu_match.group()) == imported
