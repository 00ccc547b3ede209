"""Property-based fuzzing (hypothesis) of everything the internet can reach:
both webhooks, the web chat API, and the text normaliser. Whatever arrives,
the answer is a 2xx or a 4xx with a reason, never a 5xx or a crash."""

from __future__ import annotations

import json
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.club.values import normalize_phone, parse_amount, parse_month
from bot.simulator import sign_messenger
from bot.text import fold, nfc, scrub
from connectors import zalo

FUZZ = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
texts = st.text(st.characters(codec=None), max_size=300)  # surrogates included
url_texts = st.text(st.characters(codec="utf-8"), max_size=40)  # what a URL can carry
scalars = st.none() | st.booleans() | st.integers() | st.floats() | texts
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=20,
)
messenger_like = st.fixed_dictionaries(
    {
        "object": st.sampled_from(["page", "instagram", ""]) | texts,
        "entry": st.lists(
            st.fixed_dictionaries(
                {
                    "id": texts,
                    "time": st.integers(),
                    "messaging": st.lists(
                        st.fixed_dictionaries(
                            {
                                "sender": st.fixed_dictionaries({"id": texts})
                                | json_values,
                                "recipient": json_values,
                                "timestamp": st.integers() | texts,
                                "message": st.fixed_dictionaries(
                                    {"mid": texts, "text": texts}
                                )
                                | json_values,
                                "postback": json_values,
                            }
                        ),
                        max_size=3,
                    )
                    | json_values,
                }
            ),
            max_size=3,
        )
        | json_values,
    }
)
zalo_like = st.fixed_dictionaries(
    {
        "app_id": texts,
        "event_name": st.sampled_from(
            ["user_send_text", "follow", "user_send_image", "user_submit_info"]
        )
        | texts,
        "timestamp": st.integers() | texts,
        "sender": st.fixed_dictionaries({"id": texts}) | json_values,
        "message": st.fixed_dictionaries({"text": texts, "msg_id": texts})
        | json_values,
        "follower": json_values,
    }
)


def status_ok(status: int) -> bool:
    return 200 <= status < 300 or 400 <= status < 500


def dumps(value) -> bytes:
    return json.dumps(value, ensure_ascii=True).encode()  # lone surrogates too


@FUZZ
@given(body=messenger_like | json_values)
def test_the_messenger_webhook_never_fails(bridge, body):
    raw = dumps(body)
    headers = sign_messenger(bridge.secrets.messenger_app_secret, raw)
    response = bridge.client.post("/webhooks/messenger", data=raw, headers=headers)
    assert status_ok(response.status_code), response.get_data(as_text=True)


@FUZZ
@given(body=zalo_like | json_values)
def test_the_zalo_webhook_never_fails(bridge, body):
    raw = dumps(body)
    secrets = bridge.secrets
    stamp = str(body.get("timestamp") or "") if isinstance(body, dict) else ""
    signature = zalo.mac(secrets.zalo_app_id, raw, stamp, secrets.zalo_oa_secret)
    headers = {"X-ZEvent-Signature": signature, "Content-Type": "application/json"}
    response = bridge.client.post("/webhooks/zalo", data=raw, headers=headers)
    assert status_ok(response.status_code), response.get_data(as_text=True)


@FUZZ
@given(
    body=st.fixed_dictionaries(
        {"session_id": texts | st.just("fuzz-session-01"), "text": texts | json_values}
    )
    | json_values,
    after=url_texts,
    raw=st.binary(max_size=200),
)
def test_the_web_chat_api_never_fails(bridge, body, after, raw):
    sent = bridge.client.post(
        "/chat/api/messages", data=dumps(body), content_type="application/json"
    )
    assert status_ok(sent.status_code)
    garbage = bridge.client.post(
        "/chat/api/messages", data=raw, content_type="application/json"
    )
    assert status_ok(garbage.status_code)
    listed = bridge.client.get(
        "/chat/api/messages",
        query_string={"after": after},
        headers={"X-Chat-Session": "fuzz-session-01"},
    )
    assert status_ok(listed.status_code)


@settings(max_examples=400, deadline=None)
@given(text=texts)
def test_the_normalisers_never_crash_and_give_storable_text(text):
    for value in (nfc(text), fold(text), scrub(text)):
        value.encode("utf-8")  # no lone surrogate survives
    assert nfc(nfc(text)) == nfc(text)
    normalize_phone(text)
    parse_amount(text)
    parse_month(text, date(2026, 12, 4))
