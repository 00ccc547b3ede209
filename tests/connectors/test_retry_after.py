"""A platform's Retry-After decides when a rate-limited send is tried again.

Found by the fault suite (tests/faults): a Messenger 429 with Retry-After: 1
waited the fixed 60 s, and a 429 without a known error code became a dead
letter ("refused") instead of a retry.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest
from requests.structures import CaseInsensitiveDict

from bot.simulator import Fault, Secrets, SimulatorServer, SimulatorState
from connectors import messenger, zalo
from connectors.contract import SendRefused, SendRetry
from connectors.http_session import Reply, retry_after


def response_with(header: str | None) -> Reply:
    headers: CaseInsensitiveDict[str] = CaseInsensitiveDict()
    if header is not None:
        headers["Retry-After"] = header
    return Reply(429, b"", headers)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        (None, None),
        ("", None),
        ("2", 2.0),
        ("0.5", 0.5),
        ("0", None),
        ("-3", None),
        ("soon", None),
        ("nan", None),
        ("999999", 3600.0),
    ],
)
def test_retry_after_in_seconds(header, seconds):
    assert retry_after(response_with(header)) == seconds


def test_retry_after_as_an_http_date():
    later = datetime.now(timezone.utc) + timedelta(seconds=30)
    seconds = retry_after(response_with(format_datetime(later, usegmt=True)))
    assert 25 < seconds <= 30
    earlier = datetime.now(timezone.utc) - timedelta(seconds=30)
    assert retry_after(response_with(format_datetime(earlier, usegmt=True))) is None


@pytest.mark.parametrize(
    ("status", "body", "hint", "delay"),
    [
        (429, {"error": {"code": 613}}, 1.0, 1.0),
        (400, {"error": {"code": 4}}, None, messenger.RATE_LIMIT_DELAY),
        (429, {}, None, messenger.RATE_LIMIT_DELAY),  # was refused: a dead letter
        (429, "<html>", 5.0, 5.0),
        (503, {}, 7.0, 7.0),
        (500, {"error": {"code": 2}}, None, None),
    ],
)
def test_messenger_waits_as_long_as_asked(status, body, hint, delay):
    error = messenger.classify_error(status, body, hint)
    assert type(error) is SendRetry and error.delay == delay


def test_messenger_refusals_stay_refusals_with_a_hint():
    error = messenger.classify_error(400, {"error": {"code": 100}}, 3.0)
    assert type(error) is SendRefused


@pytest.mark.parametrize(
    ("status", "body", "hint", "delay"),
    [
        (429, {"error": -32}, 1.0, 1.0),
        (429, {}, None, None),
        (200, {"error": -32}, 2.0, 2.0),
        (200, {"error": -32}, None, zalo.RATE_LIMIT_DELAY),
        (503, "busy", 4.0, 4.0),
    ],
)
def test_zalo_waits_as_long_as_asked(status, body, hint, delay):
    error = zalo.classify_error(status, body, hint)
    assert isinstance(error, SendRetry) and error.delay == delay


class _Tokens:
    def access_token(self) -> str:
        return "access-0"


def test_clients_read_the_header_from_the_wire():
    secrets = Secrets("app", "page-token", "zapp", "zsecret", "oa", "access-0", "r")
    state = SimulatorState(secrets)
    with SimulatorServer(state) as server:
        for platform in ("messenger", "zalo"):
            state.set_fault(platform, Fault.rate_limited(platform, retry_after=2))
        clients = [
            messenger.MessengerClient(f"{server.url}/graph/v25.0", "page-token"),
            zalo.ZaloClient(f"{server.url}/zalo", _Tokens()),
        ]
        body = {"recipient": {"id": "u1", "user_id": "u1"}, "message": {"text": "a"}}
        for client in clients:
            with pytest.raises(SendRetry) as raised:
                client.send(body)
            assert raised.value.delay == 2.0
