"""The handoff desk: open tickets, the conversation, replies through the bridge
within each platform's window, and giving the conversation back to the bot."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta

from sqlalchemy import select

from bot.bridge.store import inbox
from bot.bridge.store.records import ChatMessage, InboxMessage, OutboundMessage
from bot.club.database import session_scope
from bot.club.tickets import is_paused, open_ticket
from tests.console.conftest import log_in


def token(page: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)[1]


def user_said(db_url, conversation_id: str, text: str, hours_ago: float = 0):
    platform, _, user = conversation_id.partition(":")
    meta = {platform: {"user": user}}
    inbox.accept(db_url, platform, f"m-{text}", conversation_id, text, meta)
    with session_scope(db_url) as session, session.begin():
        for row in session.scalars(select(InboxMessage)):
            if row.text == text:
                row.status = "done"
                row.received_at = datetime.utcnow() - timedelta(hours=hours_ago)


def reply(console, ticket_id: int, text: str):
    page = console.get(f"/admin/handoffs/{ticket_id}").get_data(as_text=True)
    return console.post(
        f"/admin/handoffs/{ticket_id}/reply",
        data={"text": text, "csrf_token": token(page)},
        follow_redirects=True,
    )


def test_a_volunteer_answers_a_web_chat_then_gives_it_back(console, db_url):
    conversation = "web:khach-0001"
    ticket_id = open_ticket(
        db_url, conversation, "web", "cho mình gặp người <b>thật</b>"
    )
    log_in(console, "minh.tnv")
    listing = console.get("/admin/handoffs").get_data(as_text=True)
    assert f"#{ticket_id}" in listing and 'http-equiv="refresh"' in listing
    assert "<b>thật</b>" not in listing  # user text is escaped
    answered = reply(console, ticket_id, "Dạ, mình là Minh ở CLB, mình giúp bạn nhé")
    assert "Đã gửi." in answered.get_data(as_text=True)
    with session_scope(db_url) as session:
        [line] = session.scalars(select(ChatMessage)).all()
    assert (line.sender, line.text) == (
        "bot",
        "Dạ, mình là Minh ở CLB, mình giúp bạn nhé",
    )
    page = console.get(f"/admin/handoffs/{ticket_id}").get_data(as_text=True)
    console.post(
        f"/admin/handoffs/{ticket_id}/release", data={"csrf_token": token(page)}
    )
    assert not is_paused(db_url, conversation)


def test_messenger_replies_go_through_the_outbox_within_the_window(console, db_url):
    recent, old, stale = "messenger:psid-a", "messenger:psid-b", "messenger:psid-c"
    user_said(db_url, recent, "alo", hours_ago=2)
    user_said(db_url, old, "còn đó không", hours_ago=30)
    user_said(db_url, stale, "chào", hours_ago=24 * 8)
    tickets = {
        c: open_ticket(db_url, c, "messenger", "gặp người")
        for c in (recent, old, stale)
    }
    log_in(console, "thu.ha")
    assert "Đã gửi." in reply(console, tickets[recent], "Dạ CLB đây ạ").get_data(
        as_text=True
    )
    assert "Đã gửi." in reply(
        console, tickets[old], "Dạ xin lỗi trả lời muộn"
    ).get_data(as_text=True)
    refused = reply(console, tickets[stale], "Dạ").get_data(as_text=True)
    assert "Đã quá 7 ngày" in refused
    with session_scope(db_url) as session:
        rows = session.scalars(
            select(OutboundMessage).order_by(OutboundMessage.id)
        ).all()
    bodies = {r.conversation_id: json.loads(r.body_json) for r in rows}
    assert set(bodies) == {recent, old}
    assert bodies[recent]["messaging_type"] == "RESPONSE"
    assert bodies[recent]["message"]["text"] == "Dạ CLB đây ạ"
    assert bodies[old]["tag"] == "HUMAN_AGENT"  # past 24 h, typed by a person
    page = console.get(f"/admin/handoffs/{tickets[recent]}").get_data(as_text=True)
    assert "Dạ CLB đây ạ" in page and "alo" in page


def test_an_empty_or_forged_reply_is_not_sent(console, db_url):
    ticket_id = open_ticket(db_url, "web:khach-0002", "web", "gặp người")
    log_in(console, "thu.ha")
    assert "chưa gửi được" in reply(console, ticket_id, "   ").get_data(as_text=True)
    forged = console.post(f"/admin/handoffs/{ticket_id}/reply", data={"text": "x"})
    assert forged.status_code == 302
    with session_scope(db_url) as session:
        assert session.scalars(select(ChatMessage)).all() == []
    assert console.get("/admin/handoffs/99999").status_code == 404


def test_take_a_ticket_note_it_and_answer_with_a_canned_reply(console, db_url):
    ticket_id = open_ticket(db_url, "web:khach-0003", "web", "gặp người")
    log_in(console, "minh.tnv")
    page = console.get(f"/admin/handoffs/{ticket_id}").get_data(as_text=True)
    assert "Nhận phiếu này" in page
    console.post(
        f"/admin/handoffs/{ticket_id}/assign", data={"csrf_token": token(page)}
    )
    page = console.get(f"/admin/handoffs/{ticket_id}").get_data(as_text=True)
    assert "Người nhận: minh.tnv" in page and "Nhận phiếu này" not in page
    console.post(
        f"/admin/handoffs/{ticket_id}/note",
        data={"note": "Chị này hỏi về <NE0101>, đã gọi lại", "csrf_token": token(page)},
    )
    page = console.get(f"/admin/handoffs/{ticket_id}").get_data(as_text=True)
    assert "đã gọi lại" in page and "<NE0101>" not in page  # shown, escaped
    console.post(
        f"/admin/handoffs/{ticket_id}/reply",
        data={"canned": "utter_canned_checking", "csrf_token": token(page)},
    )
    with session_scope(db_url) as session:
        [line] = session.scalars(select(ChatMessage)).all()
    assert line.text.startswith("Dạ, anh/chị chờ em kiểm tra")
    with session_scope(db_url) as session:  # the note never reaches the user
        texts = [m.text for m in session.scalars(select(ChatMessage))]
    assert not any("đã gọi lại" in t for t in texts)


def test_zalo_replies_quote_the_user_and_keep_to_the_window_and_quota(console, db_url):
    fresh, late = "zalo:uid-1", "zalo:uid-2"
    user_said(db_url, fresh, "cho mình hỏi chút", hours_ago=3)
    user_said(db_url, late, "ad ơi", hours_ago=49)
    tickets = {c: open_ticket(db_url, c, "zalo", "gặp người") for c in (fresh, late)}
    log_in(console, "thu.ha")
    page = console.get(f"/admin/handoffs/{tickets[fresh]}").get_data(as_text=True)
    assert "Zalo còn cho gửi 8 tin" in page
    for n in range(8):
        answered = reply(console, tickets[fresh], f"Dạ, tin {n}").get_data(as_text=True)
        assert "Đã gửi." in answered
    refused = reply(console, tickets[fresh], "Dạ, tin thứ chín").get_data(as_text=True)
    assert "chỉ cho gửi 8 tin" in refused
    assert "Đã quá 48 giờ" in reply(console, tickets[late], "Dạ").get_data(as_text=True)
    with session_scope(db_url) as session:
        rows = session.scalars(select(OutboundMessage)).all()
    bodies = [json.loads(r.body_json) for r in rows]
    assert len(bodies) == 8 and {r.conversation_id for r in rows} == {fresh}
    assert {b["message"]["quote_message_id"] for b in bodies} == {"m-cho mình hỏi chút"}

    user_said(db_url, fresh, "cảm ơn ad", hours_ago=0)  # a new message: new quota
    assert "Đã gửi." in reply(console, tickets[fresh], "Dạ không có gì ạ").get_data(
        as_text=True
    )


def test_the_ticket_list_masks_phones_for_volunteers(console, db_url):
    open_ticket(db_url, "web:khach-0009", "web", "gọi mình số 0912 345 678 nhé")
    log_in(console, "minh.tnv")
    listing = console.get("/admin/handoffs").get_data(as_text=True)
    assert "345 678" not in listing and "[số điện thoại]" in listing
    console.post("/admin/logout", data={"csrf_token": token(listing)})
    log_in(console, "thu.ha")
    assert "0912 345 678" in console.get("/admin/handoffs").get_data(as_text=True)
