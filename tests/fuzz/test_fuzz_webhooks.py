"""Fuzzing (hypothesis) of everything the internet can reach in the bridge:
the Messenger and Zalo webhooks, the web chat API and the bank feed.

Bodies are signed (or carry the right key) so that the fuzz reaches the
parsers instead of stopping at the signature check. Whatever the envelope
holds, the answer is a 2xx, or a 4xx whose JSON says why; never a 5xx.
"""

from __future__ import annotations

import time

from hypothesis import event, example, given
from hypothesis import strategies as st

from bot.simulator import sign_messenger
from connectors import zalo
from tests.fuzz.strategies import dumps, fuzz, json_values, maybe, messages, raw_text

ids = st.one_of(
    st.text("0123456789", min_size=1, max_size=20),
    st.text("0123456789", min_size=1, max_size=20),
    raw_text.filter(bool),
    st.integers(-(2**70), 2**70),
)
now_ms = st.builds(lambda skew: int(time.time() * 1000) + skew, st.integers(-5, 5))


def refused_with_reason(response) -> bool:
    body = response.get_json(silent=True)
    return 400 <= response.status_code < 500 and bool(body and body.get("error"))


# --- Messenger ---------------------------------------------------------------

messenger_message = st.fixed_dictionaries(
    {"mid": maybe(ids), "text": maybe(messages)},
    optional={
        "quick_reply": maybe(st.fixed_dictionaries({"payload": maybe(messages)})),
        "is_echo": st.booleans(),
        "attachments": maybe(
            st.lists(
                st.fixed_dictionaries(
                    {
                        "type": st.sampled_from(["image", "audio", "file", "x"]),
                        "payload": maybe(st.fixed_dictionaries({"url": raw_text})),
                    }
                ),
                max_size=3,
            )
        ),
        "sticker_id": maybe(ids),
    },
)
envelope = {
    "sender": maybe(st.fixed_dictionaries({"id": maybe(ids)})),
    "recipient": maybe(st.fixed_dictionaries({"id": maybe(ids)})),
    "timestamp": maybe(now_ms),
}
postback = st.fixed_dictionaries(
    {"payload": maybe(messages), "title": maybe(messages)},
    optional={"mid": maybe(ids)},
)
messenger_event = st.one_of(
    st.fixed_dictionaries({**envelope, "message": maybe(messenger_message)}),
    st.fixed_dictionaries({**envelope, "message": maybe(messenger_message)}),
    st.fixed_dictionaries({**envelope, "postback": maybe(postback)}),
    st.fixed_dictionaries(
        envelope, optional={"delivery": json_values, "read": json_values}
    ),
)
messenger_body = st.fixed_dictionaries(
    {
        "object": st.just("page"),
        "entry": st.lists(
            st.fixed_dictionaries(
                {
                    "id": maybe(ids),
                    "time": maybe(now_ms),
                    "messaging": st.lists(messenger_event, max_size=4),
                },
                optional={"standby": st.lists(messenger_event, max_size=2)},
            ),
            min_size=1,
            max_size=3,
        ),
    }
)


LONE_SURROGATE_SENDER = {  # found by CI's fuzzing: a 500 before the ids were scrubbed
    "object": "page",
    "entry": [
        {
            "id": "0",
            "messaging": [
                {
                    "sender": {"id": "\ud800 "},
                    "recipient": {"id": "0"},
                    "timestamp": int(time.time() * 1000),
                    "message": {"mid": "0", "text": "chào"},
                }
            ],
        }
    ],
}


