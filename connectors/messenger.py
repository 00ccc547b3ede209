"""Facebook Messenger: verify and parse webhooks, render replies, Send API client.

Wire formats: Messenger Platform webhooks (`object: page`, `entry[].messaging[]`,
`entry[].standby[]`), the Send API (`POST /me/messages`) and the Messenger
Profile API (`POST /me/messenger_profile`) of the Graph API.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from typing import Any

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
from connectors.render import image_url, shorten, split_text, utf16_len

logger = logging.getLogger(__name__)

PLATFORM = "messenger"
TEXT_LIMIT = 2000
TEMPLATE_TEXT_LIMIT = 640
TEMPLATE_BUTTONS = 3
QUICK_REPLIES = 13
TITLE_LIMIT = 20
PAYLOAD_LIMIT = 1000
GET_STARTED_PAYLOAD = "/greet"

# Graph API error codes (error.code, error.error_subcode).
RETRY_CODES = {1200, 2}  # temporary send failure, service unavailable
RATE_LIMIT_CODES = {4, 613, 32, 17}  # app / page / user call limits
RATE_LIMIT_DELAY = 60.0
GIVE_UP_CODES = {551}  # this person isn't available right now
GIVE_UP_SUBCODES = {2018278, 2018108, 2018001, 1545041}  # 24-h window, no user


def signature(app_secret: str, body: bytes) -> str:
    """The X-Hub-Signature-256 header value Meta sends for `body`."""
    digest = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify_signature(app_secret: str, body: bytes, header: str | None) -> bool:
    """Constant-time check of X-Hub-Signature-256 against the raw body."""
    if not app_secret or not header:
        return False
    given = header.strip().encode("utf-8", "replace")  # any header text
    return hmac.compare_digest(signature(app_secret, body).encode(), given)


def _message_event(
    event: dict[str, Any], user: str, meta: dict[str, Any]
) -> Inbound | Ignored:
    message = event["message"]
    if message.get("is_echo"):
        return Ignored(PLATFORM, "echo")
    mid = str(message.get("mid") or "")
    if not mid:
        return Ignored(PLATFORM, "message_without_id", known=False)
    meta = {**meta, "mid": mid}
    quick = as_dict(message.get("quick_reply"))
    if quick.get("payload"):
        return Inbound(PLATFORM, user, mid, str(quick["payload"]), metadata=meta)
    if message.get("text"):
        return Inbound(PLATFORM, user, mid, str(message["text"]), metadata=meta)
    attachments = [
        a for a in as_list(message.get("attachments")) if isinstance(a, dict)
    ]
    if attachments or message.get("sticker_id"):
        meta["attachments"] = [
            {"type": a.get("type"), "url": as_dict(a.get("payload")).get("url")}
            for a in attachments
        ]
        return Inbound(PLATFORM, user, mid, "", kind="attachment", metadata=meta)
    return Ignored(PLATFORM, "empty_message", known=False)


def _postback_event(
    event: dict[str, Any], user: str, meta: dict[str, Any]
) -> Inbound | Ignored:
    postback = event["postback"]
    payload = str(postback.get("payload") or postback.get("title") or "")
    if not payload:
        return Ignored(PLATFORM, "empty_postback", known=False)
    # Older postbacks carry no mid: sender + timestamp identify a tap.
    mid = str(postback.get("mid") or f"postback:{user}:{event.get('timestamp')}")
    return Inbound(PLATFORM, user, mid, payload, metadata={**meta, "mid": mid})


IGNORED_FIELDS = (
    "delivery",
    "read",
    "reaction",
    "optin",
    "referral",
    "account_linking",
    "pass_thread_control",
    "take_thread_control",
    "request_thread_control",
    "app_roles",
    "policy_enforcement",
)


def parse_event(event: dict[str, Any], page_id: str) -> Inbound | Ignored:
    """One `messaging` event of a webhook entry."""
    sender = event.get("sender")
    user = str(sender.get("id") or "") if isinstance(sender, dict) else ""
    if not user:
        return Ignored(PLATFORM, "no_sender", known=False)
    meta = {"psid": user, "page_id": page_id, "timestamp": event.get("timestamp")}
    if isinstance(event.get("message"), dict):
        return _message_event(event, user, meta)
    if isinstance(event.get("postback"), dict):
        return _postback_event(event, user, meta)
    for name in IGNORED_FIELDS:
        if name in event:
            return Ignored(PLATFORM, name)
    return Ignored(PLATFORM, "unknown", known=False)


def parse_webhook(body: Any) -> list[Inbound | Ignored]:
    """Every entry and every messaging event of a (possibly batched) webhook.

    `standby` entries (another app owns the thread, e.g. the Page Inbox during a
    handoff) are reported as ignored, never answered.
    """
    if not isinstance(body, dict) or body.get("object") != "page":
        return [Ignored(PLATFORM, "not_a_page_object", known=False)]
    results: list[Inbound | Ignored] = []
    for entry in as_list(body.get("entry")):
        if not isinstance(entry, dict):
            continue
        page_id = str(entry.get("id") or "")
        for event in as_list(entry.get("messaging")):
            if isinstance(event, dict):
                results.append(parse_event(event, page_id))
        for _event in as_list(entry.get("standby")):
            results.append(Ignored(PLATFORM, "standby"))
    return results


# --- rendering ------------------------------------------------------------


def _button(button: dict[str, Any]) -> dict[str, Any]:
    title = shorten(str(button.get("title") or ""), TITLE_LIMIT)
    payload = str(button.get("payload") or button.get("title") or "")
    if payload.startswith(("http://", "https://")):
        return {"type": "web_url", "url": payload, "title": title}
    return {"type": "postback", "title": title, "payload": payload[:PAYLOAD_LIMIT]}


def _quick_reply(button: dict[str, Any]) -> dict[str, Any]:
    payload = str(button.get("payload") or button.get("title") or "")
    return {
        "content_type": "text",
        "title": shorten(str(button.get("title") or ""), TITLE_LIMIT),
        "payload": payload[:PAYLOAD_LIMIT],
    }


def render_reply(reply: dict[str, Any]) -> list[dict[str, Any]]:
    """One Rasa message as Send API `message` objects, in order.

    Up to three buttons under a short text become a button template (buttons
    stay visible); more buttons or a longer text become quick replies on the
    last chunk of text (at most 13; titles shortened to 20 characters).
    """
    text = str(reply.get("text") or "")
    buttons = [b for b in reply.get("buttons") or [] if isinstance(b, dict)]
    custom = reply.get("custom")
    messages: list[dict[str, Any]] = []
    if isinstance(custom, dict) and isinstance(custom.get(PLATFORM), dict):
        messages.append(custom[PLATFORM])
    fits_template = text and utf16_len(text) <= TEMPLATE_TEXT_LIMIT
    if buttons and len(buttons) <= TEMPLATE_BUTTONS and fits_template:
        messages.append(_template(text, buttons))
        text, buttons = "", []
    chunks = split_text(text, TEXT_LIMIT)
    postbacks = [b for b in buttons if not str(b.get("payload", "")).startswith("http")]
    for index, chunk in enumerate(chunks):
        message: dict[str, Any] = {"text": chunk}
        if index == len(chunks) - 1 and postbacks:
            message["quick_replies"] = [_quick_reply(b) for b in postbacks][
                :QUICK_REPLIES
            ]
        messages.append(message)
    if buttons and not chunks:  # buttons without text: a template needs text
        messages.append(_template(" ", buttons[:TEMPLATE_BUTTONS]))
    image = image_url(reply)
    if image:
        messages.append(
            {
                "attachment": {
                    "type": "image",
                    "payload": {"url": image, "is_reusable": True},
                }
            }
        )
    return messages


def _template(text: str, buttons: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "attachment": {
            "type": "template",
            "payload": {
                "template_type": "button",
                "text": text,
                "buttons": [_button(b) for b in buttons],
            },
        }
    }


def render(replies: list[dict[str, Any]], psid: str) -> list[dict[str, Any]]:
    """Rasa replies as complete Send API request bodies for one user."""
    return [
        {"recipient": {"id": psid}, "messaging_type": "RESPONSE", "message": message}
        for reply in replies
        for message in render_reply(reply)
    ]


# --- sending --------------------------------------------------------------


def classify_error(
    status: int, body: Any, retry_hint: float | None = None
) -> SendRetry | SendGiveUp | SendRefused:
    """Graph API error semantics for the Send API; `retry_hint` is the
    response's Retry-After in seconds, which wins over our own delays."""
    error = body.get("error") if isinstance(body, dict) else None
    error = error if isinstance(error, dict) else {}
    code, subcode = error.get("code"), error.get("error_subcode")
    label = f"HTTP {status} code={code} subcode={subcode}"
    if code in GIVE_UP_CODES or subcode in GIVE_UP_SUBCODES:
        return SendGiveUp(f"messenger user unreachable: {label}")
    if code in RATE_LIMIT_CODES or status == 429:
        delay = retry_hint or RATE_LIMIT_DELAY
        return SendRetry(f"messenger rate limit: {label}", delay=delay)
    if code in RETRY_CODES or status >= 500 or error.get("is_transient"):
        return SendRetry(f"messenger temporary failure: {label}", delay=retry_hint)
    return SendRefused(f"messenger refused: {label}")


