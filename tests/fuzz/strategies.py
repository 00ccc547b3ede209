"""Hypothesis strategies for realistic-shaped hostile input.

Random bytes mostly die at the first check (a signature, a JSON parse); these
strategies build what the parsers really receive (Vietnamese messages with and
without diacritics, teencode, phones, amounts, child codes, months, platform
envelopes) and put hostile values in their fields: lone surrogates, NUL,
zero-width and bidi controls, decomposed diacritics, other scripts' digits,
payload strings, markup, formulas and very long runs.
"""

from __future__ import annotations

import json
import os
import unicodedata
from typing import Any

from hypothesis import settings
from hypothesis import strategies as st


def fuzz(weight: float = 1.0) -> settings:
    """The active profile (tests/fuzz/conftest.py) with `weight` times its
    examples: below 1 for a test whose example costs an HTTP round trip."""
    profile = settings.get_profile(os.environ.get("HYPOTHESIS_PROFILE", "fuzz"))
    return settings(profile, max_examples=max(5, round(profile.max_examples * weight)))


# --- text ------------------------------------------------------------------

HOSTILE = [
    "\x00",
    "\u200b",  # zero-width space
    "\u200d",  # zero-width joiner
    "\u202e",  # right-to-left override
    "\ufeff",  # byte order mark
    "\ud800",  # lone surrogates (valid in JSON, not in UTF-8)
    "\udfff",
    "\U0001f600",
    "\u0301",  # a combining accent with nothing before it
    "e\u0302\u0301",  # ế decomposed
    "\u0111",  # đ
    "\u0110",  # Đ
    "\r\n",
    "\t",
    "\u0130",  # İ: lower() makes it two characters
    "\u00df",  # ß: upper() makes it two characters
    "\ufb01",  # ﬁ ligature
    "\uff11\uff12",  # full-width digits
    "\u0663",  # Arabic-Indic three
    "\u00b2",  # superscript two: a digit to isdigit(), not to int()
    "\u0e51",  # Thai one
]
SNIPPETS = [
    "/greet",
    '/lookup_child{"child_code":"NE0101"}',
    '/inform{"phone": "0912345678"}',
    "<script>alert(1)</script>",
    "'; DROP TABLE children;--",
    "{{7*7}}",
    "%s%n%x",
    "../../etc/passwd",
    '=HYPERLINK("http://x","y")',
    "@SUM(A1)",
    "null",
    "NaN",
    "-0",
    "1e309",
    "9" * 40,
]
WORDS = [
    "chào", "ad", "ơi", "có", "chiến", "dịch", "nào", "sắp", "tới", "không",
    "ko", "k", "dc", "đc", "mik", "nuôi", "em", "bé", "tháng", "thg", "T12",
    "triệu", "tr", "củ", "k", "đăng", "ký", "đky", "dki", "sao", "kê", "ạ", "a",
    "à", "khônggg", "NUÔI", "Nguyễn", "Văn", "Thị", "Quan", "Sơn", "tỷ", "tỉ",
    "rưỡi", "năm", "2026", "/", "số", "sđt", "stk", "ck", "vs", "ừ", "ukm",
    "bt", "ki", "qui", "lí", "e", "c", "j", "z", "r", "v", "ne", "NE", "0101",
]  # fmt: skip


def _typed(word: str, form: str) -> str:
    return unicodedata.normalize(form, word) if form != "UPPER" else word.upper()


phones_typed = st.builds(
    lambda prefix, network, digits, sep: (
        prefix + network + sep.join([digits[:2], digits[2:5], digits[5:]])
    ),
    st.sampled_from(["0", "+84", "+84 ", "84", "(+84) "]),
    st.sampled_from("35789"),
    st.text("0123456789", min_size=8, max_size=8),
    st.sampled_from(["", " ", ".", "-"]),
)
amounts_typed = st.one_of(
    st.builds("{}tr{}".format, st.integers(1, 999), st.integers(0, 9)),
    st.builds("{} triệu {}".format, st.integers(1, 999), st.integers(1, 999)),
    st.builds("{}k".format, st.integers(1, 999_999)),
    st.builds("{:,}đ".format, st.integers(1, 10**12)).map(
        lambda s: s.replace(",", ".")
    ),
    st.builds("{},{} tỷ".format, st.integers(0, 99), st.integers(0, 99)),
    st.builds("{} củ rưỡi".format, st.integers(1, 99)),
)
codes_typed = st.builds(
    "{}{}{}".format,
    st.sampled_from(["NE", "ne", "Ne", "nE"]),
    st.sampled_from(["", " ", ".", "-", "_"]),
    st.text("0123456789", min_size=4, max_size=4),
)
months_typed = st.one_of(
    st.builds("tháng {}".format, st.integers(0, 14)),
    st.builds("thang {}/{}".format, st.integers(1, 12), st.integers(0, 9999)),
    st.builds("T{} năm {}".format, st.integers(1, 12), st.integers(0, 9999)),
    st.sampled_from(["tháng này", "tháng trước", "tháng sau", "thg vừa rồi"]),
)
raw_text = st.text(st.characters(codec=None), max_size=40)  # surrogates included
word = st.one_of(
    st.sampled_from(WORDS),
    st.tuples(st.sampled_from(WORDS), st.sampled_from(["NFC", "NFD", "UPPER"])).map(
        lambda pair: _typed(*pair)
    ),
    st.sampled_from(HOSTILE),
    st.sampled_from(SNIPPETS),
    phones_typed,
    amounts_typed,
    codes_typed,
    months_typed,
    raw_text,
    st.builds(lambda c, n: c * n, st.sampled_from("aođ0 \u0301"), st.integers(3, 300)),
)
separator = st.sampled_from([" ", " ", " ", "  ", ", ", "\n", "\t", "", "\u00a0", "?"])
messages = st.lists(st.tuples(word, separator), min_size=1, max_size=25).map(
    lambda parts: "".join(w + s for w, s in parts)
)
"""A message as a user could type it, and worse."""


# --- JSON ------------------------------------------------------------------

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(-(10**400), 10**400),  # Python's int(str) limit is 4300 digits
    st.floats(),
    messages,
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)


def dumps(value: Any) -> bytes:
    """As a platform would send it: lone surrogates escaped, NaN and
    Infinity as JavaScript writes them (not JSON, but seen in the wild)."""
    return json.dumps(value, ensure_ascii=True, allow_nan=True).encode()


def maybe(strategy: st.SearchStrategy) -> st.SearchStrategy:
    """Mostly the realistic value, sometimes any JSON value in its place (one
    field in eight: most envelopes keep their shape, so the fuzz gets deep)."""
    # (one_of would merge seven copies of one strategy back into one branch)
    return st.integers(0, 7).flatmap(lambda n: json_values if n == 7 else strategy)
