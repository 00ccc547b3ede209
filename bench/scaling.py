"""Scaling table of the scale profile: `make bench-load PROFILE=scale`.

Starts the scale profile once (bot/ops/local_scale.py: PostgreSQL, Redis, the
action server, two Rasa servers, a bridge on the Redis queue) and the
simulator of bench/load.py, then for 1 and 2 Rasa servers × 1, 2 and 4 bridge
workers restarts the single bridge process with RASA_URLS = the first 1 or 2
servers and BRIDGE_WORKERS = 1, 2 or 4 ("bridge workers" are the worker
threads of one bridge process). Per row:

- latency: signed Messenger webhooks at a fixed moderate rate (half of what
  one Rasa server sustains directly), alternating with direct turns to Rasa
  server 1's REST channel at the same rate: p50/p95 end to end;
- throughput: a burst far above capacity through the bridge, answered turns
  divided by the span from the first webhook to the last Send API call. The
  burst (1,200 turns, about 20 s) is long enough for its start, before the
  first answers, and its end, when the last conversations' turns run one at
  a time and a Rasa server may idle, to cost little: with 300 turns they
  took 1-2 points off two Rasa servers' share of the limit;
- CPU per turn during the burst, of every process tree (/proc utime+stime,
  children reaped included): Rasa servers, action server, bridge, PostgreSQL,
  Redis; the load generator and the simulator are shown apart. The console's
  copy of Rasa's events runs in a thread of the bridge process named for the
  OS (`bot.console.refresh`); its CPU is the "console" column, not the
  bridge's: it copies every turn Rasa stored, the direct ones included.

Then the issue #14 figures: the machine limit = cores / CPU seconds per turn
of all services, two Rasa servers' throughput as a share of it, the bridge's
CPU per turn against Rasa's, and its added p95 latency against a direct turn.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.load import (  # noqa: E402
    SECRETS,
    Load,
    Recorder,
    calibrate,
    cpu_seconds,
    direct,
    pct,
    simulator_service,
)
from bot.console.refresh import THREAD_NAME as CONSOLE_THREAD  # noqa: E402
from bot.ops.local_scale import LocalScale, local_scale  # noqa: E402
from bot.ops.processes import Service, free_port  # noqa: E402

SERVICES = ("Rasa", "actions", "bridge", "console", "PostgreSQL", "Redis")
TARGET_SHARE, TARGET_BRIDGE_CPU, TARGET_LATENCY = 0.90, 0.15, 0.15


# -- CPU of process trees (/proc) ------------------------------------------


def parse_stat(text: str) -> tuple[int, int]:
    """(parent pid, CPU ticks) from a /proc/<pid>/stat line: utime + stime
    + cutime + cstime (children that ended and were reaped count too)."""
    fields = text.rsplit(")", 1)[1].split()
    return int(fields[1]), sum(int(f) for f in fields[11:15])


def read_procs(proc: Path = Path("/proc")) -> dict[int, tuple[int, int]]:
    """pid → (parent pid, CPU ticks) of every process now."""
    procs = {}
    for entry in proc.iterdir():
        if entry.name.isdigit():
            try:
                procs[int(entry.name)] = parse_stat((entry / "stat").read_text())
            except (OSError, IndexError, ValueError):
                continue  # ended meanwhile
    return procs


def tree_ticks(root: int, procs: dict[int, tuple[int, int]]) -> int:
    """CPU ticks of `root` and all its descendants."""
    children: dict[int, list[int]] = {}
    for pid, (ppid, _) in procs.items():
        children.setdefault(ppid, []).append(pid)
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        if pid in procs:
            total += procs[pid][1]
            todo += children.get(pid, [])
    return total


def thread_ticks(pid: int, name: str, proc: Path = Path("/proc")) -> int:
    """CPU ticks (utime + stime) of the threads of `pid` whose OS name is `name`."""
    total = 0
    try:
        tasks = list((proc / str(pid) / "task").iterdir())
    except OSError:
        return 0  # the process ended
    for task in tasks:
        try:
            if (task / "comm").read_text().strip() == name:
                fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            continue  # ended meanwhile
    return total


def cpu_by_group(groups: dict[str, list[int]]) -> dict[str, float]:
    """CPU seconds so far of each group of process trees, and of this process
    alone (the load generator: its tree holds every service it started). The
    bridge's console-copy thread counts as "console", not as the bridge."""
    procs = read_procs()
    tick = os.sysconf("SC_CLK_TCK")
    usage = {
        name: sum(tree_ticks(pid, procs) for pid in roots) / tick
        for name, roots in groups.items()
    }
    console = sum(thread_ticks(pid, CONSOLE_THREAD) for pid in groups["bridge"])
    usage["bridge"] -= console / tick
    usage["console"] = console / tick
    return usage | {"load generator": cpu_seconds(os.getpid())}


