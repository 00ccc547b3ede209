"""Issue #13's "Done when" in a real browser: an admin imports a month of two
banks' exports (two accounts of the club), books the review list (the
suggestion in one click, an unmatched credit or a debit by choosing its fund
and pressing "Ghi"), makes the month's report from the console, and the
public page /sao-ke/YYYY-MM, the ledger and the bot's "sao kê tháng 1"
answer agree to the đồng; the public page shows no phone and no full name.

The bot's answer is asked in the web chat too. Rasa itself (its NLU and
policies) is not started: a scripted Rasa on loopback stands in for it
(`club_turn`: a few words choose the action and the amount entity) and runs
the club's real actions (actions/statement_answers.py) on the bridge's database,
rendering their responses from domain.yml as Rasa does; the bridge, its queue,
the web chat page and the VietQR endpoint are the real ones. Whether the
model reads these messages as ask_statement/donate is the NLU's tests'
concern (tests/test_stories.yml has a statement story)."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date

import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import Select, WebDriverWait
from sqlalchemy import func, select

from actions.donations import ActionDonationInfo
from actions.statement_answers import ActionShowStatement
from bot.club.database import session_scope
from bot.club.models import Donation, Expense, Fund, Sponsor
from bot.club.seed import seed_if_empty
from bot.club.values import parse_amount
from bot.reports import vietqr
from bot.reports.ledger import BankTransaction
from bot.text import fold
from tests.actions.actions_kit import rasa_output, run, tracker
from tests.bridge.platform_kit import ScriptedRasa
from tests.browser.browser_kit import ADMIN, log_in, shoot, wait_for
from tests.fixtures.statements import make_statement_fixtures as made
from tests.fixtures.statements.make_statement_fixtures import Tx

MONTH_START, MONTH_END = date(2026, 1, 1), date(2026, 2, 1)
MB_ACCOUNT = "9990001112223"  # the club's second account, at MB
MB_JANUARY = [
    Tx(date(2026, 1, 6), "MB26006001", 480_000, "NUOIEM NE0103 0912345678"),
    Tx(date(2026, 1, 12), "MB26012002", 250_000, "ung ho CLB"),
    Tx(date(2026, 1, 18), "MB26018003", -400_000, "Mua xi mang diem truong"),
]
# What staff do with each row waiting for review: (memo, fund, category); a
# row without a fund is confirmed as suggested ("Đúng", one click).
BOOKINGS = [
    ("IBFT NUOIEMNE0102", None, None),
    ("ung ho cac em", "NUOIEM", None),
    ("ung ho CLB", "XAYTRUONG", None),
    ("Chi mua gao cho diem truong Sa Na", "NUOIEM", "Bữa trưa"),
    ("Phi van chuyen ao am", "CHIENDICH", None),  # "Đi lại", as suggested
    ("Mua xi mang diem truong", "XAYTRUONG", None),  # "Vật liệu xây dựng"
]
PHONE = re.compile(r"(?<!\d)(?:\+?84|0)(?:[ .]?\d){9}(?!\d)")


def club_turn(payload: dict) -> list[dict]:
    """The scripted Rasa's answer: a statement or the bank account by a few
    words (standing in for the NLU), from the club's real actions."""
    text = payload["message"]
    folded = fold(text)
    if "sao ke" in folded:
        action, intent = ActionShowStatement(), "ask_statement"
    elif re.search(r"ung ho|stk|chuyen khoan", folded):
        action, intent = ActionDonationInfo(), "donate"
    else:
        return [{"recipient_id": payload["sender"], "text": "Dạ?"}]
    amounts = [
        {"entity": "amount", "value": parse_amount(word)}
        for word in re.findall(r"\b\d+k\b", folded)
    ]
    turn = tracker(text, intent=intent, sender=payload["sender"], entities=amounts)
    messages, _ = run(action, turn)
    return [rasa_output(m, payload["sender"]) for m in messages]


