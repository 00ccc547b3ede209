"""Messenger: signed webhooks through the queue to the simulator's Send API."""

from __future__ import annotations

import json
import logging
import time
import unicodedata

import pytest
from sqlalchemy import select
from werkzeug.test import EnvironBuilder

from bot.bridge.store import outbox
from bot.bridge.store.records import InboxMessage, OutboundMessage
from bot.bridge.worker.replies import bridge_message
from bot.club import tickets
from bot.club.database import session_scope
from bot.simulator import messenger_batch, messenger_event, post_messenger
from connectors import messenger
from tests.bridge.platform_kit import echo, running_bridge, wait_settled, wait_until

USER = "psid-1"


def post(b, body, secret=None):
    return post_messenger(
        "http://bridge.test", secret or b.secrets.messenger_app_secret, body, b.sim.http
    )


def say(b, text=None, user=USER, **kwargs):
    return post(b, messenger_batch(messenger_event(user, text=text, **kwargs)))


def sent(b, user=USER):
    return b.state.sent_to("messenger", user)


def outbound_rows(db_url):
    with session_scope(db_url) as session:
        return session.scalars(
            select(OutboundMessage).order_by(OutboundMessage.id)
        ).all()


def test_verification_handshake(bridge):
    ok = bridge.client.get(
        "/webhooks/messenger?hub.mode=subscribe&hub.verify_token=test-verify"
        "&hub.challenge=12345"
    )
    assert ok.status_code == 200 and ok.get_data(as_text=True) == "12345"
    bad = bridge.client.get(
        "/webhooks/messenger?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1"
    )
    assert bad.status_code == 403


def test_forged_or_missing_signature_is_refused(bridge, db_url):
    body = messenger_batch(messenger_event(USER, text="xin chào"))
    assert post(bridge, body, secret="not-the-app-secret").status_code == 403
    raw = json.dumps(body).encode()
    unsigned = bridge.client.post("/webhooks/messenger", data=raw)
    assert unsigned.status_code == 403
    sha1 = bridge.client.post(
        "/webhooks/messenger", data=raw, headers={"X-Hub-Signature": "sha1=abc"}
    )
    assert sha1.status_code == 403
    with session_scope(db_url) as session:
        assert session.scalars(select(InboxMessage)).all() == []
    assert bridge.rasa.received == []


def test_malformed_json_and_oversized_body(bridge):
    raw = b"{not json"
    headers = {"X-Hub-Signature-256": messenger.signature("test-app-secret", raw)}
    assert (
        bridge.client.post("/webhooks/messenger", data=raw, headers=headers).status_code
        == 400
    )
    huge = b"x" * (bridge.settings.platforms.webhook_max_bytes + 1)
    headers = {"X-Hub-Signature-256": messenger.signature("test-app-secret", huge)}
    response = bridge.client.post("/webhooks/messenger", data=huge, headers=headers)
    assert response.status_code == 413


def test_text_goes_to_rasa_with_ids_and_answer_is_sent(bridge):
    response = say(bridge, "có chiến dịch nào không")
    assert response.status_code == 200
    assert response.json()["accepted"] == 1
    assert response.json()["ms"] < 100  # stored and queued, not processed
    [call] = bridge.sim.wait_for("messenger", USER, 1)
    [payload] = bridge.rasa.received
    assert payload["sender"] == f"messenger:{USER}"
    assert payload["input_channel"] == "messenger"
    assert payload["metadata"]["messenger"]["psid"] == USER
    assert payload["metadata"]["messenger"]["page_id"] == "simulated-page"
    assert "bridge" not in payload["metadata"]
    template = call.body["message"]["attachment"]["payload"]
    assert template["text"] == "echo: có chiến dịch nào không"
    assert template["buttons"][0]["payload"] == "/ask_campaigns"
    wait_until(lambda: bridge.state.typing == [USER], what="typing_on")


