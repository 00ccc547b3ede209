"""Load benchmark of the Messenger bridge against the real Rasa and action servers.

`make bench-load` (or `python bench/load.py --help`): starts the action server,
Rasa and a bridge on free loopback ports with a temporary database, and the
simulator that receives the bridge's Send API calls in a process of its own
(bench/sim_server.py: keep-alive HTTP like the real Graph API, and not slowed
down by this process's load generator). Then:

1. direct: the same turns straight to Rasa's REST channel, with as many
   parallel callers as the bridge has workers: latency and the throughput Rasa
   sustains (T);
2. steady: N simulated users send signed webhooks at a fixed rate (a fraction of
   T): webhook ack latency, end-to-end latency (webhook in → Send API call out)
   and the overhead against the direct latency at the same rate; direct and
   bridged load take turns in a few rounds, so that other work on the machine
   weighs on both sides alike;
3. burst: twice T for a while, then wait for the backlog to drain: throughput,
   lost and duplicated answers, drain time;
4. promotion: the steady rate again while the model is swapped the way the
   console promotes one (`PUT /model`, bot/ops/promotion.py): the pause, and
   lost, duplicated or late answers.

Both sides hold the same conversations: each simulated user starts a new
conversation every len(TEXTS) turns, direct and through the bridge, because
Rasa's cost per turn grows with the length of the conversation's tracker (an
early version compared fresh direct conversations with bridge conversations
dozens of turns long, which made Rasa itself 1.8× slower in the bridge phases).

Everything is bounded in count and time and stays on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import functools
import itertools
import json
import os
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.bridge.worker.rasa_client import CHANNEL_PATH, SECRET_HEADER  # noqa: E402
from bot.club.seed import seed_if_empty  # noqa: E402
from bot.ops.processes import (  # noqa: E402
    Service,
    action_service,
    free_port,
    rasa_service,
    service_env,
)
from bot.ops.promotion import load_into_rasa  # noqa: E402
from bot.ops.schema import migrate  # noqa: E402
from bot.ops.training import train  # noqa: E402
from bot.settings import ROOT, load_settings  # noqa: E402
from bot.simulator import (  # noqa: E402
    messenger_batch,
    messenger_event,
    sign_messenger,
)
from connectors.http_session import JsonClient, Reply  # noqa: E402

TEXTS = ["xin chào", "có chiến dịch nào sắp tới không?", "nuôi em là gì"]
SECRETS = {
    "MESSENGER_APP_SECRET": "bench-app-secret",
    "MESSENGER_VERIFY_TOKEN": "bench-verify",
    "MESSENGER_PAGE_TOKEN": "bench-page-token",
}


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@functools.cache
def http(base_url: str) -> JsonClient:
    """A keep-alive client (thread-safe). Direct and bridged calls are made
    by the same client, the one the bridge itself uses, so neither side is
    favoured; it is also the cheapest, and the load generator shares the
    cores with what it measures (bench.http_clients)."""
    return JsonClient(base_url)


def ok(reply: Reply) -> Reply:
    if not reply.ok:
        raise RuntimeError(f"HTTP {reply.status}: {reply.body[:200]!r}")
    return reply


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def conversation(i: int, users: int) -> str:
    """The i-th message's conversation: user i % users, a new conversation
    every len(TEXTS) messages of that user (same shape direct and bridged)."""
    return f"{i % users}-{i // (users * len(TEXTS))}"


def summary(values: list[float]) -> str:
    return (
        f"p50 {pct(values, 50) * 1000:7.1f} ms  p95 {pct(values, 95) * 1000:7.1f} ms"
        f"  p99 {pct(values, 99) * 1000:7.1f} ms  (n={len(values)})"
    )


def simulator_service(port: int, log_dir: Path, env: dict[str, str]) -> Service:
    """bench/sim_server.py on `port` (env must hold the Messenger SECRETS)."""
    return Service(
        "simulator",
        [sys.executable, str(ROOT / "bench" / "sim_server.py"), str(port)],
        f"http://127.0.0.1:{port}/health",
        log_dir / "simulator.log",
        env,
    )


class Stack:
    """The simulator, action server, Rasa and the bridge on free ports."""

    def __init__(self, var_dir: Path, workers: int) -> None:
        sim_port = free_port()
        self.sim_url = f"http://127.0.0.1:{sim_port}"
        os.environ.update(
            VAR_DIR=str(var_dir),
            DATABASE_URL=f"sqlite:///{var_dir / 'club.db'}",
            BRIDGE_PORT=str(free_port()),
            RASA_PORT=str(free_port()),
            ACTION_PORT=str(free_port()),
            BRIDGE_WORKERS=str(workers),
            PLATFORM_API_BASE=self.sim_url,
            LOG_LEVEL="WARNING",
            # Each simulated user sends about a message a second, far above
            # what a person types: the per-conversation limit is not measured.
            CHAT_RATE_PER_MINUTE="100000",
            **SECRETS,
        )
        self.settings = load_settings(var_dir / "no.env")
        migrate(self.settings.database_url)
        seed_if_empty(self.settings.database_url)
        model = train(ROOT / "models", var_dir / "log" / "train.log")
        self.model = model
        bridge = Service(
            "bridge",
            [sys.executable, "-m", "bot", "serve"],
            f"http://{self.settings.host}:{self.settings.bridge_port}/health",
            self.settings.log_dir / "bridge.log",
            service_env(self.settings),
        )
        simulator = simulator_service(
            sim_port, self.settings.log_dir, service_env(self.settings)
        )
        self.services = [
            (simulator, 30),
            (action_service(self.settings), 120),
            (rasa_service(self.settings, model), 300),
            (bridge, 60),
        ]
        self.bridge_url = bridge.health_url.removesuffix("/health")

    def __enter__(self) -> Stack:
        for service, timeout in self.services:
            print(f"starting the {service.name}…", flush=True)
            service.start()
            service.wait_healthy(timeout)
        return self

    def __exit__(self, *_exc) -> None:
        for service, _ in reversed(self.services):
            service.stop()

    def cpu(self) -> dict[str, float]:
        """CPU seconds used so far by each service and by this process."""
        usage = {s.name: cpu_seconds(s.process.pid) for s, _ in self.services}
        usage["bench"] = cpu_seconds(os.getpid())
        return usage


class Recorder:
    """Send API calls the simulator process received, per simulated user
    (arrival times in `time.time()` seconds, the clock `Load` uses too)."""

    def __init__(self, sim_url: str) -> None:
        self.sim_url = sim_url

    def counts(self, prefix: str = "") -> dict[str, int]:
        """Answers so far per user, of the users whose id starts with `prefix`."""
        path = f"/api/counts?prefix={quote(prefix)}"
        return ok(http(self.sim_url).request("GET", path, 10)).json()

    def arrivals(self) -> dict[str, list[float]]:
        return ok(http(self.sim_url).request("GET", "/api/arrivals", 10)).json()


def direct(
    rasa_url: str,
    secret: str,
    turns: int,
    workers: int,
    rate: float | None = None,
) -> tuple[list[float], float]:
    """The same turns straight to Rasa's REST channel, `workers` at a time
    (as fast as possible, or started at a fixed `rate` per second)."""
    latencies: list[float] = []
    lock = threading.Lock()
    texts = itertools.cycle(TEXTS)
    run = uuid.uuid4().hex[:6]

    def one(i: int) -> None:
        sender = f"direct-{run}-{conversation(i, 20)}"
        started = time.perf_counter()
        ok(
            http(rasa_url).request(
                "POST",
                CHANNEL_PATH,
                60,
                json_body={"sender": sender, "message": next(texts)},
                headers={SECRET_HEADER: secret},
            )
        )
        with lock:
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    with ThreadPoolExecutor(workers if rate is None else 16) as pool:
        for i in range(turns):
            if rate is not None:
                time.sleep(max(0.0, started + i / rate - time.perf_counter()))
            pool.submit(one, i)
    return latencies, turns / (time.perf_counter() - started)


class Load:
    """N users send signed webhooks at a fixed rate; answers are matched per user."""

    def __init__(
        self, bridge_url: str, recorder: Recorder, per_turn: dict[str, int], tag: str
    ) -> None:
        self.bridge_url = bridge_url
        self.recorder = recorder
        self.per_turn = per_turn
        self.tag = tag
        self.acks: list[float] = []
        self.server_acks: list[float] = []
        self.sent: dict[str, list[tuple[float, int]]] = defaultdict(list)
        self.lock = threading.Lock()
        self.index = 0

    def _post(self, user: str, text: str) -> None:
        body = messenger_batch(messenger_event(user, text=text))
        raw = json.dumps(body, ensure_ascii=False).encode()
        headers = sign_messenger(SECRETS["MESSENGER_APP_SECRET"], raw)
        with self.lock:
            # A user's k-th message is answered by the Send API calls that
            # follow those of its earlier messages (per_turn[text] of them).
            self.sent[user].append((time.time(), self.per_turn[text]))
        started = time.perf_counter()
        response = ok(
            http(self.bridge_url).request(
                "POST", "/webhooks/messenger", 10, data=raw, headers=headers
            )
        )
        elapsed = time.perf_counter() - started
        with self.lock:
            self.acks.append(elapsed)
            self.server_acks.append(response.json()["ms"] / 1000)

    def run(self, users: int, rate: float, seconds: float) -> float:
        """Send at `rate` messages per second for `seconds`; returns the send span."""
        count = max(1, int(rate * seconds))
        start = time.perf_counter()
        with ThreadPoolExecutor(16) as pool:
            for n in range(count):
                due = start + n / rate
                delay = due - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                i = self.index + n  # a later run goes on with the same users
                user = f"{self.tag}-{conversation(i, users)}"
                pool.submit(self._post, user, TEXTS[i % len(TEXTS)])
        self.index += count
        return time.perf_counter() - start

    def expected(self, user: str) -> int:
        return sum(n for _, n in self.sent[user])

    def wait_drained(self, timeout: float) -> float:
        deadline = time.time() + timeout
        while time.time() < deadline:
            counts = self.recorder.counts(f"{self.tag}-")
            if all(counts.get(u, 0) >= self.expected(u) for u in self.sent):
                return time.time()
            time.sleep(0.05)
        return float("nan")

    def results(self) -> dict:
        latencies, firsts, lost, duplicated, last = [], [], 0, 0, 0.0
        received = self.recorder.arrivals()
        for user, sends in self.sent.items():
            arrivals = received.get(user, [])
            index = 0
            for sent_at, calls in sends:
                index += calls
                if index <= len(arrivals):
                    done = arrivals[index - 1]
                    latencies.append(done - sent_at)
                    firsts.append(arrivals[index - calls] - sent_at)
                    last = max(last, done)
                else:
                    lost += 1
            duplicated += max(0, len(arrivals) - index)
        first = min(s for sends in self.sent.values() for s, _ in sends)
        return {
            "latencies": latencies,
            "first_message": firsts,
            "lost": lost,
            "duplicated": duplicated,
            "span": last - first,
            "answered": len(latencies),
        }


def promotion(
    stack: Stack, load: Load, users: int, rate: float, seconds: float
) -> float:
    """Steady load for `seconds`; a third of the way in, Rasa loads the model
    again by `PUT /model`, as a promotion does. Returns the seconds it paused."""
    paused: list[float] = []

    def swap() -> None:
        time.sleep(seconds / 3)
        paused.append(load_into_rasa(stack.settings, str(stack.model.resolve())))

    swapper = threading.Thread(target=swap)
    swapper.start()
    load.run(users, rate, seconds)
    swapper.join()
    return paused[0]


def calibrate(bridge_url: str, recorder: Recorder) -> dict[str, int]:
    """How many Send API calls each benchmark text produces (one user each)."""
    per_turn = {}
    for text in TEXTS:
        user = f"calibrate-{uuid.uuid4().hex[:8]}"
        load = Load(bridge_url, recorder, {text: 0}, "cal")
        load._post(user, text)
        deadline = time.time() + 60
        while recorder.counts(user).get(user, 0) == 0 and time.time() < deadline:
            time.sleep(0.05)
        time.sleep(1.0)  # let a multi-message answer finish
        per_turn[text] = recorder.counts(user).get(user, 0)
    return per_turn


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--direct-turns", type=int, default=120)
    parser.add_argument("--steady-seconds", type=float, default=20)
    parser.add_argument("--steady-factor", type=float, default=0.5)
    parser.add_argument(
        "--rounds", type=int, default=4, help="direct/bridge alternations (steady)"
    )
    parser.add_argument("--burst-seconds", type=float, default=15)
    parser.add_argument("--workers", type=int, default=4, help="BRIDGE_WORKERS")
    parser.add_argument("--drain-timeout", type=float, default=180)
    parser.add_argument("--promote-seconds", type=float, default=15)
    args = parser.parse_args()

    with (
        tempfile.TemporaryDirectory(prefix="bench-load-") as tmp,
        Stack(Path(tmp), args.workers) as stack,
    ):
        recorder = Recorder(stack.sim_url)
        rasa_url = stack.settings.rasa_url
        secret = stack.settings.secrets.channel_secret
        per_turn = calibrate(stack.bridge_url, recorder)
        direct(rasa_url, secret, 10, args.workers)  # warm up
        cpu_before = stack.cpu()
        direct_lat, capacity = direct(rasa_url, secret, args.direct_turns, args.workers)
        cpu_after = stack.cpu()
        direct_cpu = {
            name: (cpu_after[name] - cpu_before[name]) * 1000 / args.direct_turns
            for name in cpu_after
        }

        # Direct and bridged steady load take turns, so that whatever else the
        # machine does meanwhile falls on both sides alike.
        rate = capacity * args.steady_factor
        paced_lat: list[float] = []
        steady = Load(stack.bridge_url, recorder, per_turn, "steady")
        for _ in range(args.rounds):
            seconds = args.steady_seconds / args.rounds
            lat, _ = direct(
                rasa_url, secret, int(rate * seconds), args.workers, rate=rate
            )
            paced_lat += lat
            steady.run(args.users, rate, seconds)
            steady.wait_drained(args.drain_timeout)
        steady_res = steady.results()

        burst = Load(stack.bridge_url, recorder, per_turn, "burst")
        burst_rate = capacity * 2
        cpu_before = stack.cpu()
        sent_span = burst.run(args.users, burst_rate, args.burst_seconds)
        burst_end = time.time()
        drained_at = burst.wait_drained(args.drain_timeout)
        burst_res = burst.results()
        cpu_after = stack.cpu()
        throughput = burst_res["answered"] / burst_res["span"]
        cpu_ms = {
            name: (cpu_after[name] - cpu_before[name]) * 1000 / burst_res["answered"]
            for name in cpu_after
        }

        swapped = Load(stack.bridge_url, recorder, per_turn, "promote")
        pause = promotion(stack, swapped, args.users, rate, args.promote_seconds)
        swapped.wait_drained(args.drain_timeout)
        swap_res = swapped.results()

    e2e = steady_res["latencies"]
    print("\n== bench-load (loopback, Messenger webhooks, real Rasa + actions) ==")
    print(f"texts: {TEXTS}; Send API calls per turn: {per_turn}")
    print(f"users: {args.users}; bridge workers: {args.workers}")
    print(f"direct Rasa REST ({args.workers} parallel): {summary(direct_lat)}")
    print(f"direct Rasa throughput T: {capacity:.1f} turns/s")
    print(
        "  CPU per direct turn: "
        + ", ".join(f"{name} {ms:.1f} ms" for name, ms in direct_cpu.items())
    )
    print(f"direct Rasa REST at the steady rate: {summary(paced_lat)}")
    print(
        f"\nsteady: {rate:.1f} msg/s for {args.steady_seconds:.0f} s,"
        f" in {args.rounds} rounds alternating with the direct calls"
    )
    print(f"  webhook ack (client round trip): {summary(steady.acks)}")
    print(f"  webhook ack (inside the bridge): {summary(steady.server_acks)}")
    print(f"  end to end (webhook in → Send API out): {summary(e2e)}")
    print(
        "  end to end, first message of the answer: "
        + summary(steady_res["first_message"])
    )
    over50 = (pct(e2e, 50) - pct(paced_lat, 50)) * 1000
    over95 = (pct(e2e, 95) - pct(paced_lat, 95)) * 1000
    ratio50 = pct(e2e, 50) / pct(paced_lat, 50)
    ratio95 = pct(e2e, 95) / pct(paced_lat, 95)
    print(
        f"  overhead vs direct at the same rate: p50 +{over50:.1f} ms (x{ratio50:.2f}),"
        f" p95 +{over95:.1f} ms (x{ratio95:.2f})"
    )
    print(f"  lost {steady_res['lost']}, duplicated {steady_res['duplicated']}")
    print(f"\nburst: {burst_rate:.1f} msg/s (2 x T) for {args.burst_seconds:.0f} s")
    print(f"  webhook ack (client round trip): {summary(burst.acks)}")
    print(f"  end to end: {summary(burst_res['latencies'])}")
    print(
        f"  throughput {throughput:.1f} turns/s = {throughput / capacity:.0%} of T"
        f" (sent over {sent_span:.1f} s)"
    )
    print(f"  backlog drained {drained_at - burst_end:.1f} s after the burst ended")
    print(f"  lost {burst_res['lost']}, duplicated {burst_res['duplicated']}")
    print(
        "  CPU per answered turn (burst + drain): "
        + ", ".join(f"{name} {ms:.1f} ms" for name, ms in cpu_ms.items())
    )
    print(
        f"\npromotion: {rate:.1f} msg/s for {args.promote_seconds:.0f} s,"
        f" PUT /model after {args.promote_seconds / 3:.0f} s: Rasa paused {pause:.2f} s"
    )
    print(f"  end to end: {summary(swap_res['latencies'])}")
    print(
        f"  sent {len(swapped.acks)}, answered {swap_res['answered']},"
        f" lost {swap_res['lost']}, duplicated {swap_res['duplicated']}"
    )
    bad = steady_res["lost"] + steady_res["duplicated"] + burst_res["lost"]
    bad += swap_res["lost"] + swap_res["duplicated"]
    return 1 if bad + burst_res["duplicated"] else 0


if __name__ == "__main__":
    sys.exit(main())
