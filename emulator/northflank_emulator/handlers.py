"""The Northflank API over HTTP, thinly: bearer auth and the rate limit, then one method per route
(``routes.API_ROUTES``) that parses the request, calls the state (``models.Backend``) and shapes
the answer in Northflank's envelope: ``{"data": ...}``, with ``pagination`` beside ``data`` for a
list, or the error envelope (``exceptions``).
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from urllib.parse import parse_qs

from . import routes
from .exceptions import ApiFailure, state_refusals
from .models import RUN_PERMISSION, UNKNOWN_TEAM, Backend
from .schema import validate_deployment_body, validate_run_body, validate_settings_body

#: The query parameters of GET .../runs: (default, smallest, largest or None).
PAGE_PARAMETERS = {"per_page": (50, 1, 100), "page": (1, 1, None)}
LOG_DIRECTIONS = ("forward", "backward")
#: UNCONFIRMED: the direction of GET .../logs when none is asked for (Loki's default is assumed).
LOG_DIRECTION_DEFAULT = "backward"


@dataclass(frozen=True)
class Paged:
    """A list answer: Northflank puts ``pagination`` beside ``data`` in the envelope."""

    data: Any
    pagination: dict[str, Any]


def answer(
    backend: Backend, method: str, path: str, *, query: str, body: bytes, token: str | None
) -> tuple[int, Any, dict[str, str]]:
    """An API request's status, JSON payload and headers (the rate-limit ones)."""
    if backend.latency:  # as a remote API would answer (each connection has a thread)
        time.sleep(backend.latency)
    allowed, headers = backend.take_rate(token)
    try:
        grant = backend.grant(token)
        if grant is None:
            raise ApiFailure(401, "Unauthorized: missing or invalid API token")
        if not allowed:
            raise ApiFailure(429, "Too many requests: the API rate limit is exhausted")
        name, arguments = routes.resolve(routes.API_ROUTES, method, path)
        if name not in routes.TEAMLESS_API_ROUTES:
            _check_team(backend, arguments[0])
        handlers = ApiHandlers(backend, parse_query(query), body, write=grant.write)
        with state_refusals():
            result = getattr(handlers, name)(*arguments)
        return 200, _success(result), headers
    except ApiFailure as failure:
        return failure.status, failure.envelope(), headers


class ApiHandlers:
    """One API request: its query, its body and whether its token may write."""

    def __init__(self, backend: Backend, query: dict[str, str], body: bytes, *, write: bool):
        self.backend, self.query, self.body, self.write = backend, query, body, write

    def get_login(self) -> Any:
        return {}  # reached only with a valid token: answer() answered 401 otherwise

    def post_deployment(self, _team: str | None, project: str, job: str) -> Any:
        _require(self.write, "Project > Jobs > General > Update")
        body = json_body(self.body)
        self.backend.job(project, job)
        _refuse_invalid(validate_deployment_body(body))
        self.backend.set_deployment(project, job, body)
        return {}

    def get_deployment(self, _team: str | None, project: str, job: str) -> Any:
        return self.backend.job(project, job).deployment_view()

    def get_job(self, _team: str | None, project: str, job: str) -> Any:
        return self.backend.job(project, job).job_view()

    def patch_job(self, _team: str | None, project: str, job: str) -> Any:
        _require(self.write, "Project > Jobs > General > Update")
        body = json_body(self.body)
        self.backend.job(project, job)
        _refuse_invalid(validate_settings_body(body))
        patched = self.backend.patch_settings(project, job, body.get("settings", {}))
        return {**patched.job_view(), "settings": dict(patched.settings)}

    def get_project(self, _team: str | None, project: str) -> Any:
        self.backend.project(project)
        return {"id": project, "name": project, "description": "", "createdAt": "2024-01-01"}

    def post_run(self, _team: str | None, project: str, job: str) -> Any:
        _require(self.write, RUN_PERMISSION)
        body = json_body(self.body) if self.body else {}  # no body starts a run as {} does
        self.backend.job(project, job)
        _refuse_invalid(validate_run_body(body))
        run = self.backend.start_run(project, job, body.get("runtimeEnvironment"))
        return {"id": run.id, "runName": run.run_name}

    def get_runs(self, _team: str | None, project: str, job: str) -> Any:
        per_page = _int_parameter(self.query, "per_page")
        cursor = self.query.get("cursor")  # wins over page when both are sent
        offset = (
            _cursor_offset(cursor)
            if cursor
            else (_int_parameter(self.query, "page") - 1) * per_page
        )
        runs = self.backend.runs(project, job, as_api=True)
        page, more = runs[offset : offset + per_page], offset + per_page < len(runs)
        now = time.monotonic()
        pagination: dict[str, Any] = {"hasNextPage": more, "count": len(page)}
        if more:
            pagination["cursor"] = _cursor(offset + per_page)
        return Paged({"runs": [run.view(now) for run in page]}, pagination)

    def get_run(self, _team: str | None, project: str, job: str, run: str) -> Any:
        return self.backend.run(project, job, run, as_api=True).view()

    def delete_run(self, _team: str | None, project: str, job: str, run: str) -> Any:
        _require(self.write, RUN_PERMISSION)
        self.backend.abort_run(project, job, run)
        return {}

    def get_logs(self, _team: str | None, project: str, job: str) -> Any:
        # Other parameters (containerName, type, duration, textIncludes, ...) are accepted, unused.
        if self.query.get("queryType") != "range":
            raise _invalid([("queryType", "must be range")])
        direction = self.query.get("direction", LOG_DIRECTION_DEFAULT)
        if direction not in LOG_DIRECTIONS:
            raise _invalid([("direction", "must be forward or backward")])
        lines = self.backend.run_logs(
            project,
            job,
            self.query.get("runId") or None,
            line_limit=_int_parameter(self.query, "lineLimit", (100, 1, None)),
            backward=direction == "backward",
            start=_time_parameter(self.query, "startTime"),
            end=_time_parameter(self.query, "endTime"),
        )
        return [line.view() for line in lines]


def parse_query(query: str) -> dict[str, str]:
    """The query string, one value per name (the last one when a name is repeated)."""
    parsed = parse_qs(query, keep_blank_values=True)
    return {name: values[-1] for name, values in parsed.items()}


def json_body(body: bytes) -> Any:
    try:
        return json.loads(body or b"null")
    except ValueError:
        raise ApiFailure(400, "Request body is not valid JSON") from None


def _check_team(backend: Backend, team: str | None) -> None:
    if team is not None and team not in backend.teams:
        raise ApiFailure(*UNKNOWN_TEAM)


def _success(result: Any) -> dict[str, Any]:
    if isinstance(result, Paged):
        return {"data": result.data, "pagination": result.pagination}
    return {"data": result}


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
