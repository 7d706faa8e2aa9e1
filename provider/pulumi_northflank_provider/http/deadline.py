"""A deadline for a whole answer: ``northflank:requestTimeout`` bounds the time from sending a
request to the last byte of its answer, not each socket read.

A socket timeout alone lets a server (or a proxy) that trickles one byte a second hold a call for
as long as it likes: every read returns in time. So each connection arms an alarm when it starts
waiting for an answer, and one watchdog thread shuts the socket down when the alarm goes off; the
read then fails, and is reported (and retried within the budget) as a timeout. The alarm is
disarmed when the answer has been read and the connection goes back to its pool, or is closed.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import socket
import threading
import time
from collections.abc import Callable
from functools import cache
from http.client import HTTPException
from typing import Any

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.poolmanager import PoolManager


class Alarm:
    """An action due at a deadline, unless cancelled first."""

    __slots__ = ("_action",)

    def __init__(self, action: Callable[[], None]) -> None:
        self._action: Callable[[], None] | None = action

    @property
    def cancelled(self) -> bool:
        return self._action is None

    def cancel(self) -> None:
        # Dropping the action also lets go of the connection it would have shut down.
        self._action = None

    def fire(self) -> None:
        action = self._action
        if action is not None:
            action()


class Watchdog:
    """Runs each alarm's action at its deadline, unless cancelled first; one thread for all.

    Waking the thread costs the caller a futex call and the process a thread switch, which on
    every request was most of what the provider spent beyond a bare one. Alarms all have the same
    length, so a new one is almost never due before the thread next wakes by itself: it is told
    only then, or when it waits with nothing to wait for.
    """

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Alarm]] = []
        self._order = itertools.count()
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None
        #: When the thread wakes next by itself; None while it waits to be told.
        self._wakes_at: float | None = None

    def arm(self, seconds: float, action: Callable[[], None]) -> Alarm:
        alarm = Alarm(action)
        due = time.monotonic() + seconds
        with self._wake:
            self._drop_cancelled()  # here too, so the heap stays about as long as calls in flight
            heapq.heappush(self._heap, (due, next(self._order), alarm))
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="northflank-deadlines", daemon=True
                )
                self._thread.start()
            elif self._wakes_at is None or due < self._wakes_at:
                self._wake.notify()
        return alarm

    def _run(self) -> None:
        while True:
            with self._wake:
                self._drop_cancelled()
                if not self._heap:
                    self._wakes_at = None
                    self._wake.wait()
                    continue
                due = self._heap[0][0]
                now = time.monotonic()
                if due > now:
                    self._wakes_at = due
                    self._wake.wait(due - now)
                    continue
                alarm = heapq.heappop(self._heap)[2]
            alarm.fire()

    def _drop_cancelled(self) -> None:
        while self._heap and self._heap[0][2].cancelled:
            heapq.heappop(self._heap)


WATCHDOG = Watchdog()


class _AnswerDeadline:
    """Mixed into urllib3's connection classes; ``answer_timeout`` is set per session."""

    answer_timeout: float
    sock: socket.socket | None
    expired = False
    _alarm: Alarm | None = None

    def getresponse(self) -> Any:
        self.disarm()
        self.expired = False
        self._alarm = WATCHDOG.arm(self.answer_timeout, self._expire)
        try:
            return super().getresponse()  # type: ignore[misc]
        except (OSError, HTTPException) as exc:
            if self.expired:  # urllib3 reports a socket timeout as ReadTimeoutError, and retries
                raise TimeoutError("the answer did not arrive within the deadline") from exc
            raise

    def close(self) -> None:
        self.disarm()
        super().close()  # type: ignore[misc]

    def disarm(self) -> None:
        if self._alarm is not None:
            self._alarm.cancel()
            self._alarm = None

    def _expire(self) -> None:
        self.expired = True
        sock = self.sock
        if sock is not None:
            # The plain socket's shutdown, also for TLS: it leaves the SSL object alone while
            # another thread reads through it; that read then ends at once.
            with contextlib.suppress(OSError):
                socket.socket.shutdown(sock, socket.SHUT_RDWR)


class _ReleasingPool:
    """Disarms a connection's alarm when its answer has been read and it goes back to the pool."""

    def _put_conn(self, conn: Any) -> None:
        if isinstance(conn, _AnswerDeadline):
            conn.disarm()
        super()._put_conn(conn)  # type: ignore[misc]


@cache
def _pool_classes(answer_timeout: float) -> dict[str, type[HTTPConnectionPool]]:
    settings = {"answer_timeout": answer_timeout}
    http = type("DeadlineHTTPConnection", (_AnswerDeadline, HTTPConnection), settings)
    https = type("DeadlineHTTPSConnection", (_AnswerDeadline, HTTPSConnection), settings)
    return {
        "http": type(
            "DeadlineHTTPPool", (_ReleasingPool, HTTPConnectionPool), {"ConnectionCls": http}
        ),
        "https": type(
            "DeadlineHTTPSPool", (_ReleasingPool, HTTPSConnectionPool), {"ConnectionCls": https}
        ),
    }


class DeadlineAdapter(HTTPAdapter):
    """``requests``' adapter, whose connections (direct or through a proxy) answer in time."""

    def __init__(self, answer_timeout: float, **kwargs: Any) -> None:
        self.answer_timeout = answer_timeout
        super().__init__(**kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self._bound(self.poolmanager)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        # A SOCKS proxy has pool classes of its own; there only the socket timeouts apply.
        return manager if proxy.lower().startswith("socks") else self._bound(manager)

    def _bound(self, manager: PoolManager) -> PoolManager:
        manager.pool_classes_by_scheme = _pool_classes(self.answer_timeout)
        return manager


def expired(connection: object) -> bool:
    """Whether a connection's answer was cut off by its deadline."""
    return isinstance(connection, _AnswerDeadline) and connection.expired
