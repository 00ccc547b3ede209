"""The simulator's fault modes, seen from a plain HTTP client on loopback."""

from __future__ import annotations

import time

import pytest
import requests

from bot.simulator import Fault, Secrets, SimulatorServer, SimulatorState

SECRETS = Secrets("app", "page-token", "zapp", "zsecret", "oa", "access-0", "ref-0")


@pytest.fixture
def sim():
    state = SimulatorState(SECRETS)
    with SimulatorServer(state) as server:
        yield state, server.url


def send(url: str, platform: str, user: str = "u1", timeout: float = 5):
    if platform == "messenger":
        return requests.post(
            f"{url}/graph/v25.0/me/messages",
            params={"access_token": "page-token"},
            json={"recipient": {"id": user}, "message": {"text": "chào"}},
            timeout=timeout,
        )
    return requests.post(
        f"{url}/zalo/v3.0/oa/message/cs",
        headers={"access_token": "access-0"},
        json={"recipient": {"user_id": user}, "message": {"text": "chào"}},
        timeout=timeout,
    )


@pytest.mark.parametrize("platform", ["messenger", "zalo"])
def test_server_error_until_healed(sim, platform):
    state, url = sim
    state.set_fault(platform, Fault.server_error(platform))
    assert send(url, platform).status_code >= 500
    assert state.calls == [] and state.fault_hits[platform] == 1
    state.clear_faults()
    assert send(url, platform).status_code == 200
    assert [c.acknowledged for c in state.calls] == [True]


@pytest.mark.parametrize(
    "platform, error", [("messenger", {"code": 613}), ("zalo", -32)]
)
def test_rate_limit_says_when_to_retry(sim, platform, error):
    state, url = sim
    state.set_fault(platform, Fault.rate_limited(platform, retry_after=3))
    response = send(url, platform)
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "3"
    body = response.json()["error"]
    assert (body["code"] == 613) if platform == "messenger" else (body == -32)
    assert state.calls == []


def test_other_platform_unaffected(sim):
    state, url = sim
    state.set_fault("messenger", Fault.server_error("messenger"))
    assert send(url, "zalo").status_code == 200


@pytest.mark.parametrize("delivered", [True, False])
def test_reset_after_reading_the_request(sim, delivered):
    state, url = sim
    state.set_fault("zalo", Fault.reset(delivered=delivered))
    with pytest.raises(requests.ConnectionError):
        send(url, "zalo")
    # Delivered: the user got it, the client was never told.
    assert [c.acknowledged for c in state.calls] == ([False] if delivered else [])
    state.set_fault("zalo", None)
    assert send(url, "zalo").status_code == 200  # the server still serves


def test_hold_outlasts_the_client_timeout(sim):
    state, url = sim
    state.set_fault("messenger", Fault.timeout(1.0, delivered=True))
    started = time.monotonic()
    with pytest.raises(requests.Timeout):
        send(url, "messenger", timeout=0.3)
    assert time.monotonic() - started < 0.9
    assert [c.acknowledged for c in state.calls] == [False]


def test_typing_indicator_fails_too_but_is_never_a_message(sim):
    state, url = sim
    state.set_fault("messenger", Fault.reset(delivered=True))
    with pytest.raises(requests.ConnectionError):
        requests.post(
            f"{url}/graph/v25.0/me/messages",
            params={"access_token": "page-token"},
            json={"recipient": {"id": "u1"}, "sender_action": "typing_on"},
            timeout=5,
        )
    assert state.calls == [] and state.typing == []
