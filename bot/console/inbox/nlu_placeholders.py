"""A user's message made fit for the training data: phones, child codes, emails
and names replaced by sample values of the same kind, and marked as entities.

The entities are found as Rasa finds them: the regexes of
`data/nlu/patterns.yml` (RegexEntityExtractor, matching ignores case). Names
have no regex; a name here is a run of one to four capitalised words right
after a cue word ("tên", "là", "em", "bé", "anh", "chị" ...), or starting with
a family name of the `family_name` lookup ("Nguyễn Thu Hà"). A name typed in
lower case is not recognised: staff see the text that will be saved before
they save it. Other runs of eight or more digits (landlines, account numbers)
get sample digits too, without an entity.

Square brackets in the text become parentheses, so nothing a user typed can
read as an entity annotation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from bot.text import fold_word

PRIVATE = ("phone", "child_code", "email")
ANNOTATED = (*PRIVATE, "amount")  # the regex entities of patterns.yml
SAMPLE_EMAIL = "email.mau@gmail.com"
SAMPLE_NAMES = ("Lan", "Thu Lan", "Nguyễn Thu Lan", "Nguyễn Thị Thu Lan")
NAME_CUES = frozenset(
    {"ten", "la", "em", "be", "anh", "chi", "chau", "con", "co", "chu", "ban"}
)
_SAMPLE_DIGITS = "123456789"
_PHONE_PREFIX = re.compile(r"\+84|84|0")
_LONG_NUMBER = re.compile(r"(?<![\d+])\+?\d(?:[ .-]?\d){7,}(?!\d)")
_WORD = re.compile(r"\S+")
_EDGE = ",.;:!?…\"'()"


@dataclass(frozen=True)
class Patterns:
    regexes: dict[str, list[re.Pattern]]
    family_names: frozenset[str]


@cache
def patterns(patterns_file: Path) -> Patterns:
    """The entity regexes and family names of a patterns.yml."""
    entries = yaml.safe_load(patterns_file.read_text("utf-8")).get("nlu") or []
    regexes: dict[str, list[re.Pattern]] = {}
    family: set[str] = set()
    for entry in entries:
        lines = [
            line[2:].strip() for line in str(entry.get("examples", "")).splitlines()
        ]
        lines = [line for line in lines if line]
        if entry.get("regex") in ANNOTATED:
            regexes[entry["regex"]] = [re.compile(p, re.IGNORECASE) for p in lines]
        elif entry.get("lookup") == "family_name":
            family.update(fold_word(name) for name in lines)
    return Patterns(regexes, frozenset(family))


def sample_phone(typed: str) -> str:
    """The same shape (prefix, network digit, separators), sample digits after."""
    prefix = _PHONE_PREFIX.match(typed)
    start = prefix.end() if prefix else 0
    while start < len(typed) and not typed[start].isdigit():
        start += 1  # a separator after the prefix
    return typed[: start + 1] + _sample_digits(typed[start + 1 :])


def _sample_digits(typed: str) -> str:
    digits = iter(_SAMPLE_DIGITS * (len(typed) // 9 + 1))
    return "".join(next(digits) if ch.isdigit() else ch for ch in typed)


def sample_code(typed: str) -> str:
    """ "ne 0101" → "ne 0000": letters and separator as typed."""
    return re.sub(r"\d", "0", typed)


def _sample(entity: str, typed: str) -> str:
    if entity == "phone":
        return sample_phone(typed)
    if entity == "child_code":
        return sample_code(typed)
    if entity == "email":
        return SAMPLE_EMAIL
    return typed


def _is_name_word(word: str) -> bool:
    if not word.isalpha() or not word[0].isupper():
        return False
    return len(word) == 1 or not word.isupper()  # "CLB" is not a name


def _bare(word: re.Match) -> str:
    return word.group().strip(_EDGE)


def _ends_clause(word: re.Match) -> bool:
    return word.group()[-1] in _EDGE


def _is_cue(word: re.Match) -> bool:
    """ "tên", "bé"; "tên:" too, but not a word that ends a clause ("anh.")."""
    ended = _ends_clause(word) and not word.group().endswith(":")
    return not ended and fold_word(_bare(word)) in NAME_CUES


def _run_end(words: list[re.Match], index: int) -> int:
    """The last word of the capitalised run starting at `index` (4 words at most)."""
    end = index
    while end - index < 3 and end + 1 < len(words) and not _ends_clause(words[end]):
        if not _is_name_word(_bare(words[end + 1])):
            break
        end += 1
    return end


def _span(first: re.Match, last: re.Match) -> tuple[int, int]:
    lead = len(first.group()) - len(first.group().lstrip(_EDGE))
    trail = len(last.group()) - len(last.group().rstrip(_EDGE))
    return first.start() + lead, last.end() - trail


def name_spans(text: str, family_names: frozenset[str]) -> list[tuple[int, int]]:
    """(start, end) of each name in the text (see the module docstring)."""
    words = list(_WORD.finditer(text))
    spans, index = [], 0
    while index < len(words):
        bare = _bare(words[index])
        cue = index > 0 and _is_cue(words[index - 1])
        if not _is_name_word(bare) or not (cue or fold_word(bare) in family_names):
            index += 1
            continue
        end = _run_end(words, index)
        if cue or end > index:  # a family name alone is not a name
            spans.append(_span(words[index], words[end]))
        index = end + 1
    return spans


def _found(text: str, found: Patterns) -> list[tuple[int, int, str]]:
    spans = []
    for entity in ANNOTATED:
        for regex in found.regexes.get(entity, []):
            spans += [(m.start(), m.end(), entity) for m in regex.finditer(text)]
    spans += [(s, e, "person_name") for s, e in name_spans(text, found.family_names)]
    spans += [(m.start(), m.end(), "") for m in _LONG_NUMBER.finditer(text)]
    chosen: list[tuple[int, int, str]] = []
    for span in sorted(spans, key=lambda s: (s[0], -s[1])):  # earliest, then longest
        if not chosen or span[0] >= chosen[-1][1]:
            chosen.append(span)
    return chosen


def _replacement(entity: str, typed: str) -> str:
    if entity == "person_name":
        words = len(typed.split())
        return f"[{SAMPLE_NAMES[min(words, len(SAMPLE_NAMES)) - 1]}](person_name)"
    if not entity:
        return _sample_digits(typed)
    return f"[{_sample(entity, typed)}]({entity})"


def training_text(text: str, patterns_file: Path) -> str:
    """The message as a Rasa training example, private values replaced."""
    text = " ".join(text.replace("[", "(").replace("]", ")").split())
    pieces, at = [], 0
    for start, end, entity in _found(text, patterns(patterns_file)):
        pieces += [text[at:start], _replacement(entity, text[start:end])]
        at = end
    return "".join(pieces) + text[at:]


_ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")


def plain(example: str) -> str:
    """A training example without its entity annotations."""
    return _ANNOTATION.sub(r"\1", example)
