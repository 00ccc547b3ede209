"""Asides about giving, whatever intent they are read as: gifts in kind
("mình muốn quyên góp sách vở cũ") get the drop-off point, not the bank
account, and anything naming money or an amount still gets the account; a
receipt asked for ("có xuất hóa đơn cho công ty không") gets the receipt
answer, not a statement or a volunteer's certificate; help offered without
going ("mình không đi được nhưng muốn góp sức online") gets the other ways to
help, not the sign-up."""

from __future__ import annotations

import pytest

from actions.campaigns import ActionShowCampaignDetail
from actions.donations import ActionDonationInfo
from actions.fallback import ActionAcknowledge, ActionAskTopic, ActionRouteInform
from actions.reading.afar_words import helps_from_afar
from actions.reading.gift_words import gives_goods
from actions.reading.receipt_words import asks_receipt
from actions.reading.transfer_words import transfer_problem
from actions.statement_answers import ActionShowStatement
from actions.volunteer import ActionAnswerCertificate, ValidateVolunteerForm
from tests.actions.actions_kit import responses, run, tracker

pytestmark = pytest.mark.usefixtures("demo")

GOODS = [
    "mình muốn quyên góp sách vở cũ",
    "ủng hộ quần áo cũ gửi ở đâu ạ",
    "ung ho quan ao cu o dau",
    "mình có mấy thùng sách muốn gửi cho các em",
    "gửi đồ cũ cho các em thế nào",
    "có nhận chăn màn không ạ",
    "gửi quà cho bé được không ạ",
    "mình muốn gửi quà tết cho em NE0101",
    "minh muon quyen gop sach vo cu",
    "tặng khăn len cho các em",
    "có nhận chăn màn, áo ấm không ạ",
]
MONEY = [
    "mình muốn ủng hộ tiền mua sách cho các em",
    "ủng hộ 500k mua vở",
    "mình muốn ủng hộ chiến dịch áo ấm",  # a campaign's name, not clothes
    "cho mình xin stk ủng hộ",
    "ủng hộ thế nào ạ",
    "gửi 500k làm quà cho bé NE0101",
    # words that read as things without or even with their diacritics
    "mình muốn ủng hộ tất cả các quỹ",
    "mình muốn giúp các em có hoàn cảnh khó khăn",
    "ung ho cac em kho khan",
    "mình muốn ủng hộ, gửi qua đâu ạ",
]


@pytest.mark.parametrize("text", GOODS)
def test_gifts_in_kind_get_the_drop_off_point(text):
    """Whatever they are read as: "có nhận chăn màn, áo ấm không ạ" was read
    as a question about the campaign "Áo ấm cho em" and got its card."""
    assert gives_goods(text)
    for action in (
        ActionDonationInfo(),
        ActionShowCampaignDetail(),
        ActionRouteInform(),
        ActionAskTopic(),
    ):
        messages, events = run(action, tracker(text))
        assert responses(messages) == ["utter_donate_goods"] and events == {}


@pytest.mark.parametrize("text", MONEY)
def test_money_still_gets_the_account(text):
    assert not gives_goods(text)
    messages, _ = run(ActionDonationInfo(), tracker(text))
    assert responses(messages)[0] == "utter_donate_bank"


RECEIPTS = [
    "có xuất hóa đơn cho công ty không",
    "co xuat hoa don cho cty ko ad",
    "công ty mình ủng hộ thì có giấy xác nhận không ạ",
    "chuyển khoản xong có biên nhận ko",
    "ck xong co bien lai k ad",
    "cty em muon xin giay xac nhan tai tro",
    "bên mình cần chứng từ để hạch toán khoản tài trợ",
]
NOT_RECEIPTS = [
    "cho mình xin hóa đơn chứng từ các khoản chi",  # the statement
    "sao kê có hóa đơn chứng từ không",
    "co giay xac nhan tinh nguyen ko",  # a volunteer's certificate
    "tham gia xong có giấy chứng nhận không",
    "ủng hộ thế nào ạ",
]


@pytest.mark.parametrize("text", RECEIPTS)
def test_a_receipt_asked_for_gets_the_receipt_answer_whatever_the_intent(text):
    assert asks_receipt(text)
    for action in (
        ActionDonationInfo(),
        ActionShowStatement(),
        ActionAnswerCertificate(),
        ActionRouteInform(),
        ActionAskTopic(),
    ):
        messages, events = run(action, tracker(text))
        assert responses(messages) == ["utter_donate_receipt"] and events == {}


@pytest.mark.parametrize("text", NOT_RECEIPTS)
def test_statements_and_certificates_are_not_receipts(text):
    assert not asks_receipt(text)
    messages, _ = run(ActionAnswerCertificate(), tracker(text))
    assert responses(messages) == ["utter_certificate"]


def test_a_statement_asked_with_its_papers_still_gets_the_statement():
    messages, _ = run(ActionShowStatement(), tracker(NOT_RECEIPTS[0]))
    assert "utter_donate_receipt" not in responses(messages)
    assert responses(messages)


AFAR = [
    "mình không đi được nhưng muốn góp sức online",
    "em ở xa không tham gia được, có cách nào giúp không",
    "ko di dc thi giup gi dc k ad",
    "có tham gia online được không",
    "mình muốn hỗ trợ từ xa thì làm thế nào",
]
NOT_AFAR = [
    "em ở xa có tham gia được không",  # asks to join
    "ở xa thì ck vào đâu",  # asks for the account
    "không đi được có được hoàn phí không",  # a fee: a member
    "em bận không tham gia được",
    "xem sao kê online ở đâu",
]


