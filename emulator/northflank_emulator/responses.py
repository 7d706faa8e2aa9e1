"""HTTP in and out: routing, bearer auth, rate-limit headers and Northflank's envelopes.

API routes (the project routes also under ``/v1/teams/{teamId}``, for a team the backend knows):

* ``POST /v1/projects/{projectId}/jobs/{jobId}/deployment``
* ``GET  /v1/projects/{projectId}/jobs/{jobId}/deployment``
* ``GET  /v1/projects/{projectId}/jobs/{jobId}``
* ``GET  /v1/projects/{projectId}``
* ``POST /v1/projects/{projectId}/jobs/{jobId}/runs``: start a run (body: ``runtimeEnvironment``
  and the objects ``runtimeFiles``, ``dockerSecretMounts``, ``billing``, ``deployment``; all
  optional), answered ``{"id", "runName"}``
* ``GET  /v1/projects/{projectId}/jobs/{jobId}/runs?per_page=&page=&cursor=``: the job's runs,
  newest first (``models.RUNS_NEWEST_FIRST``), with ``pagination`` beside ``data``
* ``GET  /v1/projects/{projectId}/jobs/{jobId}/runs/{runId}``: one run
* ``DELETE /v1/projects/{projectId}/jobs/{jobId}/runs/{runId}``: abort a run (409 once concluded)
* ``GET  /v1/projects/{projectId}/jobs/{jobId}/logs?queryType=range&runId=&lineLimit=&direction=
  &startTime=&endTime=``: the lines the job's runs have printed so far
* ``GET  /v1/login``: the token check of ``northflank login`` (the official CLI's ``verifyToken``
  looks only for a 2xx; the body is UNCONFIRMED)

Control routes for tests and the demo, under ``/_emulator`` (no auth; see ``server`` for why they
are served on loopback only): ``GET/DELETE /requests``, ``GET /state``, ``PUT/DELETE /projects/{p}``
(create or delete a project), ``PUT/DELETE /projects/{p}/jobs/{j}`` (create or delete a job),
``POST /projects/{p}/jobs/{j}/deployment`` (an out-of-band change, as the dashboard makes),
``POST /projects/{p}/jobs/{j}/commits`` (a new commit on the build's branch),
``PUT /projects/{p}/jobs/{j}/run-script`` (how the job's future runs go: ``{"seconds", "outcome",
"logs"}``, see ``models.RunScript``), ``GET /projects/{p}/jobs/{j}/runs`` (the job's runs with the
``runtimeEnvironment`` each was started with), ``POST/DELETE /faults`` (scripted failures: see
``models.Fault``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import json
import re
import socket
import time
import uuid
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

from .models import (
    RUN_PERMISSION,
    UNKNOWN_TEAM,
    Backend,
    ConflictError,
    Fault,
    NotFoundError,
    RecordedRequest,
    RunScript,
)
from .schema import validate_deployment_body, validate_run_body

_SEGMENT = r"([^/]+)"
_PROJECT = rf"^/v1(?:/teams/{_SEGMENT})?/projects/{_SEGMENT}"
_JOB = rf"{_PROJECT}/jobs/{_SEGMENT}"
API_ROUTES: list[tuple[str, re.Pattern[str], str]] = [
    ("GET", re.compile(r"^/v1/login$"), "get_login"),
    ("POST", re.compile(_JOB + r"/deployment$"), "post_deployment"),
    ("GET", re.compile(_JOB + r"/deployment$"), "get_deployment"),
    ("GET", re.compile(_JOB + r"$"), "get_job"),
    ("POST", re.compile(_JOB + r"/runs$"), "post_run"),
    ("GET", re.compile(_JOB + r"/runs$"), "get_runs"),
    ("GET", re.compile(_JOB + rf"/runs/{_SEGMENT}$"), "get_run"),
    ("DELETE", re.compile(_JOB + rf"/runs/{_SEGMENT}$"), "delete_run"),
    ("GET", re.compile(_JOB + r"/logs$"), "get_logs"),
    ("GET", re.compile(_PROJECT + r"$"), "get_project"),
]
_CONTROL_PROJECT = rf"^/_emulator/projects/{_SEGMENT}"
_CONTROL_JOB = rf"{_CONTROL_PROJECT}/jobs/{_SEGMENT}"
CONTROL_ROUTES: list[tuple[str, re.Pattern[str], str]] = [
    ("GET", re.compile(r"^/_emulator/requests$"), "control_requests"),
    ("DELETE", re.compile(r"^/_emulator/requests$"), "control_clear_requests"),
    ("GET", re.compile(r"^/_emulator/state$"), "control_state"),
    ("PUT", re.compile(_CONTROL_PROJECT + r"$"), "control_put_project"),
    ("DELETE", re.compile(_CONTROL_PROJECT + r"$"), "control_delete_project"),
    ("PUT", re.compile(_CONTROL_JOB + r"$"), "control_put_job"),
    ("DELETE", re.compile(_CONTROL_JOB + r"$"), "control_delete_job"),
    ("POST", re.compile(_CONTROL_JOB + r"/deployment$"), "control_change_deployment"),
    ("POST", re.compile(_CONTROL_JOB + r"/commits$"), "control_push_commit"),
    ("PUT", re.compile(_CONTROL_JOB + r"/run-script$"), "control_put_run_script"),
    ("GET", re.compile(_CONTROL_JOB + r"/runs$"), "control_runs"),
    ("POST", re.compile(r"^/_emulator/faults$"), "control_add_fault"),
    ("DELETE", re.compile(r"^/_emulator/faults$"), "control_clear_faults"),
]


class ApiFailure(Exception):
    def __init__(self, status: int, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.details = status, message, details or {}


@dataclass(frozen=True)
class Paged:
    """A list answer: Northflank puts ``pagination`` beside ``data`` in the envelope."""

    data: Any
    pagination: dict[str, Any]


#: The query parameters of GET .../runs: (default, smallest, largest or None).
PAGE_PARAMETERS = {"per_page": (50, 1, 100), "page": (1, 1, None)}
LOG_DIRECTIONS = ("forward", "backward")
#: UNCONFIRMED: the direction of GET .../logs when none is asked for (Loki's default is assumed).
LOG_DIRECTION_DEFAULT = "backward"


def error_envelope(
    status: int, message: str, details: dict[str, Any] | None = None
) -> dict[str, Any]:
    return {
        "error": {
            "status": status,
            "message": message,
            "id": uuid.uuid4().hex,
            "details": details or {},
        }
    }


class Handler(BaseHTTPRequestHandler):
    """One instance per request; the ``Backend`` is shared through the server."""

    protocol_version = "HTTP/1.1"  # keep-alive, as the real API behind its load balancer
    # Headers and body go out in two writes: with Nagle's algorithm the body would wait for the
    # client's delayed ACK (about 40 ms on Linux) on every answer.
    disable_nagle_algorithm = True
    server_version = "northflank-emulator"
    backend: Backend  # set on a subclass by server.make_handler

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass  # requests are recorded in the backend instead

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def do_PATCH(self) -> None:
        self._dispatch()

    # --- dispatch ----------------------------------------------------------------------------

    def _dispatch(self) -> None:
        path = urlsplit(self.path).path
        raw = self._read_body()
        if path.startswith("/_emulator/"):
            self._control(path, raw)
            return
        token = _bearer(self.headers.get("Authorization"))
        fault = self.backend.take_fault(self.command, path)
        if fault is not None and fault.kind != "processed":
            self._record(path, raw, token, fault.answer_status)
            self._fault(fault, path)
            return
        status, payload, headers = self._api(path, raw, token)
        if fault is not None:  # "processed": the request took effect, but its answer is lost
            status, headers = fault.status, fault.headers
            self._start_others(path, fault.others_start)
            payload = error_envelope(status, f"Injected fault: HTTP {status} after processing")
        self._record(path, raw, token, status)  # before answering: the client may look next
        self._send(status, payload, headers)

    def _start_others(self, path: str, count: int) -> None:
        job = re.search(r"/projects/([^/]+)/jobs/([^/]+)/runs$", path)
        for _ in range(count if job else 0):
            self.backend.start_run(job.group(1), job.group(2))  # type: ignore[union-attr]

    def _record(self, path: str, raw: bytes, token: str | None, status: int) -> None:
        self.backend.record(
            RecordedRequest(
                self.command,
                path,
                status,
                _parsed_or_none(raw),
                self.backend.grant(token) is not None,
                self.headers.get("User-Agent", ""),
            )
        )

    def _api(self, path: str, raw: bytes, token: str | None) -> tuple[int, Any, dict[str, str]]:
        if self.backend.latency:  # as a remote API would answer (each connection has a thread)
            time.sleep(self.backend.latency)
        allowed, headers = self.backend.take_rate(token)
        try:
            grant = self.backend.grant(token)
            if grant is None:
                raise ApiFailure(401, "Unauthorized: missing or invalid API token")
            if not allowed:
                raise ApiFailure(429, "Too many requests: the API rate limit is exhausted")
            handler, args = _route(API_ROUTES, self.command, path)
            if handler != "get_login":
                self._check_team(args[0])
            with _backend_refusals():
                result = getattr(self, handler)(*args, raw=raw, write=grant.write)
            return 200, _success(result), headers
        except ApiFailure as failure:
            return (
                failure.status,
                error_envelope(failure.status, failure.message, failure.details),
                headers,
            )

    def _control(self, path: str, raw: bytes) -> None:
        try:
            handler, args = _route(CONTROL_ROUTES, self.command, path)
            with _backend_refusals():
                result = getattr(self, handler)(*args, raw=raw)
            self._send(200, {"data": result}, {})
        except ApiFailure as failure:
            self._send(
                failure.status, error_envelope(failure.status, failure.message, failure.details), {}
            )

    def _fault(self, fault: Fault, path: str) -> None:
        if fault.kind == "status":
            envelope = error_envelope(fault.status, f"Injected fault: HTTP {fault.status}")
            self._send(fault.status, envelope, fault.headers)
            return
        if fault.kind == "body":
            self._send(fault.status, fault.payload, fault.headers)
            return
        if fault.kind == "raw":
            self._send_raw(fault.status, _raw(fault.payload), "application/json", fault.headers)
            return
        if fault.kind == "html":
            page = b"<html><body><h1>502 Bad Gateway</h1></body></html>"
            self._send_raw(fault.status, page, "text/html", fault.headers)
            return
        if fault.kind == "redirect":
            self._send(307, {}, {"Location": fault.location, **fault.headers})
            return
        if fault.kind == "reflect":
            self._reflect(fault)
            return
        if fault.kind in ("trickle", "trickle-body", "trickle-headers"):
            self._trickle(fault, path)
        elif fault.kind == "huge":
            self._stream(path, fault.size, _huge_body(fault.size), {})
        elif fault.kind == "gzip-bomb":
            bomb = _gzip_bomb(fault.size)
            self._stream(path, len(bomb), [bomb], {"Content-Encoding": "gzip"})
        elif fault.kind == "truncate":
            data = json.dumps({"data": {"region": "europe-west", "instances": 1}}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
        elif fault.kind == "hang":
            time.sleep(fault.seconds)
        self.close_connection = True
        with _peer_gone():
            self.connection.shutdown(socket.SHUT_RDWR)

    def _reflect(self, fault: Fault) -> None:
        """What a proxy or a debug page that echoes request headers would send (as plain text
        when ``payload`` is ``"text"``)."""
        echoed = self.headers.get("Authorization", "")
        kind = "text/plain" if fault.payload == "text" else "application/json"
        headers = {"Content-Type": f'{kind}; echo="{echoed}"', **fault.headers}
        if 300 <= fault.status < 400:
            token = echoed.removeprefix("Bearer ")
            headers["Location"] = (
                f"https://{token}@proxy.example.com/login?authorization={quote(echoed)}"
            )
        payload: Any
        if fault.payload == "text":
            payload = f"Request headers:\nAuthorization: {echoed}\n"
        elif fault.status < 300:
            payload = {
                "data": {
                    "external": {
                        "imagePath": f"echo/{echoed}:1",
                        "registryProvider": "custom",
                        "privateImage": False,
                    },
                    "docker": {"configType": "customCommand", "customCommand": echoed},
                }
            }
        else:
            payload = error_envelope(fault.status, f"Request headers: Authorization: {echoed}")
            payload["error"]["id"] = echoed
        data = payload.encode() if isinstance(payload, str) else json.dumps(payload).encode()
        self._send_raw(fault.status, data, headers.pop("Content-Type"), headers)

    def _trickle(self, fault: Fault, path: str) -> None:
        """A 200 sent in three parts: at once, then one byte every ``interval`` seconds (the
        part the fault's kind names), then the rest at once."""
        body = json.dumps({"data": {"region": "europe-west", "padding": "x" * 64}}).encode()
        status_line = b"HTTP/1.1 200 OK\r\n"
        head = f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode()
        answer = status_line + head + body
        start, end = {
            "trickle": (0, len(answer)),
            "trickle-body": (len(status_line + head), len(answer)),
            "trickle-headers": (len(status_line), len(status_line + head)),
        }[fault.kind]
        sent = 0
        try:
            self.wfile.write(answer[:start])
            self.wfile.flush()
            for sent in range(start, end):
                self.wfile.write(answer[sent : sent + 1])
                self.wfile.flush()
                time.sleep(fault.interval)
            sent = end
            self.wfile.write(answer[end:])
            self.wfile.flush()
        except OSError:  # the client gave up
            self.backend.record_abandoned(path, sent, len(answer))

    def _stream(
        self, path: str, size: int, chunks: Iterable[bytes], headers: dict[str, str]
    ) -> None:
        """A 200 whose body is sent chunk by chunk, noting when the client stops reading."""
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(size))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        sent = 0
        try:
            for chunk in chunks:
                self.wfile.write(chunk)
                sent += len(chunk)
        except OSError:
            self.backend.record_abandoned(path, sent, size)

    # --- API ---------------------------------------------------------------------------------

    def get_login(self, *, raw: bytes, write: bool) -> Any:
        return {}  # reached only with a valid token: _api answered 401 otherwise

    def post_deployment(
        self, _team: str | None, project: str, job: str, *, raw: bytes, write: bool
    ) -> Any:
        _require(write, "Project > Jobs > General > Update")
        body = _json_body(raw)
        self._job(project, job)
        _refuse_invalid(validate_deployment_body(body))
        self.backend.set_deployment(project, job, body)
        return {}

    def get_deployment(
        self, _team: str | None, project: str, job: str, *, raw: bytes, write: bool
    ) -> Any:
        return self._job(project, job).deployment_view()

    def get_job(self, _team: str | None, project: str, job: str, *, raw: bytes, write: bool) -> Any:
        return self._job(project, job).job_view()

    def get_project(self, _team: str | None, project: str, *, raw: bytes, write: bool) -> Any:
        try:
            self.backend.project(project)
        except NotFoundError as exc:
            raise ApiFailure(404, str(exc)) from None
        return {"id": project, "name": project, "description": "", "createdAt": "2024-01-01"}

    def post_run(
        self, _team: str | None, project: str, job: str, *, raw: bytes, write: bool
    ) -> Any:
        _require(write, RUN_PERMISSION)
        body = _json_body(raw) if raw else {}  # no body at all starts a run as {} does
        self._job(project, job)
        _refuse_invalid(validate_run_body(body))
        run = self.backend.start_run(project, job, body.get("runtimeEnvironment"))
        return {"id": run.id, "runName": run.run_name}

    def get_runs(
        self, _team: str | None, project: str, job: str, *, raw: bytes, write: bool
    ) -> Any:
        query = self._query()
        per_page = _int_parameter(query, "per_page")
        cursor = query.get("cursor")  # wins over page when both are sent
        offset = (
            _cursor_offset(cursor) if cursor else (_int_parameter(query, "page") - 1) * per_page
        )
        runs = self.backend.runs(project, job, as_api=True)
        page, more = runs[offset : offset + per_page], offset + per_page < len(runs)
        now = time.monotonic()
        pagination: dict[str, Any] = {"hasNextPage": more, "count": len(page)}
        if more:
            pagination["cursor"] = _cursor(offset + per_page)
        return Paged({"runs": [run.view(now) for run in page]}, pagination)

    def get_run(
        self, _team: str | None, project: str, job: str, run: str, *, raw: bytes, write: bool
    ) -> Any:
        return self.backend.run(project, job, run, as_api=True).view()

    def delete_run(
        self, _team: str | None, project: str, job: str, run: str, *, raw: bytes, write: bool
    ) -> Any:
        _require(write, RUN_PERMISSION)
        self.backend.abort_run(project, job, run)
        return {}

    def get_logs(
        self, _team: str | None, project: str, job: str, *, raw: bytes, write: bool
    ) -> Any:
        # Other parameters (containerName, type, duration, textIncludes, ...) are accepted, unused.
        query = self._query()
        if query.get("queryType") != "range":
            raise _invalid([("queryType", "must be range")])
        direction = query.get("direction", LOG_DIRECTION_DEFAULT)
        if direction not in LOG_DIRECTIONS:
            raise _invalid([("direction", "must be forward or backward")])
        lines = self.backend.run_logs(
            project,
            job,
            query.get("runId") or None,
            line_limit=_int_parameter(query, "lineLimit", (100, 1, None)),
            backward=direction == "backward",
            start=_time_parameter(query, "startTime"),
            end=_time_parameter(query, "endTime"),
        )
        return [line.view() for line in lines]

    def _check_team(self, team: str | None) -> None:
        if team is not None and team not in self.backend.teams:
            raise ApiFailure(*UNKNOWN_TEAM)

    def _job(self, project: str, job: str) -> Any:
        try:
            return self.backend.job(project, job)
        except NotFoundError as exc:
            raise ApiFailure(404, str(exc)) from None

    def _query(self) -> dict[str, str]:
        """The query string, one value per name (the last one when a name is repeated)."""
        parsed = parse_qs(urlsplit(self.path).query, keep_blank_values=True)
        return {name: values[-1] for name, values in parsed.items()}

    # --- control -----------------------------------------------------------------------------

    def control_add_fault(self, *, raw: bytes) -> Any:
        try:
            self.backend.add_fault(Fault(**_json_body(raw)))
        except (TypeError, ValueError) as exc:
            raise ApiFailure(400, f"Invalid fault: {exc}") from None
        return {}

    def control_clear_faults(self, *, raw: bytes) -> Any:
        self.backend.clear_faults()
        return {}

    def control_requests(self, *, raw: bytes) -> Any:
        return self.backend.recorded()

    def control_clear_requests(self, *, raw: bytes) -> Any:
        self.backend.clear_recorded()
        return {}

    def control_state(self, *, raw: bytes) -> Any:
        return self.backend.snapshot()

    def control_put_project(self, project: str, *, raw: bytes) -> Any:
        self.backend.add_project(project)
        return {}

    def control_delete_project(self, project: str, *, raw: bytes) -> Any:
        try:
            self.backend.delete_project(project)
        except NotFoundError as exc:
            raise ApiFailure(404, str(exc)) from None
        return {}

    def control_put_job(self, project: str, job: str, *, raw: bytes) -> Any:
        body = _json_body(raw) if raw else {}
        created = self.backend.add_job(project, job, body.get("name"), body.get("deployment"))
        return created.deployment_view()

    def control_delete_job(self, project: str, job: str, *, raw: bytes) -> Any:
        try:
            self.backend.delete_job(project, job)
        except NotFoundError as exc:
            raise ApiFailure(404, str(exc)) from None
        return {}

    def control_change_deployment(self, project: str, job: str, *, raw: bytes) -> Any:
        self._job(project, job)
        self.backend.set_deployment(project, job, _json_body(raw))
        return self.backend.job(project, job).deployment_view()

    def control_push_commit(self, project: str, job: str, *, raw: bytes) -> Any:
        self._job(project, job)
        return {"deployedSHA": self.backend.push_commit(project, job)}

    def control_put_run_script(self, project: str, job: str, *, raw: bytes) -> Any:
        body = _json_body(raw)
        if not isinstance(body, dict):
            raise ApiFailure(400, "Invalid run script: the body must be a JSON object")
        try:
            script = RunScript(**body)
        except (TypeError, ValueError) as exc:
            raise ApiFailure(400, f"Invalid run script: {exc}") from None
        self.backend.script_runs(project, job, script)
        return dataclasses.asdict(script)

    def control_runs(self, project: str, job: str, *, raw: bytes) -> Any:
        now = time.monotonic()
        return [
            {**run.view(now), "runtimeEnvironment": run.runtime_environment}
            for run in self.backend.runs(project, job)
        ]

    # --- plumbing ----------------------------------------------------------------------------

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _send(self, status: int, payload: Any, headers: dict[str, str]) -> None:
        self._send_raw(
            status, json.dumps(payload).encode(), "application/json; charset=utf-8", headers
        )

    def _send_raw(
        self, status: int, data: bytes, content_type: str, headers: dict[str, str]
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


def _route(
    routes: list[tuple[str, re.Pattern[str], str]], method: str, path: str
) -> tuple[str, list[str | None]]:
    known_path = False
    for route_method, pattern, handler in routes:
        match = pattern.match(path)
        if match:
            known_path = True
            if route_method == method:
                return handler, [unquote(g) if g is not None else None for g in match.groups()]
    if known_path:
        raise ApiFailure(405, f"Method {method} not allowed on {path}")
    raise ApiFailure(404, f"Not found: {method} {path}")


def _success(result: Any) -> dict[str, Any]:
    if isinstance(result, Paged):
        return {"data": result.data, "pagination": result.pagination}
    return {"data": result}


@contextlib.contextmanager
def _backend_refusals() -> Iterator[None]:
    """The backend's refusals in Northflank's terms (the job may vanish between two looks)."""
    try:
        yield
    except NotFoundError as exc:
        raise ApiFailure(404, str(exc)) from None
    except ConflictError as exc:
        raise ApiFailure(409, str(exc)) from None


def _require(write: bool, permission: str) -> None:
    if not write:
        raise ApiFailure(403, f"Forbidden: the token lacks the permission {permission}")


def _refuse_invalid(errors: list[tuple[str, str]]) -> None:
    if errors:
        raise _invalid(errors)


def _invalid(errors: list[tuple[str, str]]) -> ApiFailure:
    """A 400 naming every field at fault, as Northflank's validation answers."""
    message = "; ".join(f"{path}: {reason}" for path, reason in errors)
    return ApiFailure(
        400,
        f"Validation failed: {message}",
        {"fields": [{"path": p, "message": m} for p, m in errors]},
    )


def _int_parameter(
    query: dict[str, str], name: str, bounds: tuple[int, int, int | None] | None = None
) -> int:
    default, low, high = bounds or PAGE_PARAMETERS[name]
    text = query.get(name)
    if text is None:
        return default
    value = int(text) if re.fullmatch(r"[0-9]{1,9}", text) else low - 1
    if value < low or (high is not None and value > high):
        upper = f" to {high}" if high is not None else " or more"
        raise _invalid([(name, f"must be an integer from {low}{upper}")])
    return value


def _time_parameter(query: dict[str, str], name: str) -> float | None:
    """An ISO 8601 time (``Z`` or an offset; UTC when it has neither) as epoch seconds."""
    text = query.get(name)
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
    except ValueError:
        raise _invalid([(name, "must be an ISO 8601 date and time")]) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


def _cursor(offset: int) -> str:
    """An opaque 24-character cursor: the next offset and a check that it came from us."""
    return f"{offset:08x}{_cursor_check(offset)}"


def _cursor_offset(cursor: str) -> int:
    offset = int(cursor[:8], 16) if re.fullmatch(r"[0-9a-f]{24}", cursor) else -1
    if offset < 0 or cursor[8:] != _cursor_check(offset):
        raise _invalid([("cursor", "is not a cursor this list returned")])
    return offset


def _cursor_check(offset: int) -> str:
    return hashlib.sha256(f"northflank-emulator/runs/{offset}".encode()).hexdigest()[:16]


def _bearer(header: str | None) -> str | None:
    if header and header.startswith("Bearer "):
        return header[len("Bearer ") :].strip() or None
    return None


def _json_body(raw: bytes) -> Any:
    try:
        return json.loads(raw or b"null")
    except ValueError:
        raise ApiFailure(400, "Request body is not valid JSON") from None


def _parsed_or_none(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return None


@contextlib.contextmanager
def _peer_gone() -> Iterator[None]:
    """The client may already have closed the connection: that ends the fault just as well."""
    with contextlib.suppress(OSError):
        yield


def _huge_body(size: int) -> Iterator[bytes]:
    """``size`` bytes of one JSON document, made on the fly (never held in memory at once)."""
    head, tail = b'{"data": {"padding": "', b'"}}'
    filler = size - len(head) - len(tail)
    yield head
    chunk = b"x" * 65536
    for _ in range(filler // len(chunk)):
        yield chunk
    yield b"x" * (filler % len(chunk)) + tail


def _raw(payload: Any) -> bytes:
    """A ``raw`` fault's body: bytes as they are; text (from the control route's JSON, which
    cannot carry bytes) one byte per character, as Latin-1."""
    return payload if isinstance(payload, bytes) else str(payload).encode("latin-1")


@functools.cache
def _gzip_bomb(size: int) -> bytes:
    """A gzip body that inflates to ``size`` bytes of JSON (about 1000 times its own size)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: a gzip header and trailer
    head, tail = b'{"data": {"padding": "', b'"}}'
    parts = [compressor.compress(head)]
    zeros, left = b"0" * (1024 * 1024), size - len(head) - len(tail)
    while left > 0:
        parts.append(compressor.compress(zeros[: min(left, len(zeros))]))
        left -= len(zeros)
    parts += [compressor.compress(tail), compressor.flush()]
    return b"".join(parts)