def first_int(path: Path) -> int:
    return int(path.read_text().split()[0])


# -- the table and the figures ---------------------------------------------


@dataclass
class Row:
    rasa: int
    workers: int
    throughput: float  # turns/s at saturation, through the bridge
    p50: float  # end to end at the fixed rate, seconds
    p95: float
    direct_p50: float  # direct Rasa turns at the same rate, same rounds
    direct_p95: float
    cpu_ms: dict[str, float] = field(default_factory=dict)  # per turn, burst
    lost: int = 0
    duplicated: int = 0

    @property
    def total_ms(self) -> float:
        return sum(self.cpu_ms.get(name, 0.0) for name in SERVICES)

    def limit(self, cores: int) -> float:
        """Turns/s the machine could do if every core ran at this CPU cost."""
        return cores * 1000 / self.total_ms if self.total_ms else float("nan")


def table(rows: list[Row], cores: int) -> str:
    head = (
        "| Rasa | workers | turns/s | limit | p50 ms | p95 ms | direct p95 ms |"
        " " + " | ".join(f"{n} ms" for n in SERVICES) + " | total ms | lost/dup |"
    )
    lines = [head, "|" + "---:|" * (head.count("|") - 1)]
    for r in rows:
        cpu = " | ".join(f"{r.cpu_ms.get(n, 0.0):.1f}" for n in SERVICES)
        lines.append(
            f"| {r.rasa} | {r.workers} | {r.throughput:.1f} | {r.limit(cores):.1f}"
            f" | {r.p50 * 1000:.0f} | {r.p95 * 1000:.0f} | {r.direct_p95 * 1000:.0f}"
            f" | {cpu} | {r.total_ms:.1f} | {r.lost}/{r.duplicated} |"
        )
    return "\n".join(lines)


def figures(rows: list[Row], cores: int) -> list[tuple[str, bool | None]]:
    """The four figures of issue #14 item 4, each with whether it is met:
    limit and share from the fastest two-server row, the bridge's CPU from
    the same row, the latency from one Rasa server with the most workers
    (the direct turns go to that one server at the same rate)."""
    most, fewest = max(r.rasa for r in rows), min(r.rasa for r in rows)
    best = max((r for r in rows if r.rasa == most), key=lambda r: r.throughput)
    one = max((r for r in rows if r.rasa == fewest), key=lambda r: r.workers)
    limit = best.limit(cores)
    share = best.throughput / limit
    bridge = best.cpu_ms["bridge"] / best.cpu_ms["Rasa"]
    added = one.p95 / one.direct_p95 - 1
    return [
        (
            f"(a) machine limit: {cores} cores / {best.total_ms:.1f} ms CPU per turn"
            f" = {limit:.1f} turns/s",
            None,
        ),
        (
            f"(b) {best.rasa} Rasa servers, {best.workers} workers:"
            f" {best.throughput:.1f} turns/s = {share:.0%} of the limit"
            f" (target >= {TARGET_SHARE:.0%})",
            share >= TARGET_SHARE,
        ),
        (
            f"(c) bridge CPU per turn {best.cpu_ms['bridge']:.1f} ms = {bridge:.0%}"
            f" of Rasa's {best.cpu_ms['Rasa']:.1f} ms"
            f" (target <= {TARGET_BRIDGE_CPU:.0%})",
            bridge <= TARGET_BRIDGE_CPU,
        ),
        (
            f"(d) bridge p95 {one.p95 * 1000:.0f} ms vs direct"
            f" {one.direct_p95 * 1000:.0f} ms at the same rate"
            f" ({one.rasa} Rasa, {one.workers} workers): {added:+.0%}"
            f" (target <= +{TARGET_LATENCY:.0%})",
            added <= TARGET_LATENCY,
        ),
    ]


