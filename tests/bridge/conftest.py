"""Bridge fixtures: a bridge app with its huey consumer, a scripted Rasa and the
simulator on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.bridge.platform_kit import PlatformBridge, ScriptedRasa, running_bridge


@pytest.fixture
def bridge(tmp_path, db_url, monkeypatch) -> Iterator[PlatformBridge]:
    with running_bridge(tmp_path, db_url, monkeypatch) as running:
        yield running


@pytest.fixture
def rasa() -> Iterator[ScriptedRasa]:
    fake = ScriptedRasa()
    try:
        yield fake
    finally:
        fake.close()
