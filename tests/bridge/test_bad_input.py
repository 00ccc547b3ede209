"""Bad input gets a 4xx with a reason, never a 500 (README *Privacy and abuse*)."""

from __future__ import annotations

import dataclasses
import json
import socket
import threading
import time

import pytest
from sqlalchemy import select

from bot.bridge.app import create_app, http_server
from bot.bridge.store.records import InboxMessage
from bot.club.database import session_scope
from bot.ops.processes import free_port
from bot.simulator import messenger_batch, messenger_event, sign_messenger, zalo_event
from connectors import zalo
from tests.bridge.platform_kit import wait_settled

NESTED = b"[" * 100_000 + b"]" * 100_000
SESSION = "bad-input-session"


def raw_messenger(bridge, raw: bytes, headers=None):
    signed = sign_messenger(bridge.secrets.messenger_app_secret, raw)
    return bridge.client.post(
        "/webhooks/messenger", data=raw, headers={**signed, **(headers or {})}
    )


@pytest.mark.parametrize("header", ["sha256=é" * 10, "sha256=\u00ff\u00fe", "ünïcode"])
def test_a_non_ascii_signature_header_is_refused(bridge, header):
    raw = b'{"object": "page", "entry": []}'
    response = raw_messenger(bridge, raw, {"X-Hub-Signature-256": header})
    assert response.status_code == 403
    body = zalo_event("u", text="hi", app_id=bridge.secrets.zalo_app_id)
    zalo_response = bridge.client.post(
        "/webhooks/zalo",
        json=body,
        headers={"X-ZEvent-Signature": header},
    )
    assert zalo_response.status_code == 403


def test_absurdly_nested_json_is_a_400(bridge):
    assert raw_messenger(bridge, NESTED).status_code == 400
    zalo_response = bridge.client.post(
        "/webhooks/zalo", data=NESTED, headers={"X-ZEvent-Signature": "mac=x"}
    )
    assert zalo_response.status_code == 400
    web = bridge.client.post(
        "/chat/api/messages", data=NESTED, content_type="application/json"
    )
    assert web.status_code == 400 and "JSON" in web.get_json()["error"]


def test_a_zalo_timestamp_of_400_digits_is_refused(bridge):
    body = zalo_event("u", text="hi", app_id=bridge.secrets.zalo_app_id)
    body["timestamp"] = "9" * 400
    assert not zalo.is_fresh(body["timestamp"], 300)


def test_a_lone_surrogate_is_stored_as_a_replacement_character(bridge, db_url):
    raw = messenger_batch(messenger_event("surrogate-user", text="x", mid="m-1"))
    text = json.dumps(raw).replace('"text": "x"', '"text": "ch\\ud800o"').encode()
    assert raw_messenger(bridge, text).status_code == 200
    wait_settled(db_url, "messenger:surrogate-user")
    with session_scope(db_url) as session:
        row = session.scalars(select(InboxMessage)).one()
    assert row.text == "ch\ufffdo" and row.status == "done"
    web = bridge.client.post(
        "/chat/api/messages",
        data=b'{"session_id": "' + SESSION.encode() + b'", "text": "a\\udc00b"}',
        content_type="application/json",
    )
    assert web.status_code == 202


@pytest.mark.parametrize("after", ["9" * 25, "-1", "1e3", "", "１２"])
def test_a_bad_after_parameter_is_a_400(bridge, after):
    response = bridge.client.get(
        "/chat/api/messages",
        query_string={"after": after},
        headers={"X-Chat-Session": SESSION},
    )
    assert response.status_code == 400
    assert "after" in response.get_json()["error"]


def test_the_web_chat_sends_security_headers(bridge):
    session = {"X-Chat-Session": SESSION}
    for path in ("/", "/chat/api/messages?after=0"):
        headers = bridge.client.get(path, headers=session).headers
        policy = headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in policy and "default-src 'self'" in policy
        assert headers["X-Content-Type-Options"] == "nosniff"


def test_the_http_server_refuses_a_large_body_before_reading_it(bridge):
    settings = dataclasses.replace(bridge.settings, bridge_port=free_port())
    app = create_app(settings, bridge.queue)
    run, close = http_server(settings, app)
    threading.Thread(target=run, daemon=True).start()
    try:
        limit = settings.platforms.webhook_max_bytes
        with socket.create_connection(("127.0.0.1", settings.bridge_port), 5) as sock:
            sock.sendall(
                b"POST /webhooks/messenger HTTP/1.1\r\nHost: x\r\n"
                + f"Content-Length: {limit * 40}\r\n\r\n".encode()
            )
            sock.settimeout(5)
            started = time.monotonic()
            answer = sock.recv(4096)  # no body was sent: it was never read
        assert answer.startswith(b"HTTP/1.1 413")
        assert time.monotonic() - started < 5
    finally:
        close()
