"""Messenger's typing indicator, shown only for turns that take a while.

A turn answered within `delay` seconds needs no indicator: the answer arrives
before a bubble would be noticed, and the indicator would cost a Send API call
per message. One thread shows it for the turns still running at their due
time. The delay is the same for every turn, so due times come in the order the
turns started and a FIFO queue is enough.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from bot.logs import log_event

logger = logging.getLogger(__name__)


class DelayedTyping:
    def __init__(self, show: Callable[[str], None], delay: float) -> None:
        self.show = show
        self.delay = delay
        self._due: queue.SimpleQueue[tuple[float, str, threading.Event]] = (
            queue.SimpleQueue()
        )
        threading.Thread(target=self._run, name="typing", daemon=True).start()

    @contextmanager
    def during(self, user: str) -> Iterator[None]:
        """Wrap the turn: the indicator goes out if it is still running at
        its due time (at once when `delay` is 0)."""
        done = threading.Event()
        self._due.put((time.monotonic() + self.delay, user, done))
        try:
            yield
        finally:
            done.set()

    def _run(self) -> None:
        while True:
            due, user, done = self._due.get()
            if done.wait(max(0.0, due - time.monotonic())):
                continue  # answered in time
            try:
                self.show(user)
            except Exception as error:  # best effort: never stop the thread
                log_event(logger, logging.INFO, "typing_failed", error=str(error))
