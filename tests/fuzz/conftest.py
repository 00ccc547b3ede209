"""Fuzzing profiles and fixtures shared by tests/fuzz/.

Two hypothesis profiles, chosen by HYPOTHESIS_PROFILE:

- ``fuzz`` (the default, used by ``make unit``): few examples per test, so the
  whole folder stays well under a minute on a 2-core machine;
- ``long`` (``make fuzz``): many examples, for a run before a release or after
  touching a parser.

Tests never pick a number of examples themselves: they use ``fuzz(weight)``
(``tests/fuzz/strategies.py``), a share of the profile's ``max_examples``,
weighted by how much one example costs (an HTTP round trip with a database
write weighs more than a call to ``fold``). Only these tests read the
profiles: the global hypothesis settings are left as they are.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

from bot.ops.schema import migrate
from tests.bridge.platform_kit import PlatformBridge, running_bridge

PROFILES = {"fuzz": 60, "long": 2000}
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "fuzz")
if PROFILE not in PROFILES:
    raise pytest.UsageError(
        f"HYPOTHESIS_PROFILE={PROFILE!r}: use one of {', '.join(PROFILES)}"
    )
for _name, _examples in PROFILES.items():
    settings.register_profile(
        _name,
        max_examples=_examples,
        deadline=None,  # a shared 2-core machine: timing says nothing here
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
        ],
        print_blob=True,  # a failure prints the line that reproduces it
    )


@pytest.fixture(scope="module")
def fuzz_db(tmp_path_factory) -> str:
    """A migrated club database for one test module."""
    path = tmp_path_factory.mktemp("fuzz-db") / "club.db"
    url = f"sqlite:///{path}"
    migrate(url)
    return url


@pytest.fixture(scope="module")
def fuzz_bridge(tmp_path_factory, fuzz_db) -> Iterator[PlatformBridge]:
    """One bridge (scripted Rasa, simulator, huey consumer) for a whole module:
    hypothesis runs its examples against the same running bridge, the way the
    internet would."""
    env = {
        "SEPAY_API_KEY": "fuzz-sepay-key",
        "CASSO_SECURE_TOKEN": "fuzz-casso",
        "WEB_RATE_PER_MINUTE": "1000000",  # the fuzz, not the rate limit
    }
    with pytest.MonkeyPatch.context() as monkeypatch:
        folder = tmp_path_factory.mktemp("fuzz-bridge")
        with running_bridge(folder, fuzz_db, monkeypatch, **env) as bridge:
            yield bridge
