"""Console speed benchmark (issue #12 "Speed"): `make bench-console`.

Generates Rasa's SQL tracker store on a SQLite file under var/bench/ (2,000
conversations, 200,000 events, one conversation of 20,000 by default; rows in
Rasa's own format, see `tracker_fill.py`). Then it times the console's first
full copy of the store, incremental copies of 50 new events, and the console's
pages served by the real app (a logged-in Flask test client, no network): the
first load, and the median of several more.

Targets: every page under a second; a copy of 50 new events under a second
(it keeps up with 50 events a second). Promotion under `make bench-load`'s load
is measured by the retrain work, not here.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

from bench.tracker_fill import add_new_events, generate

ROOT = Path(__file__).resolve().parents[1]
STAFF, PASSWORD = "bench.admin", "mat-khau-bench-dai"


def _app(workdir: Path, db_url: str):
    os.environ.update(DATABASE_URL=db_url, VAR_DIR=str(workdir))
    os.environ["TRACKER_DB"] = str(workdir / "tracker.db")
    from bot.bridge.app import build_queue, create_app
    from bot.club.staff import create_staff
    from bot.settings import load_settings

    settings = load_settings(workdir / "none.env")
    create_staff(db_url, STAFF, PASSWORD, role="admin")
    app = create_app(settings, build_queue(settings))
    client = app.test_client()
    page = client.get("/admin/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)[1]
    form = {"username": STAFF, "password": PASSWORD, "csrf_token": token}
    assert client.post("/admin/login", data=form).status_code == 302
    return app, client


def time_page(app, client, path: str, loads: int) -> tuple[float | None, float, int]:
    """Seconds of the first load and the median of `loads` more; None if not built."""
    from werkzeug.exceptions import NotFound

    try:
        app.url_map.bind("localhost").match(path.split("?")[0])
    except NotFound:
        return None, 0.0, 404
    began = time.perf_counter()
    status = client.get(path).status_code
    first = time.perf_counter() - began
    took = []
    for _ in range(loads):
        began = time.perf_counter()
        status = max(status, client.get(path).status_code)
        took.append(time.perf_counter() - began)
    return statistics.median(took), first, status


def run(workdir: Path, conversations: int, events: int, long: int, loads: int):
    """Generate, copy, time the pages; returns the figures as table rows."""
    from bot.console.event_copy import copy_new_events
    from bot.console.inbox.nlu_inbox import collect
    from bot.ops.schema import migrate

    tracker, db_url = workdir / "tracker.db", f"sqlite:///{workdir / 'club.db'}"
    began = time.perf_counter()
    long_id = generate(tracker, conversations, events, long)
    figures = [
        ("generate the tracker store", None, time.perf_counter() - began, None, "")
    ]
    migrate(db_url)
    began = time.perf_counter()
    copied = copy_new_events(db_url, f"sqlite:///{tracker}")
    took = time.perf_counter() - began
    rate = f"{copied.read / took:,.0f} events/s read, {copied.copied:,} kept"
    figures.append(("first full copy", None, took, None, rate))
    began = time.perf_counter()
    kept = collect(db_url, ROOT / "data")
    took = time.perf_counter() - began
    note = f"the periodic task's first inbox collection, {kept:,} messages kept"
    figures.append(("first NLU inbox collection", None, took, None, note))
    rng, rounds = random.Random(5), []
    with sqlite3.connect(tracker) as db:
        senders = [s for (s,) in db.execute("SELECT DISTINCT sender_id FROM events")]
    for _ in range(max(loads, 3)):
        add_new_events(tracker, 50, rng, senders)
        began = time.perf_counter()
        new = copy_new_events(db_url, f"sqlite:///{tracker}")
        collect(db_url, ROOT / "data")
        rounds.append(time.perf_counter() - began)
        assert new.read == 50, new
    figures.append(
        ("copy and collect 50 new events", None, statistics.median(rounds), 1.0, "")
    )
    app, client = _app(workdir, db_url)
    for name, path in (
        ("dashboard, 30 days", "/admin/"),
        ("dashboard, 90 days", "/admin/?days=90"),
        ("conversation list", "/admin/conversations"),
        (f"conversation of {long:,} events", f"/admin/conversations/{quote(long_id)}"),
        ("NLU inbox", "/admin/inbox"),
    ):
        median, first, status = time_page(app, client, path, loads)
        if median is None:
            figures.append((name, None, None, None, "page not built yet"))
        else:  # an error page is fast and meets nothing
            target = 1.0 if status == 200 else None
            figures.append((name, first, median, target, f"HTTP {status}"))
    return figures


def _seconds(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def table(figures) -> str:
    """Markdown; a target is met when the first load and the median both are."""
    lines = [
        "| step | first load s | median s | target | met | note |",
        "|---|---:|---:|---:|---|---|",
    ]
    for name, first, median, target, note in figures:
        worst = max(first or 0.0, median or 0.0)
        limit = f"< {target:g} s" if target else ""
        met = (
            "" if not target or median is None else ("yes" if worst < target else "NO")
        )
        lines.append(
            f"| {name} | {_seconds(first)} | {_seconds(median)} | {limit} | {met} "
            f"| {note} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> list[tuple]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=2000)
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--long", type=int, default=20_000, help="the long one's")
    parser.add_argument("--loads", type=int, default=5, help="timed loads per page")
    parser.add_argument("--keep", action="store_true", help="keep var/bench/<dir>")
    args = parser.parse_args(argv)
    (ROOT / "var" / "bench").mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="console-", dir=ROOT / "var" / "bench"))
    try:
        figures = run(workdir, args.conversations, args.events, args.long, args.loads)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    print(
        f"{os.cpu_count()} CPU cores; {args.conversations:,} conversations, "
        f"{args.events:,} events, the longest {args.long:,}"
    )
    print(table(figures))
    return figures


if __name__ == "__main__":
    main()
