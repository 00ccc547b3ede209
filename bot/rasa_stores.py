"""Rasa's SQL tracker store without the silent fallback (endpoints.scale.yml).

Rasa wraps every tracker store in `FailSafeTrackerStore`: when PostgreSQL is
down, a conversation is read as empty and saved to memory only, so the user
gets an answer without its history and the turn is missing from the shared
store. Here a store error is a `TrackerStoreDown`, a BaseException the wrapper
does not catch; `bot.rasa_channel` turns it into a 503, and the bridge asks
again once the database is back: no turn is answered from an empty history.
"""

from __future__ import annotations

from typing import Any

from rasa.core.tracker_store import SQLTrackerStore


class TrackerStoreDown(BaseException):
    """The tracker store could not be read or written; retry the turn."""


class StrictSQLTrackerStore(SQLTrackerStore):
    async def retrieve(self, sender_id: str) -> Any:
        try:
            return await super().retrieve(sender_id)
        except Exception as error:
            raise TrackerStoreDown(f"{type(error).__name__}: {error}") from error

    async def retrieve_full_tracker(self, sender_id: str) -> Any:
        try:
            return await super().retrieve_full_tracker(sender_id)
        except Exception as error:
            raise TrackerStoreDown(f"{type(error).__name__}: {error}") from error

    async def save(self, tracker: Any) -> None:
        try:
            await super().save(tracker)
        except Exception as error:
            raise TrackerStoreDown(f"{type(error).__name__}: {error}") from error
