"""The pure helpers of bench/scaling.py: /proc parsing, process trees, the
table and the four figures of issue #14 item 4."""

from pathlib import Path

from bench.scaling import (
    Row,
    figures,
    parse_stat,
    read_procs,
    table,
    thread_ticks,
    tree_ticks,
)

# pid (comm with ") (" and spaces) state ppid ... utime stime cutime cstime ...
STAT = "4242 (rasa ) (x) S 17 4242 4242 0 -1 4194560 1 2 3 4 110 22 5 3 20 0 1"


def test_parse_stat_takes_ppid_and_all_four_cpu_fields_after_the_name():
    assert parse_stat(STAT) == (17, 110 + 22 + 5 + 3)


def test_read_procs_skips_non_pids_and_vanished_processes(tmp_path: Path):
    (tmp_path / "4242").mkdir()
    (tmp_path / "4242" / "stat").write_text(STAT)
    (tmp_path / "4243").mkdir()  # ended: no stat file
    (tmp_path / "self").mkdir()
    assert read_procs(tmp_path) == {4242: (17, 140)}


def test_tree_ticks_sums_descendants_only():
    procs = {1: (0, 1000), 10: (1, 5), 11: (10, 7), 12: (10, 11), 20: (1, 100)}
    assert tree_ticks(10, procs) == 5 + 7 + 11
    assert tree_ticks(12, procs) == 11
    assert tree_ticks(99, procs) == 0


def test_thread_ticks_sums_the_named_threads_own_cpu(tmp_path: Path):
    tasks = tmp_path / "4242" / "task"
    for tid, comm in ((4242, "python"), (4250, "console-copy"), (4251, "console-copy")):
        (tasks / str(tid)).mkdir(parents=True)
        (tasks / str(tid) / "comm").write_text(comm + "\n")
        (tasks / str(tid) / "stat").write_text(STAT.replace("4242", str(tid), 1))
    (tasks / "4252").mkdir()  # ended: no files
    assert thread_ticks(4242, "console-copy", tmp_path) == 2 * (110 + 22)
    assert thread_ticks(4242, "python", tmp_path) == 110 + 22
    assert thread_ticks(9999, "console-copy", tmp_path) == 0


def row(rasa: int, workers: int, throughput: float, **cpu: float) -> Row:
    cpu_ms = {"Rasa": 60.0, "actions": 10.0, "bridge": 12.0}
    cpu_ms |= {"PostgreSQL": 15.0, "Redis": 3.0} | cpu
    return Row(rasa, workers, throughput, 0.2, 0.3, 0.18, 0.25, cpu_ms)


def test_limit_is_cores_over_total_cpu_per_turn():
    assert row(2, 4, 19.0).limit(2) == 2 * 1000 / 100


def test_figures_judge_against_the_targets():
    rows = [row(1, 4, 9.0), row(2, 2, 15.0), row(2, 4, 19.0)]
    (limit, met_share), (share, ok_share), (cpu, ok_cpu), (lat, ok_lat) = figures(
        rows, 2
    )
    assert met_share is None and "20.0 turns/s" in limit
    assert "95%" in share and ok_share  # 19 / 20
    assert "20%" in cpu and not ok_cpu  # 12 / 60
    assert "+20%" in lat and not ok_lat  # 0.3 / 0.25

    cheap = [row(1, 4, 9.0), row(2, 4, 10.0, bridge=6.0)]
    verdicts = [met for _, met in figures(cheap, 2)]
    assert verdicts == [None, False, True, False]


def test_table_has_a_line_per_row_with_the_figures():
    lines = table([row(1, 1, 8.25), row(2, 4, 19.0)], 2).splitlines()
    assert len(lines) == 4
    assert lines[0].count("|") == lines[1].count("|") == lines[2].count("|")
    assert lines[2].startswith("| 1 | 1 | 8.2 | 20.0 | 200 | 300 | 250 |")
    assert "| 100.0 | 0/0 |" in lines[3]