@pytest.fixture
def club_rasa(monkeypatch):
    """The scripted Rasa, set as the bridge's Rasa and action server."""
    rasa = ScriptedRasa(club_turn)
    monkeypatch.setenv("RASA_URL", rasa.url)
    monkeypatch.setenv("ACTION_SERVER_URL", rasa.url)
    yield rasa
    rasa.close()


@pytest.fixture
def bridge(club_rasa, bridge):
    """tests/browser/conftest.py's bridge, talking to the scripted Rasa."""
    return bridge


def ask_web_chat(driver, bridge, text: str):
    """A web chat user asks; the bot's answers once the typing dots go."""
    driver.get(bridge.page("/"))
    wait_for(driver, "#input").send_keys(text, Keys.ENTER)
    wait_for(driver, ".msg.user", text)
    wait_for(driver, ".msg.bot")
    WebDriverWait(driver, 30).until(
        lambda d: not d.find_elements(By.CSS_SELECTOR, "#typing")
    )
    return driver.find_elements(By.CSS_SELECTOR, ".msg.bot")


def second_export(folder, monkeypatch):
    """The MB account's January, in MB's CSV layout."""
    monkeypatch.setattr(made, "ACCOUNT", MB_ACCOUNT)
    return made.write_mb_csv(folder / "mb-thang-1.csv", MB_JANUARY, 2_000_000)


def loaded(driver, button) -> None:
    """Click, then wait for the next page to replace this one and finish."""
    button.click()
    WebDriverWait(driver, 30).until(expected_conditions.staleness_of(button))
    WebDriverWait(driver, 30).until(
        lambda d: d.execute_script("return document.readyState") == "complete"
    )


def dong(text: str) -> int:
    """ "1.234.000 đ" (or "−50.000 đ") → 1234000."""
    amount = int(re.sub(r"\D", "", text.split("(")[0]))
    return -amount if text.strip().startswith("−") else amount


def upload(driver, path) -> dict[str, str]:
    driver.find_element(By.CSS_SELECTOR, "form.upload input[type=file]").send_keys(
        str(path)
    )
    loaded(driver, wait_for(driver, "form.upload button", "Nhập sao kê"))
    wait_for(driver, ".statement-result h2", f"Đã nhập {path.name}")
    figures = driver.find_elements(By.CSS_SELECTOR, ".statement-result dl div")
    return {
        f.find_element(By.TAG_NAME, "dt").text: f.find_element(By.TAG_NAME, "dd").text
        for f in figures
    }


def book(driver, memo: str, fund: str | None, category: str | None) -> None:
    row = wait_for(driver, "article.tx", memo)
    if fund is None:
        button = row.find_element(By.CSS_SELECTOR, "button.confirm")
    else:
        Select(row.find_element(By.NAME, "fund")).select_by_value(fund)
        if category:
            Select(row.find_element(By.NAME, "category")).select_by_value(category)
        button = row.find_element(
            By.XPATH, ".//button[@value='assign' and not(@tabindex='-1')]"
        )
    loaded(driver, button)
    wait_for(driver, ".notice", "Đã ghi")


def public_figures(driver) -> tuple[dict[str, int], dict[str, tuple[int, ...]]]:
    """The public page's totals, and (received, spent, closing) per fund."""
    totals = {
        box.find_element(By.TAG_NAME, "span").text: dong(
            box.find_element(By.TAG_NAME, "strong").text
        )
        for box in driver.find_elements(By.CSS_SELECTOR, ".totals div")
        if "đ" in box.text
    }
    funds = {}
    for article in driver.find_elements(By.CSS_SELECTOR, "article.fund"):
        terms = article.find_elements(By.CSS_SELECTOR, "dt:not(.sub)")
        values = article.find_elements(By.CSS_SELECTOR, "dd:not(.sub)")
        shown = {t.text: dong(v.text) for t, v in zip(terms, values, strict=True)}
        name = article.find_element(By.TAG_NAME, "h3").text
        funds[name] = (shown["Đã nhận"], shown["Đã chi"], shown["Số dư cuối kỳ"])
    return totals, funds


