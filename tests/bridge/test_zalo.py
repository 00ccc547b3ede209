"""Zalo OA: signed webhooks, replay window, buttons, sending, token refresh."""

from __future__ import annotations

import json
import threading
import time

import pytest
from sqlalchemy import select

from bot.bridge.store.records import InboxMessage, OutboundMessage, PlatformToken
from bot.bridge.worker.replies import bridge_message
from bot.bridge.worker.tokens import TokenStore
from bot.club.database import session_scope
from bot.simulator import SimulatorServer, SimulatorState, post_zalo, zalo_event
from connectors import zalo
from connectors.contract import SendGiveUp, SendRefused, SendRetry
from tests.bridge import platform_kit
from tests.bridge.platform_kit import SECRETS, wait_settled, wait_until

USER = "zalo-user-1"


def post(b, body, secrets=None):
    return post_zalo("http://bridge.test", secrets or b.secrets, body, b.sim.http)


def say(b, text, user=USER, **kwargs):
    return post(b, zalo_event(user, text=text, **kwargs))


def test_signature_is_sha256_of_app_id_body_timestamp_and_oa_secret():
    body = b'{"event_name":"user_send_text"}'
    import hashlib

    expected = hashlib.sha256(b"app" + body + b"123" + b"secret").hexdigest()
    assert zalo.mac("app", body, "123", "secret") == f"mac={expected}"
    assert zalo.verify_signature("app", "secret", body, "123", f"mac={expected}")
    assert not zalo.verify_signature("app", "secret", body, "124", f"mac={expected}")
    assert not zalo.verify_signature("app", "secret", body, "123", None)


def test_text_goes_to_rasa_and_answer_is_sent_with_buttons(bridge):
    response = say(bridge, "chào ad")
    assert response.status_code == 200 and response.json()["accepted"] == 1
    [call] = bridge.sim.wait_for("zalo", USER, 1)
    [payload] = bridge.rasa.received
    assert payload["sender"] == f"zalo:{USER}"
    assert payload["input_channel"] == "zalo"
    assert payload["metadata"]["zalo"]["user_id"] == USER
    assert payload["metadata"]["zalo"]["oa_id"] == "simulated-oa"
    assert call.body["message"]["text"] == "echo: chào ad"
    [button] = call.body["message"]["attachment"]["payload"]["buttons"]
    assert button == {
        "title": "Chiến dịch",
        "type": "oa.query.show",
        "payload": "Chiến dịch",
    }


def test_a_tapped_button_arrives_as_its_title_and_goes_to_rasa_as_payload(bridge):
    say(bridge, "chào ad")
    bridge.sim.wait_for("zalo", USER, 1)
    say(bridge, "chiến dịch")  # what oa.query.show sends (any case)
    bridge.sim.wait_for("zalo", USER, 2)
    assert bridge.rasa.texts() == ["chào ad", "/ask_campaigns"]


def test_forged_signature_stale_event_and_malformed_json_are_refused(bridge, db_url):
    forged = platform_kit.Secrets(**{**bridge.secrets.__dict__, "zalo_oa_secret": "x"})
    assert post(bridge, zalo_event(USER, text="hi"), forged).status_code == 403
    # Signed but outside the replay window (a redelivery after an outage, or a
    # replay): 200 so Zalo stops retrying, and nothing is stored or answered.
    old = int((time.time() - 301) * 1000)
    stale = say(bridge, "hi", timestamp=old)
    assert stale.status_code == 200 and stale.json()["stale"] == 1
    future = int((time.time() + 301) * 1000)
    assert say(bridge, "hi", timestamp=future).json()["accepted"] == 0
    bad = bridge.client.post("/webhooks/zalo", data=b"[1,", headers={})
    assert bad.status_code == 400
    with session_scope(db_url) as session:
        assert session.scalars(select(InboxMessage)).all() == []


def test_redelivered_event_is_answered_once(bridge, db_url):
    body = zalo_event(USER, text="xin chào", msg_id="same-id")
    assert post(bridge, body).json()["accepted"] == 1
    assert post(bridge, body).json()["duplicates"] == 1
    wait_settled(db_url, f"zalo:{USER}")
    with session_scope(db_url) as session:  # the redelivery was never stored
        rows = session.scalars(select(InboxMessage)).all()
        sent = session.scalars(select(OutboundMessage)).all()
    assert [(r.message_id, r.status) for r in rows] == [("same-id", "done")]
    assert [m.status for m in sent] == ["sent"]
    assert bridge.rasa.texts() == ["xin chào"]
    assert len(bridge.state.sent_to("zalo", USER)) == 1