class MessengerClient:
    """Send API and Messenger Profile API, with timeouts."""

    def __init__(self, api_base: str, page_token: str, timeout: float = 10.0) -> None:
        self.api_base = api_base.rstrip("/")
        self.page_token = page_token
        self.timeout = timeout
        self.http = JsonClient(self.api_base)

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        try:
            response = self.http.request(
                "POST",
                f"/{path}",
                self.timeout,
                params={"access_token": self.page_token},
                json_body=body,
            )
        except HttpFailure as error:
            raise SendRetry(f"messenger unreachable: {error}") from None
        try:
            data = response.json()
        except ValueError:
            data = {}
        if response.status != 200 or (isinstance(data, dict) and "error" in data):
            raise classify_error(response.status, data, retry_after(response))
        return data if isinstance(data, dict) else {}

    def send(self, body: dict[str, Any]) -> Sent:
        data = self._post("me/messages", body)
        return Sent(str(data.get("message_id") or ""))

    def typing_on(self, psid: str) -> None:
        """Best effort: a failed typing indicator is logged, never retried."""
        body = {"recipient": {"id": psid}, "sender_action": "typing_on"}
        try:
            self._post("me/messages", body)
        except (SendRetry, SendGiveUp, SendRefused) as error:
            logger.info("typing_failed error=%r", str(error))

    def set_profile(self, profile: dict[str, Any]) -> dict[str, Any]:
        return self._post("me/messenger_profile", profile)


def profile(
    greeting: str, menu: list[dict[str, Any]], get_started: str = GET_STARTED_PAYLOAD
) -> dict[str, Any]:
    """Messenger Profile: Get Started button, greeting and persistent menu."""
    return {
        "get_started": {"payload": get_started},
        "greeting": [{"locale": "default", "text": greeting[:160]}],
        "persistent_menu": [
            {
                "locale": "default",
                "composer_input_disabled": False,
                "call_to_actions": [
                    {
                        "type": "postback",
                        "title": shorten(str(b["title"]), 30),
                        "payload": str(b["payload"]),
                    }
                    for b in menu
                ],
            }
        ],
    }