# -- the run ---------------------------------------------------------------


def groups(stack: LocalScale, extra: dict[str, Service]) -> dict[str, list[int]]:
    services = {**stack.services, **extra}

    def pids(prefix: str) -> list[int]:
        return [s.process.pid for n, s in services.items() if n.startswith(prefix)]

    return {
        "Rasa": pids("Rasa server"),
        "actions": pids("action server"),
        "bridge": pids("bridge"),
        "PostgreSQL": [first_int(stack.stores.pg_dir / "data" / "postmaster.pid")],
        "Redis": [first_int(stack.stores.redis_dir / "redis.pid")],
        "simulator": pids("simulator"),
    }


def measure_row(
    stack: LocalScale,
    bridge: Service,
    sim: Service,
    recorder: Recorder,
    per_turn: dict[str, int],
    args: argparse.Namespace,
    rasa: int,
    workers: int,
    rate: float,
    capacity: float,
) -> Row:
    url = bridge.health_url.removesuffix("/health")
    rasa_url = stack.settings.rasa_urls[0]
    secret = stack.settings.secrets.channel_secret
    tag = f"r{rasa}w{workers}"
    warm = Load(url, recorder, per_turn, f"{tag}-warm")
    warm.run(args.users, rate, 2)  # warm up this bridge (users of their own)
    warm.wait_drained(args.drain_timeout)
    steady = Load(url, recorder, per_turn, f"{tag}-steady")
    direct_lat: list[float] = []
    seconds = args.steady_seconds / args.rounds
    for _ in range(args.rounds):
        direct_lat += direct(rasa_url, secret, int(rate * seconds), 4, rate=rate)[0]
        steady.run(args.users, rate, seconds)
        steady.wait_drained(args.drain_timeout)
    lat = steady.results()["latencies"]

    burst = Load(url, recorder, per_turn, f"{tag}-burst")
    pids = groups(stack, {"bridge": bridge, "simulator": sim})
    before = cpu_by_group(pids)
    burst.run(args.users, capacity * rasa * 2, args.burst_turns / (capacity * rasa * 2))
    burst.wait_drained(args.drain_timeout)
    after = cpu_by_group(pids)
    res = burst.results()
    answered = max(1, res["answered"])
    return Row(
        rasa,
        workers,
        res["answered"] / res["span"],
        pct(lat, 50),
        pct(lat, 95),
        pct(direct_lat, 50),
        pct(direct_lat, 95),
        {n: (after[n] - before[n]) * 1000 / answered for n in after},
        res["lost"] + steady.results()["lost"],
        res["duplicated"] + steady.results()["duplicated"],
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--direct-turns", type=int, default=80)
    parser.add_argument("--steady-seconds", type=float, default=12)
    parser.add_argument("--steady-factor", type=float, default=0.5)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--burst-turns", type=int, default=1200)
    parser.add_argument("--drain-timeout", type=float, default=120)
    parser.add_argument("--workers", default="1,2,4", help="BRIDGE_WORKERS values")
    parser.add_argument("--rasa", default="1,2", help="Rasa server counts")
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    started = time.monotonic()

    sim_port = free_port()
    env = {
        **SECRETS,
        "PLATFORM_API_BASE": f"http://127.0.0.1:{sim_port}",
        "LOG_LEVEL": "WARNING",
        "CHAT_RATE_PER_MINUTE": "100000",
        "WEB_RATE_PER_MINUTE": "100000",
    }
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        var_dir = Path(tmp)
        sim = simulator_service(sim_port, var_dir / "log", {**os.environ, **env})
        sim.start()
        try:
            sim.wait_healthy(30)
            print("starting the scale profile (PostgreSQL, Redis, 2 Rasa)…", flush=True)
            with local_scale(var_dir, env, rasa_servers=2, bridges=1) as stack:
                stack.services["bridge 1"].stop()  # each row starts its own
                recorder = Recorder(f"http://127.0.0.1:{sim_port}")
                rasa_url = stack.settings.rasa_urls[0]
                secret = stack.settings.secrets.channel_secret
                direct(rasa_url, secret, 10, 4)  # warm up
                direct_lat, capacity = direct(rasa_url, secret, args.direct_turns, 4)
                rate = capacity * args.steady_factor
                print(
                    f"direct Rasa (4 parallel): {capacity:.1f} turns/s,"
                    f" p95 {pct(direct_lat, 95) * 1000:.0f} ms;"
                    f" fixed rate {rate:.1f} msg/s",
                    flush=True,
                )
                per_turn: dict[str, int] = {}
                template = stack.services["bridge 1"]
                for rasa in (int(n) for n in args.rasa.split(",")):
                    for workers in (int(n) for n in args.workers.split(",")):
                        urls = ",".join(stack.settings.rasa_urls[:rasa])
                        port = free_port()
                        bridge = replace(
                            template,
                            health_url=f"http://127.0.0.1:{port}/health",
                            env={
                                **template.env,
                                "BRIDGE_PORT": str(port),
                                "BRIDGE_WORKERS": str(workers),
                                "RASA_URLS": urls,
                                "RASA_URL": urls.split(",")[0],
                            },
                            process=None,
                        )
                        bridge.start()
                        try:
                            bridge.wait_healthy(60)
                            url = bridge.health_url.removesuffix("/health")
                            per_turn = per_turn or calibrate(url, recorder)
                            row = measure_row(
                                stack, bridge, sim, recorder, per_turn, args,
                                rasa, workers, rate, capacity,
                            )  # fmt: skip
                        finally:
                            bridge.stop()
                        rows.append(row)
                        print(table([row], cores).splitlines()[-1], flush=True)
        finally:
            sim.stop()

    print("\n== bench-load PROFILE=scale (loopback, Messenger webhooks) ==")
    print(f"cores: {cores}; Send API calls per turn: {per_turn}")
    print(
        f"one bridge process, 'workers' = its BRIDGE_WORKERS threads; fixed rate"
        f" {rate:.1f} msg/s; burst {args.burst_turns} turns at 2 x {capacity:.1f}"
        f" x Rasa servers msg/s; CPU in ms per answered burst turn"
    )
    print(table(rows, cores))
    print(
        "load generator + simulator CPU per turn (not counted in the limit): "
        + ", ".join(
            f"{r.rasa}R/{r.workers}w {r.cpu_ms['load generator']:.1f}"
            f"+{r.cpu_ms['simulator']:.1f} ms"
            for r in rows
        )
    )
    best = max(rows, key=lambda r: (r.rasa, r.throughput))
    everything = best.total_ms + sum(
        best.cpu_ms[n] for n in ("load generator", "simulator")
    )
    print(
        f"limit counting the load generator and simulator too (they share the"
        f" cores): {cores * 1000 / everything:.1f} turns/s; 2 Rasa servers reach"
        f" {best.throughput * everything / cores / 1000:.0%} of it ({best.rasa} Rasa)"
    )
    for text, met in figures(rows, cores):
        print(text if met is None else f"{text}: {'met' if met else 'NOT met'}")
    print(f"run took {time.monotonic() - started:.0f} s")
    return 1 if any(r.lost or r.duplicated for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