def test_follow_is_greeted_through_rasa(bridge):
    assert post(bridge, zalo_event(USER, event_name="follow")).status_code == 200
    bridge.sim.wait_for("zalo", USER, 1)
    assert bridge.rasa.texts() == ["/greet"]


@pytest.mark.parametrize(
    ("event", "response"),
    [
        ("user_send_image", "utter_attachment_received"),
        ("user_send_sticker", "utter_attachment_received"),
        ("user_send_file", "utter_attachment_received"),
        ("user_submit_info", "utter_info_received"),
    ],
)
def test_attachments_and_shared_info_are_acknowledged(bridge, db_url, event, response):
    post(bridge, zalo_event(USER, event_name=event))
    [call] = bridge.sim.wait_for("zalo", USER, 1)
    assert call.text == bridge_message(response)["text"]
    assert bridge.rasa.received == []
    if event == "user_submit_info":
        with session_scope(db_url) as session:
            row = session.scalars(select(InboxMessage)).one()
        assert json.loads(row.metadata_json)["zalo"]["info"]["phone"] == "0912345678"


@pytest.mark.parametrize("event", ["unfollow", "user_seen_message", "brand_new_event"])
def test_unfollow_and_unknown_events_are_200_and_not_answered(bridge, db_url, event):
    body = zalo_event(USER, text="x")
    body["event_name"] = event
    response = post(bridge, body)
    assert response.status_code == 200 and response.json()["ignored"] == 1
    with session_scope(db_url) as session:  # nothing stored, so nothing to answer
        assert session.scalars(select(InboxMessage)).all() == []


def test_expired_token_is_refreshed_and_the_message_resent_once(bridge, db_url):
    bridge.state.expire_zalo_tokens()
    say(bridge, "xin chào")
    [call] = bridge.sim.wait_for("zalo", USER, 1)
    assert bridge.state.refresh_calls == 1
    with session_scope(db_url) as session:
        token = session.get(PlatformToken, "zalo")
    assert (token.access_token, token.refresh_token) == (
        "sim-access-1",
        "sim-refresh-1",
    )
    assert token.version == 2
    with session_scope(db_url) as session:
        row = session.scalars(select(OutboundMessage)).one()
    wait_until(lambda: _status(db_url) == "sent", what="sent")
    assert row.id and bridge.rasa.texts() == ["xin chào"]


def _status(db_url):
    with session_scope(db_url) as session:
        return session.scalars(select(OutboundMessage.status)).first()


def test_success_only_when_error_is_zero(bridge, db_url):
    bridge.state.fail("zalo", 200, {"error": -201, "message": "Invalid parameter"})
    say(bridge, "xin chào")
    wait_until(lambda: _status(db_url) == "dead", what="refused message")
    assert bridge.state.sent_to("zalo", USER) == []


def test_user_outside_the_window_is_given_up(bridge, db_url):
    bridge.state.fail("zalo", 200, {"error": -230, "message": "not interacted"})
    say(bridge, "xin chào")
    wait_until(lambda: _status(db_url) == "given_up", what="given up")


@pytest.mark.parametrize(
    ("status", "body", "kind", "delay"),
    [
        (200, {"error": -216}, zalo.TokenExpired, None),
        (200, {"error": -220}, zalo.TokenExpired, None),
        (200, {"error": -213}, SendGiveUp, None),
        (200, {"error": -232}, SendGiveUp, None),
        (200, {"error": -244}, SendGiveUp, None),
        (200, {"error": -32}, SendRetry, zalo.RATE_LIMIT_DELAY),
        (200, {"error": -200}, SendRetry, None),
        (200, {"error": -201}, SendRefused, None),
        (503, {"error": -201}, SendRetry, None),
        (200, "<html>", SendRetry, None),
    ],
)
def test_error_codes_follow_the_oa_api_table(status, body, kind, delay):
    error = zalo.classify_error(status, body)
    assert type(error) is kind
    assert getattr(error, "delay", None) == delay


