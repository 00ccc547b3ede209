"""The web chat path through the durable queue, against a fake Rasa on loopback."""

from __future__ import annotations

import logging
import signal
import time
import unicodedata

import pytest
from sqlalchemy import select

from bot.bridge.app import build_queue, create_app
from bot.bridge.store.records import InboxMessage
from bot.bridge.worker.replies import bridge_message
from bot.club.database import session_scope
from bot.settings import load_settings

SESSION = "test-session-1"


@pytest.fixture
def web(tmp_path, db_url, rasa, monkeypatch):
    """Flask test client plus a running huey consumer (threads)."""
    for name, value in {
        "DATABASE_URL": db_url,
        "VAR_DIR": str(tmp_path),
        "RASA_URL": rasa.url,
        "ACTION_SERVER_URL": rasa.url,
        "RASA_TIMEOUT": "5",
        "QUEUE_RETRIES": "2",
        "QUEUE_RETRY_DELAY": "0.1",
        "ACTION_WAIT": "0",  # see test_queue.py for the wait itself
    }.items():
        monkeypatch.setenv(name, value)
    settings = load_settings(tmp_path / "none.env")
    queue = build_queue(settings)  # the production wiring
    app = create_app(settings, queue)
    saved = {
        s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    }
    consumer = queue.consumer(workers=2)
    consumer.scheduler_interval = 1
    consumer.start()
    try:
        yield app.test_client(), queue
    finally:
        consumer.stop(graceful=True)
        for sig, handler in saved.items():
            signal.signal(sig, handler)


def send(client, text, **extra):
    body = {"session_id": SESSION, "text": text, "channel": "web", **extra}
    return client.post("/chat/api/messages", json=body)


