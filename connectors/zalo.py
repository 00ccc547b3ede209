"""Zalo Official Account: verify and parse webhooks, render replies, OA API client.

Wire formats: OA webhooks (`event_name`, `sender.id`, `message.msg_id`, signed
with `X-ZEvent-Signature: mac=sha256(app_id + body + timestamp + OA secret)`),
the OA API v3 consultation message endpoint (`POST /v3.0/oa/message/cs`, header
`access_token`) and the OAuth v4 token refresh (`POST /v4/oa/access_token`,
header `secret_key`, form `refresh_token`, `app_id`, `grant_type`).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Any

import requests

from connectors.contract import (
    Ignored,
    Inbound,
    SendGiveUp,
    SendRefused,
    SendRetry,
    Sent,
    as_dict,
    as_list,
)
from connectors.http_session import HttpFailure, JsonClient, retry_after
from connectors.render import image_url, shorten, split_text

PLATFORM = "zalo"
TEXT_LIMIT = 2000
BUTTONS = 5
TITLE_LIMIT = 100
FOLLOW_TEXT = "/greet"  # a new follower is greeted like "xin chào"

# OA API `error` values (0 = success), from the OA API's error table.
TOKEN_ERRORS = {-216, -220}  # access token invalid / expired or removed
GIVE_UP_ERRORS = {
    -213,  # the user does not follow the OA
    -217,  # the user blocked the OA's messages
    -218,  # this user's receiving limit is reached
    -227,  # the user's account is banned or inactive for over 45 days
    -230,  # no interaction with the OA in the past 7 days
    -232,  # no interaction yet, or the last one expired
    -244,  # the user restricted this message type from the OA
}
RETRY_ERRORS = {-32, -200, -211}  # call rate limit, send failed, out of quota
RATE_LIMIT_ERRORS = {-32, -211}  # wait a minute before trying again
RATE_LIMIT_DELAY = 60.0

ATTACHMENT_EVENTS = {
    "user_send_image",
    "user_send_sticker",
    "user_send_file",
    "user_send_gif",
    "user_send_audio",
    "user_send_video",
    "user_send_location",
    "user_send_link",
    "user_send_business_card",
}
IGNORED_EVENTS = {
    "unfollow",
    "user_seen_message",
    "user_received_message",
    "user_reacted_message",
    "oa_send_text",
    "oa_send_image",
    "oa_send_list",
    "oa_send_gif",
    "oa_send_file",
    "oa_send_sticker",
    "user_click_chatnow",
}


def mac(app_id: str, body: bytes, timestamp: str, oa_secret: str) -> str:
    """The X-ZEvent-Signature value Zalo sends for `body`."""
    stamp = str(timestamp).encode("utf-8", "replace")  # from an untrusted body
    data = app_id.encode() + body + stamp + oa_secret.encode()
    return "mac=" + hashlib.sha256(data).hexdigest()


def verify_signature(
    app_id: str, oa_secret: str, body: bytes, timestamp: str, header: str | None
) -> bool:
    if not app_id or not oa_secret or not header:
        return False
    expected = mac(app_id, body, timestamp, oa_secret)
    given = header.strip().encode("utf-8", "replace")  # any header text
    return hmac.compare_digest(expected.encode(), given)


def is_fresh(timestamp: str, window: float, now: float | None = None) -> bool:
    """Events older (or further in the future) than `window` seconds are replays."""
    try:
        sent = int(str(timestamp)) / 1000
    except (ValueError, OverflowError):  # not a number, or 400 digits long
        return False
    now = time.time() if now is None else now
    return abs(now - sent) <= window


def _id(party: Any) -> str:
    return str(party.get("id") or "") if isinstance(party, dict) else ""


def parse_event(body: Any) -> Inbound | Ignored:
    """One OA webhook call carries one event."""
    if not isinstance(body, dict):
        return Ignored(PLATFORM, "not_an_object", known=False)
    name = str(body.get("event_name") or "")
    sender = _id(body.get("sender"))
    meta: dict[str, Any] = {
        "user_id": sender,
        "oa_id": _id(body.get("recipient")) or str(body.get("oa_id") or ""),
        "user_id_by_app": str(body.get("user_id_by_app") or ""),
        "timestamp": str(body.get("timestamp") or ""),
        "event": name,
    }
    message = body.get("message") if isinstance(body.get("message"), dict) else {}
    msg_id = str(message.get("msg_id") or "")
    if name == "user_send_text":
        text = str(message.get("text") or "")
        if not sender or not msg_id or not text:
            return Ignored(PLATFORM, "incomplete_text", known=False)
        return Inbound(
            PLATFORM, sender, msg_id, text, metadata={**meta, "msg_id": msg_id}
        )
    if name in ATTACHMENT_EVENTS:
        if not sender or not msg_id:
            return Ignored(PLATFORM, "incomplete_attachment", known=False)
        meta["attachments"] = [
            {"type": a.get("type"), "url": as_dict(a.get("payload")).get("url")}
            for a in as_list(message.get("attachments"))
            if isinstance(a, dict)
        ]
        return Inbound(PLATFORM, sender, msg_id, "", kind="attachment", metadata=meta)
    if name == "follow":
        follower = _id(body.get("follower"))
        if not follower:
            return Ignored(PLATFORM, "incomplete_follow", known=False)
        event_id = f"follow:{follower}:{meta['timestamp']}"
        meta["user_id"] = follower
        return Inbound(PLATFORM, follower, event_id, FOLLOW_TEXT, "follow", meta)
    if name == "user_submit_info":
        if not sender:
            return Ignored(PLATFORM, "incomplete_info", known=False)
        info = body.get("info") if isinstance(body.get("info"), dict) else {}
        # Kept for staff in the inbox metadata, never logged.
        meta["info"] = {str(k): str(v) for k, v in info.items()}
        event_id = f"info:{sender}:{meta['timestamp']}"
        return Inbound(PLATFORM, sender, event_id, "", kind="info", metadata=meta)
    if name in IGNORED_EVENTS:
        return Ignored(PLATFORM, name)
    return Ignored(PLATFORM, name or "unnamed", known=False)


# --- rendering ------------------------------------------------------------


def fold_title(title: str) -> str:
    """How a tapped button's text is matched back to its payload."""
    return " ".join(title.split()).casefold()


