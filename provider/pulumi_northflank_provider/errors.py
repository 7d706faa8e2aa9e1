"""Errors the provider raises, each written for the person running ``pulumi up``.

The engine shows only the exception text (after a traceback), so every message says what failed,
what Northflank answered and what to do next. None of them ever contains the API token.
"""

from __future__ import annotations

from dataclasses import dataclass


class NorthflankError(Exception):
    """Base class of every error this provider raises on purpose."""


class ConfigurationError(NorthflankError):
    """The provider settings (token, URL) are missing or unusable."""


@dataclass(frozen=True)
class Call:
    """What an API call was for, to explain its failure in the user's terms."""

    method: str
    path: str
    action: str  # e.g. "set the deployment of job 'db-migrate' in project 'demo'"
    project_id: str
    job_id: str
    permission: str  # the permission Northflank documents for the endpoint


class ApiError(NorthflankError):
    """Northflank answered with an error status."""

    def __init__(self, call: Call, status: int, message: str, error_id: str | None) -> None:
        self.call = call
        self.status = status
        self.api_message = message
        self.error_id = error_id
        super().__init__(self._text())

    @property
    def hint(self) -> str:
        call = self.call
        if self.status == 401:
            return (
                "The API token was rejected: check northflank:apiToken (pulumi config set --secret "
                "northflank:apiToken <token>) or NORTHFLANK_API_TOKEN, and that the token has not "
                "expired or been revoked."
            )
        if self.status == 403:
            return (
                f"The API token is valid but lacks permission to {call.action}: give its role "
                f"{call.permission}, and check it belongs to the team that owns project "
                f"'{call.project_id}'."
            )
        if self.status == 404:
            return (
                f"Project '{call.project_id}' or job '{call.job_id}' does not exist (or the token "
                "cannot see it): check project_id and job_id, and create the job first."
            )
        if self.status in (400, 422):
            return (
                "Northflank rejected the request body although it passed this provider's checks; "
                "please report it with the error id, and the body shown by `pulumi up -v=9`."
            )
        if self.status == 409:
            return "The job is in a state that does not allow this change now; retry later."
        if self.status == 429:
            return "The account's API rate limit is exhausted; wait for it to reset and retry."
        if self.status >= 500:
            return "Northflank had an internal error; retry later, and check status.northflank.com."
        return "See Northflank's message above."

    def _text(self) -> str:
        reference = f" (error id {self.error_id})" if self.error_id else ""
        said = f": {self.api_message}" if self.api_message else ""
        return (
            f"Could not {self.call.action}: Northflank answered HTTP {self.status} to "
            f"{self.call.method} {self.call.path}{said}{reference}. {self.hint}"
        )


class TransportError(NorthflankError):
    """No usable answer came back: the connection failed, timed out, or the body was unreadable."""
