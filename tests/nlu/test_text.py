import unicodedata

from bot.text import fold, fold_word, nfc


def test_diacritics_and_case_fold_away():
    assert fold("Nuôi Em") == fold("nuoi em") == "nuoi em"
    assert fold("ĐĂNG KÝ") == "dang ky"


def test_teencode_is_expanded():
    assert fold("e muốn đk đi tình nguyện") == "em muon dang ky di tinh nguyen"
    assert fold("cho mik xin stk") == "cho minh xin so tai khoan"
    assert fold("ko dc à") == "khong duoc a"
    assert fold_word("đc") == fold_word("dc") == "duoc"


def test_decomposed_unicode_matches_composed():
    decomposed = unicodedata.normalize("NFD", "chiến dịch tình nguyện")
    assert decomposed != "chiến dịch tình nguyện"
    assert nfc(decomposed) == "chiến dịch tình nguyện"
    assert fold(decomposed) == "chien dich tinh nguyen"


def test_emoji_and_punctuation_are_dropped():
    assert fold("có chiến dịch nào ko ad?? 😍🙏") == "co chien dich nao khong admin"


def test_empty_and_blank_input():
    assert fold("") == ""
    assert fold("   \n ") == ""
    assert nfc(None) == ""


def test_long_message_folds_completely():
    text = "Nuôi em " * 625  # 5,000 characters
    folded = fold(text)
    assert folded.split() == ["nuoi", "em"] * 625


def test_held_letters_count_once():
    assert fold("khônggg đcccc đâuuu") == "khong duoc dau"
    assert fold("alooo ad ơiii") == "alo admin oi"
    assert fold("xoong nồi") == "xoong noi"  # two in a row is a real spelling


def test_i_and_y_spellings_are_one_word():
    assert fold("đăng kí") == fold("đăng ký") == fold("dang ki") == "dang ky"
    assert fold("lí do") == fold("lý do") == "ly do"
    assert fold("quí") == fold("quý") == "quy"


def test_more_teencode():
    assert fold("khum bít") == "khong biet"
    assert fold("đc k v ad") == "duoc khong vay admin"


def test_bt_is_biet_and_every_dang_ky_abbreviation_is_one():
    assert fold("k bt clb ở đâu") == "khong biet cau lac bo o dau"
    assert {fold(w) for w in ["đky", "đki", "dki", "dky", "đk", "đăng kí"]} == {
        "dang ky"
    }


def test_a_final_a_is_the_polite_particle_a_lone_a_elsewhere_is_anh():
    assert fold("có đợt nào ko a") == fold("có đợt nào ko ạ") == "co dot nao khong a"
    assert fold("a ơi cho e hỏi") == "anh oi cho em hoi"
    assert fold("a") == "anh"  # a message of one word: the address, not a particle
