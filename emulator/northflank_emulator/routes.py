"""The URL patterns, each mapped to the name of the method that handles it.

API routes (``handlers.ApiHandlers``); each project route also answers under
``/v1/teams/{teamId}``, its first argument being the team (``None`` without one):

* ``POST /v1/projects/{projectId}/jobs/{jobId}/deployment``
* ``GET  /v1/projects/{projectId}/jobs/{jobId}/deployment``
* ``GET  /v1/projects/{projectId}/jobs/{jobId}``: the job, with its ``settings`` as GET job reports
  them (see ``models.Job.settings_view``)
* ``PATCH /v1/projects/{projectId}/jobs/{jobId}``: ``{"settings": {...}}`` merged into the job's
  settings, answered with the job and its settings in request form
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

Control routes for tests and the demo, under ``/_emulator`` (``control.ControlHandlers``; no auth,
see ``server`` for why they are served on loopback only): ``GET/DELETE /requests``, ``GET /state``,
``PUT/DELETE /projects/{p}`` (create or delete a project), ``PUT/DELETE /projects/{p}/jobs/{j}``
(create or delete a job; ``{"deployment": {}}`` for one with nothing deployed), ``POST
/projects/{p}/jobs/{j}/deployment`` (an out-of-band change, as the dashboard makes), ``PATCH
/projects/{p}/jobs/{j}/settings`` (the settings changed in the dashboard), ``POST
/projects/{p}/jobs/{j}/commits`` (a new commit on the build's branch), ``PUT
/projects/{p}/jobs/{j}/run-script`` (how the job's future runs go: ``{"seconds", "outcome",
"logs"}``, see ``models.RunScript``), ``GET /projects/{p}/jobs/{j}/runs`` (the job's runs with the
``runtimeEnvironment`` each was started with), ``POST/DELETE /faults`` (scripted failures: see
``faults.Fault``).
"""

from __future__ import annotations

import re
from typing import NamedTuple
from urllib.parse import unquote

from .exceptions import ApiFailure


class Route(NamedTuple):
    method: str
    pattern: re.Pattern[str]
    handler: str  # the name of the handling method; the pattern's groups are its arguments


CONTROL_PREFIX = "/_emulator/"

_SEGMENT = r"([^/]+)"
_PROJECT = rf"^/v1(?:/teams/{_SEGMENT})?/projects/{_SEGMENT}"
_JOB = rf"{_PROJECT}/jobs/{_SEGMENT}"
API_ROUTES = [
    Route("GET", re.compile(r"^/v1/login$"), "get_login"),
    Route("POST", re.compile(_JOB + r"/deployment$"), "post_deployment"),
    Route("GET", re.compile(_JOB + r"/deployment$"), "get_deployment"),
    Route("GET", re.compile(_JOB + r"$"), "get_job"),
    Route("PATCH", re.compile(_JOB + r"$"), "patch_job"),
    Route("POST", re.compile(_JOB + r"/runs$"), "post_run"),
    Route("GET", re.compile(_JOB + r"/runs$"), "get_runs"),
    Route("GET", re.compile(_JOB + rf"/runs/{_SEGMENT}$"), "get_run"),
    Route("DELETE", re.compile(_JOB + rf"/runs/{_SEGMENT}$"), "delete_run"),
    Route("GET", re.compile(_JOB + r"/logs$"), "get_logs"),
    Route("GET", re.compile(_PROJECT + r"$"), "get_project"),
]
#: The API routes that name no team (every other one takes the team as its first argument).
TEAMLESS_API_ROUTES = frozenset({"get_login"})

_CONTROL_PROJECT = rf"^/_emulator/projects/{_SEGMENT}"
_CONTROL_JOB = rf"{_CONTROL_PROJECT}/jobs/{_SEGMENT}"
CONTROL_ROUTES = [
    Route("GET", re.compile(r"^/_emulator/requests$"), "recorded_requests"),
    Route("DELETE", re.compile(r"^/_emulator/requests$"), "clear_requests"),
    Route("GET", re.compile(r"^/_emulator/state$"), "state"),
    Route("PUT", re.compile(_CONTROL_PROJECT + r"$"), "put_project"),
    Route("DELETE", re.compile(_CONTROL_PROJECT + r"$"), "delete_project"),
    Route("PUT", re.compile(_CONTROL_JOB + r"$"), "put_job"),
    Route("DELETE", re.compile(_CONTROL_JOB + r"$"), "delete_job"),
    Route("POST", re.compile(_CONTROL_JOB + r"/deployment$"), "change_deployment"),
    Route("PATCH", re.compile(_CONTROL_JOB + r"/settings$"), "change_settings"),
    Route("POST", re.compile(_CONTROL_JOB + r"/commits$"), "push_commit"),
    Route("PUT", re.compile(_CONTROL_JOB + r"/run-script$"), "put_run_script"),
    Route("GET", re.compile(_CONTROL_JOB + r"/runs$"), "runs"),
    Route("POST", re.compile(r"^/_emulator/faults$"), "add_fault"),
    Route("DELETE", re.compile(r"^/_emulator/faults$"), "clear_faults"),
]


def resolve(routes: list[Route], method: str, path: str) -> tuple[str, list[str | None]]:
    """The handler's name and its arguments (unquoted); a 405 for a known path with another
    method, a 404 for an unknown path."""
    known_path = False
    for route in routes:
        match = route.pattern.match(path)
        if match:
            known_path = True
            if route.method == method:
                arguments = [unquote(g) if g is not None else None for g in match.groups()]
                return route.handler, arguments
    if known_path:
        raise ApiFailure(405, f"Method {method} not allowed on {path}")
    raise ApiFailure(404, f"Not found: {method} {path}")
