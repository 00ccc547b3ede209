"""A synthetic dataset of PhoATIS's size and shape, for timing only.

`python -m bench.synthetic OUT_DIR` writes `train/` (4,478 utterances), `dev/`
(500) and `test/` (893) in the PhoATIS layout: 28 intents (a few joined with
`#`), 80 slot types, 1-4 slots per utterance of 1-3 syllables each, about 11
syllables per utterance. The words are random Vietnamese-looking syllables, so
accuracy on it means nothing; it shows how training time grows with the real
data's size, label count and sentence length, which cannot be measured here
because PhoATIS may not be downloaded.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

ONSETS = ["b", "c", "ch", "d", "đ", "g", "h", "kh", "l", "m", "n", "ng", "nh", "ph"]
ONSETS += ["qu", "s", "t", "th", "tr", "v", "x"]
RHYMES = ["a", "ai", "an", "ang", "anh", "ao", "e", "em", "en", "i", "inh", "o"]
RHYMES += ["oi", "ong", "u", "uan", "ung", "uyên", "ương", "ơn", "ưa", "ay", "ôi"]
SIZES = {"train": 4478, "dev": 500, "test": 893}


def _word(rng: random.Random, syllables: int) -> list[str]:
    return [rng.choice(ONSETS) + rng.choice(RHYMES) for _ in range(syllables)]


def generate(seed: int = 13) -> dict[str, list[tuple[str, str, str]]]:
    rng = random.Random(seed)
    slots = [f"slot{i:02d}.name" for i in range(80)]
    values = {s: [_word(rng, rng.randint(1, 3)) for _ in range(12)] for s in slots}
    intents = [f"intent{i:02d}" for i in range(25)]
    intents += ["intent00#intent01", "intent00#intent02", "intent03#intent04"]
    templates = {
        intent: [
            (_word(rng, rng.randint(2, 5)), rng.sample(slots, rng.randint(1, 4)))
            for _ in range(4)
        ]
        for intent in intents
    }
    weights = [40 if i < 3 else 1 + (28 - i) // 4 for i in range(len(intents))]
    data: dict[str, list[tuple[str, str, str]]] = {}
    for split, size in SIZES.items():
        rows = []
        for _ in range(size):
            intent = rng.choices(intents, weights)[0]
            words, slot_names = rng.choice(templates[intent])
            tokens, tags = list(words), ["O"] * len(words)
            for slot in slot_names:
                value = rng.choice(values[slot])
                tokens += [rng.choice(["từ", "đến", "vào", "của", "cho"])] + value
                tags += ["O", f"B-{slot}"] + [f"I-{slot}"] * (len(value) - 1)
            rows.append((" ".join(tokens), " ".join(tags), intent))
        data[split] = rows
    return data


def write(out: Path, data: dict[str, list[tuple[str, str, str]]]) -> None:
    for split, rows in data.items():
        directory = out / split
        directory.mkdir(parents=True, exist_ok=True)
        for name, column in (("seq.in", 0), ("seq.out", 1), ("label", 2)):
            lines = [row[column] for row in rows]
            (directory / name).write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.synthetic")
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args(argv)
    write(args.out, generate(args.seed))
    print(f"wrote a synthetic PhoATIS-shaped dataset to {args.out}")


if __name__ == "__main__":
    main()
