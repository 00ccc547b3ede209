"""Through every layer: web chat → bridge queue → Rasa → action server → club DB."""

from __future__ import annotations

import requests

from bot.bridge.worker.rasa_client import MESSAGE_ID_KEY, RasaClient
from bot.bridge.worker.replies import bridge_message


def titles(message: dict) -> list[str]:
    return [button["title"] for button in message.get("buttons", [])]


def test_campaign_question_is_answered_from_the_database(stack, session_id):
    [reply] = stack.say("có chiến dịch nào sắp tới không?", session_id)
    assert reply["text"].startswith("Dạ, các chiến dịch sắp tới")
    assert "Áo ấm cho em" in reply["text"] and "Quan Sơn" in reply["text"]
    assert "Trung thu cho em" not in reply["text"]  # already done
    assert "Chuyến bị hủy" not in reply["text"]  # cancelled
    assert titles(reply) == ["Áo ấm cho em", "Xuân yêu thương", "Xây điểm trường Sa Ná"]


def test_without_diacritics_and_in_teencode(stack, session_id):
    [reply] = stack.say("co chien dich nao sap toi ko ad", session_id)
    assert "Xuân yêu thương" in reply["text"]


def test_detail_button_payload_and_follow_up(stack, session_id):
    [listing] = stack.say("có chiến dịch nào sắp tới không?", session_id)
    payload = listing["buttons"][1]["payload"]
    [detail] = stack.say(payload, session_id)
    assert detail["text"].startswith("Dạ, thông tin chiến dịch Xuân yêu thương")
    assert "500.000 đ" in detail["text"]


def test_small_talk_answers_come_from_the_domain(stack, session_id):
    [greeting] = stack.say("chào ad ạ", session_id)
    assert greeting["text"].startswith("Dạ, CLB Vì trẻ em vùng cao xin chào")
    assert titles(greeting) == ["Chiến dịch sắp tới", "Nuôi em", "Ủng hộ CLB"]
    [bot] = stack.say("bạn là người thật hay máy vậy", session_id)
    assert "trợ lý tự động" in bot["text"]
    [redirect] = stack.say("giá vàng hôm nay bao nhiêu", session_id)
    assert "nằm ngoài" in redirect["text"]


def test_conversation_id_channel_and_metadata_reach_rasa(stack, session_id):
    stack.say("xin chào", session_id)
    url = f"{stack.settings.rasa_url}/conversations/web:{session_id}/tracker"
    token = {"token": stack.settings.secrets.rasa_token}
    tracker = requests.get(url, params=token, timeout=10).json()
    latest = tracker["latest_message"]
    assert tracker["sender_id"] == f"web:{session_id}"
    assert latest["metadata"]["web"]["session_id"] == session_id
    assert tracker["latest_input_channel"] == "web"


def test_a_retry_finds_what_rasa_already_answered(stack, session_id):
    """A turn the bridge saw fail after Rasa ran it is looked up in Rasa's
    tracker instead of run twice, for the bridge's `platform:id` senders
    (Rasa does not percent-decode the id in the tracker's URL)."""
    s = stack.settings
    rasa = RasaClient(
        s.rasa_url, s.action_url, s.secrets.channel_secret, 30, s.secrets.rasa_token
    )
    sender = f"messenger:{session_id}"
    replies = rasa.send(sender, "xin chào", "messenger", {MESSAGE_ID_KEY: "m-1"})
    answered = [{k: v for k, v in r.items() if k != "recipient_id"} for r in replies]
    assert answered and rasa.earlier_answer(sender, "m-1") == answered
    assert rasa.earlier_answer(sender, "m-2") is None  # never sent: ask Rasa


def test_tracker_store_is_the_sqlite_file(stack, session_id):
    stack.say("xin chào", session_id)
    assert stack.settings.tracker_db.exists()
    assert session_id.encode() in stack.settings.tracker_db.read_bytes() or any(
        session_id.encode() in p.read_bytes()
        for p in stack.settings.tracker_db.parent.glob("tracker.db*")
    )


def test_zz_action_server_down_gives_busy_message_and_log_line(stack, session_id):
    """Runs last (zz): stops the action server, then brings it back."""
    stack.actions.stop()
    try:
        [reply] = stack.say("có chiến dịch nào sắp tới không?", session_id)
        assert reply["text"] == bridge_message("utter_bot_busy")["text"]
        log = stack.bridge.log_file.read_text("utf-8")
        failures = [line for line in log.splitlines() if "turn_without_reply" in line]
        assert failures and "action_server=unreachable" in failures[-1]
        assert f"web:{session_id}" in failures[-1]
    finally:
        stack.actions.start()
        stack.actions.wait_healthy(120)
    [reply] = stack.say("có chiến dịch nào sắp tới không?", session_id)
    assert "Áo ấm cho em" in reply["text"]
