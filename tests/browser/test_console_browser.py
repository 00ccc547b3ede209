"""The staff console and the web chat in a real browser (headless Chromium)."""

from __future__ import annotations

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from bot.club.tickets import open_ticket
from tests.browser.browser_kit import VOLUNTEER, log_in, shoot, wait_for, wait_gone


def test_a_volunteer_logs_in_and_a_wrong_password_is_refused(bridge, browser):
    browser.get(bridge.page("/admin/"))  # not signed in: sent to the form
    wait_for(browser, "h1", "Đăng nhập")
    assert "/admin/login" in browser.current_url
    shoot(browser, "console-login")

    log_in(browser, bridge, VOLUNTEER, "sai-mat-khau")
    wait_for(browser, ".notice", "Tên đăng nhập hoặc mật khẩu chưa đúng.")
    assert not browser.find_elements(By.CSS_SELECTOR, "nav")

    log_in(browser, bridge, VOLUNTEER)
    wait_for(browser, "nav button", f"Đăng xuất ({VOLUNTEER})")
    assert browser.current_url == bridge.page("/admin/")
    assert not browser.find_elements(By.CSS_SELECTOR, ".notice")
    wait_for(browser, "h1", "Tổng quan")  # the dashboard (shot by the inbox test)

    wait_for(browser, "nav button", "Đăng xuất").click()
    wait_for(browser, "h1", "Đăng nhập")


def test_staff_reply_to_a_handed_off_web_chat_shows_in_the_users_page(
    bridge, new_browser
):
    user, staff = new_browser(), new_browser()

    # A web chat user whose conversation was handed to a person (the ticket is
    # opened by the club code the handoff action calls; Rasa is not running,
    # and an open ticket keeps the bridge from asking it).
    user.get(bridge.page("/"))
    wait_for(user, "#input")
    session = user.execute_script("return localStorage.getItem('webchat_session_id')")
    asked = "Cho mình gặp người thật để hỏi về chuyến đi Mù Cang Chải"
    ticket = open_ticket(bridge.db_url, f"web:{session}", "web", asked)
    user.find_element(By.ID, "input").send_keys(asked, Keys.ENTER)
    wait_for(user, ".msg.user", asked)
    # The bridge took the message and, the conversation being paused, is done:
    # the page stops showing the typing dots.
    wait_gone(user, "#typing")

    log_in(staff, bridge, VOLUNTEER)
    wait_for(staff, "nav a", "Cần người trả lời").click()
    row = wait_for(staff, "tbody tr", f"#{ticket}")
    assert asked in row.text
    shoot(staff, "console-handoffs")

    row.find_element(By.LINK_TEXT, f"#{ticket}").click()
    wait_for(staff, "h1", f"Phiếu #{ticket}")
    wait_for(staff, "ol.transcript li.user", asked)
    answer = "Dạ, mình là Minh ở CLB. Chuyến Mù Cang Chải đi ngày 12/7, bạn nhé!"
    staff.find_element(By.ID, "text").send_keys(answer)
    staff.find_element(By.XPATH, "//form[.//textarea[@id='text']]//button").click()
    wait_for(staff, ".notice", "Đã gửi.")
    wait_for(staff, "ol.transcript li", answer)
    shoot(staff, "console-handoff")

    # The user's page polls and shows the person's answer as a bot bubble.
    wait_for(user, ".msg.bot .text", answer)
    # Only the person answered, and nothing is waiting for Rasa (a message
    # retried against the absent Rasa server would keep the typing dots on).
    assert len(user.find_elements(By.CSS_SELECTOR, ".msg.bot")) == 1
    assert not user.find_elements(By.CSS_SELECTOR, "#typing")
    shoot(user, "webchat-handoff")
