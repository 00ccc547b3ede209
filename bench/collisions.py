"""Folding collisions: `python -m bench.collisions [--all]`.

Folding (bot/text.py) makes "nuôi", "nuoi" and "NUÔI" one word for matching,
but it also merges different words: "bán" (sell), "bản" (village) and "bạn"
(friend) all fold to "ban". The classifier still sees the text as typed (the
`use_lemma: false` CountVectorsFeaturizer), so such words stay apart when they
are typed with diacritics, provided the training data has them.

This lists every folded form that two or more *different words* of the
training data (data/nlu/*.yml) and of the campaign names and synonyms
(data/seed/campaigns.csv) share, with the intents each word appears in.
Spellings of one word are not collisions: the same letters with the tone mark
placed differently ("hòa" / "hoà") or with i for y ("kí" / "ký").

A second list shows teencode keys typed plainly that are also the unaccented
spelling of another word in the data ("hong" → "không", while "hồng" folds to
"hong"). By default only collisions whose words appear in different intents
(or in a campaign name) are printed; `--all` prints every one.

`--probe` trains the NLU twice (config.yml, and the same pipeline without its
as-typed `use_lemma: false` featurizer) and parses short messages whose key
word is one side of a collision, with diacritics and without, to show whether
the as-typed features are what tells the two words apart (about 1 minute;
Rasa's output goes to var/log/collisions-probe.log).
"""

from __future__ import annotations

import argparse
import csv
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.text import I_OR_Y, TEENCODE, fold_word, strip_diacritics

ROOT = Path(__file__).resolve().parent.parent
NLU_DIR = ROOT / "data" / "nlu"
CAMPAIGNS = ROOT / "data" / "seed" / "campaigns.csv"
CAMPAIGN_LABEL = "(campaign name)"

# [text](entity), [text]{"entity": ...} → text
_ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")
_WORD = re.compile(r"\w+", re.UNICODE)
_HELD_LETTER = re.compile(r"(\w)\1{2,}")
# The five Vietnamese tone marks (combining, after NFD); the other marks
# (circumflex, breve, horn) make different letters.
_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}

# Abbreviations that stand for two different words; folding expands them to
# one (or, for "bn", leaves them), so only the context can tell.
ABBREVIATIONS = {
    "đk": "đăng ký (folded to it) / điều kiện",
    "dk": "đăng ký (folded to it) / điều kiện",
    "bt": "bình thường (folded to it) / biết",
    "bn": "bạn / bao nhiêu (not folded)",
    "tk": "tài khoản / thanks (not folded)",
    "ct": "chương trình / công ty (not folded)",
}


def words(text: str) -> list[str]:
    """Lower-cased NFC words as the as-typed featurizer sees them."""
    return _WORD.findall(unicodedata.normalize("NFC", text).lower())


def spelling(word: str) -> tuple[str, str]:
    """What identifies a word whatever the tone mark's place, i/y or letters
    held down ("kííí"): its letters (tone marks removed) and its tone mark."""
    decomposed = unicodedata.normalize("NFD", _HELD_LETTER.sub(r"\1", word))
    letters = unicodedata.normalize(
        "NFC", "".join(ch for ch in decomposed if ch not in _TONES)
    )
    tone = "".join(ch for ch in decomposed if ch in _TONES)
    plain = strip_diacritics(letters)
    if plain in I_OR_Y and letters.endswith("i"):
        letters = letters[:-1] + "y"
    return letters, tone


