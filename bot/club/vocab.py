"""The words of the club's data, defined once: status vocabularies and the
child-code format.

The database's CHECK constraints, the importer, the look-up and the NLU regex
all use these. Two copies must stay in data files and are tied to this module
by tests: the migrations' CHECK constraints (`tests/club/test_vocab.py` reads
them back from a migrated database) and the `child_code` regex in
`data/nlu/patterns.yml`.
"""

from __future__ import annotations

import re

from sqlalchemy import CheckConstraint

CAMPAIGN_STATUSES = ("planned", "open", "closed", "done", "cancelled")
REGISTRATION_STATUSES = ("registered", "confirmed", "cancelled")
CHILD_STATUSES = ("waiting", "sponsored", "graduated", "left")
SPONSOR_REQUEST_STATUSES = ("pending", "contacted", "done", "cancelled")
TICKET_STATUSES = ("open", "closed")
LINK_REQUEST_STATUSES = ("pending", "approved", "rejected")
STAFF_ROLES = ("admin", "volunteer")
DONATION_SOURCES = ("bank", "cash", "momo", "goods", "other")

# A child's code: "NE" and four digits, stored as "NE0123". People type it in
# any case, with a space, dot, dash or underscore after the letters.
CHILD_CODE_EXAMPLE = "NE0123"
# The regex as written in data/nlu/patterns.yml (Rasa matches it ignoring case).
CHILD_CODE_IN_TEXT = r"\bne[ ._-]?\d{4}\b"
_CHILD_CODE_SEARCH = re.compile(CHILD_CODE_IN_TEXT, re.IGNORECASE)
_CHILD_CODE_TYPED = re.compile(r"ne[ ._-]?(\d{4})", re.IGNORECASE | re.ASCII)


def status_check(column: str, values: tuple[str, ...], name: str) -> CheckConstraint:
    """`column IN (...)` over a vocabulary, as the models declare it."""
    quoted = ", ".join(f"'{v}'" for v in values)
    return CheckConstraint(f"{column} IN ({quoted})", name=name)


def child_code(text: str) -> str | None:
    """The stored form of a code typed on its own ("ne 0101" → "NE0101"),
    or None when it is not a child code."""
    match = _CHILD_CODE_TYPED.fullmatch((text or "").strip())
    return f"NE{match.group(1)}" if match else None


def child_code_in(text: str) -> str | None:
    """The first child code anywhere in a message, in its stored form."""
    match = _CHILD_CODE_SEARCH.search(text or "")
    return child_code(match.group()) if match else None