def test_typing_indicator_only_when_the_turn_takes_a_while(
    tmp_path, db_url, monkeypatch
):
    def replies(payload):
        if payload["message"] == "chậm":
            time.sleep(0.5)
        return echo(payload)

    with running_bridge(
        tmp_path, db_url, monkeypatch, replies, TYPING_DELAY="0.2"
    ) as b:
        say(b, "nhanh")
        b.sim.wait_for("messenger", USER, 1)
        say(b, "chậm")
        b.sim.wait_for("messenger", USER, 2)
        wait_settled(db_url, f"messenger:{USER}")  # both turns over
        assert b.state.typing == [USER]  # for the slow turn only


def test_a_batch_of_three_events_is_answered_in_full(bridge):
    body = messenger_batch(
        messenger_event("a", text="một"),
        messenger_event("b", text="hai"),
        messenger_event("a", text="ba"),
    )
    body["entry"][0]["messaging"].append(body["entry"].pop(1)["messaging"][0])
    assert post(bridge, body).json()["accepted"] == 3
    bridge.sim.wait_for("messenger", "a", 2)
    bridge.sim.wait_for("messenger", "b", 1)
    assert bridge.rasa.texts("messenger:a") == ["một", "ba"]
    assert bridge.rasa.texts("messenger:b") == ["hai"]


def test_redelivered_event_is_answered_once(bridge):
    event = messenger_event(USER, text="xin chào", mid="mid-same")
    assert post(bridge, messenger_batch(event)).json()["accepted"] == 1
    again = post(bridge, messenger_batch(event)).json()
    assert again["accepted"] == 0 and again["duplicates"] == 1
    bridge.sim.wait_for("messenger", USER, 1)
    say(bridge, "tiếp")
    bridge.sim.wait_for("messenger", USER, 2)
    assert bridge.rasa.texts() == ["xin chào", "tiếp"]


def test_echo_delivery_read_and_standby_are_ignored(bridge, caplog):
    base = {"sender": {"id": USER}, "recipient": {"id": "page"}, "timestamp": 1}
    body = {
        "object": "page",
        "entry": [
            {
                "id": "page",
                "messaging": [
                    {**base, "message": {"mid": "e1", "text": "hi", "is_echo": True}},
                    {**base, "delivery": {"mids": ["x"], "watermark": 1}},
                    {**base, "read": {"watermark": 1}},
                    {**base, "something_new": {}},
                ],
            },
            {"id": "page", "standby": [{**base, "message": {"mid": "s1"}}]},
        ],
    }
    with caplog.at_level(logging.INFO, logger="bot.bridge.http.webhooks"):
        response = post(bridge, body)
    assert response.status_code == 200
    assert response.json() == {**response.json(), "accepted": 0, "ignored": 5}
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "kind=standby" in logged and "event_unknown" in logged
    assert bridge.rasa.received == []


def test_unknown_object_is_200_and_logged(bridge, caplog):
    with caplog.at_level(logging.WARNING, logger="bot.bridge.http.webhooks"):
        response = post(bridge, {"object": "instagram", "entry": []})
    assert response.status_code == 200
    assert any("event_unknown" in r.getMessage() for r in caplog.records)


def test_get_started_postback_and_quick_reply_send_payloads(bridge):
    say(bridge, "Bắt đầu", postback=messenger.GET_STARTED_PAYLOAD)
    bridge.sim.wait_for("messenger", USER, 1)
    say(bridge, "Chiến dịch", quick_reply="/ask_campaigns")
    bridge.sim.wait_for("messenger", USER, 2)
    assert bridge.rasa.texts() == ["/greet", "/ask_campaigns"]


def test_attachment_is_acknowledged_without_rasa(bridge):
    say(bridge, attachment="image")
    [call] = bridge.sim.wait_for("messenger", USER, 1)
    assert call.text == bridge_message("utter_attachment_received")["text"]
    assert bridge.rasa.received == []


def test_text_is_nfc_normalised(bridge):
    say(bridge, unicodedata.normalize("NFD", "nuôi em"))
    bridge.sim.wait_for("messenger", USER, 1)
    assert bridge.rasa.texts() == ["nuôi em"]


