"""Issue #12 in a real browser: a volunteer, on a phone, finds yesterday's
misunderstood messages and labels ten of them; an admin saves the labels into
(a copy of) the training data, retrains from the models page and watches the
run until its candidate shows with its evaluation."""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta, timezone

from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from bot.settings import ROOT
from tests.browser.browser_kit import ADMIN, VOLUNTEER, log_in, shoot, wait_for
from tests.console.conftest import bot, user

SAVE_WAIT = 120  # `rasa data validate` on a copy of the data (~15 s)
RETRAIN_WAIT = 1200  # a retrain; ~1 min when models/ has the model already

# Yesterday's messages the bot misunderstood: (text, intent, confidence,
# runner-ups); "nlu_fallback" is a message that fell back (< 0.6 is low).
MISUNDERSTOOD = [
    ("cho em hỏi tuần sau clb có đi bản nào không ạ", "ask_campaigns", 0.52,
     {"ask_campaign_detail": 0.31}),
    ("e muốn đi tình nguyện mà chưa biết đk ở đâu", "register_volunteer", 0.48,
     {"ask_campaigns": 0.3}),
    ("chuyển khoản ủng hộ áo ấm cho các em được ko", "donate", 0.55,
     {"ask_statement": 0.2}),
    ("clb mình thành lập năm nào vậy", "ask_club_info", 0.41, {"ask_campaigns": 0.2}),
    ("đi có được mua bảo hiểm không ad", "nlu_fallback", 0.3,
     {"ask_safety": 0.28, "ask_certificate": 0.2}),
    ("tháng rồi quỹ chi những khoản gì", "nlu_fallback", 0.3,
     {"ask_campaign_detail": 0.25, "ask_statement": 0.22}),
    ("bé em đỡ đầu dạo này thế nào rồi ạ", "nlu_fallback", 0.3,
     {"ask_sponsorship": 0.27, "lookup_child": 0.24}),
    ("đi xong có giấy xác nhận để nộp trường không", "ask_safety", 0.44,
     {"ask_certificate": 0.4}),
    ("ok vậy mình đăng ký luôn nha", "affirm", 0.46, {"register_volunteer": 0.35}),
    ("ủa đang nói chuyện với máy hả", "bot_challenge", 0.52, {"human_handoff": 0.2}),
    ("mình muốn nhận đỡ đầu 1 bé ở Hà Giang", "ask_sponsorship", 0.5,
     {"sponsor_child": 0.45}),
    ("hjhj ad dễ thương ghê", "nlu_fallback", 0.3, {"greet": 0.15}),
]  # fmt: skip
RIGHT = MISUNDERSTOOD[0:4]  # "Đúng", one row at a time: the bot's guess
RELABEL = {  # the intent box of a row
    MISUNDERSTOOD[5][0]: "ask_statement",
    MISUNDERSTOOD[6][0]: "lookup_child",
    MISUNDERSTOOD[7][0]: "ask_certificate",
}
BULK = [MISUNDERSTOOD[4], MISUNDERSTOOD[8], MISUNDERSTOOD[9]]  # ticked, "Đúng…"
LEFT = [MISUNDERSTOOD[10], MISUNDERSTOOD[11]]  # still new
CHANNELS = ("messenger:7001", "zalo:7002", "web:7003", "messenger:7004")
DEFAULT = "Dạ, mình chưa hiểu ý bạn lắm. Bạn nói rõ hơn giúp mình nhé?"


def fill_yesterday(rasa_tracker) -> datetime:
    """Rasa's tracker store with the messages above, yesterday from 08:00 UTC,
    ten minutes apart (never a rephrasing), each answered by the bot."""
    today = datetime.now(timezone.utc).replace(hour=0, minute=0, second=0)
    start = today - timedelta(days=1) + timedelta(hours=8)
    events: dict[str, list] = {c: [] for c in CHANNELS}
    for number, (text, intent, confidence, others) in enumerate(MISUNDERSTOOD):
        at = (start + timedelta(minutes=10 * number)).timestamp()
        response = "utter_default" if intent == "nlu_fallback" else f"utter_{intent}"
        events[CHANNELS[number % len(CHANNELS)]] += [
            user(text, intent, confidence, at, **others),
            bot(DEFAULT if intent == "nlu_fallback" else "Dạ, …", at + 1, response),
        ]
    for conversation, added in events.items():
        rasa_tracker.add(conversation, added)
    return start


