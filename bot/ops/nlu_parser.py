"""A trained model's NLU as the server runs it, and the labelled sets it is
scored on: shared by the retrain comparison (bot/ops/evaluation.py) and the
benchmarks (bench/nlu.py)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bot.text import strip_diacritics

FALLBACK = "nlu_fallback"
Span = tuple[int, int, str]


@dataclass(frozen=True)
class Example:
    text: str
    intent: str
    spans: frozenset[Span] = frozenset()  # character offsets


@dataclass
class Prediction:
    intent: str
    entities: list[dict]
    seconds: float
    top: str = ""  # best intent before FallbackClassifier
    confidence: float = 0.0  # its confidence
    margin: float = 1.0  # over the second best


@contextlib.contextmanager
def output_to(log_file: Path) -> Iterator[None]:
    """Send everything written to stdout/stderr (Python, TensorFlow, tqdm) to a
    log file for the duration."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with log_file.open("a") as log, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        try:
            yield
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])


class Parser:
    """A trained model's NLU, one message at a time, as the server runs it."""

    def __init__(self, model: Path) -> None:
        from rasa.core.agent import Agent

        self._agent = Agent.load(str(model))
        self._loop = asyncio.new_event_loop()

    def parse(self, text: str) -> Prediction:
        started = time.perf_counter()
        result = self._loop.run_until_complete(self._agent.parse_message(text))
        seconds = time.perf_counter() - started
        intent = (result.get("intent") or {}).get("name") or FALLBACK
        ranking = [
            r for r in result.get("intent_ranking") or [] if r["name"] != FALLBACK
        ]
        top = ranking[0] if ranking else {"name": intent, "confidence": 0.0}
        second = ranking[1]["confidence"] if len(ranking) > 1 else 0.0
        return Prediction(
            intent,
            result.get("entities") or [],
            seconds,
            top["name"],
            top["confidence"],
            top["confidence"] - second,
        )

    def close(self) -> None:
        self._loop.close()


def load_examples(paths: list[Path]) -> list[Example]:
    from rasa.shared.nlu.training_data.loading import load_data

    examples = []
    for path in paths:
        for message in load_data(str(path)).intent_examples:
            spans = frozenset(
                (e["start"], e["end"], e["entity"])
                for e in message.get("entities") or []
            )
            examples.append(Example(message.get("text"), message.get("intent"), spans))
    return examples


def without_diacritics(examples: list[Example]) -> list[Example]:
    """The same examples typed without diacritics ("đ" → "d"). Folding composed
    Vietnamese keeps every character's position, so entity offsets stay valid."""
    copies = []
    for example in examples:
        text = strip_diacritics(example.text)
        if len(text) != len(example.text):
            raise ValueError(f"diacritics removal moved characters: {example.text!r}")
        copies.append(Example(text, example.intent, example.spans))
    return copies