def wait_for_bot(client, count=1, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        data = client.get(
            "/chat/api/messages?after=0", headers={"X-Chat-Session": SESSION}
        ).get_json()
        bot = [m for m in data["messages"] if m["from"] == "bot"]
        if len(bot) >= count and not data["pending"]:
            return data["messages"]
        time.sleep(0.05)
    raise AssertionError(f"no {count} bot replies within {timeout} s: {data}")


def test_message_goes_through_queue_to_rasa_and_back(web, rasa):
    client, _ = web
    response = send(client, "chào ad")
    assert response.status_code == 202
    assert isinstance(response.get_json()["message_id"], int)
    messages = wait_for_bot(client)
    assert [m["from"] for m in messages] == ["user", "bot"]
    assert messages[1]["text"] == "echo: chào ad"
    assert messages[1]["buttons"] == [
        {"title": "Chiến dịch", "payload": "/ask_campaigns"}
    ]
    send(client, "/ask_campaigns", display_text="Chiến dịch")  # the button
    messages = wait_for_bot(client, count=2)
    assert messages[2]["text"] == "Chiến dịch"  # what the user saw
    assert messages[3]["text"] == "echo: /ask_campaigns"  # a payload for Rasa
    payload = rasa.received[-1]
    assert payload["sender"] == f"web:{SESSION}"
    assert payload["input_channel"] == "web"
    assert payload["metadata"]["web"]["session_id"] == SESSION


@pytest.mark.parametrize(
    "typed",
    [
        '/ask_campaign_detail{"campaign": {"a": 1}}',
        '  /lookup_child{"child_code": "NE0101"}',
        "/affirm",
    ],
)
def test_a_typed_payload_the_bot_did_not_offer_is_plain_text(web, rasa, typed):
    client, _ = web
    send(client, typed)
    wait_for_bot(client)
    [received] = rasa.texts()
    assert not received.strip().startswith("/")  # Rasa cannot read an intent
    assert received.strip()[1:] == typed.strip()[1:]  # the words are kept


def test_the_messenger_menu_payloads_are_always_offered(web, rasa):
    client, _ = web
    send(client, "/greet")  # Get Started
    wait_for_bot(client)
    assert rasa.texts() == ["/greet"]


def test_text_is_nfc_normalised_before_rasa(web, rasa):
    client, _ = web
    send(client, unicodedata.normalize("NFD", "  nuôi em  "))
    wait_for_bot(client)
    assert rasa.texts() == ["nuôi em"]


def test_messages_of_one_user_are_answered_in_order(web, rasa):
    client, _ = web
    texts = [f"tin nhắn {i}" for i in range(6)]
    for text in texts:
        assert send(client, text).status_code == 202
    messages = wait_for_bot(client, count=6)
    assert rasa.texts() == texts
    bot = [m["text"] for m in messages if m["from"] == "bot"]
    assert bot == [f"echo: {t}" for t in texts]


def test_redelivered_message_is_answered_once(web, rasa, db_url):
    client, queue = web
    first = queue.submit("web", "mid-1", f"web:{SESSION}", "xin chào", {})
    again = queue.submit("web", "mid-1", f"web:{SESSION}", "xin chào", {})
    assert first is not None and again is None
    wait_for_bot(client)
    with session_scope(db_url) as session:  # the redelivery was never stored
        rows = session.scalars(select(InboxMessage)).all()
    assert [(r.message_id, r.status) for r in rows] == [("mid-1", "done")]
    assert rasa.texts() == ["xin chào"]


@pytest.mark.parametrize(
    ("body", "status", "reason"),
    [
        ({"session_id": SESSION, "text": "   "}, 400, "chưa nhập"),
        ({"session_id": "x", "text": "chào"}, 400, "Mã phiên"),
        ({"session_id": SESSION, "text": "a" * 2001}, 413, "dài quá"),
        ({"session_id": SESSION, "text": "chào", "channel": "sms"}, 400, "Kênh"),
        (["not", "an", "object"], 400, "JSON"),
    ],
)
def test_bad_requests_get_a_reason(web, rasa, body, status, reason):
    client, _ = web
    response = client.post("/chat/api/messages", json=body)
    assert response.status_code == status
    assert reason in response.get_json()["error"]
    assert rasa.received == []


def test_malformed_json_and_bad_poll(web):
    client, _ = web
    response = client.post(
        "/chat/api/messages", data="{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert (
        client.get(
            "/chat/api/messages?after=0", headers={"X-Chat-Session": "x"}
        ).status_code
        == 400
    )
    # The session id in the URL is not accepted: it would end up in logs.
    in_url = f"/chat/api/messages?session_id={SESSION}&after=0"
    assert client.get(in_url).status_code == 400
    bad_after = f"/chat/api/messages?session_id={SESSION}&after=-1"
    assert client.get(bad_after).status_code == 400


def test_empty_rasa_reply_becomes_busy_message_and_is_logged(web, rasa, caplog):
    client, _ = web
    rasa.replies, rasa.actions_up = (lambda _payload: []), False
    with caplog.at_level(logging.ERROR, logger="bot.bridge.worker.turns"):
        send(client, "có chiến dịch nào không")
        messages = wait_for_bot(client)
    assert messages[-1]["text"] == bridge_message("utter_bot_busy")["text"]
    assert "Dạ" in messages[-1]["text"]
    logged = [r.getMessage() for r in caplog.records]
    assert any(
        "turn_without_reply" in m and "action_server=unreachable" in m for m in logged
    )


def test_rasa_down_then_back_nothing_lost(web, rasa, db_url):
    client, _ = web
    rasa.fail_next = 2  # the first try and first retry fail
    send(client, "chào ad")
    messages = wait_for_bot(client, timeout=20)
    assert messages[-1]["text"] == "echo: chào ad"
    with session_scope(db_url) as session:
        row = session.scalars(select(InboxMessage)).one()
    assert (row.status, row.attempts) == ("done", 2)


def test_rasa_down_for_good_marks_dead_and_tells_user(web, rasa, db_url):
    client, _ = web
    rasa.down = True
    send(client, "chào ad")
    messages = wait_for_bot(client, timeout=20)
    assert messages[-1]["text"] == bridge_message("utter_bot_busy")["text"]
    with session_scope(db_url) as session:
        row = session.scalars(select(InboxMessage)).one()
    assert row.status == "dead" and row.attempts == 3
    assert "503" in row.last_error


def test_web_chat_page_is_served(web):
    client, _ = web
    page = client.get("/")
    assert page.status_code == 200
    assert "webchat.js" in page.get_data(as_text=True)
    assert client.get("/static/webchat/webchat.js").status_code == 200
    assert client.get("/health").get_json() == {"status": "ok"}
