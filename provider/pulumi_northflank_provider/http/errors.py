"""How an API call fails, each error written for the person running ``pulumi up``: what failed,
what Northflank answered and what to do next."""

from __future__ import annotations

from collections.abc import Mapping

from ..config import HOW_TO_SET_TOKEN
from ..errors import NorthflankError, quoted
from . import rate_limit
from .call import Call


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
            f"{rate_limit.when_it_resets(self.resets_in)}. {advice[0].upper()}{advice[1:]}"
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


class NotFound(ApiError):
    """A 404 in Northflank's own error envelope: the project or job really does not exist."""


class TransportError(NorthflankError):
    """No usable answer came back: the connection failed, timed out, or the body was unreadable."""


class UnexpectedAnswer(NorthflankError):
    """A 2xx whose content is not what the endpoint returns: an error, never taken for an answer
    (a refresh that read nothing must not report "no drift")."""

    @classmethod
    def instead_of(cls, expected: str, call: Call, data: object) -> UnexpectedAnswer:
        """A read answered with something that is not ``expected`` ("a job's deployment")."""
        return cls(
            f"Could not {call.action}: Northflank answered HTTP 200 to {call.method} {call.path}, "
            f"but the answer is not {expected} (its data is {shape(data)}). The state is kept as "
            "it was; check northflank:apiUrl and any proxy in between."
        )


def shape(data: object) -> str:
    """What an answer's ``data`` is, in words, for an ``UnexpectedAnswer``."""
    if data is None:
        return "null"
    if isinstance(data, Mapping):
        return "an object without the fields of one"
    return f"a {type(data).__name__}"
