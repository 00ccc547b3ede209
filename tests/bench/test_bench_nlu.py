"""The NLU benchmark: its helpers, and the PhoATIS path end to end on the fixture."""

import subprocess
import sys
from pathlib import Path

from bench.nlu import Example, percentile, without_diacritics

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "phoatis"


def test_removing_diacritics_keeps_entity_offsets():
    text = "mình chuyển 1 triệu cho bé NE0123 tháng 5"
    spans = frozenset({(12, 19, "amount"), (27, 33, "child_code")})
    (copy,) = without_diacritics([Example(text, "inform", spans)])
    assert copy.text == "minh chuyen 1 trieu cho be NE0123 thang 5"
    assert {copy.text[s:e] for s, e, _ in copy.spans} == {"1 trieu", "NE0123"}
    assert copy.intent == "inform"


def test_percentile_is_nearest_rank():
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 0.5) in (50.0, 51.0)
    assert percentile(values, 0.95) == 95.0
    assert percentile([3.0], 0.95) == 3.0


def run_bench(*args, log):
    return subprocess.run(
        [sys.executable, "-m", "bench.nlu", *args, "--log", str(log)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_phoatis_fixture_trains_and_reports(tmp_path):
    result = run_bench("--dataset", str(FIXTURE), log=tmp_path / "bench.log")
    assert result.returncode == 0, result.stderr[-2000:]
    report = result.stdout
    assert "train 40 utterances, 3 intents, 5 slot types; test 8" in report
    rows = {
        line.split("|")[1].strip(): line.split("|")[2].strip()
        for line in report.splitlines()
        if line.startswith("| ") and line.count("|") == 3
    }
    for metric in ("intent accuracy", "slot F1 (exact span)", "sentence accuracy"):
        assert 0.0 <= float(rows[metric]) <= 1.0
    # the made-up set is easy: a working pipeline gets most of it right
    assert float(rows["intent accuracy"]) >= 0.75
    assert float(rows["slot F1 (exact span)"]) >= 0.75
    assert (tmp_path / "bench.log").stat().st_size > 0  # Rasa's output went there


def test_the_phoatis_config_trains_on_the_fixture(tmp_path):
    config = ROOT / "bench" / "phoatis-config.yml"
    result = run_bench(
        "--dataset", str(FIXTURE), "--config", str(config), log=tmp_path / "bench.log"
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "| intent accuracy |" in result.stdout
    assert "| slot F1 (exact span) |" in result.stdout


def test_a_directory_not_in_phoatis_layout_is_refused(tmp_path):
    (tmp_path / "train").mkdir()
    result = run_bench("--dataset", str(tmp_path), log=tmp_path / "bench.log")
    assert result.returncode == 2
    assert "seq.in is missing" in result.stderr


def test_results_files_give_the_confusion_matrix_and_the_errors(tmp_path):
    from bench.nlu import Report, write_results

    typed = Report(
        3,
        2 / 3,
        2 / 3,
        0.5,
        [],
        {},
        errors=["lookup_child -> inform: tra cứu bé NE0101"],
        pairs=[("greet", "greet"), ("lookup_child", "inform"), ("inform", "inform")],
    )
    folded = Report(1, 1.0, 1.0, 1.0, [], {}, pairs=[("lookup_child", "lookup_child")])
    write_results("blind", typed, folded, tmp_path)
    rows = (tmp_path / "blind-confusion.csv").read_text().splitlines()
    assert rows[0] == "gold \\ predicted,greet,inform,lookup_child"
    assert rows[3] == "lookup_child,0,1,1"
    errors = (tmp_path / "blind-errors.txt").read_text()
    assert errors == "as written: lookup_child -> inform: tra cứu bé NE0101\n"