def _buttons(buttons: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`oa.query.show`: the tap sends the title as a visible user message."""
    rendered = []
    for button in buttons[:BUTTONS]:
        title = shorten(str(button.get("title") or ""), TITLE_LIMIT)
        payload = str(button.get("payload") or "")
        if payload.startswith(("http://", "https://")):
            rendered.append(
                {"title": title, "type": "oa.open.url", "payload": {"url": payload}}
            )
        else:
            rendered.append({"title": title, "type": "oa.query.show", "payload": title})
    return rendered


def offered(replies: list[dict[str, Any]]) -> dict[str, str]:
    """Folded button title → Rasa payload, for the buttons a turn shows."""
    mapping: dict[str, str] = {}
    for reply in replies:
        for button in (reply.get("buttons") or [])[:BUTTONS]:
            payload = str(button.get("payload") or "")
            if payload and not payload.startswith(("http://", "https://")):
                title = shorten(str(button.get("title") or ""), TITLE_LIMIT)
                mapping[fold_title(title)] = payload
    return mapping


def render_reply(reply: dict[str, Any]) -> list[dict[str, Any]]:
    """One Rasa message as OA API `message` objects, in order."""
    text = str(reply.get("text") or "")
    buttons = [b for b in reply.get("buttons") or [] if isinstance(b, dict)]
    messages: list[dict[str, Any]] = []
    custom = reply.get("custom")
    if isinstance(custom, dict) and isinstance(custom.get(PLATFORM), dict):
        messages.append(custom[PLATFORM])
    chunks = split_text(text, TEXT_LIMIT)
    if buttons and not chunks:
        chunks = ["👇"]
    for index, chunk in enumerate(chunks):
        message: dict[str, Any] = {"text": chunk}
        if index == len(chunks) - 1 and buttons:
            message["attachment"] = {
                "type": "template",
                "payload": {"buttons": _buttons(buttons)},
            }
        messages.append(message)
    image = image_url(reply)
    if image:
        messages.append(
            {
                "attachment": {
                    "type": "template",
                    "payload": {
                        "template_type": "media",
                        "elements": [{"media_type": "image", "url": image}],
                    },
                }
            }
        )
    return messages


def render(replies: list[dict[str, Any]], user_id: str) -> list[dict[str, Any]]:
    """Rasa replies as complete OA API request bodies for one user."""
    return [
        {"recipient": {"user_id": user_id}, "message": message}
        for reply in replies
        for message in render_reply(reply)
    ]


# --- sending --------------------------------------------------------------


class TokenExpired(SendRetry):
    """The access token was refused: refresh it, then resend once."""


def classify_error(
    status: int, body: Any, retry_hint: float | None = None
) -> SendRetry | SendGiveUp | SendRefused:
    """OA API error semantics; `retry_hint` is the response's Retry-After in
    seconds, which wins over our own delays."""
    if status >= 500 or status == 429:
        return SendRetry(f"zalo HTTP {status}", delay=retry_hint)
    if not isinstance(body, dict) or "error" not in body:
        return SendRetry(f"zalo HTTP {status} without an error code")
    code = body.get("error")
    label = f"HTTP {status} error={code}"
    if code in TOKEN_ERRORS:
        return TokenExpired(f"zalo access token refused: {label}")
    if code in GIVE_UP_ERRORS:
        return SendGiveUp(f"zalo user unreachable: {label}")
    if code in RETRY_ERRORS:
        delay = RATE_LIMIT_DELAY if code in RATE_LIMIT_ERRORS else None
        return SendRetry(f"zalo temporary failure: {label}", delay=retry_hint or delay)
    return SendRefused(f"zalo refused: {label}")


class RefreshFailed(SendRefused):
    """The OAuth server refused the refresh token: staff must authorise again."""


def refresh_tokens(
    oauth_base: str, app_id: str, app_secret: str, refresh_token: str, timeout: float
) -> tuple[str, str, int]:
    """One OAuth v4 refresh: returns (access token, refresh token, expires in s)."""
    try:
        response = requests.post(
            f"{oauth_base.rstrip('/')}/v4/oa/access_token",
            headers={"secret_key": app_secret},
            data={
                "refresh_token": refresh_token,
                "app_id": app_id,
                "grant_type": "refresh_token",
            },
            timeout=timeout,
        )
    except requests.RequestException as error:
        raise SendRetry(f"zalo oauth unreachable: {type(error).__name__}") from None
    if response.status_code >= 500:
        raise SendRetry(f"zalo oauth HTTP {response.status_code}")
    try:
        data = response.json()
    except ValueError:
        data = {}
    access, refresh = data.get("access_token"), data.get("refresh_token")
    if response.status_code != 200 or not access or not refresh:
        raise RefreshFailed(
            f"zalo oauth refused the refresh token: HTTP {response.status_code} "
            f"error={data.get('error')}"
        )
    try:
        expires = int(data.get("expires_in") or 0)
    except (TypeError, ValueError):
        expires = 0
    return str(access), str(refresh), expires


class ZaloClient:
    """OA API v3 client; the token pair lives in a `TokenStore`."""

    def __init__(self, api_base: str, tokens: Any, timeout: float = 10.0) -> None:
        self.api_base = api_base.rstrip("/")
        self.tokens = tokens
        self.timeout = timeout
        self.http = JsonClient(self.api_base)

    def _post_once(self, body: dict[str, Any], token: str) -> Sent:
        try:
            response = self.http.request(
                "POST",
                "/v3.0/oa/message/cs",
                self.timeout,
                headers={"access_token": token},
                json_body=body,
            )
        except HttpFailure as error:
            raise SendRetry(f"zalo unreachable: {error}") from None
        try:
            data = response.json()
        except ValueError:
            data = None
        ok = response.status == 200 and isinstance(data, dict)
        if ok and data.get("error") == 0:
            found = data.get("data")
            message_id = found.get("message_id") if isinstance(found, dict) else ""
            return Sent(str(message_id or ""))
        raise classify_error(response.status, data, retry_after(response))

    def send(self, body: dict[str, Any]) -> Sent:
        """Send; on a refused token refresh it (under the store's lock), resend once."""
        token = self.tokens.access_token()
        try:
            return self._post_once(body, token)
        except TokenExpired:
            fresh = self.tokens.refresh(stale=token)
            return self._post_once(body, fresh)
