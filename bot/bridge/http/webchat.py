"""Web chat endpoints: the browser talks to the bot through the same queue."""

from __future__ import annotations

import re
import uuid

from flask import Blueprint, current_app, jsonify, request, send_from_directory

from bot.bridge.store import outbox, transcripts
from bot.bridge.store.inbox import has_pending
from bot.text import nfc

bp = Blueprint("webchat", __name__)

MAX_TEXT = 2000
CHANNELS = ("web", "messenger", "zalo")
SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
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
    body = request.get_json(silent=True)
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
    metadata = {"web": {"session_id": session_id, "render_as": channel}}
    current_app.config["QUEUE"].submit(
        "web", str(uuid.uuid4()), conversation_id, text, metadata
    )
    return jsonify({"accepted": True, "message_id": shown_id}), 202


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
    session_id = request.args.get("session_id", "")
    after = request.args.get("after", "0")
    if not SESSION_ID.match(session_id) or not after.isdigit():
        return _error("Tham số session_id hoặc after không hợp lệ.")
    url = current_app.config["DATABASE_URL"]
    conversation_id = f"web:{session_id}"
    messages = transcripts.messages_after(url, conversation_id, int(after))
    return jsonify({"messages": messages, "pending": _pending(url, session_id)})
