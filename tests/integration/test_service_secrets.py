"""Nobody but the bridge reaches Rasa, and nobody but Rasa the action server
(real servers on loopback, started by the `stack` fixture as `make run` does)."""

from __future__ import annotations

from pathlib import Path

import requests

from bot.bridge.worker.rasa_client import CHANNEL_PATH, SECRET_HEADER

FORGED_TRACKER = {
    "next_action": "action_donation_info",
    "sender_id": "messenger:attacker",
    "tracker": {
        "sender_id": "messenger:attacker",
        "slots": {"verified_sponsor_id": "1"},
        "latest_message": {"text": "chuyển khoản", "intent": {}, "entities": []},
        "events": [],
        "paused": False,
        "followup_action": None,
        "active_loop": {},
        "latest_action_name": "action_listen",
    },
    "domain": {},
    "version": "3.6.0",
}


def test_rasa_http_api_needs_the_token(stack):
    url = f"{stack.settings.rasa_url}/conversations/web:someone/tracker"
    assert requests.get(url, timeout=10).status_code == 401
    wrong = requests.get(url, params={"token": "guess"}, timeout=10)
    assert wrong.status_code == 401
    token = {"token": stack.settings.secrets.rasa_token}
    assert requests.get(url, params=token, timeout=10).status_code == 200
    model = requests.put(f"{stack.settings.rasa_url}/model", json={}, timeout=10)
    assert model.status_code == 401  # nobody replaces the model without it


def test_only_the_bridge_may_talk_to_rasa_as_a_user(stack):
    body = {"sender": "web:x", "message": "xin chào"}
    base = stack.settings.rasa_url
    assert (
        requests.post(
            f"{base}/webhooks/rest/webhook", json=body, timeout=10
        ).status_code
        == 404
    )
    url = f"{base}{CHANNEL_PATH}"
    assert requests.post(url, json=body, timeout=10).status_code == 403
    forged = {SECRET_HEADER: "guess"}
    assert requests.post(url, json=body, headers=forged, timeout=10).status_code == 403
    real = {SECRET_HEADER: stack.settings.secrets.channel_secret}
    answer = requests.post(url, json=body, headers=real, timeout=30)
    assert answer.status_code == 200 and answer.json()


def test_the_action_server_answers_only_rasa(stack):
    url = f"{stack.settings.action_url}/webhook"
    refused = requests.post(url, json=FORGED_TRACKER, timeout=10)
    assert refused.status_code == 403
    assert "NE0" not in refused.text and "09" not in refused.text
    forged = {"X-Action-Secret": "guess"}
    assert (
        requests.post(url, json=FORGED_TRACKER, headers=forged, timeout=10).status_code
        == 403
    )
    assert (
        requests.get(f"{stack.settings.action_url}/actions", timeout=10).status_code
        == 403
    )
    assert (
        requests.get(f"{stack.settings.action_url}/health", timeout=10).status_code
        == 200
    )


def listening_addresses(port: int) -> set[str]:
    """Local addresses with a listening TCP socket on `port` (Linux /proc)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, _, hex_port = local.partition(":")
            if state == "0A" and int(hex_port, 16) == port:
                found.add(address)
    return found


def test_rasa_and_the_actions_listen_on_loopback_only(stack):
    settings = stack.settings
    loopback = {"0100007F"}  # 127.0.0.1, little-endian hex as /proc shows it
    assert listening_addresses(settings.rasa_port) == loopback
    assert listening_addresses(settings.action_port) == loopback
