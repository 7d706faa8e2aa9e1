"""When and how long to retry a Northflank API call: urllib3's ``Retry``, with these additions.

* On a 429 without ``Retry-After``, wait for Northflank's ``x-ratelimit-reset``.
* ``Retry-After`` and ``x-ratelimit-reset`` are read by :mod:`rate_limit`: a malformed, negative
  or absurd value counts as absent (urllib3 would fail the call on ``Retry-After: abc``).
* A budget for waiting: one call never waits more than ``max_wait`` seconds in total, nor more than
  ``MAX_SINGLE_WAIT`` at once. When the next wait would break the budget, retrying stops at once
  and the last answer (e.g. the 429) is returned, so the caller can say when the limit resets.
* An answer that is retried is dropped unread, with its connection: urllib3 would read it to the
  end, whatever its size, to reuse the connection.

Everything else is urllib3's: exponential backoff with jitter, and which statuses and errors are
retried.
"""

from __future__ import annotations

import time
from typing import Any

from urllib3.exceptions import MaxRetryError
from urllib3.response import BaseHTTPResponse
from urllib3.util.retry import Retry

from . import rate_limit

#: Transient answers. Everything else (400, 401, 403, 404, 409, 422...) fails at once.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_SINGLE_WAIT = 60.0


class RetryBudgetExceeded(Exception):
    """The reason urllib3 reports when the next wait would break the budget."""


class NorthflankRetry(Retry):
    def __init__(self, *args: Any, max_wait: float = 120.0, waited: float = 0.0, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.max_wait = max_wait
        self.waited = waited
        #: Why retrying stopped early, if the budget stopped it (the answer then says the rest).
        self.stopped: RetryBudgetExceeded | None = None

    def new(self, **kw: Any) -> NorthflankRetry:
        kw.setdefault("max_wait", self.max_wait)
        kw.setdefault("waited", self.waited)
        return _ours(super().new(**kw))

    def get_retry_after(self, response: BaseHTTPResponse) -> float | None:
        after = rate_limit.retry_after_seconds(response.headers.get("Retry-After"))
        if after is None and response.status == 429:
            return rate_limit.reset_seconds(response.headers.get("x-ratelimit-reset"))
        return after

    def next_wait(self, response: BaseHTTPResponse | None) -> float:
        if response is not None and self.respect_retry_after_header:
            after = self.get_retry_after(response)
            if after:
                return after
        return self.get_backoff_time()

    def increment(
        self,
        method: str | None = None,
        url: str | None = None,
        response: BaseHTTPResponse | None = None,
        error: Exception | None = None,
        _pool: Any = None,
        _stacktrace: Any = None,
    ) -> NorthflankRetry:
        retry = _ours(super().increment(method, url, response, error, _pool, _stacktrace))
        wait = retry.next_wait(response)
        if wait > MAX_SINGLE_WAIT or retry.waited + wait > self.max_wait:
            if wait > MAX_SINGLE_WAIT:
                limit = f"be longer than the longest single wait ({MAX_SINGLE_WAIT:g} s)"
            else:
                limit = (
                    f"exceed northflank:maxRetryWait ({self.max_wait:g} s; "
                    f"{retry.waited:.0f} s already waited)"
                )
            self.stopped = RetryBudgetExceeded(f"the next wait ({wait:.0f} s) would {limit}")
            # With raise_on_status=False, urllib3 hands back the last response instead.
            raise MaxRetryError(_pool, url or "", self.stopped) from error
        if response is not None:
            response.close()  # retried: its body is never read (see the module's docstring)
        return retry

    def sleep(self, response: BaseHTTPResponse | None = None) -> None:
        wait = min(self.next_wait(response), max(0.0, self.max_wait - self.waited))
        if wait > 0:
            self.waited += wait  # carried into the next attempt's Retry by new()
            time.sleep(wait)


def _ours(retry: Retry) -> NorthflankRetry:
    # urllib3 builds the next Retry with type(self); only its type hints differ between versions.
    if not isinstance(retry, NorthflankRetry):
        raise TypeError(f"urllib3 returned a {type(retry).__name__}, not a NorthflankRetry")
    return retry


def policy(max_wait: float, idempotent: bool = True) -> NorthflankRetry:
    """The policy for a call. POST .../deployment sets the desired state, so it is idempotent and
    retried like GET. A call that is not (POST .../runs starts a run each time) is retried only
    where it cannot have been processed: a 429 (refused before processing) and a connection that
    could not be opened; a 5xx or a broken connection may follow processing, and is left to the
    caller, which can look before trying again. Redirects are not followed at all (client)."""
    return NorthflankRetry(
        total=6,
        connect=3,  # the connection could not be opened: the request was never sent
        read=1 if idempotent else 0,  # the connection broke, or no answer in time: once
        status=5,
        other=0,
        redirect=0,
        allowed_methods=frozenset({"GET", "POST", "PATCH"}),  # PATCH job sets settings: idempotent
        status_forcelist=RETRY_STATUSES if idempotent else frozenset({429}),
        backoff_factor=0.5,  # 0 s, then 1, 2, 4, 8 s, plus up to 0.5 s of jitter
        backoff_jitter=0.5,
        backoff_max=MAX_SINGLE_WAIT,
        raise_on_status=False,  # hand back the last answer: its status and message say most
        respect_retry_after_header=True,
        max_wait=max_wait,
    )
