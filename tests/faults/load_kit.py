"""Steady signed-webhook load, a fault window, and the checks that follow it.

`SteadyLoad` plays N Messenger and Zalo users sending, at a steady total rate,
correctly signed webhooks to one or more bridges (a load balancer's failover:
a bridge that refuses the connection or answers 5xx passes the message to the
next). Each message carries its user's sequence number ("... #17"), so what the
platforms received and what Rasa processed can be traced back to it.

`run_fault` is the one recipe every fault test follows: start the load, wait,
inject the fault, wait, recover, let the load finish, drain, check. A fault is
two callables (`FaultWindow`), so a platform API fault (the simulator's
`set_fault`) and a process kill (a profile's kill/restart) plug in alike.

`check` turns what happened into a `FaultReport`, one row of BENCHMARKS.md's
fault table.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import requests
from sqlalchemy import bindparam, create_engine, func, select, text

from bot.bridge.store.records import InboxMessage, OutboundMessage
from bot.club.database import session_scope
from bot.simulator import (
    Call,
    Secrets,
    SimulatorState,
    messenger_batch,
    messenger_event,
    post_messenger,
    post_zalo,
    zalo_event,
)

MARK = re.compile(r"#(\d+)\b")


def message_text(seq: int, template: str = "cho mình hỏi tin số #{seq}") -> str:
    """What user messages say: a question and the user's sequence number."""
    return template.format(seq=seq)


def seq_of(text: str) -> int | None:
    found = MARK.search(text or "")
    return int(found.group(1)) if found else None


@dataclass(frozen=True)
class Sent:
    """One webhook the load generator posted."""

    platform: str
    user: str
    seq: int
    message_id: str
    accepted: bool  # a bridge answered 2xx: the message is the bridge's to answer
    at: float

    @property
    def conversation_id(self) -> str:
        return f"{self.platform}:{self.user}"


@dataclass(frozen=True)
class LoadPlan:
    """`users` per platform, `rate` messages a second from all of them together.

    Keep each user under the bridge's CHAT_RATE_PER_MINUTE (30 by default):
    2 × users / rate seconds between two messages of one user.
    """

    name: str
    users: int = 8
    rate: float = 6.0
    duration: float = 8.0
    template: str = "cho mình hỏi tin số #{seq}"  # what each message says

    def user_ids(self) -> list[tuple[str, str]]:
        return [
            (platform, f"{self.name}-{platform[0]}{k}")
            for k in range(self.users)
            for platform in ("messenger", "zalo")
        ]


class SteadyLoad:
    """Posts the plan's messages on schedule from a thread of its own."""

    def __init__(
        self, bridge_urls: Sequence[str], secrets: Secrets, plan: LoadPlan
    ) -> None:
        self.bridge_urls = list(bridge_urls)
        self.secrets = secrets
        self.plan = plan
        self.sent: list[Sent] = []
        self.http = requests.Session()
        self._thread = threading.Thread(target=self._run, name="load", daemon=True)

    def start(self) -> SteadyLoad:
        self._thread.start()
        return self

    def join(self) -> list[Sent]:
        self._thread.join()
        return self.sent

    def _run(self) -> None:
        users = self.plan.user_ids()
        seqs: dict[str, itertools.count] = defaultdict(lambda: itertools.count(1))
        total = int(self.plan.rate * self.plan.duration)
        started = time.monotonic()
        for i in range(total):
            time.sleep(max(0.0, started + i / self.plan.rate - time.monotonic()))
            platform, user = users[i % len(users)]
            seq = next(seqs[user])
            message_id = f"{user}-{seq}"
            at = time.time()
            accepted = self._post(i, platform, user, seq, message_id)
            self.sent.append(Sent(platform, user, seq, message_id, accepted, at))

    def _post(self, i: int, platform: str, user: str, seq: int, message_id: str):
        text = message_text(seq, self.plan.template)
        for k in range(len(self.bridge_urls)):
            url = self.bridge_urls[(i + k) % len(self.bridge_urls)]
            try:
                if platform == "messenger":
                    event = messenger_event(user, text=text, mid=message_id)
                    response = post_messenger(
                        url,
                        self.secrets.messenger_app_secret,
                        messenger_batch(event),
                        self.http,
                    )
                else:
                    event = zalo_event(user, text=text, msg_id=message_id)
                    response = post_zalo(url, self.secrets, event, self.http)
            except requests.RequestException:
                continue
            if 200 <= response.status_code < 300:
                return True
        return False


