"""HTTP calls to the Northflank API: auth, envelopes and errors; nothing resource-specific."""

from __future__ import annotations

import platform
import threading
from typing import Any

import requests

from ._version import __version__
from .config import Settings
from .errors import ApiError, Call, TransportError

USER_AGENT = (
    f"pulumi-northflank/{__version__} (python-requests/{requests.__version__}; "
    f"python/{platform.python_version()})"
)

#: Seconds to open a connection, and to wait for each read of the answer.
CONNECT_TIMEOUT = 10.0
READ_TIMEOUT = 60.0


class NotFound(ApiError):
    """A 404 in Northflank's own error envelope: the project or job really does not exist."""


class NorthflankClient:
    """Sends API calls; safe to share between the plugin's worker threads.

    ``requests.Session`` is not documented as thread-safe, so each thread gets its own session
    (and connection pool). The token is passed per request and never stored on a session.
    """

    def __init__(self) -> None:
        self._local = threading.local()

    def _session(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            session.headers["User-Agent"] = USER_AGENT
            session.headers["Accept"] = "application/json"
            self._local.session = session
        return session

    def send(self, settings: Settings, call: Call, body: dict[str, Any] | None = None) -> Any:
        """Make the call and return the ``data`` of Northflank's answer, or raise a clear error."""
        token = settings.require_token()
        try:
            response = self._session().request(
                call.method,
                settings.api_url + call.path,
                json=body,
                headers={"Authorization": f"Bearer {token.reveal()}"},
                timeout=(CONNECT_TIMEOUT, READ_TIMEOUT),
            )
        except requests.Timeout:
            raise TransportError(
                f"Could not {call.action}: {settings.api_url} did not answer {call.method} "
                f"{call.path} within {READ_TIMEOUT:g} s."
            ) from None
        except requests.ConnectionError as exc:
            raise TransportError(
                f"Could not {call.action}: cannot reach {settings.api_url} "
                f"({type(exc).__name__}); check northflank:apiUrl / NORTHFLANK_API_URL and the "
                "network."
            ) from None
        return _unwrap(call, response)


def _unwrap(call: Call, response: requests.Response) -> Any:
    if 200 <= response.status_code < 300:
        try:
            payload = response.json()
        except ValueError:
            raise TransportError(
                f"Could not {call.action}: Northflank answered HTTP {response.status_code} to "
                f"{call.method} {call.path} with a body that is not JSON "
                f"({_describe_body(response)})."
            ) from None
        return payload.get("data") if isinstance(payload, dict) else None
    error = _error_envelope(response)
    message = error.get("message") if error else None
    error_id = error.get("id") if error else None
    if not isinstance(message, str):
        message = "" if error else f"(no Northflank error body: {_describe_body(response)})"
    kind = NotFound if response.status_code == 404 and error else ApiError
    raise kind(call, response.status_code, message, error_id if isinstance(error_id, str) else None)


def _error_envelope(response: requests.Response) -> dict[str, Any] | None:
    try:
        payload = response.json()
    except ValueError:
        return None
    error = payload.get("error") if isinstance(payload, dict) else None
    return error if isinstance(error, dict) else None


def _describe_body(response: requests.Response) -> str:
    kind = response.headers.get("Content-Type", "no content type")
    size = len(response.content)
    return f"{kind}, {size} bytes"
