"""Whole conversations through the real stack: forms, privacy, fallback, handoff."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.club.database import session_scope
from bot.club.models import VolunteerRegistration
from bot.club.tickets import is_paused, release


def texts(replies: list[dict]) -> str:
    return "\n".join(r["text"] for r in replies)


def test_registration_with_a_correction_is_saved(stack, session_id):
    stack.say("mình muốn đăng ký đi tình nguyện", session_id)
    assert "họ và tên" in texts(stack.say("áo ấm cho em", session_id))
    stack.say("nguyễn văn an", session_id)
    stack.say("0912.888.777", session_id)
    stack.say("2003", session_id)
    summary = texts(stack.say("Trường THPT Lam Sơn", session_id))
    assert "Họ tên: Nguyễn Văn An" in summary and "0912888777" in summary
    assert "di động" in texts(stack.say("sửa số điện thoại", session_id))
    assert "0912888999" in texts(stack.say("0912 888 999", session_id))
    done = texts(stack.say("đúng rồi", session_id))
    assert "đã đăng ký thành công chiến dịch Áo ấm cho em" in done
    with session_scope(stack.settings.database_url) as session:
        saved = session.scalars(
            select(VolunteerRegistration).where(
                VolunteerRegistration.phone == "0912888999"
            )
        ).one()
    assert saved.code in done and saved.conversation_id == f"web:{session_id}"


def test_a_question_mid_form_is_answered_and_the_form_goes_on(stack, session_id):
    stack.say("cho e đk xuân yêu thương", session_id)
    stack.say("Trần Thị Bích Ngọc", session_id)
    cost, again = stack.say("à mà chi phí bao nhiêu vậy ạ", session_id)
    assert cost["text"].startswith("Dạ, về chiến dịch Xuân yêu thương")
    assert "Chi phí" in cost["text"] and "di động" in again["text"]
    stack.say("0987 111 333", session_id)
    stack.say("2004", session_id)
    summary = texts(stack.say("em học ở ĐH Y Hà Nội", session_id))
    assert "Số điện thoại: 0987111333" in summary
    assert "Trường/nơi làm: ĐH Y Hà Nội" in summary


def test_stopping_a_form_saves_nothing(stack, session_id):
    stack.say("cho e đk xuân yêu thương", session_id)
    stopped = texts(stack.say("thôi không đăng ký nữa", session_id))
    assert "đã dừng lại" in stopped
    assert "Dạ, CLB Vì trẻ em vùng cao xin chào" in texts(
        stack.say("chào ad", session_id)
    )


def test_child_news_only_after_the_sponsor_phone(stack, session_id):
    first = texts(stack.say("bé NE0101 dạo này thế nào ad", session_id))
    assert "số điện thoại đã đăng ký" in first  # the same for any code...
    assert "Mai" not in first and "Na Mèo" not in first  # ...so nothing shows
    wrong = texts(stack.say("0987 654 321", session_id))
    assert "chưa khớp" in wrong and "Na Mèo" not in wrong
    news = texts(stack.say("0912 345 678", session_id))
    assert "Na Mèo" in news and "tháng tiền ăn trưa" in news
    # verified now: a button for each of her two children, no phone again
    [which] = stack.say("cho mình xem tin em với", session_id)
    assert [b["payload"] for b in which["buttons"]] == ["NE0101", "NE0103"]
    assert "Trung Sơn" in texts(stack.say("NE0103", session_id))


def test_unclear_message_offers_topics_then_a_person(stack, session_id):
    [topics] = stack.say("qwxz pltk vbnm", session_id)
    payloads = [b["payload"] for b in topics["buttons"]]
    assert len(payloads) == 3 and payloads[-1] == "/out_of_scope"
    [rephrase] = stack.say("/out_of_scope", session_id)
    assert [b["payload"] for b in rephrase["buttons"]] == ["/human_handoff"]
    [topics_again] = stack.say("zxcv bnmq", session_id)
    assert topics_again["text"] == topics["text"]
    [gave_up] = stack.say("/out_of_scope", session_id)  # neither, twice
    assert "/human_handoff" in [b["payload"] for b in gave_up["buttons"]]
    stack.say("qwxz pltk vbnm", session_id)
    listing = texts(stack.say("/ask_campaigns", session_id))  # a topic button
    assert "các chiến dịch sắp tới" in listing


def test_handoff_silences_the_bot_until_staff_release(stack, session_id):
    conversation = f"web:{session_id}"
    handed = texts(stack.say("cho mình nói chuyện với người thật", session_id))
    assert "phiếu số" in handed
    assert is_paused(stack.settings.database_url, conversation)
    assert stack.say("alo ad ơi", session_id, timeout=5, expect_reply=False) == []
    release(stack.settings.database_url, conversation, staff="test")
    assert "xin chào" in texts(stack.say("chào ad", session_id))


@pytest.mark.parametrize(
    "text",
    [
        "tra cứu bé NE0101",
        "tra cuu em NE0101",
        "NE0101",
        "kiểm tra em NE0101 giúp mình",
    ],
)
def test_look_up_phrasings_start_the_look_up(stack, session_id, text):
    asked = texts(stack.say(text, session_id))
    assert "số điện thoại đã đăng ký" in asked


@pytest.mark.parametrize(
    "text",
    ["ad ơi clb có nhận sinh viên năm nhất ko ạ", "em 17 tuổi có đăng ký được không"],
)
def test_who_may_volunteer_gets_the_age_rule(stack, session_id, text):
    """The first fell back; the second opened the sponsor form ("em" and
    "đăng ký" as in "đăng ký nuôi em")."""
    said = texts(stack.say(text, session_id))
    assert "từ 18 tuổi" in said and "họ và tên" not in said


@pytest.mark.parametrize(
    "text, answer",
    [
        ("mình muốn dừng nuôi em", "dừng nhận nuôi"),
        ("em muốn hủy đăng ký chiến dịch áo ấm", "hủy hoặc thay đổi đăng ký"),
    ],
)
def test_asking_to_cancel_opens_no_sign_up_form(stack, session_id, text, answer):
    """Read as the sign-up they name, these opened its form."""
    said = texts(stack.say(text, session_id))
    assert answer in said and "họ và tên" not in said
    assert "xin chào" in texts(stack.say("xin chào", session_id))  # no form waits


@pytest.mark.parametrize(
    "text, answer",
    [
        ("mình không đi được nhưng muốn góp sức online", "góp sức online"),
        ("có xuất hóa đơn cho công ty không", "hóa đơn VAT"),
        ("công ty mình ủng hộ thì có giấy xác nhận không ạ", "thư xác nhận"),
    ],
)
def test_an_aside_gets_its_own_answer_whatever_it_is_read_as(
    stack, session_id, text, answer
):
    """Read as a sign-up, a campaign question or a certificate, these got a
    form, a campaign card or the volunteers' certificate."""
    said = texts(stack.say(text, session_id))
    assert answer in said and "họ và tên" not in said
    assert "xin chào" in texts(stack.say("xin chào", session_id))  # no form waits


