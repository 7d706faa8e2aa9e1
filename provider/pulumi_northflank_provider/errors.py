"""Errors the provider raises, each written for the person running ``pulumi up``.

The engine shows only the exception text (after a traceback), so every message says what failed,
what Northflank answered and what to do next. None of them ever contains the API token.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import ParamSpec, Protocol, TypeVar

from . import rate_limit

#: Northflank's own messages are short; anything longer (a proxy's debug page) is cut here.
MAX_QUOTED = 500

TOKEN_CONFIG = "northflank:apiToken"  # noqa: S105 - a config key, not a token
TOKEN_ENV = "NORTHFLANK_API_TOKEN"  # noqa: S105 - a variable name, not a token
#: How to set the token, for every message that asks for one. Here rather than in ``config``
#: (which re-exports it), because ``config`` imports this module and a 401 says it too.
HOW_TO_SET_TOKEN = (
    f"set it with `pulumi config set --secret {TOKEN_CONFIG} <token>` or the {TOKEN_ENV} "
    "environment variable (create a token under Account or Team settings > API > Tokens)"
)


class NorthflankError(Exception):
    """Base class of every error this provider raises on purpose: an expected failure, which the
    user sees as its message alone (see :func:`concise`)."""


class ConfigurationError(NorthflankError):
    """The provider settings (token, URL) are missing or unusable."""


class Target(Protocol):
    """The object of a call, as errors name it."""

    @property
    def project_id(self) -> str: ...

    @property
    def job_id(self) -> str: ...

    @property
    def team_id(self) -> str | None: ...


@dataclass(frozen=True)
class Call:
    """What an API call was for, to explain its failure in the user's terms."""

    method: str
    path: str
    action: str  # e.g. "set the deployment of job 'db-migrate' in project 'demo'"
    target: Target
    permission: str  # the permission Northflank documents for the endpoint
    #: Whether sending it twice does no harm. A call that is not (starting a run) is retried only
    #: when it cannot have been processed: a 429, or a connection that could not be opened.
    idempotent: bool = True
    #: For a GET of one object (a project, a job): the ``data.id`` of an answer that is that
    #: object. Anything else (``{"data": null}``, another object) proves nothing about it.
    expected_id: str | None = None


class ApiError(NorthflankError):
    """Northflank answered with an error status (after any retries)."""

    def __init__(
        self,
        call: Call,
        status: int,
        message: str,
        error_id: str | None,
        *,
        attempts: int = 1,
        headers: Mapping[str, str] | None = None,
        token_source: str = "",
        retries_stopped: str | None = None,
    ) -> None:
        self.call = call
        self.retries_stopped = retries_stopped
        self.token_source = token_source
        self.status = status
        self.api_message = message
        self.error_id = error_id
        self.attempts = attempts
        self.headers = dict(headers or {})
        super().__init__(self._text())

    @property
    def resets_in(self) -> float | None:
        """Seconds until the rate limit resets, from Retry-After or x-ratelimit-reset."""
        return rate_limit.resets_in(self.headers)

    @property
    def hint(self) -> str:
        call = self.call
        if self.status == 401:
            source = f" (from {self.token_source})" if self.token_source else ""
            return (
                f"The API token{source} was rejected: it may have expired or been revoked; "
                f"{HOW_TO_SET_TOKEN}."
            )
        target = call.target
        if self.status == 403:
            return (
                f"The API token is valid but lacks permission to {call.action}: give its role "
                f"{call.permission}, and check it belongs to the team that owns project "
                f"'{target.project_id}'."
            )
        if self.status == 404:
            where = f" in team '{target.team_id}'" if target.team_id else ""
            return (
                f"Project '{target.project_id}' or job '{target.job_id}' does not exist{where} (or "
                "the token cannot see it): check project_id and job_id (and team_id), and create "
                "the job first."
            )
        if self.status in (400, 422):
            return (
                "Northflank rejected the request body although it passed this provider's checks; "
                "please report it with the error id, and the body shown by `pulumi up -v=9`."
            )
        if self.status == 409:
            return "The job is in a state that does not allow this change now; retry later."
        if self.status == 429:
            return self._rate_limit_hint()
        if self.status >= 500:
            return "Northflank had an internal error; retry later, and check status.northflank.com."
        return "See Northflank's message above."

    def _rate_limit_hint(self) -> str:
        resets = self.resets_in
        when = (
            f"it resets in {resets:.0f} s (at {rate_limit.clock(resets)} UTC)"
            if resets is not None
            else "Northflank did not say when it resets"
        )
        # Why the provider stopped: a wait too long for the budget (the message has already said
        # which limit, before this hint), or attempts used up while each wait was short. Only one
        # is true, and saying the other would send the user to the wrong setting.
        attempts = f"{self.attempts} attempt{'s' if self.attempts != 1 else ''}"
        gave_up = "" if self.retries_stopped else f"the provider gave up after {attempts}; "
        advice = (
            f"{gave_up}run again after the reset, or ask Northflank support for a higher limit."
        )
        return (
            f"The account's API rate limit (1000 requests per hour by default) is exhausted: "
            f"{when}. {advice[0].upper()}{advice[1:]}"
        )

    def _text(self) -> str:
        reference = f" (error id {quoted(self.error_id)})" if self.error_id else ""
        said = f": {quoted(self.api_message)}" if self.api_message else ""
        tries = f" (after {self.attempts} attempts)" if self.attempts > 1 else ""
        stopped = f" Retrying stopped: {self.retries_stopped}." if self.retries_stopped else ""
        return (
            f"Could not {self.call.action}: Northflank answered HTTP {self.status} to "
            f"{self.call.method} {self.call.path}{tries}{said}{reference}.{stopped} {self.hint}"
        )


def quoted(text: str) -> str:
    """Text from an answer, as an error shows it: on one line, and not too long."""
    flat = " ".join(text.split())
    return flat if len(flat) <= MAX_QUOTED else flat[:MAX_QUOTED] + f"... ({len(flat)} characters)"


class TransportError(NorthflankError):
    """No usable answer came back: the connection failed, timed out, or the body was unreadable."""


class UnexpectedAnswer(NorthflankError):
    """A 2xx whose content is not what the endpoint returns: an error, never taken for an answer
    (a refresh that read nothing must not report "no drift")."""


def shape(data: object) -> str:
    """What an answer's ``data`` is, in words, for an ``UnexpectedAnswer``."""
    if data is None:
        return "null"
    if isinstance(data, Mapping):
        return "an object without the fields of one"
    return f"a {type(data).__name__}"


class InputError(NorthflankError):
    """A value the engine passed cannot be used (e.g. a malformed ID given to ``get``)."""


P = ParamSpec("P")
R = TypeVar("R")


def concise(method: Callable[P, R]) -> Callable[P, R]:
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
