"""HTTP calls to the Northflank API: auth, retries, envelopes, errors; nothing resource-specific.

Whatever answers is treated as untrusted: its body is read within a size limit and a deadline,
parsed, and the token is scrubbed out of every string in it (and out of its headers) before
anything else looks at it.
"""

from __future__ import annotations

import json
import os
import platform
import threading
import time
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
import urllib3.exceptions
from requests.structures import CaseInsensitiveDict
from urllib3.exceptions import NewConnectionError, ProtocolError, ReadTimeoutError

from .. import log
from .._version import __version__
from ..config import Settings, Token
from ..errors import quoted
from . import deadline, rate_limit
from .call import Call
from .errors import ApiError, NotFound, TransportError
from .retries import RetryBudgetExceeded, policy
from .scrub import Scrubber, parse

USER_AGENT = (
    f"pulumi-northflank/{__version__} (python-requests/{requests.__version__}; "
    f"python/{platform.python_version()})"
)

#: Seconds to open a connection (the whole answer then has northflank:requestTimeout).
CONNECT_TIMEOUT = 10.0
#: The largest answer read, after decompression. Northflank's answers here are a few KB.
MAX_ANSWER_BYTES = 4 * 1024 * 1024
_CHUNK = 64 * 1024


class NorthflankClient:
    """Sends API calls with the provider's settings; safe to share between the plugin's worker
    threads.

    ``requests.Session`` is not documented as thread-safe, so each thread gets its own session and
    connection pool. The token is looked at only when a call is sent, passed per request and never
    stored on a session.
    """

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._host = urlsplit(settings.api_url).netloc
        self._local = threading.local()
        #: Built with the first call that has a token, and kept: compiling the token's pieces
        #: takes longer than a request on loopback.
        self._token_scrubber: Scrubber | None = None
        # The environment's proxies and CA bundle, read once here as requests would read them on
        # every request (going through the whole environment twice each time, a tenth of a
        # request's time on loopback): the plugin's environment does not change while it runs.
        self._proxies = requests.utils.get_environ_proxies(settings.api_url)
        #: Verification is always on; the CA bundle may come from the environment (a
        #: TLS-inspecting proxy's).
        self._verify: str | bool = (
            os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
        )

    @property
    def team_id(self) -> str | None:
        """The team of calls about an object that names none (``northflank:teamId``)."""
        return self._settings.team_id

    def _session(self, idempotent: bool) -> requests.Session:
        """This thread's session for calls that are (or are not) idempotent: each has its own
        retry policy."""
        sessions: dict[bool, requests.Session] | None = getattr(self._local, "sessions", None)
        if sessions is None:
            sessions = self._local.sessions = {}
        session = sessions.get(idempotent)
        if session is not None:
            return session
        session = requests.Session()
        session.trust_env = False  # the environment was read once, in __init__
        session.headers["User-Agent"] = USER_AGENT
        session.headers["Accept"] = "application/json"
        session.headers["Accept-Encoding"] = "gzip, deflate"  # decoded by urllib3, within limits
        for scheme in ("https://", "http://"):
            session.mount(
                scheme,
                deadline.DeadlineAdapter(
                    self._settings.request_timeout,
                    max_retries=policy(self._settings.max_retry_wait, idempotent),
                ),
            )
        sessions[idempotent] = session
        return session

    def send(
        self,
        call: Call,
        body: dict[str, Any] | None = None,
        params: Mapping[str, str | int] | None = None,
        secrets: Collection[str] = (),
    ) -> Any:
        """Make the call (retrying transient failures) and return the ``data`` of Northflank's
        answer, or raise an error that says what failed and what to do. ``secrets`` are values
        besides the token that must not come back out of an answer (see ``Scrubber``)."""
        payload = self._exchange(call, body, params, secrets)
        return payload.get("data") if isinstance(payload, dict) else None

    def send_listing(
        self,
        call: Call,
        params: Mapping[str, str | int],
        secrets: Collection[str] = (),
    ) -> tuple[Any, Any]:
        """A list call: the ``data`` of its answer and its ``pagination``."""
        payload = self._exchange(call, None, params, secrets)
        if not isinstance(payload, dict):
            return None, None
        return payload.get("data"), payload.get("pagination")

    def _scrubber(self, token: Token, secrets: Collection[str]) -> Scrubber:
        if secrets:
            return Scrubber(token.reveal(), secrets)
        if self._token_scrubber is None:
            self._token_scrubber = Scrubber(token.reveal())
        return self._token_scrubber

    def _exchange(
        self,
        call: Call,
        body: dict[str, Any] | None,
        params: Mapping[str, str | int] | None,
        secrets: Collection[str],
    ) -> Any:
        settings = self._settings
        token = settings.require_token()
        scrubber = self._scrubber(token, secrets)
        started = time.monotonic()
        try:
            response = self._session(call.idempotent).request(
                call.method,
                settings.api_url + call.path,
                data=None if body is None else canonical_json(body),
                headers=None if body is None else JSON_CONTENT,
                params=params,
                auth=_Bearer(token),  # explicit auth also keeps requests from reading ~/.netrc
                timeout=(CONNECT_TIMEOUT, settings.request_timeout),
                allow_redirects=False,  # never send the token, or the body, anywhere else
                proxies=self._proxies,
                verify=self._verify,
                stream=True,  # the body is read below, within a size limit and the deadline
            )
        except requests.RequestException as exc:
            log.debug(f"{call.method} {call.path}: {type(exc).__name__}")
            raise TransportError(self._transport_failure(call, exc)) from None
        headers = CaseInsensitiveDict(
            {name: scrubber.text(value) for name, value in response.headers.items()}
        )
        answer = _Answer.of(response, headers, self._read(response, call, headers), scrubber)
        if log.debug_enabled():
            log.debug(
                f"{call.method} {call.path} -> HTTP {answer.status} after "
                f"{_attempts(response)} attempt(s), {(time.monotonic() - started) * 1000:.0f} ms"
            )
        rate_limit.warn_if_low(headers)
        return _unwrap(
            call, response, answer, token_source=settings.token_source, scrubber=scrubber
        )

    def exists(self, call: Call) -> bool:
        """Whether a GET shows the very object asked for: its ``data.id`` is the call's
        ``expected_id``. A 404 in Northflank's envelope is False, and so is any other answer
        (``{"data": null}``, ``{}``, another project): only the object itself proves that the
        URL, token and team are right. Other errors are raised."""
        try:
            data = self.send(call)
        except NotFound:
            return False
        return (
            call.expected_id is not None
            and isinstance(data, Mapping)
            and data.get("id") == call.expected_id
        )

    def _read(
        self, response: requests.Response, call: Call, headers: CaseInsensitiveDict[str]
    ) -> bytes:
        """The whole body, decompressed, or a clear error: past the size limit the connection is
        dropped, so memory never follows a huge (or a decompression-bomb) answer."""
        connection = response.raw.connection  # gone once the body is read: kept to ask about it
        host = self._host
        chunks: list[bytes] = []
        size = 0
        try:
            for chunk in response.raw.stream(_CHUNK, decode_content=True):
                size += len(chunk)
                if size > MAX_ANSWER_BYTES:
                    response.close()
                    raise TransportError(
                        f"Could not {call.action}: the answer of {host} to {call.method} "
                        f"{call.path} (HTTP {response.status_code}, {_content_type(headers)}) is "
                        f"larger than {MAX_ANSWER_BYTES // (1024 * 1024)} MB once decompressed, "
                        "which no Northflank answer is; it was not read further. Check "
                        "northflank:apiUrl and any proxy in between."
                    )
                chunks.append(chunk)
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            response.close()
            if deadline.expired(connection) or isinstance(exc, ReadTimeoutError):
                raise TransportError(self._too_slow(call, tries="")) from None
            if isinstance(exc, urllib3.exceptions.DecodeError):
                raise TransportError(
                    f"Could not {call.action}: the answer of {host} to {call.method} {call.path} "
                    "could not be decompressed (Content-Encoding "
                    f"{headers.get('Content-Encoding')!r})."
                ) from None
            raise TransportError(self._cut_off(call)) from None
        if deadline.expired(connection):
            # Cut off while its headers arrived: http.client takes the end of the stream for the
            # end of the headers, and then reads an empty body without any error.
            raise TransportError(self._too_slow(call, tries=""))
        return b"".join(chunks)

    def _too_slow(self, call: Call, tries: str) -> str:
        return (
            f"Could not {call.action}: {self._host} did not send its whole answer to "
            f"{call.method} {call.path} within {self._settings.request_timeout:g} s{tries}. "
            "Retry later, or raise northflank:requestTimeout."
        )

    def _cut_off(self, call: Call) -> str:
        return (
            f"Could not {call.action}: the connection to {self._host} was closed before the "
            f"whole answer to {call.method} {call.path} arrived. Retry later."
        )

    def _transport_failure(self, call: Call, exc: requests.RequestException) -> str:
        """Why no usable answer came back, in words (the exception's own text would be a repr
        chain)."""
        host = self._host
        reason = exc.args[0] if exc.args else None
        reason = getattr(reason, "reason", reason)  # urllib3's MaxRetryError wraps the root cause
        prefix = f"Could not {call.action}: "
        if isinstance(exc, requests.exceptions.SSLError):
            return (
                prefix + f"the TLS certificate of {host} could not be verified (verification is "
                "always on). Check northflank:apiUrl; behind a TLS-inspecting proxy, point "
                "REQUESTS_CA_BUNDLE at its CA certificate."
            )
        if isinstance(reason, RetryBudgetExceeded):
            return prefix + f"{host} kept failing, and {reason}. Retry later."
        if isinstance(exc, requests.ReadTimeout) or isinstance(reason, ReadTimeoutError):
            return self._too_slow(call, tries=" (tried twice)")
        if isinstance(exc, requests.ConnectTimeout):
            return prefix + f"could not connect to {host} within {CONNECT_TIMEOUT:g} s."
        if isinstance(exc, requests.exceptions.ChunkedEncodingError) or isinstance(
            reason, ProtocolError
        ):
            return self._cut_off(call)
        if isinstance(reason, NewConnectionError) or isinstance(exc, requests.ConnectionError):
            return (
                prefix + f"cannot reach {host}; check northflank:apiUrl / NORTHFLANK_API_URL and "
                "the network."
            )
        return prefix + f"the request to {host} failed ({type(exc).__name__})."


