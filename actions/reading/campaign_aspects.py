"""One part of a campaign asked about: "có mất phí ko", "đi mấy ngày vậy",
"bao nhiêu tuổi thì đi được", most often right after the campaign's card.

The part asked is answered in a line or two, with a button to the whole card,
instead of the whole card again. Words are compared as typed
(`actions.reading.typed_words`), so "tiến độ" (progress) is not "tiền" (money). "bh"
is left out: it is "bao giờ" (when) as often as "bảo hiểm" (insurance).
"""

from __future__ import annotations

from actions.reading.typed_words import has_any_phrase, words_of

# The lines of the card (utter_campaign_detail) as responses of their own, and
# the words that ask for each, comma-separated.
ASPECTS: dict[str, str] = {
    "utter_campaign_aspect_dates": (
        "mấy ngày, mấy hôm, mấy tuần, bao lâu, khi nào, bao giờ, ngày nào, hôm "
        "nào, ngày mấy, thời gian, kéo dài, bắt đầu, xuất phát, khởi hành"
    ),
    "utter_campaign_aspect_place": (
        "ở đâu, địa điểm, xã nào, bản nào, huyện nào, tỉnh nào, chỗ nào, nơi nào"
    ),
    "utter_campaign_aspect_requirements": (
        "yêu cầu, điều kiện, tiêu chí, tuổi, kinh nghiệm, sức khỏe, sức khoẻ"
    ),
    "utter_campaign_aspect_cost": (
        "phí, chi phí, lệ phí, tiền, tự túc, tốn, miễn phí, free"
    ),
    "utter_campaign_aspect_logistics": (
        "ngủ, chỗ ở, ăn ở, ăn uống, ăn ngủ, bữa ăn, nhà dân, xe, đưa đón, tập "
        "trung, đi lại, di chuyển, phương tiện, đi bằng gì"
    ),
    "utter_campaign_aspect_room": (
        "còn chỗ, slot, bao nhiêu người, bao nhiêu bạn, bn người, đủ người, số "
        "lượng, còn nhận"
    ),
    "utter_campaign_aspect_registration": "hạn, hạn chót, deadline, hết hạn",
    "utter_campaign_aspect_bring": "mang, chuẩn bị, đồ dùng",
}
# Questions no line of the card answers ("lịch trình thế nào", "làm gì ở
# đó"): the whole card, as before, rather than a line that only looks like an
# answer.
NOT_ON_THE_CARD = "lịch trình, làm gì, việc gì, giấy tờ, tiến độ"


def _any_of(words: list[str], phrases: str) -> bool:
    return has_any_phrase(words, phrases.split(", "))


def aspects_asked(text: str) -> list[str]:
    """The responses of the parts of the card the message asks about, in the
    card's order; none when it asks for the whole card or something not on it."""
    words = words_of(text)
    if _any_of(words, NOT_ON_THE_CARD):
        return []
    return [
        response for response, phrases in ASPECTS.items() if _any_of(words, phrases)
    ]
