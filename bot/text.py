"""Vietnamese text normalisation.

Stored and echoed text keeps its diacritics; `fold` is only for matching, so that
"nuôi em", "nuoi em" and "NUÔI  EM" compare equal and teencode ("ko", "dc", "mik")
reads as the words it stands for.
"""

from __future__ import annotations

import re
import unicodedata

# Teencode and abbreviations as typed (already folded), mapped to folded words.
# Only unambiguous ones: "bn" (bạn / bao nhiêu) is left for the classifier.
TEENCODE: dict[str, str] = {
    "ko": "khong",
    "k": "khong",
    "kh": "khong",
    "hok": "khong",
    "hong": "khong",
    "hem": "khong",
    "kg": "khong",
    "khg": "khong",
    "hk": "khong",
    "dc": "duoc",
    "dk": "dang ky",
    "dky": "dang ky",
    "dkm": "dang ky",
    "mik": "minh",
    "mk": "minh",
    "mjk": "minh",
    "mh": "minh",
    "mn": "moi nguoi",
    "ad": "admin",
    "sdt": "so dien thoai",
    "stk": "so tai khoan",
    "ck": "chuyen khoan",
    "clb": "cau lac bo",
    "tnv": "tinh nguyen vien",
    "j": "gi",
    "z": "vay",
    "r": "roi",
    "vs": "voi",
    "trc": "truoc",
    "ntn": "nhu the nao",
    "bh": "bao gio",
    "bgio": "bao gio",
    "bjo": "bao gio",
    "cx": "cung",
    "ns": "noi",
    "lm": "lam",
    "ng": "nguoi",
    "ib": "nhan tin",
    "e": "em",
    "a": "anh",
    "c": "chi",
    "cj": "chi",
    "mún": "muon",
    "mun": "muon",
    "bít": "biet",
    "bik": "biet",
    "bit": "biet",
    "hum": "hom",
    "hnay": "hom nay",
    "nhìu": "nhieu",
    "nhiu": "nhieu",
    "thui": "thoi",
    "iu": "yeu",
    "ms": "moi",
    "dag": "dang",
    "wa": "qua",
    "tks": "cam on",
    "thks": "cam on",
    "thanks": "cam on",
    "thank": "cam on",
    "camon": "cam on",
    "camown": "cam on",
    "okie": "ok",
    "oke": "ok",
    "okela": "ok",
    "uk": "u",
    "uh": "u",
    "um": "u",
    "ukm": "u",
    "ừ": "u",
    "vg": "vang",
    "bt": "biet",  # "k bt" = không biết; "bình thường" is rarer in questions
    "bjt": "biet",
    "sđt": "so dien thoai",
    "đc": "duoc",
    "đk": "dang ky",
    "đky": "dang ky",
    "đki": "dang ky",
    "dki": "dang ky",
    "tr": "trieu",
    "tỷ": "ty",
    "khum": "khong",
    "hông": "khong",
    "v": "vay",
    "dzay": "vay",
    "zay": "vay",
}

# One spelling for the words Vietnamese writes with either i or y ("đăng kí" /
# "đăng ký", "lí do" / "lý do", "quí" / "quý"), after diacritics are removed.
I_OR_Y = {"ki": "ky", "li": "ly", "qui": "quy"}

# Letters held down for emphasis ("khônggg", "alooo", "đcccc"): Vietnamese
# never writes a letter three times in a row, so a run of three or more is one.
_HELD_LETTER = re.compile(r"(\w)\1{2,}")

_WORD = re.compile(r"\w+", re.UNICODE)
_SPACES = re.compile(r"\s+")


_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")


def scrub(text: str) -> str:
    """Lone UTF-16 surrogates (valid in JSON, not in UTF-8) become U+FFFD, so
    the text can be stored and sent anywhere."""
    return _LONE_SURROGATE.sub("\ufffd", text)


def nfc(text: str) -> str:
    """Compose decomposed input (some keyboards send NFD), scrub, and trim."""
    return unicodedata.normalize("NFC", scrub(text or "")).strip()


def strip_diacritics(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def fold_word(word: str) -> str:
    """Fold one token: lower case, held letters once, teencode expanded,
    diacritics removed, i/y spellings made one."""
    lowered = _HELD_LETTER.sub(r"\1", nfc(word).lower())
    # Look teencode up as typed: "a" is "anh", but "à" stays a particle.
    plain = TEENCODE.get(lowered) or strip_diacritics(lowered)
    return I_OR_Y.get(plain, plain)


def fold_words(words: list[str]) -> list[str]:
    """Fold the words of one message, where a word's place changes its reading.

    A lone "a" is "anh" ("a ơi", "cho a hỏi"), but as the last word of a
    message it is the polite "ạ" typed without its dot ("có đợt nào ko a").
    """
    folded = [fold_word(word) for word in words]
    if len(words) > 1 and nfc(words[-1]).lower() == "a":
        folded[-1] = "a"
    return folded


def fold(text: str) -> str:
    """Fold a whole message for matching; punctuation and emoji are dropped."""
    words = _WORD.findall(nfc(text).lower())
    return _SPACES.sub(" ", " ".join(fold_words(words))).strip()
