"""HTTP calls to the Northflank API: auth, retries, envelopes, errors; nothing resource-specific."""

from __future__ import annotations

import json
import platform
import threading
import time
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import NewConnectionError, ProtocolError, ReadTimeoutError

from . import log
from ._version import __version__
from .config import Settings, Token
from .errors import ApiError, Call, TransportError
from .retry_policy import RetryBudgetExceeded, policy

USER_AGENT = (
    f"pulumi-northflank/{__version__} (python-requests/{requests.__version__}; "
    f"python/{platform.python_version()})"
)

#: Seconds to open a connection (the read timeout is the requestTimeout setting).
CONNECT_TIMEOUT = 10.0


class NotFound(ApiError):
    """A 404 in Northflank's own error envelope: the project or job really does not exist."""


class NorthflankClient:
    """Sends API calls; safe to share between the plugin's worker threads.

    ``requests.Session`` is not documented as thread-safe, so each thread gets its own session and
    connection pool. The token is passed per request and never stored on a session.
    """

    def __init__(self) -> None:
        self._local = threading.local()

    def _session(self, settings: Settings) -> requests.Session:
        key = (settings.api_url, settings.max_retry_wait)
        cached: tuple[tuple[str, float], requests.Session] | None = getattr(
            self._local, "session", None
        )
        if cached is not None and cached[0] == key:
            return cached[1]
        session = requests.Session()
        session.headers["User-Agent"] = USER_AGENT
        session.headers["Accept"] = "application/json"
        session.mount("https://", HTTPAdapter(max_retries=policy(settings.max_retry_wait)))
        session.mount("http://", HTTPAdapter(max_retries=policy(settings.max_retry_wait)))
        self._local.session = (key, session)
        return session

    def send(self, settings: Settings, call: Call, body: dict[str, Any] | None = None) -> Any:
        """Make the call (retrying transient failures) and return the ``data`` of Northflank's
        answer, or raise an error that says what failed and what to do."""
        token = settings.require_token()
        started = time.monotonic()
        try:
            response = self._session(settings).request(
                call.method,
                settings.api_url + call.path,
                json=body,
                auth=_Bearer(token),  # explicit auth also keeps requests from reading ~/.netrc
                timeout=(CONNECT_TIMEOUT, settings.request_timeout),
                allow_redirects=False,  # never send the token, or the body, anywhere else
                verify=True,
            )
            content = response.content  # read the whole body here, where a cut-off is caught
        except requests.RequestException as exc:
            log.debug(f"{call.method} {call.path}: {type(exc).__name__}")
            raise TransportError(_transport_failure(call, settings, exc)) from None
        log.debug(
            f"{call.method} {call.path} -> HTTP {response.status_code} after "
            f"{_attempts(response)} attempt(s), {(time.monotonic() - started) * 1000:.0f} ms"
        )
        return _unwrap(call, response, content, settings.token_source)


class _Bearer(requests.auth.AuthBase):
    def __init__(self, token: Token) -> None:
        self._token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self._token.reveal()}"
        return request


def _transport_failure(call: Call, settings: Settings, exc: requests.RequestException) -> str:
    """Why no usable answer came back, in words (the exception's own text would be a repr chain)."""
    host = urlsplit(settings.api_url).netloc
    reason = exc.args[0] if exc.args else None
    reason = getattr(reason, "reason", reason)  # urllib3's MaxRetryError wraps the root cause
    prefix = f"Could not {call.action}: "
    if isinstance(exc, requests.exceptions.SSLError):
        return (
            prefix + f"the TLS certificate of {host} could not be verified (verification is always "
            "on). Check northflank:apiUrl; behind a TLS-inspecting proxy, point REQUESTS_CA_BUNDLE "
            "at its CA certificate."
        )
    if isinstance(reason, RetryBudgetExceeded):
        return prefix + f"{host} kept failing, and {reason}. Retry later."
    if isinstance(exc, requests.ReadTimeout) or isinstance(reason, ReadTimeoutError):
        return (
            prefix + f"{host} accepted the connection but did not answer {call.method} {call.path} "
            f"within {settings.request_timeout:g} s (tried twice). Retry later, or raise "
            "northflank:requestTimeout."
        )
    if isinstance(exc, requests.ConnectTimeout):
        return prefix + f"could not connect to {host} within {CONNECT_TIMEOUT:g} s."
    if isinstance(exc, requests.exceptions.ChunkedEncodingError) or isinstance(
        reason, ProtocolError
    ):
        return (
            prefix + f"the connection to {host} was closed before the whole answer to "
            f"{call.method} {call.path} arrived. Retry later."
        )
    if isinstance(reason, NewConnectionError) or isinstance(exc, requests.ConnectionError):
        return (
            prefix + f"cannot reach {host}; check northflank:apiUrl / NORTHFLANK_API_URL and the "
            "network."
        )
    return prefix + f"the request to {host} failed ({type(exc).__name__})."


def _unwrap(call: Call, response: requests.Response, content: bytes, token_source: str) -> Any:
    status = response.status_code
    if 300 <= status < 400:
        where = urlsplit(response.headers.get("Location", "")).netloc or "another address"
        raise TransportError(
            f"Could not {call.action}: the API answered HTTP {status}, a redirect to {where}, "
            "which the provider does not follow (it would send the token elsewhere). Set "
            "northflank:apiUrl to the API's address."
        )
    payload, parsed = _json(content)
    if 200 <= status < 300:
        if not parsed:
            raise TransportError(
                f"Could not {call.action}: Northflank answered HTTP {status} to {call.method} "
                f"{call.path} with a body that is not JSON ({_describe(response, content)})."
            )
        return payload.get("data") if isinstance(payload, dict) else None
    error = payload.get("error") if isinstance(payload, dict) else None
    if not isinstance(error, dict):
        message, error_id = f"(no Northflank error body: {_describe(response, content)})", None
    else:
        message = str(error.get("message") or "")
        error_id = str(error["id"]) if error.get("id") else None
    # Only Northflank's own envelope proves the job is gone (not, say, a proxy's 404 page).
    kind = NotFound if status == 404 and isinstance(error, dict) else ApiError
    raise kind(
        call,
        status,
        message,
        error_id,
        attempts=_attempts(response),
        headers=response.headers,
        token_source=token_source,
    )


def _attempts(response: requests.Response) -> int:
    retries = getattr(response.raw, "retries", None)
    return 1 + len(getattr(retries, "history", ()) or ())


def _json(content: bytes) -> tuple[Any, bool]:
    try:
        return json.loads(content), True
    except ValueError:
        return None, False


def _describe(response: requests.Response, content: bytes) -> str:
    kind = response.headers.get("Content-Type", "no content type")
    return f"{kind}, {len(content)} bytes"