@fuzz(0.5)
@given(body=messenger_body)
@example(body=LONE_SURROGATE_SENDER)
def test_a_signed_messenger_batch_is_answered_200_event_by_event(fuzz_bridge, body):
    raw = dumps(body)
    headers = sign_messenger(fuzz_bridge.secrets.messenger_app_secret, raw)
    response = fuzz_bridge.client.post("/webhooks/messenger", data=raw, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    counts = response.get_json()
    events = sum(
        len(entry["messaging"]) + len(entry.get("standby", []))
        for entry in body["entry"]
    )
    assert counts["accepted"] + counts["duplicates"] + counts["ignored"] == events
    event(f"stored or a duplicate: {bool(counts['accepted'] + counts['duplicates'])}")


@fuzz(0.5)
@given(body=json_values | st.fixed_dictionaries({"object": maybe(st.just("page"))}))
def test_any_signed_messenger_body_gets_2xx_or_a_4xx_with_a_reason(fuzz_bridge, body):
    raw = dumps(body)
    headers = sign_messenger(fuzz_bridge.secrets.messenger_app_secret, raw)
    response = fuzz_bridge.client.post("/webhooks/messenger", data=raw, headers=headers)
    assert response.status_code == 200 or refused_with_reason(response)


@fuzz(0.3)
@given(mode=maybe(st.just("subscribe")), token=raw_text, challenge=raw_text)
def test_the_messenger_handshake_answers_or_refuses(
    fuzz_bridge, mode, token, challenge
):
    query = {"hub.mode": mode, "hub.verify_token": token, "hub.challenge": challenge}
    response = fuzz_bridge.client.get(
        "/webhooks/messenger",
        query_string={k: str(v).encode("utf-8", "replace") for k, v in query.items()},
    )
    assert response.status_code == 403 and refused_with_reason(response)


# --- Zalo --------------------------------------------------------------------

zalo_names = st.sampled_from(
    [
        *["user_send_text"] * 4,
        "user_send_image",
        "user_send_sticker",
        "follow",
        "unfollow",
        "user_submit_info",
        "user_seen_message",
        "",
    ]
)
zalo_body = st.fixed_dictionaries(
    {
        "app_id": maybe(st.just("test-zalo-app")),
        "event_name": maybe(zalo_names),
        "timestamp": now_ms.map(str) | now_ms,
        "sender": maybe(st.fixed_dictionaries({"id": maybe(ids)})),
        "recipient": maybe(st.fixed_dictionaries({"id": maybe(ids)})),
        "message": maybe(
            st.fixed_dictionaries(
                {"msg_id": maybe(ids), "text": maybe(messages)},
                optional={"attachments": json_values},
            )
        ),
    },
    optional={
        "follower": maybe(st.fixed_dictionaries({"id": maybe(ids)})),
        "info": maybe(st.dictionaries(raw_text, maybe(messages), max_size=4)),
        "user_id_by_app": maybe(ids),
    },
)


def post_zalo(bridge, body):
    raw = dumps(body)
    secrets = bridge.secrets
    stamp = str(body.get("timestamp") or "") if isinstance(body, dict) else ""
    signature = zalo.mac(secrets.zalo_app_id, raw, stamp, secrets.zalo_oa_secret)
    headers = {"X-ZEvent-Signature": signature, "Content-Type": "application/json"}
    return bridge.client.post("/webhooks/zalo", data=raw, headers=headers)


@fuzz(0.5)
@given(body=zalo_body)
def test_a_signed_fresh_zalo_event_is_answered_200(fuzz_bridge, body):
    response = post_zalo(fuzz_bridge, body)
    assert response.status_code == 200, response.get_data(as_text=True)
    counts = response.get_json()
    assert counts["accepted"] + counts["duplicates"] + counts["ignored"] == 1
    assert "stale" not in counts  # the fuzz reached the parser
    event(f"stored or a duplicate: {bool(counts['accepted'] + counts['duplicates'])}")


@fuzz(0.5)
@given(body=json_values | st.fixed_dictionaries({"timestamp": json_values}))
def test_any_signed_zalo_body_gets_2xx_or_a_4xx_with_a_reason(fuzz_bridge, body):
    response = post_zalo(fuzz_bridge, body)
    assert response.status_code == 200 or refused_with_reason(response)


# --- web chat ----------------------------------------------------------------

# What an HTTP header can carry (no CR/LF: the test client refuses them).
header_text = st.text(st.characters(min_codepoint=32, max_codepoint=255), max_size=80)
session_ids = st.text(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-",
    min_size=8,
    max_size=64,
)


@fuzz(0.5)
@given(
    body=st.fixed_dictionaries(
        {"session_id": maybe(session_ids), "text": maybe(messages)},
        optional={
            "display_text": maybe(messages),
            "channel": maybe(st.just("web")),
        },
    )
    | json_values,
)
def test_the_web_chat_accepts_a_message_or_says_why(fuzz_bridge, body):
    response = fuzz_bridge.client.post(
        "/chat/api/messages", data=dumps(body), content_type="application/json"
    )
    assert response.status_code == 202 or refused_with_reason(response)
    event(f"status {response.status_code}")
    if response.status_code == 202:
        assert isinstance(response.get_json()["message_id"], int)


@fuzz(0.3)
@given(raw=st.binary(max_size=300), after=raw_text, session=header_text | session_ids)
def test_the_web_chat_survives_garbage_and_odd_queries(
    fuzz_bridge, raw, after, session
):
    sent = fuzz_bridge.client.post(
        "/chat/api/messages", data=raw, content_type="application/json"
    )
    assert refused_with_reason(sent)
    listed = fuzz_bridge.client.get(
        "/chat/api/messages",
        query_string={"after": after.encode("utf-8", "replace")},
        headers={"X-Chat-Session": session},
    )
    assert listed.status_code == 200 or refused_with_reason(listed)
