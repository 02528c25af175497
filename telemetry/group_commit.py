"""Group commit: the device writes of concurrent requests in one process share a transaction.

The first request to arrive leads: it takes every write waiting (its own among them) and stores them
with telemetry.store_pg.store_all_committed, one round trip and one COMMIT for all, while the writes
of requests arriving meanwhile queue up for the next transaction. Each request is answered only
after the commit that holds its readings, so a 2xx still means committed. When a shared transaction
fails for a reason other than a lost connection (one device deleted meanwhile, a deadlock), each of
its writes is tried again alone, so one bad write fails only its own request.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field

from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from telemetry.store_pg import DeviceWrite, store_all_committed

MAX_WRITES = 64
"""At most this many writes share a transaction (a statement each, in one pipeline)."""


@dataclass(eq=False)
class _Waiting:
    write: DeviceWrite
    woken: threading.Event = field(default_factory=threading.Event)
    done: bool = False
    result: int | None = None
    error: BaseException | None = None

    def outcome(self) -> int | None:
        if self.error is not None:
            raise self.error
        return self.result


class GroupCommitter:
    """Stores device writes of concurrent threads in shared transactions (see the module)."""

    def __init__(self, engine: Engine, max_writes: int = MAX_WRITES) -> None:
        self.engine, self.max_writes = engine, max_writes
        self._lock = threading.Lock()
        self._queue: list[_Waiting] = []
        self._leading = False
        self.transactions = 0
        self.writes = 0

    @property
    def waiting(self) -> int:
        """How many writes wait for a transaction (not counting those in the one under way)."""
        with self._lock:
            return len(self._queue)

    def store(self, write: DeviceWrite) -> int | None:
        """Store the write and return once it is committed: how many of its rows were new, or None
        when its credential is revoked. Raises the database's error as store_all_committed does."""
        mine = _Waiting(write)
        with self._lock:
            self._queue.append(mine)
            leads, self._leading = not self._leading, True
        if not leads:
            mine.woken.wait()
            leads = not mine.done
        if leads:
            self._lead(mine)
        return mine.outcome()

    def _lead(self, mine: _Waiting) -> None:
        """Commit batches from the queue until `mine` is done, then hand the lead to the next waiter."""
        try:
            while not mine.done:
                with self._lock:
                    batch, self._queue = self._queue[:self.max_writes], self._queue[self.max_writes:]
                self._commit(batch)
        finally:
            with self._lock:
                if self._queue:
                    self._queue[0].woken.set()  # not done: it leads
                else:
                    self._leading = False

    def _commit(self, batch: list[_Waiting]) -> None:
        ordered = sorted(batch, key=lambda w: (w.write.rows[0]["device_id"] if w.write.rows else 0))  # lock order
        try:
            results = store_all_committed(self.engine, [w.write for w in ordered])
            self.transactions, self.writes = self.transactions + 1, self.writes + len(ordered)
            for waiting, result in zip(ordered, results):
                waiting.result = result
        except DBAPIError as exc:
            if exc.connection_invalidated or len(ordered) == 1:  # unreachable even on a fresh connection
                for waiting in ordered:
                    waiting.error = exc
            else:  # a deadlock, a timeout, one bad write: each alone, so only its own request fails
                for waiting in ordered:
                    self._commit_alone(waiting)
        except BaseException as exc:
            for waiting in ordered:
                waiting.error = waiting.error or exc
            raise
        finally:  # never leave a waiter hanging
            for waiting in ordered:
                waiting.done = True
                waiting.woken.set()

    def _commit_alone(self, waiting: _Waiting) -> None:
        try:
            waiting.result = store_all_committed(self.engine, [waiting.write])[0]
            self.transactions, self.writes = self.transactions + 1, self.writes + 1
        except BaseException as exc:
            waiting.error = exc
            if not isinstance(exc, Exception):
                raise
