"""The small club of `month_books` (October 2026 known by hand)."""

from __future__ import annotations

import pytest

from tests.reports.monthly.month_books import fill


@pytest.fixture
def october_books(db_url) -> str:
    return fill(db_url)
