"""Keeping the console's copies fresh: Rasa's events into `copied_events`
(event_copy.py), then the NLU inbox (inbox/nlu_inbox.py).

A page view takes one bounded step and never waits for another thread that
is already copying, so a page opens in well under a second even right after
a large import or a long time without visits; the bridge process runs
`catch_up` every minute in a thread of its own (`start`), which goes on until
nothing is left.

Not on one of huey's workers: a long catch-up (after a busy hour, a restart)
held a worker that users' turns were waiting for. The thread carries its name
to the operating system too, so `top -H` and the scaling benchmark tell the
console's share of the process's CPU from the bridge's own.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import threading
from collections.abc import Callable
from pathlib import Path

from bot.console.event_copy import copy_new_events
from bot.console.inbox.nlu_inbox import collect
from bot.logs import log_event

logger = logging.getLogger(__name__)

THREAD_NAME = "console-copy"  # also the OS thread's name (/proc/<pid>/task/*/comm)
EVERY = 60.0  # seconds between catch-ups
_PR_SET_NAME = 15  # prctl(2)

PAGE_BATCHES = 1  # per page view: at most one batch of each


def page_step(db_url: str, tracker_url: str, data_dir: Path) -> None:
    """Before a page reads the copies: a bounded step, never a wait."""
    copy_new_events(db_url, tracker_url, max_batches=PAGE_BATCHES, wait=False)
    collect(db_url, data_dir, max_batches=PAGE_BATCHES, wait=False)


def catch_up(db_url: str, tracker_url: str, data_dir: Path) -> None:
    """Everything Rasa stored since the last run, then the inbox."""
    copy_new_events(db_url, tracker_url)
    collect(db_url, data_dir)


def start(run: Callable[[], None], every: float = EVERY) -> threading.Event:
    """Run `run` every `every` seconds in a daemon thread until the returned
    event is set."""
    stop = threading.Event()
    threading.Thread(
        target=_keep, args=(run, every, stop), name=THREAD_NAME, daemon=True
    ).start()
    return stop


def _keep(run: Callable[[], None], every: float, stop: threading.Event) -> None:
    _name_os_thread(THREAD_NAME)
    while not stop.wait(every):
        try:
            run()
        except Exception as error:  # the database briefly away: next time
            log_event(logger, logging.ERROR, "console_copy_failed", error=str(error))


def _name_os_thread(name: str) -> None:
    """Linux's name of the calling thread (at most 15 bytes); elsewhere nothing."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).prctl(_PR_SET_NAME, name.encode()[:15], 0, 0, 0)
