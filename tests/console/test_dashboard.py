"""The dashboard (/admin/): figures for a known tracker written by Rasa's own
SQLTrackerStore, the days filter, escaping, masking, model-change markers."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta, timezone

import pytest
from sqlalchemy import update

from bot.club.database import session_scope
from bot.club.models import AuditEntry, HandoffTicket
from bot.club.tickets import open_ticket
from bot.console import audit
from bot.console.handoffs import send_reply
from bot.console.masking import PHONE_MASK
from bot.console.rows import InboxItem
from tests.console.conftest import action, bot, csrf_token, log_in, user


def noon(days_ago: int) -> datetime:
    """Noon (UTC) of a past day: inside the window, never in the future."""
    return datetime.combine(
        datetime.utcnow().date() - timedelta(days=days_ago), time(12)
    )


def at(days_ago: int, minute: int = 0) -> float:
    moment = noon(days_ago) + timedelta(minutes=minute)
    return moment.replace(tzinfo=timezone.utc).timestamp()


def page(client, **args) -> str:
    response = client.get("/admin/", query_string=args)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def figure(html: str, name: str) -> str:
    return re.search(rf'id="{name}">([^<]*)<', html).group(1)


def per_day(html: str) -> dict[str, dict[str, int]]:
    rows = re.findall(r'<tr data-day="([^"]+)">(.*?)</tr>', html, re.S)
    return {
        day: {
            p: int(n)
            for p, n in re.findall(r'data-platform="(\w+)">(\d+)<', cells)
            if int(n)
        }
        for day, cells in rows
    }


@pytest.fixture
def admin(console, rasa_tracker):
    log_in(console, "thu.ha")
    return console


@pytest.fixture
def known(rasa_tracker, db_url):
    """Six user messages over two days on three platforms; two handoffs."""
    rasa_tracker.add(
        "messenger:a",
        [
            user("xin chào", "greet", 0.95, at(2)),
            bot("Chào bạn", at(2, 1)),
            action("action_listen", at(2, 1)),
            user("asdf qwer", "nlu_fallback", 0.3, at(2, 2), greet=0.2),
            user("mình muốn ủng hộ", "donate", 0.9, at(1)),
        ],
    )
    rasa_tracker.add(
        "zalo:b",
        [
            user("ủng hộ", "donate", 0.8, at(1)),
            user("ủng hộ sao", "donate", 0.4, at(1, 5)),
        ],
    )
    rasa_tracker.add("web:c", [user("chào", "greet", 0.9, at(2))])
    for cid, minutes in (("web:c", 45), ("messenger:a", 10)):
        open_ticket(db_url, cid, cid.partition(":")[0], "gặp người")
        with session_scope(db_url) as session, session.begin():
            opened = datetime.utcnow() - timedelta(minutes=minutes)
            session.execute(
                update(HandoffTicket)
                .where(HandoffTicket.conversation_id == cid)
                .values(created_at=opened)
            )
    send_reply(db_url, "web:c", "Dạ, mình là Hà ở CLB ạ.", datetime.utcnow())


def test_the_figures_of_a_known_tracker(admin, known):
    html = page(admin)
    day1, day2 = (noon(n).date().isoformat() for n in (1, 2))
    assert per_day(html) == {
        day1: {"messenger": 1, "zalo": 2},
        day2: {"messenger": 2, "web": 1},
    }
    assert figure(html, "messages") == "6"
    assert figure(html, "fallback-rate") == "16.7%"  # 1 of 6
    assert figure(html, "handoffs") == "2"
    assert figure(html, "answered") == "1"  # the messenger ticket waits still
    assert figure(html, "first-reply") == "45 phút"
    intents = re.findall(
        r'<span class="name">([^<]+)</span>: <span class="count">(\d+)<', html
    )
    assert intents == [("donate", "3"), ("greet", "2")]  # the fallback apart
    texts = re.findall(r'<span class="said">([^<]+)</span> <span class="count">', html)
    assert sorted(texts) == ["asdf qwer", "ủng hộ sao"]  # fell back, low confidence
    assert html.count('class="bar messenger"') == 2  # one bar part per day


def test_a_reply_sent_before_the_ticket_does_not_count(admin, rasa_tracker, db_url):
    rasa_tracker.add("web:d", [user("chào", "greet", 0.9, at(1))])
    send_reply(db_url, "web:d", "Trả lời cũ", datetime.utcnow())
    with session_scope(db_url) as session, session.begin():
        session.add(
            HandoffTicket(
                conversation_id="web:d",
                platform="web",
                created_at=datetime.utcnow() + timedelta(seconds=5),
            )
        )
    html = page(admin)
    assert (figure(html, "handoffs"), figure(html, "answered")) == ("1", "0")
    assert figure(html, "first-reply") == "—"


def test_the_days_filter(admin, rasa_tracker):
    rasa_tracker.add("zalo:old", [user("cũ", "greet", 0.9, at(10))])
    rasa_tracker.add("zalo:older", [user("cũ hơn", "greet", 0.9, at(40))])
    assert figure(page(admin, days=7), "messages") == "0"
    assert figure(page(admin), "messages") == "1"  # 30 days by default
    assert figure(page(admin, days=30), "messages") == "1"
    assert figure(page(admin, days=90), "messages") == "2"
    assert page(admin, days=90).count('<rect class="bar zalo"') == 2


@pytest.mark.parametrize("days", ["8", "abc", "-7", "30.0", "7 ", "1" * 40])
def test_other_periods_are_refused(admin, days):
    response = admin.get("/admin/", query_string={"days": days})
    assert response.status_code == 400
    assert "7, 30 hoặc 90 ngày" in response.get_data(as_text=True)


def test_user_text_and_intent_names_are_escaped(admin, rasa_tracker):
    evil = "<script>alert(1)</script>"
    rasa_tracker.add(
        "web:x",
        [
            user(evil, evil, 0.9, at(1)),
            user('<img src=x onerror="alert(2)">', "nlu_fallback", 0.2, at(1, 1)),
        ],
    )
    html = page(admin)
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=&#34;alert(2)&#34;&gt;" in html


def test_phone_numbers_masked_for_volunteers_only(console, rasa_tracker):
    text = "gọi mình 0912 345 678 nhé"
    rasa_tracker.add("zalo:p", [user(text, "nlu_fallback", 0.2, at(1))])
    log_in(console, "minh.tnv")
    html = page(console)
    assert "0912 345 678" not in html and PHONE_MASK in html
    logout = console.post("/admin/logout", data={"csrf_token": csrf_token(console)})
    assert logout.status_code == 302
    log_in(console, "thu.ha")
    assert text in page(console)


def test_the_inbox_is_preferred_for_misunderstood_texts(admin, rasa_tracker, db_url):
    rasa_tracker.add("zalo:q", [user("từ sự kiện", "nlu_fallback", 0.2, at(1))])
    with session_scope(db_url) as session, session.begin():
        for key, count in (("a", 3), ("b", 7)):
            session.add(
                InboxItem(
                    key=key,
                    text=f"câu {key}",
                    count=count,
                    reasons="fallback",
                    conversation_id="zalo:q",
                    event_id=1,
                    first_at=noon(3),
                    last_at=noon(1),
                )
            )
    texts = re.findall(
        r'<span class="said">([^<]+)</span> <span class="count">×(\d+)', page(admin)
    )
    # the inbox's counts; the page collected the fell-back message into it too
    assert texts == [("câu b", "7"), ("câu a", "3"), ("từ sự kiện", "1")]


def marker_xs(html: str) -> list[float]:
    found = re.findall(r'<g class="marker (\w+)">\s*<line x1="([\d.]+)"', html)
    return [(name, float(x)) for name, x in found]


def test_model_changes_are_marked_on_the_time_line(admin, db_url):
    audit.record(db_url, "thu.ha", "model_promote", "20240601-model.tar.gz", "ip")
    audit.record(db_url, "thu.ha", "model_rollback", "<b>cũ</b>", "ip")
    audit.record(db_url, "thu.ha", "model_promote", "quá cũ", "ip")
    audit.record(db_url, "thu.ha", "model_retrain", "không phải đổi", "ip")
    with session_scope(db_url) as session, session.begin():
        session.execute(
            update(AuditEntry)
            .where(AuditEntry.detail == "quá cũ")
            .values(at=datetime.utcnow() - timedelta(days=9))
        )
    html = page(admin, days=7)
    found = marker_xs(html)
    assert [name for name, _ in found] == ["model_promote", "model_rollback"]
    slot = (400 - 34 - 6) / 7  # the chart's plot width over seven days
    assert all(34 + 6 * slot <= x <= 34 + 7 * slot for _, x in found)  # today
    assert "&lt;b&gt;cũ&lt;/b&gt;" in html and "<b>cũ" not in html
    assert len(marker_xs(page(admin, days=30))) == 3  # the older one too


def test_login_required_and_both_roles_see_it(console):
    response = console.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login" in response.headers["Location"]
    log_in(console, "minh.tnv")
    assert "Tin nhắn mỗi ngày theo kênh" in page(console)