@dataclass(frozen=True)
class _Answer:
    """An answer as read and scrubbed: nothing in it holds the token any more."""

    status: int
    headers: CaseInsensitiveDict[str]
    size: int  # of the body, in bytes: all that is shown of one that is not JSON
    payload: Any
    is_json: bool

    @staticmethod
    def of(
        response: requests.Response,
        headers: CaseInsensitiveDict[str],
        content: bytes,
        scrubber: Scrubber,
    ) -> _Answer:
        payload, is_json = parse(content)
        try:
            payload = scrubber.data(payload)
        except RecursionError:  # parsed, but nested too deep to walk: shown as not JSON
            payload, is_json = None, False
        return _Answer(response.status_code, headers, len(content), payload, is_json)

    def describe(self) -> str:
        return f"{_content_type(self.headers)}, {self.size} bytes"


class _Bearer(requests.auth.AuthBase):
    def __init__(self, token: Token) -> None:
        self._token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self._token.reveal()}"
        return request


def _unwrap(
    call: Call,
    response: requests.Response,
    answer: _Answer,
    *,
    token_source: str,
    scrubber: Scrubber,
) -> Any:
    status, payload = answer.status, answer.payload
    if 300 <= status < 400:
        where = urlsplit(answer.headers.get("Location", "")).netloc.rpartition("@")[2]
        raise TransportError(
            f"Could not {call.action}: the API answered HTTP {status}, a redirect to "
            f"{quoted(where or 'another address')}, which the provider does not follow (it would "
            "send the token elsewhere). Set northflank:apiUrl to the API's address."
        )
    if 200 <= status < 300:
        if not answer.is_json:
            raise TransportError(
                f"Could not {call.action}: Northflank answered HTTP {status} to {call.method} "
                f"{call.path} with a body that is not JSON ({answer.describe()})."
            )
        return payload
    error = payload.get("error") if isinstance(payload, dict) else None
    if not isinstance(error, dict):
        message, error_id = f"(no Northflank error body: {answer.describe()})", None
    else:
        # The secrets too, and before errors.quoted flattens and cuts the text.
        message = str(scrubber.deep(error.get("message") or ""))
        error_id = str(scrubber.deep(error["id"])) if error.get("id") else None
    # Only Northflank's own envelope proves the object is gone (not, say, a proxy's 404 page).
    kind = NotFound if status == 404 and isinstance(error, dict) else ApiError
    stopped = getattr(response.raw.retries, "stopped", None)
    raise kind(
        call,
        status,
        message,
        error_id,
        attempts=_attempts(response),
        headers=answer.headers,
        token_source=token_source,
        retries_stopped=str(stopped) if stopped is not None else None,
    )


def _attempts(response: requests.Response) -> int:
    retries = getattr(response.raw, "retries", None)
    return 1 + len(getattr(retries, "history", ()) or ())


def _content_type(headers: CaseInsensitiveDict[str]) -> str:
    return quoted(headers.get("Content-Type") or "no content type")


JSON_CONTENT = {"Content-Type": "application/json"}


def canonical_json(body: Any) -> bytes:
    """A request body with its keys sorted: the same declaration gives the same bytes, whatever
    order the engine delivered its maps in (the two plugins, or two runs, may differ)."""
    return json.dumps(body, sort_keys=True, allow_nan=False).encode()