def test_handoff_pauses_the_bot(bridge, db_url):
    tickets.open_ticket(db_url, f"messenger:{USER}", "messenger", "gặp người thật")
    say(bridge, "alo có ai không")
    wait_until(
        lambda: (
            not outbox.has_pending(db_url, f"messenger:{USER}")
            and bridge.queue.database_url
            and _statuses(db_url) == ["done"]
        ),
        what="the message stored and done",
    )
    assert bridge.rasa.received == [] and sent(bridge) == []
    tickets.release(db_url, f"messenger:{USER}", "staff")
    say(bridge, "cảm ơn")
    bridge.sim.wait_for("messenger", USER, 1)
    assert bridge.rasa.texts() == ["cảm ơn"]


def _statuses(db_url):
    with session_scope(db_url) as session:
        return [r.status for r in session.scalars(select(InboxMessage)).all()]


def test_a_5000_character_answer_is_sent_in_three_messages(
    tmp_path, db_url, monkeypatch
):
    text = ("Dạ, đây là một câu trả lời rất dài của CLB. " * 120)[:5000]
    replies = lambda p: [{"text": text}]  # noqa: E731
    with running_bridge(tmp_path, db_url, monkeypatch, replies) as b:
        say(b, "kể hết đi")
        calls = b.sim.wait_for("messenger", USER, 3)
        assert [len(c.text) <= 2000 for c in calls] == [True, True, True]
        assert "".join(c.text for c in calls).replace(" ", "") == text.replace(" ", "")


def error(code, subcode=None, status=400):
    body = {"error": {"message": "x", "type": "OAuthException", "code": code}}
    if subcode:
        body["error"]["error_subcode"] = subcode
    return status, body


@pytest.mark.parametrize(
    "failure",
    [error(1200, status=500), error(2, status=503), (502, {"error": {"code": 1}})],
)
def test_temporary_send_failures_are_retried_without_asking_rasa_again(
    bridge, db_url, failure
):
    bridge.state.fail("messenger", *failure, times=2)
    say(bridge, "xin chào")
    [call] = bridge.sim.wait_for("messenger", USER, 1)
    wait_until(lambda: outbound_rows(db_url)[0].status == "sent", what="sent")
    assert bridge.rasa.texts() == ["xin chào"]  # the turn ran once
    [row] = outbound_rows(db_url)
    assert (row.status, row.attempts) == ("sent", 3)
    assert call.text == "echo: xin chào"


def test_a_failure_mid_answer_resends_only_what_was_not_sent(
    tmp_path, db_url, monkeypatch
):
    replies = lambda p: [{"text": "Dạ, phần một."}, {"text": "Dạ, phần hai."}]  # noqa: E731
    with running_bridge(tmp_path, db_url, monkeypatch, replies) as b:
        # The second message meets a temporary failure, once.
        b.state.listeners.append(
            lambda call: (
                b.state.fail("messenger", *error(1200, status=500))
                if call.text == "Dạ, phần một."
                else None
            )
        )
        say(b, "kể đi")
        b.sim.wait_for("messenger", USER, 2)
        wait_until(
            lambda: [r.status for r in outbound_rows(db_url)] == ["sent", "sent"],
            what="both sent",
        )
        texts = [c.text for c in b.state.sent_to("messenger", USER)]
        assert texts == ["Dạ, phần một.", "Dạ, phần hai."]
        assert [r.attempts for r in outbound_rows(db_url)] == [1, 2]
        assert all(r.platform_message_id for r in outbound_rows(db_url))


@pytest.mark.parametrize("code", [4, 613])
def test_rate_limits_back_off(bridge, db_url, monkeypatch, caplog, code):
    monkeypatch.setattr(messenger, "RATE_LIMIT_DELAY", 0.4)
    bridge.state.fail("messenger", *error(code))
    with caplog.at_level(logging.WARNING, logger="bot.bridge.worker.sender"):
        say(bridge, "xin chào")
        bridge.sim.wait_for("messenger", USER, 1)
    retry = [r.getMessage() for r in caplog.records if "send_retry" in r.getMessage()]
    assert retry and "delay=0.4" in retry[0] and "rate" in retry[0]


