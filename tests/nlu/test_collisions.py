"""bench/collisions.py: which folded forms count as collisions."""

from bench.collisions import collect, spelling, teencode_clashes


def test_spellings_of_one_word_are_one_word():
    assert spelling("hòa") == spelling("hoà")
    assert spelling("khỏe") == spelling("khoẻ")
    assert spelling("kí") == spelling("ký")
    assert spelling("kííí") == spelling("ký")
    assert spelling("ký") != spelling("kỳ")
    assert spelling("bán") != spelling("bản")


def test_different_words_with_one_folded_form_collide():
    examples = [
        ("bán cho mình cái áo", "out_of_scope"),
        ("lên bản có lạnh không", "ask_safety"),
        ("bạn là bot à", "bot_challenge"),
        ("bạn ơi", "greet"),
        ("ban la bot a", "bot_challenge"),
        ("đăng ký đi tình nguyện", "register_volunteer"),
        ("đăng kí nuôi em", "sponsor_child"),
    ]
    collisions, _ = collect(examples, [])
    found = {c.folded: sorted(w.shown for w in c.words) for c in collisions}
    # typed without diacritics is not a word choice; kí/ký is one word
    assert found == {"ban": ["bán", "bạn", "bản"]}
    (ban,) = collisions
    assert ban.matters is False  # bán and bản are seen once each
    collisions, _ = collect(examples + [("bán đồ gì vậy", "out_of_scope")], [])
    assert collisions[0].matters is True


def test_teencode_that_is_an_unaccented_word():
    _, typed = collect([("ĐH Hồng Đức", "inform"), ("hong cần", "deny")], [])
    clashes = {key: others for key, _, others in teencode_clashes(typed)}
    assert clashes["hong"] == ["hồng"]
