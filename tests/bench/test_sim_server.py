"""The bench's Send API server (bench/sim_server.py), over real loopback HTTP."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import requests

from bench.load import SECRETS, simulator_service
from bot.ops.processes import free_port


@pytest.fixture(scope="module")
def sim_url(tmp_path_factory):
    port = free_port()
    log_dir: Path = tmp_path_factory.mktemp("sim")
    service = simulator_service(port, log_dir, {**os.environ, **SECRETS})
    service.start()
    try:
        service.wait_healthy(30)
        yield f"http://127.0.0.1:{port}"
    finally:
        service.stop()


def send(sim_url: str, body, token: str = SECRETS["MESSENGER_PAGE_TOKEN"]):
    return requests.post(
        f"{sim_url}/graph/v18.0/me/messages",
        params={"access_token": token},
        json=body,
        timeout=10,
    )


def test_it_answers_the_send_api_and_counts_answers_only(sim_url):
    first = send(sim_url, {"recipient": {"id": "b1"}, "message": {"text": "Dạ"}})
    typing = send(sim_url, {"recipient": {"id": "b1"}, "sender_action": "typing_on"})
    second = send(sim_url, {"recipient": {"id": "b1"}, "message": {"text": "Vâng"}})
    assert first.status_code == second.status_code == typing.status_code == 200
    assert first.json()["recipient_id"] == "b1"
    assert first.json()["message_id"] != second.json()["message_id"]
    assert typing.json() == {"recipient_id": "b1"}
    counts = requests.get(f"{sim_url}/api/counts", params={"prefix": "b"}, timeout=10)
    assert counts.json() == {"b1": 2}
    arrivals = requests.get(f"{sim_url}/api/arrivals", timeout=10).json()["b1"]
    assert len(arrivals) == 2 and arrivals[0] <= arrivals[1]


def test_a_wrong_page_token_is_refused_as_the_graph_api_does(sim_url):
    refused = send(sim_url, {"recipient": {"id": "c1"}, "message": {"text": "x"}}, "no")
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == 190
    counts = requests.get(f"{sim_url}/api/counts", params={"prefix": "c"}, timeout=10)
    assert counts.json() == {}
