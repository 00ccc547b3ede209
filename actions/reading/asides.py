"""Messages that name a topic but ask for something its answer does not give:
to cancel or change a sign-up, to hear back after one, to visit a sponsored
child, to give without one's name shown, a receipt for a gift, whether the
gift reaches the children whole, a transfer gone wrong, gifts in kind, giving
from abroad, a way to help without going. Each has its own answer wherever
the classifier sends it; `aside_response` is that answer, or None.
"""

from __future__ import annotations

from actions.reading.afar_words import helps_from_afar
from actions.reading.gift_words import gives_goods
from actions.reading.payment_words import gives_from_abroad
from actions.reading.receipt_words import asks_receipt
from actions.reading.signup_words import waits_after_sign_up
from actions.reading.transfer_words import transfer_problem
from actions.reading.trust_words import asks_about_money_use, asks_anonymity
from actions.reading.undo_words import asks_to_undo, asks_to_visit_child, undo_response

TRANSFER_PROBLEMS = {
    "memo": "utter_transfer_memo_fix",
    "mistake": "utter_transfer_mistake",
}


def aside_response(text: str) -> str | None:
    """The response for an aside, checked in this order, or None."""
    if asks_to_undo(text):  # "em bận rồi không đi được nữa"
        return undo_response(text)
    if waits_after_sign_up(text):  # "đăng ký rồi mà chưa thấy ai liên hệ"
        return "utter_sign_up_follow_up"
    if asks_to_visit_child(text):  # "cho mình lên thăm bé được không"
        return "utter_sponsorship_visit"
    if asks_anonymity(text):  # "ủng hộ ẩn danh được không"
        return "utter_anonymous"
    if asks_receipt(text):  # "có xuất hóa đơn cho công ty không"
        return "utter_donate_receipt"
    if asks_about_money_use(text):  # "tiền ủng hộ có bị trừ phí quản lý không"
        return "utter_money_use"
    if problem := transfer_problem(text):  # "ck rồi mà quên ghi nội dung"
        return TRANSFER_PROBLEMS[problem]
    if gives_goods(text):  # "có nhận chăn màn không ạ" (read as a campaign's)
        return "utter_donate_goods"
    if gives_from_abroad(text):  # "mình ở nước ngoài chuyển tiền về được không"
        return "utter_donate_abroad"
    if helps_from_afar(text):  # "mình không đi được nhưng muốn góp sức online"
        return "utter_help_from_afar"
    return None