def test_token_refresh_race_between_two_workers(db_url):
    """Two workers see the token expire together: one refresh, both sends succeed."""
    state = SimulatorState(platform_kit.Secrets.from_names(SECRETS))
    state.refresh_delay = 0.3  # both workers are waiting on the lock meanwhile
    with SimulatorServer(state) as server:

        def refresher(token: str):
            return zalo.refresh_tokens(
                f"{server.url}/zalo-oauth",
                SECRETS["ZALO_APP_ID"],
                SECRETS["ZALO_APP_SECRET"],
                token,
                5,
            )

        pair = (SECRETS["ZALO_ACCESS_TOKEN"], SECRETS["ZALO_REFRESH_TOKEN"])
        # Two stores (two workers, or two processes) sharing one database.
        clients = [
            zalo.ZaloClient(
                f"{server.url}/zalo", TokenStore(db_url, "zalo", pair, refresher, lock)
            )
            for lock in _shared_lock_pair(db_url)
        ]
        clients[0].tokens.access_token()  # stores the initial pair
        state.expire_zalo_tokens()
        barrier = threading.Barrier(2)
        results, errors = [], []

        def send(client, user):
            barrier.wait()
            try:
                body = {"recipient": {"user_id": user}, "message": {"text": "hi"}}
                results.append(client.send(body))
            except Exception as error:  # noqa: BLE001
                errors.append(error)

        threads = [
            threading.Thread(target=send, args=(c, f"u{i}"))
            for i, c in enumerate(clients)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
    assert errors == [] and len(results) == 2
    assert state.refresh_calls == 1  # the single-use refresh token was used once
    with session_scope(db_url) as session:
        token = session.get(PlatformToken, "zalo")
    assert token.refresh_token == "sim-refresh-1" and token.version == 2


def _shared_lock_pair(db_url):
    """The bridge's real lock: huey storage, shared like two processes would."""
    from huey import SqliteHuey

    from bot.bridge.worker.tokens import huey_lock

    path = db_url.removeprefix("sqlite:///") + ".queue"
    hueys = [SqliteHuey(name="bridge", filename=path) for _ in range(2)]
    return [lambda h=h: huey_lock(h, "zalo-token-refresh", 10) for h in hueys]


def test_a_refused_refresh_token_is_not_retried_forever(db_url):
    def refresher(_token):
        raise zalo.RefreshFailed("zalo oauth refused the refresh token")

    store = TokenStore(db_url, "zalo", ("a", "r"), refresher)
    with pytest.raises(SendRefused):
        store.refresh(stale="a")
    assert store.access_token() == "a"


def test_a_refresh_that_times_out_rereads_the_pair_and_tries_once_more(db_url):
    calls = []

    def refresher(token):
        calls.append(token)
        if len(calls) == 1:
            raise SendRetry("zalo oauth unreachable: ReadTimeout")
        return ("fresh-access", "fresh-refresh", 3600)

    store = TokenStore(db_url, "zalo", ("a", "r"), refresher)
    assert store.refresh(stale="a") == "fresh-access"
    assert calls == ["r", "r"]
    assert store.access_token() == "fresh-access"


def test_a_refresh_that_times_out_uses_a_pair_stored_meanwhile(db_url):
    store = TokenStore(db_url, "zalo", ("a", "r"), refresher=None)
    store.access_token()  # the first pair is stored

    def refresher(_token):
        store.replace("other-access", "other-refresh")  # another process won
        raise SendRetry("zalo oauth unreachable: ReadTimeout")

    store.refresher = refresher
    assert store.refresh(stale="a") == "other-access"


def test_twice_unreachable_gives_up_for_now(db_url):
    def refresher(_token):
        raise SendRetry("zalo oauth unreachable: ReadTimeout")

    store = TokenStore(db_url, "zalo", ("a", "r"), refresher)
    with pytest.raises(SendRetry):
        store.refresh(stale="a")
    assert store.access_token() == "a"


def test_an_unreachable_oauth_server_is_a_retry():
    with pytest.raises(SendRetry):
        zalo.refresh_tokens("http://127.0.0.1:9", "app", "secret", "r", 1)
