"""The Zalo OA token pair: read, refresh under a lock, store atomically.

Zalo refresh tokens are single-use, so two workers that both see an expired
access token must not both refresh: the first one refreshes under the lock and
stores the new pair; the second one, once it gets the lock, sees the access
token changed and simply uses the new one.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from bot.bridge.store.records import PlatformToken
from bot.bridge.worker.locks import Locks
from bot.club.database import session_scope
from bot.logs import log_event
from connectors.contract import SendRetry

logger = logging.getLogger(__name__)

Refresher = Callable[[str], tuple[str, str, int]]


class TokenStore:
    def __init__(
        self,
        database_url: str,
        platform: str,
        initial: tuple[str, str],
        refresher: Refresher,
        lock: Callable[[], AbstractContextManager] | None = None,
    ) -> None:
        self.url = database_url
        self.platform = platform
        self.initial = initial
        self.refresher = refresher
        thread_lock = threading.Lock()
        self._lock = lock or (lambda: thread_lock)

    def _row(self) -> PlatformToken:
        with session_scope(self.url) as session:
            row = session.get(PlatformToken, self.platform)
        if row is not None:
            return row
        access, refresh = self.initial
        try:
            with session_scope(self.url) as session, session.begin():
                session.add(
                    PlatformToken(
                        platform=self.platform,
                        access_token=access,
                        refresh_token=refresh,
                        version=1,
                    )
                )
        except IntegrityError:
            pass  # another worker stored it first
        with session_scope(self.url) as session:
            return session.get(PlatformToken, self.platform)

    def access_token(self) -> str:
        return self._row().access_token

    def replace(self, access: str, refresh: str) -> None:
        """Staff authorised the app again: store the new pair (CLI)."""
        row = self._row()
        self._store(row.version, access, refresh, 0)

    def _store(self, version: int, access: str, refresh: str, expires: int) -> bool:
        """One UPDATE guarded by version: the pair changes together or not at all."""
        expires_at = datetime.utcnow() + timedelta(seconds=expires) if expires else None
        with session_scope(self.url) as session, session.begin():
            result = session.execute(
                update(PlatformToken)
                .where(PlatformToken.platform == self.platform)
                .where(PlatformToken.version == version)
                .values(
                    access_token=access,
                    refresh_token=refresh,
                    version=version + 1,
                    expires_at=expires_at,
                    updated_at=datetime.utcnow(),
                )
            )
            return result.rowcount == 1

    def _refresh_once_more(
        self, row: PlatformToken, stale: str
    ) -> tuple[PlatformToken | None, tuple[str, str, int]]:
        """Refresh; after a timeout (Zalo may have rotated the pair while the
        answer was lost) re-read the stored pair and, if nobody replaced it,
        try once more before giving up. (None, pair) when someone else did."""
        try:
            return row, self.refresher(row.refresh_token)
        except SendRetry as error:
            log_event(logger, logging.WARNING, "token_refresh_retry", error=error)
            again = self._row()
            if again.access_token != stale:
                return None, (again.access_token, again.refresh_token, 0)
            return again, self.refresher(again.refresh_token)

    def refresh(self, stale: str) -> str:
        """A fresh access token; refreshes only if `stale` is still the current one."""
        with self._lock():
            row = self._row()
            if row.access_token != stale:
                log_event(logger, logging.INFO, "token_already_refreshed")
                return row.access_token
            row, (access, refresh, expires) = self._refresh_once_more(row, stale)
            if row is None:
                return access  # someone else stored a new pair meanwhile
            if not self._store(row.version, access, refresh, expires):
                log_event(logger, logging.ERROR, "token_store_conflict")
                return self._row().access_token
            log_event(logger, logging.INFO, "token_refreshed", version=row.version + 1)
            return access


def huey_lock(
    huey, name: str, timeout: float = 30.0, locks: Locks | None = None
) -> AbstractContextManager[None]:
    """Block until the lock in huey's storage is ours (shared by every bridge
    process); `locks` tags it with this process so a crash cannot leave it."""
    return (locks or Locks(huey)).wait(name, timeout)
