"""A club database with the demo funds, children, sponsors and sponsorships
(data/seed/): NE0101 and NE0103 are sponsored by 0912345678, NE0102 by
0987654321, NE0106 by 0356789012; 0903111222 sponsors no child; NE0104 waits."""

from __future__ import annotations

import pytest

from bot.club.seed import seed_if_empty


@pytest.fixture
def books(db_url) -> str:
    assert seed_if_empty(db_url) > 0
    return db_url