@pytest.mark.parametrize("text", AFAR)
def test_help_without_going_gets_the_other_ways_not_the_sign_up(text):
    assert helps_from_afar(text)
    for action in (
        ActionDonationInfo(),
        ActionShowCampaignDetail(),
        ActionAnswerCertificate(),
        ActionRouteInform(),
        ActionAskTopic(),
    ):
        messages, events = run(action, tracker(text))
        assert responses(messages) == ["utter_help_from_afar"] and events == {}
    opening = tracker(text, intent="register_volunteer", form="volunteer_form")
    messages, slots = run(ValidateVolunteerForm(), opening)
    assert responses(messages) == ["utter_help_from_afar"]
    assert slots == {"requested_slot": None}


@pytest.mark.parametrize("text", NOT_AFAR)
def test_joining_from_afar_or_asking_money_is_not_help_without_going(text):
    assert not helps_from_afar(text)


def test_cancelling_is_told_before_the_other_ways():
    """ "không đi được nữa" with a question of help still asks to cancel."""
    text = "em không đi được nữa, có cách nào giúp không ạ"
    opening = tracker(text, intent="register_volunteer", form="volunteer_form")
    messages, _ = run(ValidateVolunteerForm(), opening)
    assert responses(messages) == ["utter_registration_undo"]


@pytest.mark.parametrize(
    "text",
    ["clb có tài khoản momo không", "chuyển qua momo được không", "có zalopay ko ad"],
)
def test_an_e_wallet_asked_about_gets_the_word_before_the_account(text):
    """The bank account alone left "có momo không" unanswered."""
    messages, _ = run(ActionDonationInfo(), tracker(text, intent="donate"))
    assert responses(messages)[:2] == ["utter_donate_wallet", "utter_donate_bank"]


def test_no_e_wallet_no_word_of_them():
    messages, _ = run(
        ActionDonationInfo(), tracker("cho mình xin stk", intent="donate")
    )
    assert "utter_donate_wallet" not in responses(messages)


@pytest.mark.parametrize(
    "text",
    [
        "tiền ủng hộ có bị trừ phí quản lý không ad",
        "tien ung ho co den tay cac em khong",
        "clb có trích lại phần trăm nào không",
        "tiền nuôi em có dùng vào việc khác không",
    ],
)
def test_whether_the_gift_reaches_the_children_gets_the_clubs_rule(text):
    """A month's statement, which does not say it, answered these."""
    for action in (ActionShowStatement(), ActionDonationInfo(), ActionAskTopic()):
        messages, _ = run(action, tracker(text))
        assert responses(messages) == ["utter_money_use"]


def test_a_fee_for_the_transfer_is_not_a_question_of_money_use():
    text = "chuyển khoản ủng hộ có mất phí không ạ"
    messages, _ = run(ActionDonationInfo(), tracker(text, intent="donate"))
    assert "utter_money_use" not in responses(messages)


@pytest.mark.parametrize(
    "text",
    [
        "mình ở nước ngoài chuyển tiền về được không",
        "clb có nhận paypal không",
        "mình ở Nhật, chuyển khoản quốc tế được không",
    ],
)
def test_giving_from_abroad_gets_the_way_to_do_it(text):
    """Read as a statement question, the first got a month's statement."""
    for action in (ActionShowStatement(), ActionDonationInfo(), ActionRouteInform()):
        messages, _ = run(action, tracker(text))
        assert responses(messages) == ["utter_donate_abroad"]


def test_childrens_day_is_not_giving_from_abroad():
    text = "ngày quốc tế thiếu nhi clb có đi đâu không"
    messages, _ = run(ActionShowStatement(), tracker(text, intent="ask_statement"))
    assert "utter_donate_abroad" not in responses(messages)


@pytest.mark.parametrize(
    ("text", "response"),
    [
        ("mình chuyển khoản quên ghi nội dung thì sao ạ", "utter_transfer_memo_fix"),
        ("ghi sai nội dung chuyển khoản rồi", "utter_transfer_memo_fix"),
        ("ck rồi mà k ghi nd", "utter_transfer_memo_fix"),
        ("em chuyển khoản không ghi mã quỹ", "utter_transfer_memo_fix"),
        ("mình lỡ chuyển dư tiền", "utter_transfer_mistake"),
        ("chuyển nhầm số tài khoản clb rồi ad ơi", "utter_transfer_mistake"),
        ("mik ck nham r", "utter_transfer_mistake"),
        ("chuyển khoản lộn số tiền rồi", "utter_transfer_mistake"),
    ],
)
def test_a_transfer_gone_wrong_gets_what_to_do(text, response):
    """Before: the account again, a month's statement, "Dạ vâng ạ" (read as
    affirm) or the fallback's topics."""
    for action in (
        ActionShowStatement(),
        ActionDonationInfo(),
        ActionAskTopic(),
        ActionAcknowledge(),
    ):
        messages, _ = run(action, tracker(text))
        assert responses(messages) == [response]


@pytest.mark.parametrize(
    "text",
    [
        "nội dung chuyển khoản ghi gì ạ",
        "đã chuyển khoản 200k rồi ạ",
        "chuyển khoản cho dự án xây trường được không",
        "mình muốn chuyển tiền ủng hộ",
        "em chuyển sang lớp khác nhầm",
    ],
)
def test_ordinary_transfer_words_are_not_a_problem(text):
    assert transfer_problem(text) is None


@pytest.mark.parametrize(
    "text", ["ủng hộ ẩn danh được không ạ", "mình muốn chuyển khoản mà không ghi tên"]
)
def test_giving_without_ones_name_gets_what_the_public_sees(text):
    for action in (ActionDonationInfo(), ActionShowStatement(), ActionAskTopic()):
        messages, _ = run(action, tracker(text))
        assert responses(messages) == ["utter_anonymous"]
