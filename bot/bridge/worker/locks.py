"""Named locks in huey's storage that record which process holds them."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from huey.api import Huey
from huey.exceptions import TaskLockedException
from huey.storage import RedisStorage

PROCESS_ID = re.compile(r"[0-9a-f]{32}")  # Locks.process: uuid4().hex
HEARTBEAT_TTL = 30.0  # a process silent for this long is dead: its locks are cleared


class Locks:
    """Named locks in huey's storage that record which process holds them.

    Each process writes a heartbeat (`alive:<process>` = expiry time) every
    few seconds. `reap` deletes locks whose process stopped beating (crashed
    or killed), which a plain huey lock on Redis would keep for ever. Works
    the same on every huey storage, so it is tested on SQLite and Redis.
    """

    def __init__(self, huey: Huey, ttl: float = HEARTBEAT_TTL) -> None:
        self.huey = huey
        self.ttl = ttl
        self.process = uuid.uuid4().hex
        self.prefix = f"{huey.name}.lock."
        # As huey.put and huey.put_if_empty would store them (the pipelines).
        self._holder = huey.serializer.serialize(self.process)
        self._one = huey.serializer.serialize(1)

    def _key(self, name: str) -> str:
        return self.prefix + name

    def acquire(self, name: str) -> bool:
        return bool(self.huey.put_if_empty(self._key(name), self.process))

    def acquire_or_knock(self, name: str) -> bool:
        """Take the lock, or leave its holder word that there is work for it
        (`release` returns it) and return False."""
        return self.acquire(name) or self.knock(name)

    def knock(self, name: str) -> bool:
        """Leave the holder word, then try the lock once more: that covers a
        holder that let go, and looked for word, between the first try and
        the knock; then the lock is free and the work is ours. A knock that
        outlives its reason costs the next holder one more look.

        On Redis both go in one round trip, in order."""
        storage = self.huey.storage
        if isinstance(storage, RedisStorage):
            pipe = storage.conn.pipeline(transaction=False)
            pipe.hset(storage.result_key, self._knock(name), self._one)
            pipe.hsetnx(storage.result_key, self._key(name), self._holder)
            return bool(pipe.execute()[1])
        self.huey.put(self._knock(name), 1)
        return self.acquire(name)

    def peek_and_acquire(self, key: str, name: str) -> tuple[Any, bool]:
        """`huey.get(key, peek=True)` and `acquire(name)` at once (one round
        trip on Redis), for a caller that reads a value before it takes a
        lock; one that must not hold the lock after all lets it go."""
        storage = self.huey.storage
        if not isinstance(storage, RedisStorage):
            return self.huey.get(key, peek=True), self.acquire(name)
        pipe = storage.conn.pipeline(transaction=False)
        pipe.hget(storage.result_key, key)
        pipe.hsetnx(storage.result_key, self._key(name), self._holder)
        raw, taken = pipe.execute()
        value = None if raw is None else self.huey.serializer.deserialize(raw)
        return value, bool(taken)

    def release(self, name: str) -> bool:
        """Let go; True when another worker knocked while the lock was held
        (`acquire_or_knock`): the holder looks for work once more.

        On Redis both deletes go in one round trip, in order."""
        lock, knock = self._key(name), self._knock(name)
        storage = self.huey.storage
        if isinstance(storage, RedisStorage):
            pipe = storage.conn.pipeline(transaction=False)
            pipe.hdel(storage.result_key, lock)
            pipe.hdel(storage.result_key, knock)
            return bool(pipe.execute()[1])
        self.huey.delete(lock)
        return bool(self.huey.delete(knock))

    def _knock(self, name: str) -> str:
        return f"{self.huey.name}.knock.{name}"

    @contextmanager
    def hold(self, name: str) -> Iterator[None]:
        """Hold the lock or raise TaskLockedException at once."""
        if not self.acquire(name):
            raise TaskLockedException(f"unable to acquire lock {name}")
        try:
            yield
        finally:
            self.release(name)

    @contextmanager
    def wait(self, name: str, timeout: float) -> Iterator[None]:
        """Block (bounded) until the lock is ours."""
        deadline = time.monotonic() + timeout
        while not self.acquire(name):
            if time.monotonic() > deadline:
                raise TimeoutError(f"lock {name} still held after {timeout} s")
            time.sleep(0.05)
        try:
            yield
        finally:
            self.release(name)

    def beat(self) -> None:
        self.huey.put(f"alive:{self.process}", time.time() + self.ttl)

    def held(self) -> list[str]:
        """The names of every lock held now, by any process."""
        items = self.huey.storage.result_items()
        return [
            key.removeprefix(self.prefix)
            for key in items
            if key.startswith(self.prefix)
        ]

    def reap(self) -> list[str]:
        """Delete locks of dead processes (and their heartbeats); returns the
        names of the locks freed.

        Dead means a heartbeat that expired. A holder with no heartbeat at all
        is given one TTL of grace first: the storage may have restarted empty
        (Redis without persistence) while that process lives and holds a lock
        it took since; it beats again within seconds."""
        items = self.huey.storage.result_items()
        now = time.time()
        beats = {
            key.removeprefix("alive:"): self.huey.serializer.deserialize(raw)
            for key, raw in items.items()
            if key.startswith("alive:")
        }
        beats[self.process] = now + self.ttl
        freed = []
        for key, raw in items.items():
            if not key.startswith(self.prefix):
                continue
            try:
                holder = self.huey.serializer.deserialize(raw)
            except Exception:
                holder = None
            if not (isinstance(holder, str) and PROCESS_ID.fullmatch(holder)):
                holder = None  # a plain huey lock ("1"): no owner to ask
            if holder is not None and holder not in beats:
                self.huey.put_if_empty(f"alive:{holder}", now + self.ttl)  # grace
                beats[holder] = now + self.ttl
            if holder is None or beats[holder] <= now:
                name = key.removeprefix(self.prefix)
                self.huey.delete(key)
                self.huey.delete(self._knock(name))  # the caller reschedules
                freed.append(name)
        for process, expiry in beats.items():
            if expiry <= now:
                self.huey.delete(f"alive:{process}")
        return freed
