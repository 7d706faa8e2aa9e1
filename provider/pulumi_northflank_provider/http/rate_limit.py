"""Northflank's rate-limit headers and ``Retry-After``, read defensively, in one place.

Northflank allows 1000 requests per hour per account and reports the budget on every answer:
``x-ratelimit-limit``, ``x-ratelimit-remaining`` and ``x-ratelimit-reset`` (seconds until the
window resets). These values come from whatever answered, which may be a proxy: a value that is
malformed, negative or absurd is treated as absent, never as a failure of the call.
"""

from __future__ import annotations

import email.utils
import re
import time
from collections.abc import Mapping

from .. import log

#: The longest wait taken seriously. Northflank's window is an hour; a day leaves room for
#: proxies and still keeps time arithmetic (and the clock shown in messages) in range.
MAX_PLAUSIBLE_WAIT = 86400.0
#: A reset this large is a point in time (Unix seconds), not a number of seconds from now.
UNIX_TIME_FROM = 1_000_000_000
#: Warn when fewer than this share of the hourly budget is left.
LOW_BUDGET_SHARE = 0.10

_INTEGER = re.compile(r"\s*[0-9]{1,20}\s*")


def header(headers: Mapping[str, str], name: str) -> str | None:
    """A header's value, whatever the case of its name."""
    value = headers.get(name)  # at once in the client's case-insensitive headers
    if value is not None:
        return value
    lowered = name.lower()
    return next((v for k, v in headers.items() if k.lower() == lowered), None)


def reset_seconds(value: str | None, now: float | None = None) -> float | None:
    """``x-ratelimit-reset`` as seconds from now: a count of seconds, or a Unix time."""
    if value is None or not _INTEGER.fullmatch(value):
        return None
    seconds = float(int(value))
    if seconds >= UNIX_TIME_FROM:
        # Not truncated: the instant named is a whole second, and "now + seconds" must land in
        # it, not a second later when now's fraction rounds the other way.
        seconds -= time.time() if now is None else now
    return _plausible(seconds)


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """``Retry-After`` as seconds from now: a count of seconds or an HTTP date (RFC 9110)."""
    if value is None or not value.strip():
        return None
    if _INTEGER.fullmatch(value):
        return _plausible(float(int(value)))
    try:
        when = email.utils.parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:  # an HTTP date is always GMT
        return None
    seconds = when.timestamp() - (time.time() if now is None else now)
    return _plausible(max(0.0, seconds))


def resets_in(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """When a rate-limited caller may try again: ``Retry-After``, else ``x-ratelimit-reset``."""
    after = retry_after_seconds(header(headers, "Retry-After"), now)
    if after is not None:
        return after
    return reset_seconds(header(headers, "x-ratelimit-reset"), now)


def _plausible(seconds: float) -> float | None:
    return seconds if 0 <= seconds <= MAX_PLAUSIBLE_WAIT else None


def clock(seconds_from_now: float) -> str:
    """The UTC time of day that many seconds from now (the caller keeps it plausible)."""
    return time.strftime("%H:%M:%S", time.gmtime(time.time() + seconds_from_now))


def when_it_resets(seconds_from_now: float | None) -> str:
    """When the budget resets, as every message about the rate limit says it."""
    if seconds_from_now is None:
        return "Northflank did not say when it resets"
    return f"it resets in {seconds_from_now:.0f} s (at {clock(seconds_from_now)} UTC)"


def warn_if_low(headers: Mapping[str, str]) -> None:
    """One warning per run when less than a tenth of the hourly budget is left, so a large
    ``pulumi up --refresh`` says so before it starts failing with 429s."""
    limit = _count(header(headers, "x-ratelimit-limit"))
    remaining = _count(header(headers, "x-ratelimit-remaining"))
    if not limit or remaining is None or remaining >= limit * LOW_BUDGET_SHARE:
        return
    when = when_it_resets(reset_seconds(header(headers, "x-ratelimit-reset")))
    log.warn_once(
        "rate-limit-low",
        f"Only {remaining} of the account's {limit} API requests per hour are left: {when}. "
        "Calls beyond it are retried only within northflank:maxRetryWait, then fail; a large "
        "stack may need to wait for the reset or a higher limit from Northflank support.",
    )


def _count(value: str | None) -> int | None:
    return int(value) if value is not None and _INTEGER.fullmatch(value) else None