def guess(entry) -> str:
    """The intent "Đúng" gives: the bot's top one, never the fallback."""
    text, intent, confidence, others = entry
    return next(iter(others)) if intent == "nlu_fallback" else intent


def item(driver, text: str):
    """The inbox row of a text, on the page shown."""
    return wait_for(driver, "article.inbox-item", text)


def submit(driver, button, flash: str) -> None:
    """Click a button of the inbox form; wait for the next page, fully loaded,
    and its flash (so the next row is looked up in that page, not the old one)."""
    button.click()
    WebDriverWait(driver, 15).until(expected_conditions.staleness_of(button))
    WebDriverWait(driver, 15).until(
        lambda d: d.execute_script("return document.readyState") == "complete"
    )
    wait_for(driver, ".notice", flash)


def tab_count(driver, name: str) -> int:
    tab = wait_for(driver, "nav.tabs a", name)
    return int(re.search(r"\((\d+)\)", tab.text).group(1))


def test_a_volunteer_labels_yesterdays_messages_on_a_phone(
    bridge, rasa_tracker, new_browser
):
    fill_yesterday(rasa_tracker)
    phone = new_browser()
    log_in(phone, bridge, VOLUNTEER)

    # The dashboard (the home page) shows yesterday's misunderstood texts.
    wait_for(phone, "nav button", f"Đăng xuất ({VOLUNTEER})")
    wait_for(phone, "ol.misunderstood li")
    shoot(phone, "console-dashboard")

    # Every conversation, and one of them with its marked messages.
    wait_for(phone, "nav a", "Hội thoại").click()
    wait_for(phone, "table.conversations td.cid a", CHANNELS[0])
    shoot(phone, "console-conversations")
    wait_for(phone, "table.conversations td.cid a", CHANNELS[1]).click()
    wait_for(phone, "h1", CHANNELS[1])
    wait_for(phone, "ol.transcript li.user.fell-back", MISUNDERSTOOD[5][0])
    shoot(phone, "console-conversation")

    # The inbox: the menu's badge counts the twelve new texts.
    wait_for(phone, "nav a .badge", str(len(MISUNDERSTOOD))).click()
    wait_for(phone, "h1", "Hộp NLU")
    for text, *_ in MISUNDERSTOOD:
        item(phone, text)
    assert tab_count(phone, "Mới") == len(MISUNDERSTOOD)
    assert tab_count(phone, "Đã gán nhãn") == 0
    shoot(phone, "console-inbox")

    # "Đúng: …", one row at a time: the bot's guess.
    for text, *_ in RIGHT:
        button = item(phone, text).find_element(By.CSS_SELECTOR, "[value$=':confirm']")
        submit(phone, button, "Đã cập nhật 1 câu.")
    # Another intent, typed into the row's search box.
    for text, intent in RELABEL.items():
        row = item(phone, text)
        row.find_element(By.CSS_SELECTOR, "input[name^=intent_]").send_keys(intent)
        button = row.find_element(By.CSS_SELECTOR, "[value$=':relabel']")
        submit(phone, button, "Đã cập nhật 1 câu.")
    # Three ticked rows at once, each labelled with the bot's guess.
    for text, *_ in BULK:
        item(phone, text).find_element(By.CSS_SELECTOR, "input[name=ids]").click()
    bulk = wait_for(phone, "fieldset.bulk button", "Đúng như bot đoán")
    submit(phone, bulk, f"Đã cập nhật {len(BULK)} câu.")

    labelled = len(RIGHT) + len(RELABEL) + len(BULK)
    assert labelled == 10
    assert tab_count(phone, "Mới") == len(LEFT)
    for text, *_ in LEFT:
        item(phone, text)
    wait_for(phone, "nav.tabs a", "Đã gán nhãn").click()
    wait_for(phone, "nav.tabs a[aria-current=page]", "Đã gán nhãn")
    assert tab_count(phone, "Đã gán nhãn") == labelled
    expected = {entry[0]: guess(entry) for entry in RIGHT + BULK} | RELABEL
    for text, intent in expected.items():
        label = item(phone, text).find_element(By.CSS_SELECTOR, "p.label").text
        assert f"({intent})" in label and f"do {VOLUNTEER} gán" in label
    shoot(phone, "console-inbox-labelled")
    # A volunteer never sees the models page.
    assert not phone.find_elements(By.LINK_TEXT, "Mô hình")

    # An admin saves the labels: Rasa checks a copy of the data with them.
    admin = new_browser()
    reviewed = ROOT / "data" / "nlu" / "reviewed.yml"
    before = reviewed.read_bytes() if reviewed.exists() else None
    log_in(admin, bridge, ADMIN)
    wait_for(admin, "nav a", "Hộp NLU").click()
    save = wait_for(admin, ".save-box button", "Lưu vào dữ liệu huấn luyện")
    save.click()
    wait_for(admin, ".notice", f"Đã lưu {labelled} câu", timeout=SAVE_WAIT)
    wait_for(admin, ".save-box p", "đã khớp với các nhãn")
    saved = (bridge.data_dir / "nlu" / "reviewed.yml").read_text("utf-8")
    for intent in set(expected.values()):
        assert f"- intent: {intent}" in saved
    assert MISUNDERSTOOD[0][0] in saved
    assert (reviewed.read_bytes() if reviewed.exists() else None) == before

    retrain_and_watch(admin, bridge)


