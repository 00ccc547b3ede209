"""Web chat endpoints: the browser talks to the bot through the same queue."""

from __future__ import annotations

import hashlib
import hmac
import re
import uuid

from flask import Blueprint, current_app, jsonify, request, send_from_directory

from bot.bridge.store import outbox, transcripts
from bot.bridge.store.inbox import has_pending
from bot.text import nfc

bp = Blueprint("webchat", __name__)

MAX_TEXT = 2000
SLOW_DOWN = "Dạ, bạn gửi tin nhanh quá ạ. Bạn đợi một phút rồi nhắn tiếp giúp mình nhé."
CHANNELS = ("web", "messenger", "zalo")
SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
AFTER = re.compile(r"[0-9]{1,18}")  # a message id: fits a 64-bit integer
SESSION_HEADER = "X-Chat-Session"
WEB_USER_PREFIX = "web-"


def web_user(session_id: str) -> str:
    """The simulated platform user behind a web chat session shown "as" a platform."""
    return f"{WEB_USER_PREFIX}{session_id}"


def _error(reason: str, status: int = 400):
    return jsonify({"error": reason}), status


@bp.get("/")
def index():
    return send_from_directory(current_app.static_folder + "/webchat", "index.html")


@bp.post("/chat/api/messages")
def send_message():
    try:
        body = request.get_json(silent=True)
    except RecursionError:  # absurdly deep nesting
        body = None
    if not isinstance(body, dict):
        return _error("Dữ liệu gửi lên không phải JSON hợp lệ.")
    session_id = str(body.get("session_id") or "")
    text = nfc(str(body.get("text") or ""))
    display = nfc(str(body.get("display_text") or "")) or text
    channel = body.get("channel") or "web"
    if not SESSION_ID.match(session_id):
        return _error(
            "Mã phiên trò chuyện không hợp lệ, bạn tải lại trang giúp mình nhé."
        )
    if not text:
        return _error("Bạn chưa nhập nội dung tin nhắn.")
    if len(text) > MAX_TEXT:
        return _error(
            f"Tin nhắn dài quá {MAX_TEXT} ký tự, bạn rút gọn giúp mình nhé.", 413
        )
    if channel not in CHANNELS:
        return _error("Kênh trò chuyện không hợp lệ.")

    client = _client()
    if not current_app.config["WEB_LIMIT"].allow(client):
        response = jsonify({"error": SLOW_DOWN})
        response.headers["Retry-After"] = "60"
        return response, 429
    url = current_app.config["DATABASE_URL"]
    conversation_id = f"web:{session_id}"
    shown_id = transcripts.add_user_message(url, conversation_id, display)
    simulator = current_app.config.get("SIMULATOR")
    if channel != "web" and simulator is not None:
        # Through the simulator: a signed webhook to this bridge, the platform's
        # rendering, the Send/OA API call back to the simulator, then the page.
        payload = text if display != text else None
        user = web_user(session_id)
        response = simulator.say(channel, user, display, payload=payload)
        if response.status_code != 200:
            return _error("Không gửi được tin nhắn qua trình mô phỏng.", 502)
        return jsonify({"accepted": True, "message_id": shown_id}), 202
    web = {"session_id": session_id, "render_as": channel, "client": client}
    metadata = {"web": web}
    current_app.config["QUEUE"].submit(
        "web", str(uuid.uuid4()), conversation_id, text, metadata
    )
    return jsonify({"accepted": True, "message_id": shown_id}), 202


def _client() -> str:
    """The browser's address, keyed (not stored as is): look-up failures are
    counted per client, whatever session id it makes up."""
    secret = current_app.config["CLIENT_KEY"]
    address = (request.remote_addr or "unknown").encode()
    return hmac.new(secret, address, hashlib.sha256).hexdigest()[:20]


def _pending(url: str, session_id: str) -> bool:
    """Still thinking: the web conversation or its simulated platform twins."""
    if has_pending(url, f"web:{session_id}"):
        return True
    return any(
        has_pending(url, f"{platform}:{web_user(session_id)}")
        or outbox.has_pending(url, f"{platform}:{web_user(session_id)}")
        for platform in ("messenger", "zalo")
    )


@bp.get("/chat/api/messages")
def list_messages():
    # The session id reads the transcript: it travels in a header, never in
    # the URL (URLs end up in logs, proxies and browser history).
    session_id = request.headers.get(SESSION_HEADER, "")
    after = request.args.get("after", "0")
    if not SESSION_ID.match(session_id) or not AFTER.fullmatch(after):
        return _error(
            f"Thiếu tiêu đề {SESSION_HEADER} hoặc tham số after không hợp lệ."
        )
    url = current_app.config["DATABASE_URL"]
    conversation_id = f"web:{session_id}"
    messages = transcripts.messages_after(url, conversation_id, int(after))
    return jsonify({"messages": messages, "pending": _pending(url, session_id)})