def ledger_figures(url: str) -> tuple[dict[str, int], dict[str, tuple[int, ...]]]:
    """The same figures from the books: the bank rows of January (every one
    booked) and the donations and expenses per fund."""
    tx = BankTransaction
    in_month = (tx.date >= MONTH_START, tx.date < MONTH_END)
    with session_scope(url) as session:
        received = session.scalar(
            select(func.sum(tx.amount)).where(tx.amount > 0, *in_month)
        )
        spent = -session.scalar(
            select(func.sum(tx.amount)).where(tx.amount < 0, *in_month)
        )
        funds = {}
        for fund in session.scalars(select(Fund)):
            sums = [
                session.scalar(
                    select(func.coalesce(func.sum(model.amount), 0)).where(
                        model.fund_id == fund.id,
                        model.date >= MONTH_START,
                        model.date < MONTH_END,
                    )
                )
                for model in (Donation, Expense)
            ]
            funds[fund.name] = (sums[0], sums[1], sums[0] - sums[1])  # opening 0
    return {"Đã nhận": received, "Đã chi": spent}, funds


def names_in_books(url: str) -> set[str]:
    """Every full name the books hold: sponsors and the banks' payers."""
    with session_scope(url) as session:
        people = set(session.scalars(select(Sponsor.full_name)))
        people |= set(session.scalars(select(BankTransaction.counter_name)))
    return {name for name in people if len(name.split()) > 1}


def bot_figures(text: str) -> dict[str, tuple[int, ...]]:
    """ "• Quỹ Nuôi em: thu 1.120.000 đ, chi 0 đ, số dư ..." per fund."""
    line = re.compile(r"• (.+?): thu ([\d.]+) đ, chi ([\d.]+) đ, số dư (−?[\d.]+) đ")
    return {
        name: tuple(dong(value) for value in values)
        for name, *values in line.findall(text)
    }