@pytest.mark.parametrize("failure", [error(551), error(10, 2018278)])
def test_unreachable_users_are_given_up_and_recorded(bridge, db_url, failure):
    bridge.state.fail("messenger", *failure)
    say(bridge, "xin chào")
    wait_until(lambda: outbound_rows(db_url), what="an outbound row")
    wait_until(lambda: outbound_rows(db_url)[0].status == "given_up", what="given up")
    [row] = outbound_rows(db_url)
    assert row.attempts == 1 and str(failure[1]["error"]["code"]) in row.last_error
    letters = outbox.dead_letters(db_url)
    assert [(x["kind"], x["status"]) for x in letters] == [("outbound", "given_up")]
    assert bridge.rasa.texts() == ["xin chào"]


def test_exhausted_send_retries_become_a_dead_letter_staff_can_replay(
    tmp_path, db_url, monkeypatch
):
    with running_bridge(tmp_path, db_url, monkeypatch, SEND_RETRIES="2") as b:
        b.state.fail("messenger", *error(1200, status=500), times=3)
        say(b, "xin chào")
        wait_until(
            lambda: [r.status for r in outbound_rows(db_url)] == ["dead"],
            what="a dead outbound message",
        )
        assert sent(b) == []
        [letter] = outbox.dead_letters(db_url)
        assert b.queue.replay("outbound", letter["id"]) == f"messenger:{USER}"
        b.sim.wait_for("messenger", USER, 1)
        assert b.rasa.texts() == ["xin chào"]
        assert b.queue.replay("outbound", letter["id"]) is None  # not dead any more


def test_a_refused_request_is_dead_at_once(bridge, db_url):
    bridge.state.fail("messenger", *error(100))
    say(bridge, "xin chào")
    wait_until(
        lambda: [r.status for r in outbound_rows(db_url)] == ["dead"], what="dead"
    )
    say(bridge, "lần nữa")  # the next message is not blocked by the dead one
    bridge.sim.wait_for("messenger", USER, 1)


def test_webhook_events_skip_flask_and_keep_its_contract(bridge, monkeypatch):
    """POSTs to the webhooks are answered in front of Flask (`WebhookEvents`):
    no console session is opened or set, the security headers are there, and a
    Content-Length that is not a number is a 400; other paths reach Flask."""
    app = bridge.client.application
    with app.test_request_context("/console/"):
        cookie = app.session_interface.get_signing_serializer(app).dumps({"u": 1})
    body = json.dumps(messenger_batch(messenger_event(USER, text="chào"))).encode()
    signed = {
        "X-Hub-Signature-256": messenger.signature("test-app-secret", body),
        "Cookie": f"console_session={cookie}",
    }
    opened = []
    interface = app.session_interface
    monkeypatch.setattr(
        interface,
        "open_session",
        lambda *args: (
            opened.append(args) or type(interface).open_session(interface, *args)
        ),
    )
    response = bridge.client.post("/webhooks/messenger", data=body, headers=signed)
    assert response.json["accepted"] == 1 and "Set-Cookie" not in response.headers
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["X-Frame-Options"] == "DENY"
    environ = EnvironBuilder("/webhooks/zalo", method="POST", data=b"{}").get_environ()
    environ["CONTENT_LENGTH"] = "lots"  # a test client would correct it
    statuses = []
    answer = app.wsgi_app(environ, lambda status, _headers: statuses.append(status))
    assert statuses == ["400 Bad Request"]
    assert json.loads(b"".join(answer)) == {"error": "bad Content-Length"}
    assert opened == []  # Flask never saw the webhooks
    assert bridge.client.get("/webhooks/zalo").status_code == 404  # Flask's answer
    assert len(opened) == 1
