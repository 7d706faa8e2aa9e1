"""The errors every layer of the provider raises, and how the user sees them.

The engine shows only the exception text (after a traceback), so every message says what failed
and what to do next; none of them ever contains the API token. The errors of an API call (an
error status, no usable answer, an answer of the wrong shape) are in :mod:`.http.errors`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

#: Northflank's own messages are short; anything longer (a proxy's debug page) is cut here.
MAX_QUOTED = 500


class NorthflankError(Exception):
    """Base class of every error this provider raises on purpose: an expected failure, which the
    user sees as its message alone (see :func:`expected_failures_as_messages`)."""


class ConfigurationError(NorthflankError):
    """The provider settings (token, URL) are missing or unusable."""

    #: The stack config key of the setting at fault (``northflank:apiUrl``), where one is.
    setting: str | None = None


class InputError(NorthflankError):
    """A value the engine passed cannot be used (e.g. a malformed ID given to ``get``)."""


def quoted(text: str) -> str:
    """Text from an answer, as an error shows it: on one line, and not too long."""
    flat = " ".join(text.split())
    return flat if len(flat) <= MAX_QUOTED else flat[:MAX_QUOTED] + f"... ({len(flat)} characters)"


P = ParamSpec("P")
R = TypeVar("R")


def expected_failures_as_messages(method: Callable[P, R]) -> Callable[P, R]:
    """Expected failures reach the user as their message, not a stack trace.

    The dynamic provider host sends ``traceback.format_exc()`` as the error (pulumi >= 3.260), so
    an ``ApiError`` raised deep in the HTTP client would arrive as a screen of frames before the
    one line that matters. Re-raised here without its traceback, it shows a couple of frames and
    the message. Anything else is a bug and keeps its whole traceback.
    """

    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return method(*args, **kwargs)
        except NorthflankError as exc:
            raise exc.with_traceback(None) from None

    return wrapper