def test_the_count_and_district_in_the_opening_are_not_asked_again(stack, session_id):
    texts(stack.say("mình muốn nhận nuôi 2 bé ở Quan Sơn", session_id))
    texts(stack.say("Trần Thị Mai", session_id))
    check = texts(stack.say("0987654321", session_id))
    assert "Số em muốn nhận nuôi: 2" in check and "Huyện: Quan Sơn" in check


def test_a_code_and_the_phone_in_one_message_give_the_news(stack, session_id):
    news = texts(stack.say("NE0101 sđt 0912 345 678", session_id))
    assert "Na Mèo" in news and "tháng tiền ăn trưa" in news


def test_a_campaign_name_alone_opens_it(stack, session_id):
    detail = texts(stack.say("áo ấm cho em", session_id))
    assert "Áo ấm cho em" in detail


def test_a_name_read_as_inform_gets_the_card_alone_then_a_follow_up_its_part(
    stack, session_id
):
    [card] = stack.say("xuân yêu thương", session_id)  # no "chưa hiểu" after it
    assert card["text"].startswith("Dạ, thông tin chiến dịch Xuân yêu thương")
    [cost] = stack.say("có mất phí ko", session_id)
    assert cost["text"].startswith("Dạ, về chiến dịch Xuân yêu thương")
    assert "Chi phí" in cost["text"] and "Thời gian" not in cost["text"]


def test_a_fund_named_after_the_bot_asked_which_gets_its_vietqr(stack, session_id):
    asked = texts(stack.say("cho mình xin mã qr", session_id))
    assert "nhắn tên quỹ" in asked
    # "xây trường" is also a campaign's name: without the question, its card
    text, image, hint = stack.say("xây trường", session_id)
    assert "mã VietQR ủng hộ Quỹ Xây trường" in text["text"]
    assert image["image"].endswith("/qr/vietqr.png?memo=XAYTRUONG")
    assert "số điện thoại" in hint["text"]