def test_a_month_of_two_banks_is_booked_reported_and_agrees_everywhere(
    bridge, browser, new_browser, tmp_path, monkeypatch
):
    assert seed_if_empty(bridge.db_url) > 0  # the demo funds, children, sponsors
    mb_file = second_export(tmp_path, monkeypatch)
    log_in(browser, bridge, ADMIN)
    wait_for(browser, "nav button", f"Đăng xuất ({ADMIN})")
    loaded(browser, wait_for(browser, "nav a", "Sao kê"))
    wait_for(browser, "h1", "Sao kê ngân hàng")

    tcb = upload(browser, made.HERE / "tcb_enquiry.xlsx")
    assert (tcb["Mới"], tcb["Tự khớp"], tcb["Lỗi"]) == ("8", "4", "0")
    mb = upload(browser, mb_file)
    assert (mb["Mới"], mb["Tự khớp"], mb["Lỗi"]) == ("3", "1", "0")
    shoot(browser, "console-statements")

    loaded(browser, wait_for(browser, ".statement-result a", "giao dịch cần xem"))
    wait_for(browser, "h1", "Giao dịch cần xem")
    wait_for(browser, "p", "6 giao dịch cần xem")
    shoot(browser, "console-statements-review")
    for memo, fund, category in BOOKINGS:
        book(browser, memo, fund, category)
    wait_for(browser, "p", "Không có giao dịch nào cần xem.")

    loaded(browser, wait_for(browser, "a", "Tải lên sao kê"))
    Select(browser.find_element(By.NAME, "month")).select_by_value("2026-01")
    loaded(browser, wait_for(browser, "form.report button", "Làm báo cáo tháng"))
    wait_for(browser, ".report-result h3", "Đã làm báo cáo tháng 1/2026")
    made_received = dong(browser.find_element(By.CSS_SELECTOR, "dd.received").text)
    assert not browser.find_elements(By.CSS_SELECTOR, ".report-result .notice")
    for kind in ("xlsx", "pdf", "png"):
        assert (tmp_path / "reports" / "2026-01" / f"sao-ke-2026-01.{kind}").exists()

    loaded(browser, wait_for(browser, "a.public-link", "sao kê công khai"))
    wait_for(browser, "h1", "Sao kê tháng 1/2026")
    assert browser.current_url == bridge.page("/sao-ke/2026-01")
    shoot(browser, "public-sao-ke")
    totals, funds = public_figures(browser)
    books_totals, books_funds = ledger_figures(bridge.db_url)
    assert totals["Đã nhận"] == books_totals["Đã nhận"] == made_received == 3_070_000
    assert totals["Đã chi"] == books_totals["Đã chi"] == 1_950_000
    assert totals["Cuối kỳ"] == 3_070_000 - 1_950_000
    assert funds == books_funds

    page = browser.find_element(By.TAG_NAME, "body").text
    assert not PHONE.search(page)
    shown = page.casefold()
    assert [n for n in names_in_books(bridge.db_url) if n.casefold() in shown] == []
    assert "N.T. Trang" in page  # shortened, not left out

    messages, _ = run(ActionShowStatement(), tracker("sao kê tháng 1/2026"))
    [answer] = messages
    assert answer["response"] == "utter_statement" and answer["month"] == "01/2026"
    assert bot_figures(answer["funds"]) == funds
    assert answer["url"].endswith("/sao-ke/2026-01")

    # ... and the same answer as a donor sees it in the web chat
    [bubble] = ask_web_chat(new_browser(), bridge, "sao kê tháng 1/2026 với ad")
    shown = bubble.find_element(By.CSS_SELECTOR, ".text").text
    assert shown.startswith("Dạ, sao kê tháng 01/2026 của CLB:")
    assert bot_figures(shown) == funds
    assert shown.rstrip().endswith(bridge.page("/sao-ke/2026-01"))
    assert not PHONE.search(shown)


def test_a_donor_naming_a_fund_sees_its_vietqr_in_the_web_chat(
    bridge, browser, tmp_path
):
    """Issue #13 item 4 on the web chat: the account as text (the fallback)
    and the VietQR image, which the page loads from the bridge and which
    decodes (zbar) to the club's account, the fund's memo and the amount."""
    assert seed_if_empty(bridge.db_url) > 0
    bank, qr, other = ask_web_chat(
        browser, bridge, "ủng hộ 500k xây trường thì ck vào đâu ạ"
    )
    text = bank.find_element(By.CSS_SELECTOR, ".text").text
    account = bridge.settings.bank_account
    assert "Nội dung chuyển khoản: XAYTRUONG" in text
    assert account[:4] in text and "Vietcombank" in text
    image = qr.find_element(By.TAG_NAME, "img")
    WebDriverWait(browser, 30).until(
        lambda _: browser.execute_script(
            "return arguments[0].complete && arguments[0].naturalWidth > 0", image
        )
    )
    src = image.get_attribute("src")
    assert src.startswith(bridge.page("/qr/vietqr.png?"))
    png = requests.get(src, timeout=10)
    assert png.status_code == 200 and png.headers["Content-Type"] == "image/png"
    path = tmp_path / "qr.png"
    path.write_bytes(png.content)
    zbarimg = shutil.which("zbarimg")
    assert zbarimg, "zbarimg is missing: run `make tools` (installs zbar-tools)"
    decoded = subprocess.run(
        [zbarimg, "--quiet", "--raw", str(path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert decoded == vietqr.payload(
        bridge.settings.bank_bin, account, 500_000, "XAYTRUONG"
    )
    assert "Nuôi em" in other.text  # the other ways to help follow
    shoot(browser, "webchat-vietqr")