def training_examples(nlu_dir: Path = NLU_DIR) -> list[tuple[str, str]]:
    """(text without entity annotations, intent) for every training example."""
    examples = []
    for path in sorted(nlu_dir.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in data.get("nlu") or []:
            intent = block.get("intent")
            if not intent:
                continue
            for line in (block.get("examples") or "").splitlines():
                line = line.strip()
                if line.startswith("- "):
                    examples.append((_ANNOTATION.sub(r"\1", line[2:]), intent))
    return examples


def campaign_names(path: Path = CAMPAIGNS) -> list[str]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    names = []
    for row in rows:
        names.append(row["name"])
        names.extend(s for s in (row.get("synonyms") or "").split("|") if s)
    return names


@dataclass
class Word:
    """One word (all its spellings) and where it appears."""

    spellings: Counter = field(default_factory=Counter)
    intents: Counter = field(default_factory=Counter)

    @property
    def shown(self) -> str:
        return "/".join(s for s, _ in self.spellings.most_common())

    def places(self) -> str:
        return ", ".join(f"{i} {n}" for i, n in self.intents.most_common())


@dataclass
class Collision:
    folded: str
    words: list[Word]

    @property
    def matters(self) -> bool:
        """Two of its words are each seen at least twice (or in a campaign
        name) and mostly in different intents."""
        seen = [
            w
            for w in self.words
            if sum(w.intents.values()) >= 2 or CAMPAIGN_LABEL in w.intents
        ]
        tops = {w.intents.most_common(1)[0][0] for w in seen}
        return len(seen) > 1 and len(tops) > 1


def collect(
    examples: list[tuple[str, str]], names: list[str]
) -> tuple[list[Collision], dict[str, Word]]:
    """Accented words sharing a folded form, and every typed word."""
    by_folded: dict[str, dict[tuple[str, str], Word]] = defaultdict(dict)
    typed: dict[str, Word] = defaultdict(Word)
    sources = list(examples) + [(name, CAMPAIGN_LABEL) for name in names]
    for text, intent in sources:
        for word in words(text):
            typed[word].spellings[word] += 1
            typed[word].intents[intent] += 1
            if strip_diacritics(word) == word or _HELD_LETTER.sub(r"\1", word) in (
                TEENCODE
            ):
                continue  # typed without diacritics, or teencode ("đc", "mún")
            key = spelling(word)
            entry = by_folded[fold_word(word)].setdefault(key, Word())
            entry.spellings[word] += 1
            entry.intents[intent] += 1
    collisions = [
        Collision(folded, sorted(found.values(), key=lambda w: w.shown))
        for folded, found in sorted(by_folded.items())
        if len(found) > 1
    ]
    return collisions, typed


def teencode_clashes(typed: dict[str, Word]) -> list[tuple[str, str, list[str]]]:
    """Teencode keys that are also the unaccented spelling of accented words in
    the data: typed plainly, those words fold to the teencode's expansion."""
    clashes = []
    for key, expansion in sorted(TEENCODE.items()):
        if strip_diacritics(key) != key:
            continue
        others = sorted(
            word
            for word in typed
            if word != key
            and strip_diacritics(word) == key
            and word not in TEENCODE
            and fold_word(word) != expansion
        )
        if others:
            clashes.append((key, expansion, others))
    return clashes


def places(typed: dict[str, Word], word: str) -> str:
    return typed[word].places() if word in typed else "not in the data"


def report(show_all: bool = False) -> str:
    collisions, typed = collect(training_examples(), campaign_names())
    shown = [c for c in collisions if show_all or c.matters]
    lines = [
        f"Folded forms shared by different accented words: {len(collisions)}; "
        + (
            "all shown"
            if show_all
            else f"{len(shown)} whose words (seen twice or more) lean to different"
            " intents (--all for every one)"
        ),
        "",
    ]
    for collision in shown:
        lines.append(f"{collision.folded}:")
        for word in collision.words:
            lines.append(f"    {word.shown:<16} {word.places()}")
    lines += ["", "Teencode keys that are also an accented word typed plainly:"]
    for key, expansion, others in teencode_clashes(typed):
        lines.append(f"{key} → {expansion!r}: typed {places(typed, key)}")
        for word in others:
            lines.append(f"    {word} ({fold_word(word)!r}): {places(typed, word)}")
    lines += ["", "Abbreviations of two different words:"]
    for key, meaning in ABBREVIATIONS.items():
        lines.append(f"{key} ({meaning}): {places(typed, key)}")
    return "\n".join(lines)


# Short messages whose key word is one side of a collision that matters.
PROBES: list[tuple[str, str, str]] = [
    ("bảo/báo", "bảo hiểm thế nào ạ", "ask_safety"),
    ("bảo/báo", "báo cáo tháng này đâu ạ", "ask_statement"),
    ("kiểm/kiếm", "kiểm tra giúp mình khoản chuyển hôm qua", "ask_statement"),
    ("kiểm/kiếm", "kiếm việc làm thêm ở đâu ad", "out_of_scope"),
    ("kỳ/ký", "bé NE0123 học kỳ này thế nào", "lookup_child"),
    ("kỳ/ký", "đăng ký đi áo ấm", "register_volunteer"),
    ("mấy/máy", "áo ấm mấy giờ xuất phát", "ask_campaign_detail"),
    ("mấy/máy", "máy trả lời hả", "bot_challenge"),
    ("chuyến/chuyển/chuyện", "chuyến tới đi đâu ạ", "ask_campaigns"),
    ("chuyến/chuyển/chuyện", "chuyển khoản vào đâu ạ", "donate"),
    ("chuyến/chuyển/chuyện", "cho mình nói chuyện với người thật", "human_handoff"),
    ("khởi/khỏi", "áo ấm khởi hành lúc mấy giờ ạ", "ask_campaign_detail"),
    ("khởi/khỏi", "thôi khỏi ạ", "deny"),
    ("bản/bạn/bán", "lên bản có an toàn không", "ask_safety"),
    ("bản/bạn/bán", "bạn là người hay máy", "bot_challenge"),
    ("bản/bạn/bán", "bán cho mình đôi giày", "out_of_scope"),
    ("nhắn/nhận", "nhắn cho người phụ trách giúp mình", "human_handoff"),
    ("nhắn/nhận", "nhận nuôi một bé", "sponsor_child"),
    ("tới/tối", "sắp tới có đợt nào không", "ask_campaigns"),
    ("tới/tối", "tối nay ăn gì ad", "out_of_scope"),
    ("kê/kể", "sao kê đâu ad", "ask_statement"),
    ("kê/kể", "kể tên các đợt đang mở", "ask_campaigns"),
    ("đóng/đông", "đóng phí bao nhiêu ạ", "ask_campaign_detail"),
    ("đóng/đông", "clb có đông người không", "ask_club_info"),
    ("toàn/toán", "đi có an toàn không ạ", "ask_safety"),
    ("toàn/toán", "giải toán giúp mình", "out_of_scope"),
    ("hè/hệ", "hè này có đi đâu không", "ask_campaigns"),
    ("hè/hệ", "liên hệ với người phụ trách thế nào", "human_handoff"),
    ("tiền/tiến", "tiền xây trường chi hết chưa", "ask_statement"),
    ("tiền/tiến", "tiến độ xây trường tới đâu rồi", "ask_campaign_detail"),
    ("đóng/đông", "có phải đóng không ạ", "ask_campaign_detail"),
    ("bạn/bản", "bạn nào phụ trách vậy", "human_handoff"),
    ("kỳ/ký", "kỳ này bé học thế nào", "lookup_child"),
]


def without_as_typed(config: Path, out: Path) -> Path:
    """config.yml without its as-typed (`use_lemma: false`) featurizer."""
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    data["pipeline"] = [
        c
        for c in data["pipeline"]
        if not (
            c.get("name") == "CountVectorsFeaturizer" and c.get("use_lemma") is False
        )
    ]
    out.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return out


def probe(log: Path) -> str:
    import tempfile

    from bench.nlu import quiet_rasa, train
    from bot.ops.nlu_parser import Parser, output_to

    quiet_rasa()
    config = ROOT / "config.yml"
    results: dict[str, list[tuple[str, str]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folded_only = without_as_typed(config, Path(tmp) / "folded-only.yml")
        for label, cfg in (("pipeline", config), ("folded only", folded_only)):
            with output_to(log):
                model, _ = train(cfg, NLU_DIR, Path(tmp) / label.replace(" ", "-"))
                parser = Parser(model)
                results[label] = [
                    (parser.parse(text).intent, parser.parse(plain).intent)
                    for _, text, _ in PROBES
                    for plain in [strip_diacritics(text)]
                ]
                parser.close()
    lines = [
        "| words | message | expected | pipeline: typed / no diacritics "
        "| without the as-typed featurizer: typed / no diacritics |",
        "|---|---|---|---|---|",
    ]
    right = Counter()
    for i, (words_, text, expected) in enumerate(PROBES):
        cells = []
        for label in ("pipeline", "folded only"):
            typed, plain = results[label][i]
            right[label, "typed"] += typed == expected
            right[label, "plain"] += plain == expected
            cells.append(
                " / ".join("✓" if p == expected else p for p in (typed, plain))
            )
        lines.append(f"| {words_} | {text} | {expected} | {cells[0]} | {cells[1]} |")
    n = len(PROBES)
    lines.append(
        f"| right | | | {right['pipeline', 'typed']}/{n} / "
        f"{right['pipeline', 'plain']}/{n} | {right['folded only', 'typed']}/{n} / "
        f"{right['folded only', 'plain']}/{n} |"
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--all", action="store_true", help="every collision")
    parser.add_argument(
        "--probe", action="store_true", help="train and parse the probe messages"
    )
    parser.add_argument(
        "--log", type=Path, default=ROOT / "var" / "log" / "collisions-probe.log"
    )
    args = parser.parse_args()
    print(probe(args.log) if args.probe else report(args.all))


if __name__ == "__main__":
    main()
