"""Keeping the console's copies fresh: Rasa's events into `copied_events`
(event_copy.py), then the NLU inbox (inbox/nlu_inbox.py).

A page view takes one bounded step and never waits for another thread that
is already copying, so a page opens in well under a second even right after
a large import or a long time without visits; the bridge's huey runs
`catch_up` every minute (`schedule`), which goes on until nothing is left.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from huey import crontab

from bot.console.event_copy import copy_new_events
from bot.console.inbox.nlu_inbox import collect

PAGE_BATCHES = 1  # per page view: at most one batch of each


def page_step(db_url: str, tracker_url: str, data_dir: Path) -> None:
    """Before a page reads the copies: a bounded step, never a wait."""
    copy_new_events(db_url, tracker_url, max_batches=PAGE_BATCHES, wait=False)
    collect(db_url, data_dir, max_batches=PAGE_BATCHES, wait=False)


def catch_up(db_url: str, tracker_url: str, data_dir: Path) -> None:
    """Everything Rasa stored since the last run, then the inbox."""
    copy_new_events(db_url, tracker_url)
    collect(db_url, data_dir)


def schedule(huey, run: Callable[[], None]) -> None:
    """Register the catch-up with the bridge's huey (its consumer runs it)."""
    huey.periodic_task(crontab(minute="*"), name="console_catch_up")(run)