# --- what happened, and the verdict ------------------------------------------


class Target(Protocol):
    """What a fault test needs of the system under load."""

    bridge_urls: list[str]
    state: SimulatorState  # the platforms' side: what users received
    database_url: str  # the bridge's inbox and outbox

    def rasa_processed(self) -> list[tuple[str, str]]:
        """(conversation id, text) of every user message Rasa processed."""
        ...


def left_in_bridge(database_url: str, conversation_ids: Iterable[str]) -> Counter:
    """Inbox rows not done and outbox rows not sent, by table and status."""
    ids = list(conversation_ids)
    left: Counter = Counter()
    with session_scope(database_url) as session:
        for table, finished in ((InboxMessage, "done"), (OutboundMessage, "sent")):
            query = (
                select(table.status, func.count())
                .where(table.conversation_id.in_(ids), table.status != finished)
                .group_by(table.status)
            )
            for status, count in session.execute(query):
                left[f"{table.__tablename__}:{status}"] += count
    return left


def tracker_processed(
    tracker_url: str, conversation_ids: Iterable[str]
) -> list[tuple[str, str]]:
    """User messages in Rasa's SQL tracker store (real Rasa servers): one
    `user` event per message Rasa processed."""
    query = text(
        "SELECT sender_id, data FROM events "
        "WHERE type_name = 'user' AND sender_id IN :ids"
    ).bindparams(bindparam("ids", expanding=True))
    engine = create_engine(tracker_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(query, {"ids": list(conversation_ids)}).all()
    finally:
        engine.dispose()
    return [(sender, json.loads(data).get("text") or "") for sender, data in rows]


@dataclass
class FaultReport:
    """The verdict on one fault run; `row()` is its line in BENCHMARKS.md."""

    fault: str
    sent: int
    accepted: int
    answered: int
    duplicated: int  # answered twice though every copy was acknowledged
    resent: int  # answered twice after the platform took a message it never
    #              acknowledged (a reset or a timeout after delivery)
    out_of_order: int
    rasa_twice: int
    pending: int
    slowest: float = 0.0  # the longest wait of a message for its first answer
    seconds: float = 0.0  # from the load's last message until everything settled
    details: list[str] = field(default_factory=list)

    HEADER = (
        "| fault | sent | accepted | answered | duplicated | resent after "
        "platform fault | out of order | Rasa twice | pending | slowest answer | "
        "settled |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    )

    @property
    def ok(self) -> bool:
        return (
            self.accepted > 0
            and self.answered == self.accepted
            and self.duplicated == self.out_of_order == 0
            and self.rasa_twice == self.pending == 0
        )

    def row(self) -> str:
        return (
            f"| {self.fault} | {self.sent} | {self.accepted} | {self.answered} | "
            f"{self.duplicated} | {self.resent} | {self.out_of_order} | "
            f"{self.rasa_twice} | {self.pending} | {self.slowest:.1f} s | "
            f"{self.seconds:.1f} s |"
        )

    def __str__(self) -> str:
        return "\n".join([self.HEADER, self.row(), *self.details])


def check(
    fault: str,
    sent: list[Sent],
    calls: list[Call],
    processed: list[tuple[str, str]],
    left: Counter,
    answer_seq: Callable[[Call], int | None] = lambda call: seq_of(call.text),
) -> FaultReport:
    """Compare what was accepted with what the users received and Rasa saw.

    `calls` are the platform API calls in arrival order; `answer_seq` says
    which message of its user a call answers (by default the echoed "#seq").
    """
    accepted = {(s.conversation_id, s.seq) for s in sent if s.accepted}
    conversations = {s.conversation_id for s in sent}
    copies: dict[tuple[str, int], list[Call]] = defaultdict(list)
    first_order: dict[str, list[int]] = defaultdict(list)
    details: list[str] = []
    for call in calls:
        conversation = f"{call.platform}:{call.user}"
        seq = answer_seq(call)
        if conversation not in conversations or seq is None:
            continue
        if not copies[conversation, seq]:
            first_order[conversation].append(seq)
        copies[conversation, seq].append(call)
    duplicated = resent = 0
    for key, found in copies.items():
        extra = len(found) - 1
        unacknowledged = sum(not c.acknowledged for c in found)
        resent += min(extra, unacknowledged)
        duplicated += extra - min(extra, unacknowledged)
        if extra > unacknowledged:
            details.append(f"duplicated: {key} {len(found)} copies")
        if key not in accepted:
            details.append(f"answered but never accepted: {key}")
    out_of_order = 0
    for conversation, order in first_order.items():
        highest = 0
        for seq in order:
            if seq < highest:
                out_of_order += 1
                details.append(f"out of order: {conversation} #{seq} after #{highest}")
            highest = max(highest, seq)
    answered = len(accepted & set(copies))
    posted = {(s.conversation_id, s.seq): s.at for s in sent if s.accepted}
    waits = [copies[key][0].at - at for key, at in posted.items() if key in copies]
    for key in sorted(accepted - set(copies))[:10]:
        details.append(f"not answered: {key}")
    at_rasa = Counter(
        (conversation, seq_of(text))
        for conversation, text in processed
        if conversation in conversations
    )
    rasa_twice = sum(n - 1 for n in at_rasa.values() if n > 1)
    details += [f"Rasa twice: {k} ×{n}" for k, n in at_rasa.items() if n > 1][:10]
    if left:
        details.append(f"left in the bridge: {dict(left)}")
    return FaultReport(
        fault,
        sent=len(sent),
        accepted=len(accepted),
        answered=answered,
        duplicated=duplicated,
        resent=resent,
        out_of_order=out_of_order,
        rasa_twice=rasa_twice,
        pending=sum(left.values()),
        slowest=max(waits, default=0.0),
        details=details,
    )


@dataclass(frozen=True)
class FaultWindow:
    """A fault: `inject` it `after` seconds into the load, `recover` after
    `lasting` seconds (a platform heals, a killed process restarts)."""

    name: str
    inject: Callable[[], None]
    recover: Callable[[], None]
    after: float = 2.0
    lasting: float = 3.0


def snapshot(target: Target, sent: list[Sent], answer_seq=None) -> FaultReport:
    if hasattr(target, "report"):  # a real stack judges itself (scale_stack.py)
        return target.report(sent)
    with target.state.lock:
        calls = list(target.state.calls)
    conversations = {s.conversation_id for s in sent}
    kwargs = {"answer_seq": answer_seq} if answer_seq else {}
    return check(
        "",
        sent,
        calls,
        target.rasa_processed(),
        left_in_bridge(target.database_url, conversations),
        **kwargs,
    )


def run_fault(
    target: Target,
    fault: FaultWindow,
    plan: LoadPlan,
    drain_timeout: float = 40.0,
    answer_seq: Callable[[Call], int | None] | None = None,
) -> FaultReport:
    """Load → inject → recover → drain → check, as one report."""
    load = SteadyLoad(target.bridge_urls, target.state.secrets, plan).start()
    time.sleep(fault.after)
    fault.inject()
    try:
        time.sleep(fault.lasting)
    finally:
        fault.recover()
    sent = load.join()
    finished = time.monotonic()
    while True:
        report = snapshot(target, sent, answer_seq)
        settled = report.answered == report.accepted and report.pending == 0
        if settled or time.monotonic() > finished + drain_timeout:
            break
        time.sleep(0.2)
    settled_after = time.monotonic() - finished
    time.sleep(0.5)  # anything still on its way (a late duplicate) lands now
    report = snapshot(target, sent, answer_seq)
    report.fault = fault.name
    report.seconds = settled_after
    return report
