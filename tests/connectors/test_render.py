"""Rendering channel-neutral Rasa replies for Messenger and Zalo."""

from __future__ import annotations

from connectors import messenger, zalo
from connectors.render import shorten, split_text, utf16_len

SENTENCE = "Dạ, chiến dịch Áo ấm cho em sẽ lên Quan Sơn vào cuối tháng mười hai. "


def long_answer(length: int = 5000) -> str:
    text = ""
    while len(text) < length:
        text += SENTENCE
    return text[:length].rstrip() + "."


def test_a_5000_character_answer_is_split_on_sentence_boundaries():
    text = long_answer()
    chunks = split_text(text, 2000)
    assert len(chunks) == 3
    assert all(utf16_len(c) <= 2000 for c in chunks)
    assert all(c.endswith(".") for c in chunks)  # never mid-sentence
    assert " ".join(chunks).split() == text.split()  # nothing lost


def test_short_text_is_one_chunk_and_empty_text_none():
    assert split_text("  Dạ, chào bạn!  ", 2000) == ["Dạ, chào bạn!"]
    assert split_text("   ", 2000) == []


def test_a_sentence_longer_than_the_limit_is_cut_between_words():
    text = "từ " * 1000
    chunks = split_text(text, 2000)
    assert all(len(c) <= 2000 for c in chunks)
    assert all(not c.startswith("ừ") for c in chunks)
    assert " ".join(chunks).split() == text.split()


def test_line_breaks_are_boundaries_too():
    lines = "\n".join(f"• Dòng số {i} không có dấu chấm" for i in range(200))
    chunks = split_text(lines, 2000)
    assert all(len(c) <= 2000 for c in chunks)
    assert all(c.startswith("•") for c in chunks)


def test_emoji_count_twice_like_messenger():
    assert utf16_len("🙏") == 2
    chunks = split_text("🙏" * 1500, 2000)
    assert all(utf16_len(c) <= 2000 for c in chunks)


def test_titles_are_shortened_at_word_boundaries():
    assert shorten("Xây điểm trường Sa Ná", 20) == "Xây điểm trường Sa…"
    assert shorten("Chiến dịch sắp tới", 20) == "Chiến dịch sắp tới"
    assert shorten("Supercalifragilisticexpialidocious", 20) == "Supercalifragilisti…"
    assert len(shorten("a " * 40, 20)) <= 20


def buttons(count: int) -> list[dict[str, str]]:
    return [
        {"title": f"Chiến dịch số {i} thật là dài", "payload": f"/pick{{{i}}}"}
        for i in range(count)
    ]


def test_messenger_up_to_three_buttons_make_a_button_template():
    [body] = messenger.render(
        [{"text": "Dạ, bạn chọn nhé", "buttons": buttons(3)}], "P"
    )
    assert body["recipient"] == {"id": "P"}
    assert body["messaging_type"] == "RESPONSE"
    payload = body["message"]["attachment"]["payload"]
    assert payload["template_type"] == "button"
    assert payload["text"] == "Dạ, bạn chọn nhé"
    assert [b["type"] for b in payload["buttons"]] == ["postback"] * 3
    assert all(len(b["title"]) <= 20 for b in payload["buttons"])
    assert payload["buttons"][0]["payload"] == "/pick{0}"


def test_messenger_many_buttons_become_at_most_13_quick_replies():
    [body] = messenger.render([{"text": "Dạ, danh sách", "buttons": buttons(15)}], "P")
    replies = body["message"]["quick_replies"]
    assert len(replies) == 13
    assert all(q["content_type"] == "text" and len(q["title"]) <= 20 for q in replies)
    assert replies[-1]["payload"] == "/pick{12}"


def test_messenger_long_text_with_buttons_quick_replies_on_last_chunk():
    bodies = messenger.render([{"text": long_answer(), "buttons": buttons(2)}], "P")
    assert len(bodies) == 3
    assert all(len(b["message"]["text"]) <= 2000 for b in bodies)
    assert "quick_replies" not in bodies[0]["message"]
    assert len(bodies[-1]["message"]["quick_replies"]) == 2


def test_messenger_template_text_over_640_uses_quick_replies():
    text = long_answer(700)
    [body] = messenger.render([{"text": text, "buttons": buttons(2)}], "P")
    assert body["message"]["text"] == text
    assert len(body["message"]["quick_replies"]) == 2


def test_messenger_image_and_url_button():
    reply = {
        "text": "Dạ, ảnh đây",
        "image": "https://example.org/a.jpg",
        "buttons": [{"title": "Xem fanpage", "payload": "https://facebook.com/x"}],
    }
    bodies = messenger.render([reply], "P")
    template = bodies[0]["message"]["attachment"]["payload"]
    assert template["buttons"][0] == {
        "type": "web_url",
        "url": "https://facebook.com/x",
        "title": "Xem fanpage",
    }
    assert bodies[1]["message"]["attachment"] == {
        "type": "image",
        "payload": {"url": "https://example.org/a.jpg", "is_reusable": True},
    }


def test_zalo_text_and_query_show_buttons():
    reply = {"text": "Dạ, bạn chọn nhé", "buttons": buttons(7)}
    [body] = zalo.render([reply], "U")
    assert body["recipient"] == {"user_id": "U"}
    message = body["message"]
    assert message["text"] == "Dạ, bạn chọn nhé"
    shown = message["attachment"]["payload"]["buttons"]
    assert len(shown) == zalo.BUTTONS
    assert shown[0] == {
        "title": "Chiến dịch số 0 thật là dài",
        "type": "oa.query.show",
        "payload": "Chiến dịch số 0 thật là dài",
    }
    mapping = zalo.offered([reply])
    assert mapping[zalo.fold_title("CHIẾN DỊCH SỐ 0  thật là dài")] == "/pick{0}"


def test_zalo_long_text_split_and_image():
    bodies = zalo.render([{"text": long_answer(), "image": "https://x/a.png"}], "U")
    assert [len(b["message"].get("text", "")) <= 2000 for b in bodies] == [True] * 4
    media = bodies[-1]["message"]["attachment"]["payload"]
    assert media["template_type"] == "media"
    assert media["elements"] == [{"media_type": "image", "url": "https://x/a.png"}]
