"""Conversations: one list over every platform, filters, long transcripts
paged by event id, escaping, masking for volunteers, and the review state.
Rasa's real SQLTrackerStore writes the events; the console copies them."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from urllib.parse import unquote

import pytest
from sqlalchemy import select

from bot.club.database import session_scope
from bot.club.models import AuditEntry
from bot.club.tickets import open_ticket
from bot.console.masking import CHILD_PRIVATE_MASK, PHONE_MASK
from bot.console.rows import ConversationSummary
from tests.console.conftest import action, bot, csrf_token, log_in, user

CHILD_NEWS = (
    "Dạ, tình hình của em Lan (NE0101):\n🏫 Trường Tiểu học Sơn Lộ, lớp 3 (Bảo Lạc)"
    "\n📝 Em thích vẽ, bố đang ốm nặng\n💚 Anh/chị đã góp 5 tháng tiền ăn trưa cho "
    "em (200.000 đ/tháng). CLB cảm ơn anh/chị nhiều ạ!"
)


def at(day: int, hour: int = 9, minute: int = 0) -> float:
    """A moment in May 2024 (UTC), as Rasa stamps events."""
    return datetime(2024, 5, day, hour, minute, tzinfo=timezone.utc).timestamp()


def listed(client, **args) -> list[str]:
    page = client.get("/admin/conversations", query_string=args)
    assert page.status_code == 200
    found = re.findall(r'href="/admin/conversations/([^"?]+)"', page.get_data(True))
    return [unquote(f) for f in found]


def said(page: str) -> list[str]:
    return re.findall(r'<span class="said">(.*?)</span>', page, re.S)


@pytest.fixture
def admin(console, rasa_tracker):
    log_in(console, "thu.ha")
    return console


@pytest.fixture
def volunteer(console, rasa_tracker):
    log_in(console, "minh.tnv")
    return console


def test_every_platform_in_one_list_newest_activity_first(admin, rasa_tracker):
    rasa_tracker.add("messenger:1", [user("chào", "greet", 0.9, at(1))])
    rasa_tracker.add("zalo:2", [user("ủng hộ", "donate", 0.9, at(3))])
    rasa_tracker.add("web:3", [user("hỏi", "ask", 0.9, at(2))])
    rasa_tracker.add("messenger:1", [user("còn đó không", "greet", 0.9, at(4))])
    assert listed(admin) == ["messenger:1", "zalo:2", "web:3"]


@pytest.fixture
def several(rasa_tracker, db_url):
    rasa_tracker.add("messenger:fb", [user("asdf", "nlu_fallback", 0.3, at(1))])
    rasa_tracker.add("zalo:low", [user("ủng hộ sao", "donate", 0.4, at(2))])
    rasa_tracker.add("web:ok", [user("xin chào", "greet", 0.95, at(3))])
    rasa_tracker.add("messenger:handed", [user("gặp người", "human", 0.9, at(4))])
    rasa_tracker.add(
        "messenger:span",
        [user("đầu", "greet", 0.9, at(1, 8)), user("cuối", "thank", 0.9, at(5))],
    )
    open_ticket(db_url, "messenger:handed", "messenger", "gặp người")


def test_filters(admin, several):
    assert listed(admin, platform="messenger") == [
        "messenger:span",
        "messenger:handed",
        "messenger:fb",
    ]
    assert listed(admin, platform="zalo") == ["zalo:low"]
    assert listed(admin, fell_back="1") == ["messenger:fb"]
    assert listed(admin, low="1") == ["zalo:low", "messenger:fb"]
    assert listed(admin, handed_off="1") == ["messenger:handed"]
    # active that day: the span's first and last messages are not on the 3rd
    assert listed(admin, day="2024-05-03") == ["web:ok"]
    assert listed(admin, day="2024-05-01") == ["messenger:span", "messenger:fb"]
    assert listed(admin, **{"from": "2024-05-02", "to": "2024-05-03"}) == [
        "web:ok",
        "zalo:low",
    ]
    assert listed(admin, **{"from": "2024-05-04"}) == [
        "messenger:span",
        "messenger:handed",
    ]
    assert listed(admin, platform="messenger", fell_back="1", day="2024-05-02") == []


def test_review_state_is_set_audited_and_filtered(volunteer, several, db_url):
    token = csrf_token(volunteer, "/admin/conversations/web:ok")
    done = volunteer.post(
        "/admin/conversations/web:ok/review",
        data={"state": "reviewed", "csrf_token": token},
    )
    assert done.status_code == 303
    volunteer.post(
        "/admin/conversations/zalo:low/review",
        data={"state": "later", "csrf_token": token},
    )
    assert listed(volunteer, review="reviewed") == ["web:ok"]
    assert listed(volunteer, review="later") == ["zalo:low"]
    assert "web:ok" not in listed(volunteer, review="new")
    with session_scope(db_url) as session:
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "conversation_review")
        ).all()
    assert sorted((e.username, e.detail) for e in entries) == [
        ("minh.tnv", "web:ok reviewed"),
        ("minh.tnv", "zalo:low later"),
    ]


def test_review_needs_the_csrf_token_and_a_known_state(volunteer, several, db_url):
    path = "/admin/conversations/web:ok/review"
    assert volunteer.post(path, data={"state": "reviewed"}).status_code == 400
    token = csrf_token(volunteer, "/admin/conversations/web:ok")
    bad = volunteer.post(path, data={"state": "xong", "csrf_token": token})
    assert bad.status_code == 400
    unknown = volunteer.post(
        "/admin/conversations/web:nobody/review",
        data={"state": "reviewed", "csrf_token": token},
    )
    assert unknown.status_code == 404
    with session_scope(db_url) as session:
        assert session.get(ConversationSummary, "web:ok").review_state == "new"
        assert not session.scalars(
            select(AuditEntry).where(AuditEntry.action == "conversation_review")
        ).all()


def test_a_long_conversation_opens_on_the_latest_50_and_pages_back(admin, rasa_tracker):
    events = []
    for i in range(60):
        events.append(user(f"tin {i}", "greet", 0.9, at(1, 9, 0) + 2 * i))
        events.append(bot(f"đáp {i}", at(1, 9, 0) + 2 * i + 1, "utter_greet"))
    rasa_tracker.add("messenger:long", events)
    path = "/admin/conversations/messenger:long"
    pages, texts, url = 0, [], path
    while url:
        page = admin.get(url).get_data(as_text=True)
        texts = said(page) + texts
        pages += 1
        older = re.search(r'href="([^"]+before=\d+)"', page)
        url = older and older[1].replace("&amp;", "&")
        if pages == 1:
            assert said(page)[0] == "tin 35" and said(page)[-1] == "đáp 59"
            assert "Về tin mới nhất" not in page
        else:
            assert "Về tin mới nhất" in page
    assert pages == 3
    expected = [t for i in range(60) for t in (f"tin {i}", f"đáp {i}")]
    assert texts == expected  # no overlap, no gap


def test_the_list_pages_back_by_last_activity(admin, rasa_tracker):
    for i in range(53):  # zalo:02 to zalo:05 share one moment, across the pages
        stamp = at(1) + 60 * (3 if 2 <= i <= 5 else i)
        rasa_tracker.add(f"zalo:{i:02d}", [user("chào", "greet", 0.9, stamp)])
    first = admin.get("/admin/conversations").get_data(as_text=True)
    newest = listed(admin)
    assert len(newest) == 50 and newest[-3:] == ["zalo:05", "zalo:04", "zalo:03"]
    older = re.search(r'href="([^"]+older_id=[^"]+)"', first)[1].replace("&amp;", "&")
    page = admin.get(older).get_data(as_text=True)
    rest = [
        unquote(r) for r in re.findall(r'href="/admin/conversations/([^"?]+)"', page)
    ]
    assert rest == ["zalo:02", "zalo:01", "zalo:00"]
    assert "Về trang mới nhất" in page and "older_id" not in page


def test_user_text_and_intent_names_are_escaped(admin, rasa_tracker):
    rasa_tracker.add(
        "web:xss",
        [
            user("<script>alert(1)</script>", "<b>greet</b>", 0.9, at(1)),
            bot("<img src=x onerror=alert(2)>", at(1, 9, 1)),
        ],
    )
    for path in ("/admin/conversations", "/admin/conversations/web:xss"):
        page = admin.get(path).get_data(as_text=True)
        assert "<script>alert(1)" not in page and "&lt;script&gt;" in page
    page = admin.get("/admin/conversations/web:xss").get_data(as_text=True)
    assert "<b>greet</b>" not in page and "&lt;b&gt;greet&lt;/b&gt;" in page
    assert "<img src=x" not in page


@pytest.fixture
def sponsor_chat(rasa_tracker):
    rasa_tracker.add(
        "messenger:sponsor",
        [
            user("tra cứu NE0101 0912 345 678", "lookup_child", 0.9, at(1)),
            action("child_lookup_form", at(1, 9, 1)),
            bot(CHILD_NEWS, at(1, 9, 2), "utter_child_news"),
            user("số vợ mình +84 987.654.321 nhé", "inform", 0.9, at(1, 9, 3)),
        ],
    )


def test_volunteers_see_no_phone_numbers_or_child_news(volunteer, sponsor_chat):
    page = volunteer.get("/admin/conversations/messenger:sponsor").get_data(True)
    lines = said(page)
    assert lines == [
        f"tra cứu NE0101 {PHONE_MASK}",
        CHILD_PRIVATE_MASK,
        f"số vợ mình {PHONE_MASK} nhé",
    ]
    for secret in ("345", "678", "987", "654", "Em thích vẽ", "Sơn Lộ", "ốm"):
        assert secret not in page
    listing = volunteer.get("/admin/conversations").get_data(as_text=True)
    assert "987" not in listing and PHONE_MASK in listing


def test_admins_see_everything(admin, sponsor_chat):
    page = admin.get("/admin/conversations/messenger:sponsor").get_data(True)
    text = "\n".join(said(page))
    assert "0912 345 678" in text and "+84 987.654.321" in text
    assert "Em thích vẽ, bố đang ốm nặng" in text and CHILD_PRIVATE_MASK not in text


def test_the_handoff_desk_masks_for_volunteers_too(console, db_url):
    from bot.bridge.store import transcripts

    conversation = "web:khach-9"
    transcripts.add_user_message(db_url, conversation, "gọi mình 0912345678")
    transcripts.add_bot_message(db_url, conversation, {"text": CHILD_NEWS})
    ticket_id = open_ticket(db_url, conversation, "web", "gọi mình")
    log_in(console, "minh.tnv")
    page = console.get(f"/admin/handoffs/{ticket_id}").get_data(as_text=True)
    assert "0912345678" not in page and "Em thích vẽ" not in page
    assert PHONE_MASK in page and CHILD_PRIVATE_MASK in page
    assert "/admin/conversations/web:khach-9" in page
    console.post("/admin/logout", data={"csrf_token": csrf_token(console, "/admin/")})
    log_in(console, "thu.ha")
    page = console.get(f"/admin/handoffs/{ticket_id}").get_data(as_text=True)
    assert "0912345678" in page and "Em thích vẽ" in page


def test_logged_out_requests_go_to_the_login(console):
    for path in ("/admin/conversations", "/admin/conversations/web:x"):
        found = console.get(path)
        assert found.status_code == 302 and "/admin/login" in found.location


@pytest.mark.parametrize(
    "args",
    [
        {"day": "2024-13-01"},
        {"from": "hôm qua"},
        {"to": "9999-12-31"},
        {"from": "2024-05-05", "to": "2024-05-01"},
        {"platform": "fax"},
        {"review": "xong"},
        {"low": "có"},
        {"older_at": "not-a-time", "older_id": "web:1"},
        {"older_id": "web:1"},
    ],
)
def test_bad_filters_get_a_400_with_a_reason(admin, args):
    found = admin.get("/admin/conversations", query_string=args)
    assert found.status_code == 400
    assert 'class="notice"' in found.get_data(as_text=True)


def test_bad_page_links_and_unknown_conversations(admin, several):
    bad = admin.get("/admin/conversations/web:ok?before=abc")
    assert bad.status_code == 400 and "không hợp lệ" in bad.get_data(as_text=True)
    missing = admin.get("/admin/conversations/web:nobody")
    assert missing.status_code == 404
    assert "Không tìm thấy cuộc trò chuyện" in missing.get_data(as_text=True)
