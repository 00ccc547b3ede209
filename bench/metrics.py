"""Exact-span precision, recall and F1 (what seqeval / conlleval report)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# (start, end, label): token indices [start, end) for BIO data, character offsets
# for Rasa entities. Only equality matters.
Span = tuple[int, int, str]


@dataclass(frozen=True)
class PRF:
    precision: float
    recall: float
    f1: float
    support: int  # gold spans


def bio_spans(tags: Sequence[str]) -> set[Span]:
    """Spans of a BIO sequence, conlleval-style: an I- that does not continue a
    span of its label starts one; "O" and a new B- end the current one."""
    spans: set[Span] = set()
    start, label = None, None
    for index, tag in enumerate([*tags, "O"]):
        prefix, _, name = tag.partition("-")
        continues = prefix == "I" and name == label
        if start is not None and not continues:
            spans.add((start, index, label))
            start, label = None, None
        if prefix in {"B", "I"} and not continues:
            start, label = index, name
    return spans


def _prf(tp: int, n_pred: int, n_gold: int) -> PRF:
    precision = tp / n_pred if n_pred else 0.0
    recall = tp / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if tp else 0.0
    return PRF(precision, recall, f1, n_gold)


def span_scores(
    gold: Iterable[set[Span]], predicted: Iterable[set[Span]]
) -> dict[str, PRF]:
    """Per-label and micro ("overall") scores over paired sentences."""
    tp: dict[str, int] = defaultdict(int)
    n_gold: dict[str, int] = defaultdict(int)
    n_pred: dict[str, int] = defaultdict(int)
    for gold_spans, pred_spans in zip(gold, predicted, strict=True):
        for span in gold_spans:
            n_gold[span[2]] += 1
        for span in pred_spans:
            n_pred[span[2]] += 1
        for span in gold_spans & pred_spans:
            tp[span[2]] += 1
    labels = sorted(set(n_gold) | set(n_pred))
    scores = {label: _prf(tp[label], n_pred[label], n_gold[label]) for label in labels}
    scores["overall"] = _prf(
        sum(tp.values()), sum(n_pred.values()), sum(n_gold.values())
    )
    return scores
