"""NLU benchmark: `make bench-nlu` / `python -m bench.nlu [--dataset DIR]`.

Without `--dataset`: trains the NLU pipeline of `config.yml` on `data/nlu`,
evaluates it on the held-out `tests/nlu/test_*.yml` as written and on a copy with
the diacritics removed (and the same way on the blind held-out set
`tests/heldout/` and the development set `tests/devset/`, which may be tuned on:
`--dev-errors` lists its mistakes, also in `var/results/dev-errors.txt`), and
prints intent accuracy, macro F1, the worst intents, entity F1 per entity (exact
span and type), how many nonsense messages fall back (`tests/nlu/nonsense.txt`),
training time and parse latency.

With `--dataset DIR` (PhoATIS layout, see bench/phoatis.py): converts `train/`,
trains the same config on it and reports test intent accuracy, slot F1
(seqeval-style exact spans) and sentence accuracy.

The model goes to a temporary directory; Rasa's own output to `--log`.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bench.metrics import PRF, span_scores
from bot.ops.nlu_parser import (
    FALLBACK,
    Example,
    Parser,
    load_examples,
    output_to,
    without_diacritics,
)

ROOT = Path(__file__).resolve().parent.parent
DEV_TITLE = "development set (tests/devset, may be tuned on)"


@dataclass
class Report:
    n: int
    accuracy: float
    top_accuracy: float  # ignoring the fallback threshold
    macro_f1: float
    worst: list[tuple[str, float, int, str]]  # intent, F1, support, confused with
    entities: dict[str, PRF]
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    # (top intent correct, confidence, margin) per example, for the threshold table
    scored: list[tuple[bool, float, float]] = field(default_factory=list)
    # (gold intent, predicted intent) per example, for the confusion matrix
    pairs: list[tuple[str, str]] = field(default_factory=list)


def quiet_rasa() -> None:
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    # No training cache: every run trains every component, so times compare.
    os.environ["RASA_MAX_CACHE_SIZE"] = "0"
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    logging.basicConfig(level=logging.WARNING)


def train(config: Path, data: Path, out_dir: Path) -> tuple[Path, float]:
    """Train an NLU-only model; returns its path and the training wall time."""
    from rasa.model_training import train_nlu

    started = time.perf_counter()
    model = train_nlu(str(config), str(data), str(out_dir), fixed_model_name="nlu")
    seconds = time.perf_counter() - started
    if not model:
        raise RuntimeError(f"training on {data} produced no model")
    return Path(model), seconds


def evaluate(parser: Parser, examples: list[Example]) -> Report:
    from sklearn.metrics import f1_score

    predictions = [parser.parse(example.text) for example in examples]
    gold = [example.intent for example in examples]
    predicted = [prediction.intent for prediction in predictions]
    labels = sorted(set(gold))
    per_intent = f1_score(gold, predicted, labels=labels, average=None, zero_division=0)
    confusions: dict[str, Counter] = {label: Counter() for label in labels}
    for truth, guess in zip(gold, predicted, strict=True):
        if truth != guess:
            confusions[truth][guess] += 1
    worst = sorted(zip(labels, per_intent, strict=True), key=lambda pair: pair[1])[:5]
    entity_scores = span_scores(
        (set(example.spans) for example in examples),
        (
            {(e["start"], e["end"], e["entity"]) for e in prediction.entities}
            for prediction in predictions
        ),
    )
    return Report(
        n=len(examples),
        accuracy=sum(t == p for t, p in zip(gold, predicted, strict=True))
        / len(examples),
        top_accuracy=sum(
            e.intent == p.top for e, p in zip(examples, predictions, strict=True)
        )
        / len(examples),
        macro_f1=float(per_intent.mean()),
        worst=[
            (
                label,
                float(score),
                gold.count(label),
                ", ".join(
                    f"{name} ×{n}" for name, n in confusions[label].most_common(2)
                ),
            )
            for label, score in worst
        ],
        entities=entity_scores,
        latencies=[prediction.seconds for prediction in predictions],
        errors=[
            f"{example.intent} -> {prediction.intent}: {example.text}"
            for example, prediction in zip(examples, predictions, strict=True)
            if example.intent != prediction.intent
        ],
        scored=[
            (example.intent == prediction.top, prediction.confidence, prediction.margin)
            for example, prediction in zip(examples, predictions, strict=True)
        ],
        pairs=list(zip(gold, predicted, strict=True)),
    )


def write_results(name: str, typed: Report, folded: Report, out: Path) -> None:
    """`<out>/<name>-confusion.csv` (gold × predicted counts, both spellings)
    and `<name>-errors.txt`, for staff to read (and the staff console)."""
    import csv

    out.mkdir(parents=True, exist_ok=True)
    pairs = typed.pairs + folded.pairs
    labels = sorted({g for g, _ in pairs} | {p for _, p in pairs})
    counts = Counter(pairs)
    with (out / f"{name}-confusion.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["gold \\ predicted", *labels])
        for gold in labels:
            writer.writerow([gold, *(counts[(gold, guess)] for guess in labels)])
    lines = [f"as written: {e}" for e in typed.errors]
    lines += [f"diacritics removed: {e}" for e in folded.errors]
    (out / f"{name}-errors.txt").write_text("\n".join(lines) + "\n", "utf-8")


def threshold_rows(
    report: Report, settings: tuple[tuple[float, float], ...]
) -> list[str]:
    """What each FallbackClassifier setting (threshold, ambiguity_threshold)
    would do: right answers, wrong answers given anyway, messages that fall back."""
    rows = []
    n = len(report.scored)
    for threshold, ambiguity in settings:
        kept = [ok for ok, c, m in report.scored if c >= threshold and m >= ambiguity]
        right, wrong = sum(kept), len(kept) - sum(kept)
        rows.append(
            f"| {threshold:.2f} | {ambiguity:.2f} | {right / n:.3f} "
            f"| {wrong / n:.3f} | {(n - len(kept)) / n:.3f} |"
        )
    return rows


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def format_project(
    typed: Report, folded: Report, train_seconds: float, fallback: tuple[int, int]
) -> str:
    lines = [
        "| held-out set | n | intent accuracy | macro F1 | accuracy before fallback |",
        "|---|---:|---:|---:|---:|",
        f"| as written | {typed.n} | {typed.accuracy:.3f} | {typed.macro_f1:.3f} "
        f"| {typed.top_accuracy:.3f} |",
        f"| diacritics removed | {folded.n} | {folded.accuracy:.3f} "
        f"| {folded.macro_f1:.3f} | {folded.top_accuracy:.3f} |",
        "",
        "| worst intents (as written) | F1 | n | mistaken for |",
        "|---|---:|---:|---|",
        *(f"| {i} | {f:.3f} | {n} | {c or '-'} |" for i, f, n, c in typed.worst),
        "",
        "| worst intents (diacritics removed) | F1 | n | mistaken for |",
        "|---|---:|---:|---|",
        *(f"| {i} | {f:.3f} | {n} | {c or '-'} |" for i, f, n, c in folded.worst),
        "",
        "| entity | n | P | R | F1 | F1 without diacritics |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, score in typed.entities.items():
        other = folded.entities.get(name)
        lines.append(
            f"| {name} | {score.support} | {score.precision:.3f} "
            f"| {score.recall:.3f} | {score.f1:.3f} "
            f"| {other.f1 if other else 0:.3f} |"
        )
    latencies = [s * 1000 for s in typed.latencies + folded.latencies]
    both = Report(0, 0, 0, 0, [], {}, scored=typed.scored + folded.scored)
    lines += [
        "",
        "| fallback threshold | ambiguity threshold | right | wrong | fell back |",
        "|---:|---:|---:|---:|---:|",
        *threshold_rows(
            both, ((0.2, 0.0), (0.3, 0.0), (0.3, 0.05), (0.3, 0.1), (0.4, 0.1))
        ),
    ]
    lines += [
        "",
        "| other | value |",
        "|---|---:|",
        f"| nonsense messages falling back | {fallback[0]} / {fallback[1]} |",
        f"| training time (NLU only, in-process) | {train_seconds:.1f} s |",
        f"| parse latency p50 | {statistics.median(latencies):.1f} ms |",
        f"| parse latency p95 | {percentile(latencies, 0.95):.1f} ms |",
    ]
    return "\n".join(lines)


def second_set(
    parser: Parser,
    paths: list[Path],
    out: Path,
    name: str = "blind",
    title: str = "second held-out set (blind)",
    errors: bool = False,
) -> str:
    """Another labelled set (the blind held-out set, written without reading
    data/nlu/, or the development set): accuracy both ways, the intents it gets
    wrong most, its results files (`<out>/<name>-*`) and, with `errors`, its
    misclassified messages."""
    examples = load_examples(paths)
    typed = evaluate(parser, examples)
    folded = evaluate(parser, without_diacritics(examples))
    write_results(name, typed, folded, out)
    mistakes = ["", f"mistakes, {title}:", *typed.errors, *folded.errors]
    return "\n".join(
        [
            "",
            "",
            f"| {title} | n | intent accuracy | macro F1 |",
            "|---|---:|---:|---:|",
            f"| as written | {typed.n} | {typed.accuracy:.3f} | {typed.macro_f1:.3f} |",
            f"| diacritics removed | {folded.n} | {folded.accuracy:.3f} "
            f"| {folded.macro_f1:.3f} |",
            "",
            f"| worst intents, {name} set (as written) | F1 | n | mistaken for |",
            "|---|---:|---:|---|",
            *(f"| {i} | {f:.3f} | {n} | {c or '-'} |" for i, f, n, c in typed.worst),
            *(mistakes if errors else []),
        ]
    )


def run_project(args: argparse.Namespace) -> str:
    tests = sorted(args.test.glob("test_*.yml"))
    blind = sorted(args.blind.glob("*.yml")) if args.blind.is_dir() else []
    dev = sorted(args.dev.glob("*.yml")) if args.dev.is_dir() else []
    nonsense_file = args.test / "nonsense.txt"
    nonsense = (
        [line for line in nonsense_file.read_text().splitlines() if line.strip()]
        if nonsense_file.exists()
        else []
    )
    with tempfile.TemporaryDirectory() as out, output_to(args.log):
        model, seconds = train(args.config, args.data, Path(out))
        parser = Parser(model)
        for text in ("xin chào", "co chien dich nao ko"):  # warm-up
            parser.parse(text)
        examples = load_examples(tests)
        typed = evaluate(parser, examples)
        folded = evaluate(parser, without_diacritics(examples))
        write_results("heldout", typed, folded, args.results)
        fell_back = sum(parser.parse(t).intent == FALLBACK for t in nonsense)
        second = second_set(parser, blind, args.results) if blind else ""
        if dev:
            second += second_set(
                parser, dev, args.results, "dev", DEV_TITLE, args.dev_errors
            )
        parser.close()
    table = format_project(typed, folded, seconds, (fell_back, len(nonsense)))
    table += second + f"\n\n(confusion matrices and errors: {args.results}/)"
    if args.errors:
        table += "\n\nmistakes:\n" + "\n".join(typed.errors + folded.errors)
    return table


def run_dataset(args: argparse.Namespace) -> str:
    from bench.phoatis import read_dataset, to_rasa_yaml, token_spans

    splits = read_dataset(args.dataset)
    with tempfile.TemporaryDirectory() as out, output_to(args.log):
        data = Path(out) / "train.yml"
        data.write_text(to_rasa_yaml(splits["train"]), encoding="utf-8")
        model, seconds = train(args.config, data, Path(out))
        parser = Parser(model)
        test = splits["test"]
        predictions = [parser.parse(u.text) for u in test]
        parser.close()
    gold_spans = [u.spans() for u in test]
    pred_spans = [
        token_spans(u.text, p.entities) for u, p in zip(test, predictions, strict=True)
    ]
    slots = span_scores(gold_spans, pred_spans)["overall"]
    intent_ok = [p.intent == u.intent for u, p in zip(test, predictions, strict=True)]
    sentence_ok = [
        ok and g == p
        for ok, g, p in zip(intent_ok, gold_spans, pred_spans, strict=True)
    ]
    latencies = [p.seconds * 1000 for p in predictions]
    intents = {u.intent for u in splits["train"]}
    slot_types = {tag[2:] for u in splits["train"] for tag in u.tags if tag != "O"}
    return "\n".join(
        [
            f"dataset: {args.dataset} (train {len(splits['train'])} utterances, "
            f"{len(intents)} intents, {len(slot_types)} slot types; "
            f"test {len(test)})",
            "",
            "| metric | value |",
            "|---|---:|",
            f"| intent accuracy | {sum(intent_ok) / len(test):.4f} |",
            f"| slot F1 (exact span) | {slots.f1:.4f} |",
            f"| slot precision / recall | {slots.precision:.4f} / {slots.recall:.4f} |",
            f"| sentence accuracy | {sum(sentence_ok) / len(test):.4f} |",
            f"| training time (NLU only, in-process) | {seconds:.1f} s |",
            f"| parse latency p50 / p95 | {statistics.median(latencies):.1f} / "
            f"{percentile(latencies, 0.95):.1f} ms |",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.nlu", description=__doc__)
    parser.add_argument("--config", type=Path, default=ROOT / "config.yml")
    parser.add_argument("--data", type=Path, default=ROOT / "data" / "nlu")
    parser.add_argument("--test", type=Path, default=ROOT / "tests" / "nlu")
    parser.add_argument(
        "--blind",
        type=Path,
        default=ROOT / "tests" / "heldout",
        help="the second held-out set, written without reading data/nlu/",
    )
    parser.add_argument(
        "--dev",
        type=Path,
        default=ROOT / "tests" / "devset",
        help="the development set (may be tuned on; its errors in dev-errors.txt)",
    )
    parser.add_argument(
        "--dev-errors",
        action="store_true",
        help="also list the development set's misclassified examples",
    )
    parser.add_argument("--results", type=Path, default=ROOT / "var" / "results")
    parser.add_argument("--dataset", type=Path, help="a directory in PhoATIS layout")
    parser.add_argument(
        "--log", type=Path, default=ROOT / "var" / "log" / "bench-nlu.log"
    )
    parser.add_argument(
        "--errors", action="store_true", help="also list the misclassified examples"
    )
    args = parser.parse_args(argv)
    quiet_rasa()
    print(f"==> NLU benchmark (Rasa output: {args.log})", flush=True)
    if args.dataset:
        from bench.phoatis import DatasetError

        try:
            print(run_dataset(args))
        except DatasetError as error:
            print(f"bench-nlu: {error}", file=sys.stderr)
            return 2
    else:
        print(run_project(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
