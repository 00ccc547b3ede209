"""One client cannot flood the bot: web chat per browser address, every
platform per conversation, and web chat load leaves workers to Messenger/Zalo."""

from __future__ import annotations

import time

from bot.bridge.http.rate_limit import RateLimiter
from bot.bridge.worker.replies import bridge_message
from bot.simulator import messenger_batch, messenger_event, post_messenger
from tests.bridge.platform_kit import running_bridge, wait_settled, wait_until


def test_the_limiter_slides_and_forgets_old_keys():
    limiter = RateLimiter(2, 60, max_keys=2)
    assert limiter.allow("a", 0) and limiter.allow("a", 1)
    assert not limiter.allow("a", 2)
    assert limiter.allow("a", 61)  # the first hit left the window
    limiter.allow("b", 62)
    limiter.allow("c", 63)  # "a" is the least recently seen: forgotten
    assert limiter.allow("a", 64) and limiter.allow("a", 64)


def post_web(client, session, text, address="198.51.100.1"):
    return client.post(
        "/chat/api/messages",
        json={"session_id": session, "text": text},
        environ_base={"REMOTE_ADDR": address},
    )


def test_the_web_chat_answers_429_past_the_limit_per_address(
    tmp_path, db_url, monkeypatch
):
    with running_bridge(tmp_path, db_url, monkeypatch, WEB_RATE_PER_MINUTE="3") as b:
        for i in range(3):  # a new session each time does not help
            assert post_web(b.client, f"session-{i:04d}", "chào").status_code == 202
        refused = post_web(b.client, "session-9999", "chào")
        assert refused.status_code == 429
        assert refused.headers["Retry-After"] == "60"
        assert refused.get_json()["error"].startswith("Dạ, bạn gửi tin nhanh quá")
        other = post_web(b.client, "session-0000", "chào", address="203.0.113.9")
        assert other.status_code == 202


def say(b, user, text):
    body = messenger_batch(messenger_event(user, text=text))
    secret = b.secrets.messenger_app_secret
    response = post_messenger("http://bridge.test", secret, body, b.sim.http)
    assert response.status_code == 200


def test_a_conversation_past_its_rate_is_told_once_then_not_answered(
    tmp_path, db_url, monkeypatch
):
    with running_bridge(tmp_path, db_url, monkeypatch, CHAT_RATE_PER_MINUTE="3") as b:
        for i in range(6):
            say(b, "flood", f"tin {i}")
        wait_settled(db_url, "messenger:flood")
        assert b.rasa.texts("messenger:flood") == ["tin 0", "tin 1", "tin 2"]
        texts = [call.text for call in b.state.sent_to("messenger", "flood")]
        slow_down = bridge_message("utter_slow_down")["text"]
        assert texts == ["echo: tin 0", "echo: tin 1", "echo: tin 2", slow_down]
        say(b, "calm", "xin chào")  # others are not affected
        b.sim.wait_for("messenger", "calm", 1)


def test_web_chat_load_leaves_a_worker_for_messenger(tmp_path, db_url, monkeypatch):
    """Two workers: web chat may use one. With two slow web turns queued, a
    Messenger message is answered before the second web turn."""
    with running_bridge(tmp_path, db_url, monkeypatch) as b:
        b.rasa.delay = 1.0
        assert post_web(b.client, "web-slow-0001", "một").status_code == 202
        assert post_web(b.client, "web-slow-0002", "hai").status_code == 202
        time.sleep(0.2)  # both web drains have been picked up by now
        say(b, "platform-user", "xin chào")
        b.sim.wait_for("messenger", "platform-user", 1, timeout=20)
        wait_settled(db_url, "web:web-slow-0002", timeout=20)
        order = [p["sender"] for p in b.rasa.received]
        assert order.index("messenger:platform-user") < order.index("web:web-slow-0002")
        wait_until(lambda: len(b.rasa.received) == 3, what="all three answered")
