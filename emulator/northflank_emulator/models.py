"""The emulator's state: teams, projects, jobs and their deployments, job runs and their logs,
tokens, rate limits, recorded calls and scripted faults (each a ``faults.Fault``).

Everything here is plain Python behind one lock; ``handlers`` and ``control`` turn HTTP requests
into calls on a ``Backend``. Where Northflank's behaviour is not documented (marked UNCONFIRMED, see
``docs/northflank-api.md`` in the repository), the choice is a module-level constant or a small
function, so a live observation can change it in one place.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import secrets
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from .exceptions import ConflictError, NotFoundError

# Re-exported explicitly (PEP 484's "as" form): tests script faults as models.Fault.
from .faults import Fault as Fault  # noqa: PLC0414

OWNER = "demo-user"  # appId is "/<team-or-user>/<project>/<id>"
DEFAULT_TOKEN = "nf-emulator-token"  # noqa: S105 - a well-known token for the local emulator only
DEMO_TEAM = "demo-team"

#: UNCONFIRMED: what a team route answers for a team the token does not belong to. Northflank's
#: docs do not say; a 404 in the error envelope is assumed, as for an unknown project.
UNKNOWN_TEAM = (404, "Team not found")

#: UNCONFIRMED: how GET deployment names the registry of a host-qualified image.
REGISTRY_PROVIDERS: tuple[tuple[str, str], ...] = (
    (r"(index\.|registry-1\.)?docker\.io", "dockerhub"),
    (r"ghcr\.io", "github"),
    (r"registry\.gitlab\.com", "gitlab"),
    (r"[0-9]+\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com|public\.ecr\.aws", "ecr"),
    (r"[a-z0-9]+\.azurecr\.io", "acr"),
    (r"([a-z]+\.)?gcr\.io|[a-z0-9-]+-docker\.pkg\.dev", "gar"),
    (r"dhi\.io", "dhi"),
)


#: UNCONFIRMED: the order of GET .../jobs/{jobId}/runs. Northflank does not document it; newest
#: first (by start) is assumed. ``Backend.runs`` reads it on every call, so a test may flip it.
RUNS_NEWEST_FIRST = True

#: A new job's settings. UNCONFIRMED: Northflank's defaults for a job created without them.
DEFAULT_JOB_SETTINGS: dict[str, Any] = {
    "backoffLimit": 0,
    "activeDeadlineSeconds": 600,
    "runOnSourceChange": "never",
    "cron": None,
}

#: How a script may end a run (a run's ``status`` is one of these or ``RUNNING``).
RUN_OUTCOMES = ("SUCCESS", "FAILED")

#: What a job run's lines are when nothing was scripted.
DEFAULT_RUN_LOGS = ("Starting", "Done")

#: A scripted log line starting with this goes to stderr (``"stderr: boom"``); others to stdout.
STDERR_MARK = "stderr:"

#: The permission Northflank names when a token may not start a run. UNCONFIRMED that aborting a
#: run asks for the same one.
RUN_PERMISSION = "Project > Jobs > General > Run Job"


def split_image(image_path: str) -> tuple[str | None, str]:
    """(host, rest) as GET deployment reports them: the host is dropped from ``imagePath``."""
    rest = re.sub(r"^https?://", "", image_path, flags=re.IGNORECASE).lstrip("/")
    first, sep, remainder = rest.partition("/")
    if sep and ("." in first or ":" in first or first == "localhost"):
        return first.lower(), remainder.removeprefix("v1/")
    return None, rest


def registry_provider(host: str | None) -> str:
    if host is None:
        return "dockerhub"
    bare = host.split(":")[0]
    for pattern, provider in REGISTRY_PROVIDERS:
        if re.fullmatch(pattern, bare):
            return provider
    return "custom"


@dataclass
class Job:
    project_id: str
    id: str
    name: str
    created_at: str
    external: dict[str, Any] | None = None  # as submitted
    internal: dict[str, Any] | None = None  # as submitted
    docker: dict[str, Any] = field(default_factory=lambda: {"configType": "default"})
    buildpack: dict[str, Any] = field(default_factory=lambda: {"configType": "default"})
    commits: int = 0  # new commits pushed to the build's branch (moves deployedSHA under "latest")
    #: As PATCH job sets them, in request form (``concurrencyPolicy`` lower case).
    settings: dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_JOB_SETTINGS))

    @property
    def app_id(self) -> str:
        return f"/{OWNER}/{self.project_id}/{self.id}"

    def apply(self, body: Mapping[str, Any]) -> None:
        """What POST .../deployment does to a job (body already validated).

        The provider relies on these semantics, written down with their uncertainty in
        ``docs/northflank-api.md`` ("What a POST leaves alone"): a source block replaces the
        other source; an omitted source, or an omitted docker/buildpack block, is left as it was;
        a runtime block that is sent replaces ``configType`` and merges the ``custom*`` fields.
        """
        if "external" in body:
            self.external, self.internal = dict(body["external"]), None
        elif "internal" in body:
            previous = self.internal or {}
            self.internal, self.external = {**_keep_id(previous), **body["internal"]}, None
        # Runtime settings merge: a "default" configType keeps earlier custom* values, as in the
        # docs' example (UNCONFIRMED whether the live API clears them).
        for key in ("docker", "buildpack"):
            if key in body:
                setattr(self, key, {**getattr(self, key), **body[key]})

    def deployment_view(self) -> dict[str, Any]:
        """GET .../jobs/{jobId}/deployment, with its read-back quirks."""
        data: dict[str, Any] = {"region": "europe-west", "instances": 1, **self._runtime_view()}
        if self.external is not None:
            host, rest = split_image(self.external["imagePath"])
            data["external"] = {
                "imagePath": rest,
                "registryProvider": registry_provider(host),
                "privateImage": "credentials" in self.external,  # credentials are never returned
            }
        elif self.internal is not None:
            data["internal"] = self._internal_view()
        return data

    @property
    def source(self) -> tuple[Any, Any]:
        return (self.external, self.internal)

    def patch_settings(self, settings: Mapping[str, Any]) -> None:
        """What PATCH job does to its settings: each field sent replaces the one kept, ``cron``
        field by field (UNCONFIRMED: the client's types mark each optional, which suggests it)."""
        for key, value in settings.items():
            if key == "cron" and isinstance(value, Mapping):
                self.settings["cron"] = {**(self.settings.get("cron") or {}), **value}
            else:
                self.settings[key] = value

    def settings_view(self) -> dict[str, Any]:
        """``settings`` as GET job reports them: no ``runOnSourceChange`` (not in its type),
        ``concurrencyPolicy`` capitalised, ``cron.suspended`` only at the top level."""
        view: dict[str, Any] = {
            k: self.settings.get(k) for k in ("backoffLimit", "activeDeadlineSeconds")
        }
        cron = self.settings.get("cron")
        if cron:
            reported = {"schedule": cron.get("schedule")}
            if cron.get("concurrencyPolicy"):
                reported["concurrencyPolicy"] = str(cron["concurrencyPolicy"]).capitalize()
            view["cron"] = reported
        return view

    def job_view(self) -> dict[str, Any]:
        """GET .../jobs/{jobId}: runtime settings, but no image or build source."""
        cron = self.settings.get("cron") or {}
        return {
            "id": self.id,
            "appId": self.app_id,
            "name": self.name,
            "projectId": self.project_id,
            "jobType": "cron" if cron.get("schedule") else "manual",
            "createdAt": self.created_at,
            "tags": [],
            "disabledCI": False,
            "disabledCD": False,
            "deployment": {"region": "europe-west", **self._runtime_view()},
            "billing": {"deploymentPlan": "nf-compute-20"},
            "suspended": bool(cron.get("suspended", False)),
            "settings": self.settings_view(),
            "cluster": {"id": "nf-europe-west", "name": "nf-europe-west"},
        }

    def _runtime_view(self) -> dict[str, Any]:
        return {
            "docker": dict(self.docker),
            "buildpack": dict(self.buildpack),
            "storage": {"ephemeralStorage": {"storageSize": 1024.0}, "shmSize": 64},
        }

    def _internal_view(self) -> dict[str, Any]:
        internal = self.internal or {}
        service = internal.get("id") or self.id
        branch = internal.get("branch", "main")
        build_sha = internal.get("buildSHA", "latest")
        head = hashlib.sha1(f"{service}/{branch}/{self.commits}".encode()).hexdigest()  # noqa: S324
        return {
            "appId": f"/{OWNER}/{self.project_id}/{service}",
            "nfObjectId": service,
            "nfObjectType": "service" if "id" in internal else "job",
            "repository": f"https://github.com/{OWNER}/{service}",
            "branch": branch,
            "buildId": internal.get("buildId") or f"build-{head[:8]}",
            "buildSHA": build_sha,
            "deployedSHA": head if build_sha == "latest" else build_sha,
            "buildSource": "git",
        }


def _keep_id(previous: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": previous["id"]} if "id" in previous else {}


@dataclass(frozen=True)
class RunScript:
    """How a job's future runs go: RUNNING for ``seconds``, then ``outcome``, having printed
    ``logs`` evenly over that time (a line marked ``"stderr: ..."`` goes to stderr).

    Two lags, as a distributed backend may show: a run is known to GET .../runs/{runId} and to
    the listing only ``register_delay`` seconds after it started, and to the listing only
    ``list_lag`` seconds after it started."""

    seconds: float = 0.5
    outcome: str = "SUCCESS"
    logs: list[str] = field(default_factory=lambda: list(DEFAULT_RUN_LOGS))
    list_lag: float = 0.0
    register_delay: float = 0.0

    def __post_init__(self) -> None:
        # The control route builds this from JSON: refuse what would break a run's clock or logs.
        if self.outcome not in RUN_OUTCOMES:
            raise ValueError(f"outcome must be one of {', '.join(RUN_OUTCOMES)}")
        for name in ("seconds", "list_lag", "register_delay"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise TypeError(f"{name} must be a number")
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"{name} must be a finite number >= 0")
        if not isinstance(self.logs, list) or not all(isinstance(x, str) for x in self.logs):
            raise TypeError("logs must be a list of strings")


@dataclass(frozen=True)
class LogLine:
    """One line of a run's container log, as GET .../logs returns it."""

    container_id: str
    log: str  # with the CRI prefix: "stdout F <text>"
    at: float  # wall clock
    order: tuple[int, int]  # (run's start sequence, line index): ties on ``at`` keep their order

    def view(self) -> dict[str, Any]:
        return {"containerId": self.container_id, "log": self.log, "ts": iso(self.at)}


@dataclass
class Run:
    """One run of a job. Its status is derived from the time elapsed since it started
    (``time.monotonic``) and its script; timestamps are reported on the wall clock."""

    project_id: str
    job_id: str
    id: str
    run_name: str
    sequence: int  # the backend's start order, for listing and for log ties
    script: RunScript
    runtime_environment: dict[str, str]
    started: float = field(default_factory=time.monotonic)
    started_wall: float = field(default_factory=time.time)
    aborted: tuple[float, float] | None = None  # (monotonic, wall); one assignment, so atomic

    def ended(self, now: float) -> tuple[float, float] | None:
        """(monotonic, wall) when the run concluded, or None while it is running."""
        if self.aborted is not None:
            return self.aborted
        seconds = self.script.seconds
        if now - self.started >= seconds:
            return self.started + seconds, self.started_wall + seconds
        return None

    def registered(self, now: float) -> bool:
        """Whether the backend knows the run yet (GET .../runs/{runId} finds it)."""
        return now - self.started >= self.script.register_delay

    def listed(self, now: float) -> bool:
        """Whether the run shows in GET .../runs yet."""
        return now - self.started >= max(self.script.list_lag, self.script.register_delay)

    def status(self, now: float) -> str:
        if self.aborted is not None:
            return "FAILED"
        return "RUNNING" if self.ended(now) is None else self.script.outcome

    def view(self, now: float | None = None) -> dict[str, Any]:
        """The JobRun object of GET .../runs/{runId}."""
        now = time.monotonic() if now is None else now
        status, ended = self.status(now), self.ended(now)
        return {
            "id": self.id,
            "runName": self.run_name,
            "status": status,
            "concluded": ended is not None,
            "concludedAt": None if ended is None else iso(ended[1]),
            "startedAt": iso(self.started_wall),
            "active": int(ended is None),
            "succeeded": int(status == "SUCCESS"),
            "failed": int(status == "FAILED"),
            "completions": 1,  # one pod to complete, as a manual job's run has
            "backoffLimit": 0,
        }

    def emitted(self, now: float) -> int:
        """How many scripted lines the run has printed: a share proportional to its elapsed time,
        all of them once it succeeded or failed by script, no more after an abort stopped it."""
        total, seconds = len(self.script.logs), self.script.seconds
        if self.aborted is None and self.ended(now) is not None:
            return total
        until = self.aborted[0] if self.aborted is not None else now
        return min(total, int(total * (until - self.started) / seconds)) if seconds > 0 else total

    def log_lines(self, now: float) -> list[LogLine]:
        lines, seconds = self.script.logs, self.script.seconds
        container = f"{self.run_name}-{self.id[:5]}"  # the run's pod, as Northflank names one
        return [
            LogLine(
                container,
                _cri_line(text),
                self.started_wall + seconds * (index + 1) / len(lines),
                (self.sequence, index),
            )
            for index, text in enumerate(lines[: self.emitted(now)])
        ]


def _cri_line(text: str) -> str:
    """A container log line as Northflank returns it, with the CRI stream and full-line tag."""
    if text.startswith(STDERR_MARK):
        return "stderr F " + text.removeprefix(STDERR_MARK).removeprefix(" ")
    return "stdout F " + text


@dataclass(frozen=True)
class Grant:
    """What a token may do. ``write`` covers POST deployment and starting or aborting a run."""

    name: str
    write: bool = True


@dataclass
class RecordedRequest:
    method: str
    path: str
    status: int
    body: Any
    authorized: bool
    user_agent: str
    #: The body as sent, for tests that compare two clients' requests byte for byte.
    raw: str = ""
    at: float = field(default_factory=time.monotonic)  # when it arrived (monotonic clock)
    wall: float = field(default_factory=time.time)  # the same instant on the wall clock


class RateLimiter:
    """Northflank's fixed window: ``limit`` requests per ``window`` seconds per token, counted from
    the window's first request."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit, self.window = limit, window
        self._windows: dict[str, tuple[float, int]] = {}

    def take(self, key: str, now: float) -> tuple[bool, dict[str, str]]:
        start, used = self._windows.get(key, (now, 0))
        if now - start >= self.window:
            start, used = now, 0
        allowed = used < self.limit
        used += allowed
        self._windows[key] = (start, used)
        reset = max(0, int(start + self.window - now + 0.999))
        return allowed, {
            "x-ratelimit-limit": str(self.limit),
            "x-ratelimit-remaining": str(self.limit - used),
            "x-ratelimit-reset": str(reset),
        }


class Backend:
    """All emulator state. Every public method is safe to call from several threads."""

    def __init__(
        self,
        tokens: Mapping[str, Grant] | None = None,
        rate_limit: int = 1000,
        rate_window: float = 3600.0,
        state_file: Path | None = None,
        latency: float = 0.0,
        *,
        teams: tuple[str, ...] = (DEMO_TEAM,),
    ) -> None:
        self.lock = threading.RLock()
        self.teams = set(teams)  # the teams whose routes answer (every token may use them)
        self.latency = latency  # seconds before every API answer, to mimic a remote API
        self.tokens = dict(tokens or {DEFAULT_TOKEN: Grant("emulator")})
        self.rate_limiter = RateLimiter(rate_limit, rate_window)
        self.state_file = state_file
        self.projects: dict[str, dict[str, Job]] = {}
        # Runs live beside the jobs (not in Job, so old state files still load) and only in memory:
        # their clock is monotonic, which means nothing after a restart.
        self.job_runs: dict[tuple[str, str], dict[str, Run]] = {}  # in start order
        self.run_scripts: dict[tuple[str, str], RunScript] = {}
        self._run_sequence = 0
        self.requests: list[RecordedRequest] = []
        self.faults: list[Fault] = []
        #: Answers the client stopped reading before their end: (path, bytes sent, bytes in all).
        self.abandoned: list[tuple[str, int, int]] = []
        if state_file is not None and state_file.exists():
            self._load(state_file)

    # --- jobs --------------------------------------------------------------------------------

    def project(self, project_id: str) -> dict[str, Job]:
        with self.lock:
            if project_id not in self.projects:
                raise NotFoundError("Project not found")
            return self.projects[project_id]

    def job(self, project_id: str, job_id: str) -> Job:
        with self.lock:
            job = self.project(project_id).get(job_id)
            if job is None:
                raise NotFoundError("Job not found")
            return job

    def add_project(self, project_id: str) -> None:
        with self.lock:
            self.projects.setdefault(project_id, {})
            self._save()

    def delete_project(self, project_id: str) -> None:
        with self.lock:
            for job_id in self.project(project_id):
                self._forget_runs(project_id, job_id)
            del self.projects[project_id]
            self._save()

    def add_job(
        self,
        project_id: str,
        job_id: str,
        name: str | None = None,
        deployment: Mapping[str, Any] | None = None,
    ) -> Job:
        with self.lock:
            job = Job(project_id, job_id, name or job_id, _now())
            # None: an image, as a job made in the dashboard has; {}: nothing deployed yet.
            job.apply(
                {"external": {"imagePath": "nginx:latest"}} if deployment is None else deployment
            )
            self.add_project(project_id)
            self.projects[project_id][job_id] = job
            self._forget_runs(project_id, job_id)  # a new job has no runs, even if it reuses an ID
            self._save()
            return job

    def delete_job(self, project_id: str, job_id: str) -> None:
        with self.lock:
            self.job(project_id, job_id)
            del self.projects[project_id][job_id]
            self._forget_runs(project_id, job_id)
            self._save()

    def set_deployment(self, project_id: str, job_id: str, body: Mapping[str, Any]) -> None:
        """A deployment change, through the API or out of band (as the dashboard would). A job
        whose ``runOnSourceChange`` is ``always`` runs when its source changes, as Northflank's
        do (``cd-promote`` runs only on a pipeline promotion, which the emulator has not)."""
        with self.lock:
            job = self.job(project_id, job_id)
            before = job.source
            job.apply(body)
            if job.source != before and job.settings.get("runOnSourceChange") == "always":
                self.start_run(project_id, job_id)
            self._save()

    def patch_settings(self, project_id: str, job_id: str, settings: Mapping[str, Any]) -> Job:
        """PATCH job's ``settings``, through the API or out of band."""
        with self.lock:
            job = self.job(project_id, job_id)
            job.patch_settings(settings)
            self._save()
            return job

    def push_commit(self, project_id: str, job_id: str) -> str:
        """A new commit on the build's branch: auto-deploys when buildSHA is ``latest``."""
        with self.lock:
            job = self.job(project_id, job_id)
            job.commits += 1
            self._save()
            return str(job._internal_view()["deployedSHA"])

    def seed_demo(self) -> None:
        with self.lock:
            self.add_job("demo-project", "db-migrate", "DB Migrate")
            self.add_job(
                "demo-project",
                "nightly-report",
                "Nightly Report",
                {"internal": {"id": "report-builder", "branch": "main", "buildSHA": "latest"}},
            )
            self.add_job("demo-project", "cache-warmer", "Cache Warmer")

    # --- runs --------------------------------------------------------------------------------

    def script_runs(self, project_id: str, job_id: str, script: RunScript) -> None:
        """How the job's future runs go (runs already started keep their script)."""
        with self.lock:
            self.job(project_id, job_id)
            self.run_scripts[project_id, job_id] = replace(script, logs=list(script.logs))

    def run_script(self, project_id: str, job_id: str) -> RunScript:
        with self.lock:
            self.job(project_id, job_id)
            return self.run_scripts.get((project_id, job_id), RunScript())

    def start_run(
        self,
        project_id: str,
        job_id: str,
        runtime_environment: Mapping[str, str] | None = None,
    ) -> Run:
        """POST .../runs: a new run, going as the job's script says."""
        with self.lock:
            script = self.run_script(project_id, job_id)
            self._run_sequence += 1
            run = Run(
                project_id,
                job_id,
                str(uuid.uuid4()),
                f"{job_id}-{secrets.token_hex(12)}",
                self._run_sequence,
                script,
                dict(runtime_environment or {}),
            )
            self.job_runs.setdefault((project_id, job_id), {})[run.id] = run
            return run

    def run(self, project_id: str, job_id: str, run_id: str, *, as_api: bool = False) -> Run:
        """A run; ``as_api``: as GET .../runs/{runId} sees it (not before it is registered)."""
        with self.lock:
            self.job(project_id, job_id)
            found = self.job_runs.get((project_id, job_id), {}).get(run_id)
            if found is None or (as_api and not found.registered(time.monotonic())):
                raise NotFoundError("Job run not found")
            return found

    def runs(self, project_id: str, job_id: str, *, as_api: bool = False) -> list[Run]:
        """The job's runs in the order GET .../runs lists them (see ``RUNS_NEWEST_FIRST``);
        ``as_api``: only those the listing shows yet (see ``RunScript``'s lags)."""
        with self.lock:
            self.job(project_id, job_id)
            started = list(self.job_runs.get((project_id, job_id), {}).values())
            if as_api:
                now = time.monotonic()
                started = [run for run in started if run.listed(now)]
            return started[::-1] if RUNS_NEWEST_FIRST else started

    def abort_run(self, project_id: str, job_id: str, run_id: str) -> Run:
        """DELETE .../runs/{runId}: the run fails now; ConflictError if it already concluded."""
        with self.lock:
            run = self.run(project_id, job_id, run_id)
            if run.ended(time.monotonic()) is not None:
                raise ConflictError("Job run has already concluded")
            run.aborted = (time.monotonic(), time.time())
            return run

    def run_logs(
        self,
        project_id: str,
        job_id: str,
        run_id: str | None = None,
        *,
        line_limit: int = 100,
        backward: bool = False,
        start: float | None = None,
        end: float | None = None,
    ) -> list[LogLine]:
        """The lines already printed by one run (or every run of the job), between the wall-clock
        times ``start`` (inclusive) and ``end`` (exclusive): the first ``line_limit`` oldest first,
        or with ``backward`` the last ``line_limit`` newest first."""
        with self.lock:
            runs = (
                [self.run(project_id, job_id, run_id)] if run_id else self.runs(project_id, job_id)
            )
            now = time.monotonic()
            lines = sorted(
                (line for run in runs for line in run.log_lines(now)),
                key=lambda line: (line.at, line.order),
            )
        lines = [
            line
            for line in lines
            if (start is None or line.at >= start) and (end is None or line.at < end)
        ]
        return lines[::-1][:line_limit] if backward else lines[:line_limit]

    def _forget_runs(self, project_id: str, job_id: str) -> None:
        self.job_runs.pop((project_id, job_id), None)
        self.run_scripts.pop((project_id, job_id), None)

    # --- calls -------------------------------------------------------------------------------

    def grant(self, token: str | None) -> Grant | None:
        return self.tokens.get(token) if token else None

    def record(self, request: RecordedRequest) -> None:
        with self.lock:
            self.requests.append(request)

    def recorded(self) -> list[dict[str, Any]]:
        with self.lock:
            return [asdict(r) for r in self.requests]

    def clear_recorded(self) -> None:
        with self.lock:
            self.requests.clear()

    def record_abandoned(self, path: str, sent: int, total: int) -> None:
        with self.lock:
            self.abandoned.append((path, sent, total))

    def add_fault(self, fault: Fault) -> None:
        with self.lock:
            self.faults.append(fault)

    def clear_faults(self) -> None:
        with self.lock:
            self.faults.clear()

    def take_fault(self, method: str, path: str) -> Fault | None:
        """The first scripted fault for this request, used up one time."""
        with self.lock:
            for fault in self.faults:
                if fault.matches(method, path):
                    fault.times -= 1
                    if fault.times <= 0:
                        self.faults.remove(fault)
                    return fault
            return None

    def take_rate(self, token: str | None) -> tuple[bool, dict[str, str]]:
        with self.lock:
            return self.rate_limiter.take(token or "anonymous", time.monotonic())

    # --- persistence -------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            return {
                project: {job_id: asdict(job) for job_id, job in jobs.items()}
                for project, jobs in self.projects.items()
            }

    def _save(self) -> None:
        if self.state_file is not None:
            tmp = self.state_file.with_suffix(".tmp")
            tmp.write_text(json.dumps(self.snapshot(), indent=2, sort_keys=True))
            tmp.replace(self.state_file)

    def _load(self, path: Path) -> None:
        for project, jobs in json.loads(path.read_text()).items():
            self.projects[project] = {job_id: Job(**job) for job_id, job in jobs.items()}


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())


def iso(wall: float) -> str:
    """A wall-clock time as Northflank writes one: ISO 8601 in UTC with milliseconds."""
    whole = math.floor(wall)
    millis = min(999, int((wall - whole) * 1000))
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole)) + f".{millis:03d}Z"
