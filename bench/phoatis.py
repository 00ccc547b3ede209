"""Read a dataset in the PhoATIS layout and write it as Rasa NLU training data.

PhoATIS (VinAI's Vietnamese ATIS) has `train/`, `dev/` and `test/`, each with
three line-aligned files: `seq.in` (space-separated syllables), `seq.out` (one
BIO tag per syllable, e.g. `B-fromloc.city_name`) and `label` (the intent;
several intents joined with `#`, kept as one label as in the published results).
The data's licence forbids redistribution: it is read from wherever the user
keeps it and never copied into the repository.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from bench.metrics import Span, bio_spans

SPLITS = ("train", "dev", "test")
FILES = ("seq.in", "seq.out", "label")


class DatasetError(ValueError):
    """The directory is not in the PhoATIS layout; the message says where."""


@dataclass(frozen=True)
class Utterance:
    tokens: tuple[str, ...]
    tags: tuple[str, ...]
    intent: str

    @property
    def text(self) -> str:
        return " ".join(self.tokens)

    def spans(self) -> set[Span]:
        """Slot spans in token indices."""
        return bio_spans(self.tags)


def read_split(directory: Path) -> list[Utterance]:
    paths = [directory / name for name in FILES]
    for path in paths:
        if not path.is_file():
            raise DatasetError(f"{path} is missing (expected {', '.join(FILES)})")
    lines = [path.read_text(encoding="utf-8").splitlines() for path in paths]
    texts, tag_lines, labels = (
        [line for line in column if line.strip()] for column in lines
    )
    if not len(texts) == len(tag_lines) == len(labels):
        raise DatasetError(
            f"{directory}: {len(texts)} utterances, {len(tag_lines)} tag lines, "
            f"{len(labels)} labels"
        )
    utterances = []
    for number, (text, tag_line, label) in enumerate(
        zip(texts, tag_lines, labels, strict=True), start=1
    ):
        tokens, tags = tuple(text.split()), tuple(tag_line.split())
        if len(tokens) != len(tags):
            raise DatasetError(
                f"{directory}/seq.out line {number}: {len(tags)} tags for "
                f"{len(tokens)} syllables"
            )
        bad = [tag for tag in tags if tag != "O" and tag[:2] not in {"B-", "I-"}]
        if bad:
            raise DatasetError(f"{directory}/seq.out line {number}: bad tag {bad[0]}")
        utterances.append(Utterance(tokens, tags, label.strip()))
    return utterances


def read_dataset(root: Path) -> dict[str, list[Utterance]]:
    """The splits present under `root`; `train` and `test` are required."""
    found = {name: read_split(root / name) for name in SPLITS if (root / name).is_dir()}
    for name in ("train", "test"):
        if name not in found:
            raise DatasetError(f"{root}/{name}/ is missing")
    return found


def _safe(token: str) -> str:
    # Square brackets would read as entity markup in Rasa's format.
    return token.replace("[", "(").replace("]", ")")


def annotate(utterance: Utterance) -> str:
    """One example in Rasa's markup: `từ [hà nội](fromloc.city_name) ...`."""
    pieces: list[str] = []
    spans = {start: (end, label) for start, end, label in utterance.spans()}
    index = 0
    while index < len(utterance.tokens):
        if index in spans:
            end, label = spans[index]
            words = " ".join(_safe(t) for t in utterance.tokens[index:end])
            pieces.append(f"[{words}]({label})")
            index = end
        else:
            pieces.append(_safe(utterance.tokens[index]))
            index += 1
    return " ".join(pieces)


def to_rasa_yaml(utterances: list[Utterance]) -> str:
    """Rasa NLU YAML, one block per intent, in order of first appearance."""
    by_intent: dict[str, list[str]] = {}
    for utterance in utterances:
        by_intent.setdefault(utterance.intent, []).append(annotate(utterance))
    lines = ['version: "3.1"', "nlu:"]
    for intent, examples in by_intent.items():
        lines.append(f"- intent: {json.dumps(intent, ensure_ascii=False)}")
        lines.append("  examples: |")
        lines.extend(f"    - {example}" for example in examples)
    return "\n".join(lines) + "\n"


def token_spans(text: str, entities: list[dict]) -> set[Span]:
    """Rasa entities (character offsets in `text`, tokens split on single spaces)
    as token-index spans, comparable with `Utterance.spans()`."""
    starts, ends, offset = {}, {}, 0
    for index, token in enumerate(text.split(" ")):
        starts[offset] = index
        ends[offset + len(token)] = index + 1
        offset += len(token) + 1
    spans: set[Span] = set()
    for entity in entities:
        start, end = starts.get(entity.get("start")), ends.get(entity.get("end"))
        if start is not None and end is not None:
            spans.add((start, end, entity["entity"]))
        else:  # a span that does not fall on syllable boundaries: never correct
            spans.add((-1 - len(spans), -1, entity["entity"]))
    return spans
