"""Asking to undo or change a sign-up, or to visit a sponsored child, not to
make a sign-up.

"em muốn hủy đăng ký chiến dịch áo ấm", "mình muốn dừng nuôi em" and "đổi số
điện thoại đã đăng ký" share their words with a sign-up, so the classifier
reads them as `register_volunteer` or `sponsor_child` and a form would open.
The phrases are written with diacritics and compared as in
`actions.reading.typed_words`: "dừng" typed as "dung" also reads as "đúng",
which none of these phrases needs to tell apart. Not "bỏ nuôi": "bố nuôi"
(a foster father) folds to the same words.
"""

from __future__ import annotations

from actions.reading.typed_words import has_any_phrase, words_of

UNDO = (
    # cancelling
    "hủy đăng ký", "huỷ đăng ký", "hủy đăng kí", "huỷ đăng kí", "hủy đk", "huỷ đk",
    "rút đăng ký", "rút tên", "không đi được nữa", "không đi nữa",
    "không tham gia được nữa", "không tham gia nữa",
    "dừng nuôi", "ngừng nuôi", "thôi nuôi", "dừng nhận nuôi", "ngừng nhận nuôi",
    "hủy nhận nuôi", "huỷ nhận nuôi", "không nuôi nữa", "không nhận nuôi nữa",
    "dừng ủng hộ hằng tháng", "ngừng ủng hộ hằng tháng",
    # changing what was registered
    "đổi số điện thoại", "đổi sđt", "đổi số đt", "sửa số điện thoại đã đăng ký",
    "đổi tên đã đăng ký", "đổi thông tin", "sửa thông tin đã đăng ký",
    "cập nhật số điện thoại", "đổi sang chiến dịch", "đổi chiến dịch",
    "chuyển sang chiến dịch", "đổi sang em khác", "đổi em khác",
)  # fmt: skip


# A sponsor asking to visit or meet the child ("mình muốn đến thăm bé được
# không", read as `sponsor_child`): the club arranges visits with the school.
# Outside the sponsor form only the phrases that name one child count:
# "lên thăm điểm trường" is not about a sponsored child.
VISIT_CHILD = (
    "thăm bé", "thăm em", "thăm cháu", "gặp bé", "gặp trực tiếp bé",
    "gọi điện cho bé", "nói chuyện với bé",
)  # fmt: skip
VISIT = VISIT_CHILD + ("thăm các em", "đến thăm", "lên thăm")


# "hỏi thăm bé NE0101" asks for the child's news: the look-up.
ASKING_AFTER = ("hỏi thăm",)


def asks_to_visit(text: str, phrases: tuple[str, ...] = VISIT) -> bool:
    words = words_of(text)
    return has_any_phrase(words, phrases) and not has_any_phrase(words, ASKING_AFTER)


def asks_to_visit_child(text: str) -> bool:
    return asks_to_visit(text, VISIT_CHILD)


def asks_to_undo(text: str) -> bool:
    """The message asks to cancel or change a registration or a sponsorship."""
    return has_any_phrase(words_of(text), UNDO)


def undo_response(text: str) -> str:
    """Outside a form: Nuôi em's answer when the message is about sponsoring,
    else the volunteers'."""
    sponsoring = has_any_phrase(
        words_of(text), ("nuôi", "em khác", "ủng hộ hằng tháng")
    )
    return "utter_sponsorship_undo" if sponsoring else "utter_registration_undo"
