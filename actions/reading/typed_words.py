"""Short answers read the way they were typed.

Folding merges different words: "đúng" (yes) and "dừng" (stop) both fold to
"dung", "khỏi" (no need) and "khối" (a school year) to "khoi", "Dũng" (a name)
to "dung" too, "đổi" (change) and "đợi" (wait) to "doi". So the word lists of
the forms are written with diacritics, and each typed word is compared:

- as typed (lower case, NFC) when it carries a diacritic: "dừng" is never yes;
- folded (teencode expanded) when it carries none: "dung" matches both "đúng"
  and "dừng", and the caller decides by the question being asked.

Words are compared one by one, so "đúng r" still reads as "đúng rồi".
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.text import fold_word, nfc, strip_diacritics

_WORD = re.compile(r"\w+", re.UNICODE)
# Politeness particles that may close a short answer ("đúng ạ", "thôi nhé").
_PARTICLES = {"ạ", "a", "nhé", "nhe", "nha", "nhá", "ha", "ah"}


def words_of(text: str) -> list[str]:
    """Lower-case NFC words, without punctuation."""
    return _WORD.findall(nfc(text).lower())


def has_diacritics(word: str) -> bool:
    return strip_diacritics(word) != word


def same_word(typed: str, listed: str) -> bool:
    """`typed` (lower case) reads as `listed` (written with diacritics)."""
    if has_diacritics(typed):
        return typed == listed
    return fold_word(typed) == fold_word(listed)


def _answer_words(text: str) -> list[str]:
    words = words_of(text)
    while len(words) > 1 and words[-1] in _PARTICLES:
        words.pop()
    return words


def _same_words(typed: list[str], listed: list[str]) -> bool:
    return len(typed) == len(listed) and all(map(same_word, typed, listed))


def is_one_of(text: str, phrases: Iterable[str]) -> bool:
    """The whole answer is one of `phrases` (closing particles ignored)."""
    typed = _answer_words(text)
    return any(_same_words(typed, words_of(p)) for p in phrases)


def find_phrase(words: list[str], phrase: str) -> int:
    """Where `phrase` starts among the typed `words`, or -1."""
    wanted = words_of(phrase)
    for start in range(len(words) - len(wanted) + 1):
        if _same_words(words[start : start + len(wanted)], wanted):
            return start
    return -1


def has_any_phrase(words: list[str], phrases: Iterable[str]) -> bool:
    """One of `phrases` is among the typed `words`."""
    return any(find_phrase(words, phrase) >= 0 for phrase in phrases)


def has_any_word(text: str, listed: Iterable[str]) -> bool:
    """Some typed word reads as one of the `listed` words."""
    typed = words_of(text)
    return any(same_word(t, w) for t in typed for w in listed)


def number_word(text: str, numbers: dict[str, int]) -> int | None:
    """The number a first word names ("hai", "năm"), if any."""
    typed = words_of(text)
    if not typed:
        return None
    return next((n for w, n in numbers.items() if same_word(typed[0], w)), None)
