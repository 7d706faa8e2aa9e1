"""The emulator's state: teams, projects, jobs and their deployments, tokens, rate limits, recorded
calls.

Everything here is plain Python behind one lock; ``responses`` turns HTTP into calls on a
``Backend``. Where Northflank's behaviour is not documented (marked UNCONFIRMED, see
``docs/northflank-api.md`` in the repository), the choice is a module-level constant or a small
function, so a live observation can change it in one place.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

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


class NotFoundError(LookupError):
    pass


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

    def job_view(self) -> dict[str, Any]:
        """GET .../jobs/{jobId}: runtime settings, but no image or build source."""
        return {
            "id": self.id,
            "appId": self.app_id,
            "name": self.name,
            "projectId": self.project_id,
            "jobType": "manual",
            "createdAt": self.created_at,
            "tags": [],
            "disabledCI": False,
            "disabledCD": False,
            "deployment": {"region": "europe-west", **self._runtime_view()},
            "billing": {"deploymentPlan": "nf-compute-20"},
            "suspended": False,
            "settings": {"backoffLimit": 0, "activeDeadlineSeconds": 600},
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


FAULT_KINDS = (
    "status",
    "html",
    "hang",
    "close",
    "truncate",
    "redirect",
    "body",
    "trickle",
    "trickle-body",
    "huge",
    "gzip-bomb",
    "reflect",
)


@dataclass
class Fault:
    """A scripted failure for the next ``times`` matching API requests (tests set these up).

    * ``status``: answer ``status`` in Northflank's error envelope, with extra ``headers``
      (e.g. ``{"Retry-After": "1"}``);
    * ``html``: answer ``status`` with an HTML page instead of JSON, as a proxy would;
    * ``hang``: accept the request, answer nothing for ``seconds``, then drop the connection;
    * ``close``: drop the connection without answering;
    * ``truncate``: send the headers and half of a JSON body, then drop the connection;
    * ``redirect``: answer 307 to ``location``;
    * ``body``: answer ``status`` with exactly ``payload`` as JSON (e.g. ``{"data": null}``);
    * ``trickle``: send a whole answer one byte every ``interval`` seconds, from its status line;
      ``trickle-body``: the status line and headers at once, then the body that way;
    * ``huge``: answer 200 with a JSON body of ``size`` bytes;
    * ``gzip-bomb``: answer 200 with a small gzip body that inflates to ``size`` bytes;
    * ``reflect``: answer ``status`` echoing the request's ``Authorization`` header everywhere a
      proxy or a debug page might: the error's message and id, a ``Content-Type`` parameter and a
      ``Location``; with a 2xx status, inside the deployment's fields; with ``payload`` ``"text"``,
      as a plain-text page.

    The answer's ``headers`` are added to those of every kind that sends headers.
    """

    kind: str = "status"
    method: str | None = None  # None: any method
    path: str | None = None  # a regular expression searched in the path; None: any API path
    times: int = 1
    status: int = 503
    headers: dict[str, str] = field(default_factory=dict)
    seconds: float = 30.0
    location: str = ""
    payload: Any = None
    interval: float = 1.0
    size: int = 50 * 1024 * 1024

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"fault kind must be one of {', '.join(FAULT_KINDS)}")

    @property
    def answer_status(self) -> int:
        """The status the client sees; 0 when it gets no answer at all."""
        return {
            "status": self.status,
            "html": self.status,
            "body": self.status,
            "reflect": self.status,
            "redirect": 307,
            "truncate": 200,
            "trickle": 200,
            "trickle-body": 200,
            "huge": 200,
            "gzip-bomb": 200,
        }.get(self.kind, 0)

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method == method) and (
            self.path is None or re.search(self.path, path) is not None
        )


@dataclass(frozen=True)
class Grant:
    """What a token may do. ``write`` covers POST deployment."""

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
            self.project(project_id)
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
            job.apply(deployment or {"external": {"imagePath": "nginx:latest"}})
            self.add_project(project_id)
            self.projects[project_id][job_id] = job
            self._save()
            return job

    def delete_job(self, project_id: str, job_id: str) -> None:
        with self.lock:
            self.job(project_id, job_id)
            del self.projects[project_id][job_id]
            self._save()

    def set_deployment(self, project_id: str, job_id: str, body: Mapping[str, Any]) -> None:
        """A deployment change, through the API or out of band (as the dashboard would)."""
        with self.lock:
            self.job(project_id, job_id).apply(body)
            self._save()

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