def notice_of_run(driver) -> str | None:
    """The running job's line on the models page, None once there is none."""
    try:
        found = driver.find_elements(By.CSS_SELECTOR, "section .notice")
        return next((n.text for n in found if n.text.startswith("Lần #")), None)
    except StaleElementReferenceException:  # the page refreshed meanwhile
        return ""


STEP = re.compile(r"Lần #\d+ \(\S+\): (.+), đã chạy (\d+) phút (\d+) giây")


def retrain_and_watch(admin, bridge) -> None:
    wait_for(admin, "nav a", "Mô hình").click()
    wait_for(admin, "h1", "Mô hình")
    wait_for(admin, "td", "Chưa có bản nào")
    started = time.monotonic()
    wait_for(admin, "form button", "Huấn luyện lại").click()
    wait_for(admin, ".notice", "Đã bắt đầu huấn luyện lại")

    # The page refreshes itself every 5 s: the step and the elapsed time.
    seen: list[tuple[str, int]] = []

    def progressed(driver) -> bool:
        found = STEP.search(notice_of_run(driver) or "")
        if found:
            step, minutes, seconds = found.groups()
            state = (step, int(minutes) * 60 + int(seconds))
            if not seen or seen[-1] != state:
                seen.append(state)
        return len({s for _, s in seen}) >= 2

    WebDriverWait(admin, 60).until(progressed, f"no progress shown: {seen}")
    shoot(admin, "console-models-running")

    # The log of the run, from the page.
    wait_for(admin, "section .notice a", "Xem nhật ký").click()
    wait_for(admin, "h1", "Nhật ký lần huấn luyện #1")
    log = wait_for(admin, "pre.problems", "==> run 1", timeout=60)  # refreshes
    assert "Nhật ký còn trống" not in log.text
    wait_for(admin, "a", "Các bản mô hình").click()

    # Until the run is done and its candidate is listed with its evaluation.
    def finished(driver) -> bool:
        text = notice_of_run(driver)
        if text:
            progressed(driver)
        return text is None and bool(
            driver.find_elements(By.XPATH, "//p[contains(., 'Lần gần nhất (#1')]")
        )

    WebDriverWait(admin, RETRAIN_WAIT, poll_frequency=1).until(
        finished, f"the run did not finish; seen {seen}"
    )
    took = time.monotonic() - started
    last = wait_for(admin, "section p", "Lần gần nhất (#1")
    assert "đã xong" in last.text, last.text
    row = wait_for(admin, "tbody tr", "#1")
    cells = [c.text for c in row.find_elements(By.TAG_NAME, "td")]
    assert cells[2].startswith(("chờ duyệt", "bị từ chối")), cells
    assert re.match(r"\d+/\d+", cells[3]), cells  # held-out examples right/all
    steps = [step for step, _ in seen]
    assert seen[-1][1] > seen[0][1], seen  # the elapsed time grew
    print(f"\nretrain from the page: {took:.0f} s; steps seen {steps}")
    shoot(admin, "console-models")
