"""The JobDeployment resource: its wire format and its whole lifecycle.

Northflank endpoint: ``POST /v1/projects/{projectId}/jobs/{jobId}/deployment`` sets which image or
build a job runs and its docker/buildpack runtime overrides; ``GET`` on the same path reads it back.

The class ``JobDeploymentProvider`` is pickled *by reference* into every resource's state as
``pulumi_northflank_provider.job_deployment.JobDeploymentProvider``: that path is part of the
state format and must never change.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)

from . import config, log, readback
from .errors import Call, InputError, NorthflankError, concise, quoted
from .image_ref import Digest
from .wire import (
    AnyOf,
    Block,
    Body,
    Choice,
    Field,
    Length,
    Pattern,
    Stricter,
    Variant,
    contains_unknown,
)

if TYPE_CHECKING:
    from .api_client import NorthflankClient

# --- Wire format: the request body of POST .../deployment, declared once ------------------------

#: Pattern P1 of Northflank's request schema, verbatim: a tag or a digest is mandatory.
IMAGE_PATH = Pattern(
    r"^(?:(?:https?:\/\/)?([a-zA-Z0-9\-]+\.[a-zA-Z0-9\.\-]+)(\/v1)?)?(?:\/)?([a-zA-Z/-9\.\-_]+)"
    r"(?:\:([a-zA-Z/-9\.\-_\:]+)|\@([a-zA-Z/-9\.\-_\:]+))$",
    "an image reference with a tag or a digest (not both), such as nginx:1.27, "
    "ghcr.io/org/app:1.2.3 or ghcr.io/org/app@sha256:<digest> (no spaces)",
)
SLUG = Pattern(
    r"^[A-Za-z0-9-]+$", "an ID made of letters, digits and hyphens (as in the dashboard's URLs)"
)
BUILD_SERVICE_ID = Field(
    "id",
    rules=(
        Pattern(
            r"^[a-zA-Z](-?[a-zA-Z0-9]+(-[a-zA-Z0-9]+)*)?$",
            "a build service ID: a letter, then letters and digits, with single hyphens between",
        ),
        Length(3, 54),
    ),
)
DOCKER_CONFIG_TYPES = (
    "default",
    "customEntrypoint",
    "customCommand",
    "customEntrypointCustomCommand",
)
BUILDPACK_CONFIG_TYPES = (
    "default",
    "customProcess",
    "customCommand",
    "customEntrypointCustomCommand",
    "originalEntrypointCustomCommand",
)
#: What undoes a runtime block: the image's (or buildpack's) own entrypoint and command.
RUNTIME_DEFAULT = {"configType": "default"}
#: IDs are short slugs; the limit keeps a mistaken value from travelling into paths and errors.
ID_LENGTH = Length(1, 100)
GIT_SHA = AnyOf(
    (
        Pattern(r"^[0-9a-f]{40}$", "a commit SHA in lower-case hex (40 characters)"),
        Choice(("latest",)),
    )
)

#: Where check() is stricter than Northflank's published schema, on purpose: each of these
#: passes the API's validation today and fails later (at pull or build time), or can do nothing.
#: The schema-oracle test accepts a difference from Northflank's schema only where one of these
#: explains it.
STRICTER = Stricter(
    rules={
        "teamId": (ID_LENGTH,),
        "projectId": (ID_LENGTH,),
        "jobId": (ID_LENGTH,),
        "external.credentials": (ID_LENGTH,),
        # Northflank's pattern takes any characters after "@".
        "external.imagePath": (Digest(),),
        # Northflank's schema counts 40 characters; a Git SHA is hex.
        "internal.buildSHA": (GIT_SHA,),
    },
    # An empty command passes the schema and the API, and fails when the job runs.
    needed_values_not_blank=True,
    # {} is a valid body that changes nothing: as a resource it would manage nothing.
    something_to_manage=True,
)

BODY = Body(
    path_params=(
        Field("teamId", rules=(SLUG,)),
        Field("projectId", required=True, rules=(SLUG,)),
        Field("jobId", required=True, rules=(SLUG,)),
    ),
    blocks=(
        Block(
            "external",
            (
                Field("imagePath", required=True, rules=(IMAGE_PATH,)),
                Field("credentials", rules=(SLUG,)),
            ),
        ),
        Block(
            "internal",
            (
                BUILD_SERVICE_ID,
                Field("branch"),
                Field("buildSHA", rules=(AnyOf((Length(40, 40), Choice(("latest",)))),)),
                Field("buildId"),
            ),
        ),
        Block(
            "docker",
            (
                Field("configType", required=True, rules=(Choice(DOCKER_CONFIG_TYPES),)),
                Field("customEntrypoint"),
                Field("customCommand"),
            ),
            selector="configType",
            needs={
                "customEntrypoint": ("customEntrypoint",),
                "customCommand": ("customCommand",),
                "customEntrypointCustomCommand": ("customEntrypoint", "customCommand"),
            },
            reset=RUNTIME_DEFAULT,
        ),
        Block(
            "buildpack",
            (
                Field("configType", required=True, rules=(Choice(BUILDPACK_CONFIG_TYPES),)),
                Field("customProcess"),
                Field("customEntrypoint"),
                Field("customCommand"),
            ),
            selector="configType",
            needs={
                "customProcess": ("customProcess",),
                "customCommand": ("customCommand",),
                "customEntrypointCustomCommand": ("customEntrypoint", "customCommand"),
                "originalEntrypointCustomCommand": ("customCommand",),
            },
            reset=RUNTIME_DEFAULT,
        ),
    ),
    variants=(
        Variant("an external image", "external", frozenset({"docker"})),
        Variant("an internal build", "internal", frozenset({"buildpack", "docker"})),
        Variant("runtime settings only", None, frozenset({"buildpack", "docker"})),
    ),
    stricter=STRICTER,
)

#: Changing these points the resource at another job: replace it, never update in place.
IDENTITY = ("teamId", "projectId", "jobId")

# Both are documented; the docs and the Python SDK disagree on which one the server checks.
UPDATE_PERMISSION = (
    "'Project > Jobs > General > Update' (or, per some docs, "
    "'Project > Services > Deployment > Update Deployment')"
)
READ_PERMISSION = "'Project > Jobs > General > Read'"
PROJECT_READ_PERMISSION = "'Project > General > Read'"  # UNCONFIRMED: not named in the docs


@dataclass(frozen=True)
class JobTarget:
    """The job a resource points at. ``team_id`` selects the team-scoped routes that
    organisation/team tokens use (``/v1/teams/{teamId}/projects/...``)."""

    project_id: str
    job_id: str
    team_id: str | None = None

    @property
    def project_path(self) -> str:
        team = f"/teams/{quote(self.team_id, safe='')}" if self.team_id else ""
        return f"/v1{team}/projects/{quote(self.project_id, safe='')}"

    @property
    def deployment_path(self) -> str:
        """The one place that names the (deprecated, but only) endpoint for a job's deployment."""
        return f"{self.project_path}/jobs/{quote(self.job_id, safe='')}/deployment"

    @property
    def resource_id(self) -> str:
        return "/".join(p for p in (self.team_id, self.project_id, self.job_id) if p)

    def __str__(self) -> str:
        team = f" of team '{self.team_id}'" if self.team_id else ""
        return f"job '{self.job_id}' in project '{self.project_id}'{team}"

    def call(self, method: str, action: str, permission: str) -> Call:
        return Call(method, self.deployment_path, f"{action} of {self}", self, permission)

    def project_call(self) -> Call:
        team = f" of team '{self.team_id}'" if self.team_id else ""
        action = f"read project '{self.project_id}'{team}"
        return Call("GET", self.project_path, action, self, PROJECT_READ_PERMISSION)

    @staticmethod
    def parse(id_: str) -> JobTarget:
        parts = id_.split("/")
        if len(parts) not in (2, 3) or not all(parts):
            raise InputError(
                "a JobDeployment ID has the form '<projectId>/<jobId>' or "
                f"'<teamId>/<projectId>/<jobId>'; got {quoted(repr(id_))}"
            )
        project_id, job_id = parts[-2:]
        return JobTarget(project_id, job_id, parts[0] if len(parts) == 3 else None)

    @staticmethod
    def declared(props: Mapping[str, Any]) -> JobTarget:
        """The job as the program declares it (what the resource ID is made of)."""
        return JobTarget(props["projectId"], props["jobId"], props.get("teamId"))


# --- Lifecycle -----------------------------------------------------------------------------------


class JobDeploymentProvider(ResourceProvider):
    """Sets a Northflank job's deployment. One instance serves all resources of a plugin process,
    from several threads: it keeps no per-call state, and nothing of it is pickled."""

    # Nothing secret is ever captured (see __reduce__), so the pickle need not be encrypted.
    serialize_as_secret_always = False

    def __init__(self) -> None:
        super().__init__()
        self._runtime = _Runtime()

    def __reduce__(self) -> tuple[type[JobDeploymentProvider], tuple[()]]:
        # Only the class reference belongs in the state; unpickling calls the class afresh, so
        # settings and HTTP sessions always belong to the process that uses them.
        return (JobDeploymentProvider, ())

    def configure(self, req: ConfigureRequest) -> None:
        self._runtime.stack_config = {key: req.config.get(key) for key in config.CONFIG_KEYS}

    # check and diff run during previews: no HTTP, no token needed.

    @concise
    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        self._settings()  # a setting that can never work fails the preview, not only `up`
        failures = [CheckFailure(path, reason) for path, reason in BODY.validate(news)]
        return CheckResult(news, failures)

    @concise
    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        old, new = BODY.managed(olds), BODY.managed(news)
        changed = [
            key
            for key in dict.fromkeys([*old, *new])
            if old.get(key) != new.get(key) or contains_unknown(new.get(key))
        ]
        replaces = [key for key in changed if key in IDENTITY]
        return DiffResult(
            changes=bool(changed),
            replaces=replaces,
            delete_before_replace=bool(replaces),
        )

    @concise
    def create(self, props: dict[str, Any]) -> CreateResult:
        self._post(props)
        return CreateResult(JobTarget.declared(props).resource_id, BODY.managed(props))

    @concise
    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        self._post(news, previous=olds)
        outs = BODY.managed(news)
        # What was read back still describes the job if its source did not change.
        if all(olds.get(k) == news.get(k) for k in ("external", "internal")):
            outs.update({k: olds[k] for k in readback.READ_ONLY_OUTPUTS if k in olds})
        return UpdateResult(outs)

    @concise
    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        declared = BODY.managed(props)
        adopting = "projectId" not in declared  # JobDeployment.get(): nothing declared, only the ID
        if adopting:
            parsed = JobTarget.parse(id_)
            declared.update(projectId=parsed.project_id, jobId=parsed.job_id)
            if parsed.team_id:
                declared["teamId"] = parsed.team_id
        settings = self._settings()
        target = self._target(declared, settings)
        # One GET is the whole picture: the deprecated GET .../deployment is the only endpoint that
        # returns the source (image or build), and it carries the docker and buildpack settings too.
        # GET job has the runtime settings but no source, so it would only add a request.
        call = target.call("GET", "read the deployment", READ_PERMISSION)
        from .api_client import NotFound  # noqa: PLC0415 - imported on first use, see _Runtime

        try:
            live = self._runtime.client.send(settings, call)
        except NotFound:
            self._confirm_gone(settings, target)
            log.info(f"{str(target).capitalize()} no longer exists; removing it from the stack.")
            return ReadResult("", {})
        if not isinstance(live, Mapping) or not any(block.key in live for block in BODY.blocks):
            raise UnexpectedAnswer(
                f"Could not {call.action}: Northflank answered HTTP 200 to GET {call.path}, but "
                f"the answer is not a job's deployment (its data is {_shape(live)}). The state is "
                "kept as it was; check northflank:apiUrl and any proxy in between."
            )
        if adopting:
            outs = {**declared, **readback.as_declared(BODY, live)}
        else:
            outs = readback.reconcile(BODY, declared, live, log.debug)
        return ReadResult(JobTarget.declared(declared).resource_id, outs, BODY.managed(outs))

    @concise
    def delete(self, _id: str, props: dict[str, Any]) -> None:
        log.info(
            f"No longer managing the deployment of {JobTarget.declared(props)}. Northflank cannot "
            "undeploy a job, so the job keeps its current deployment."
        )

    def _confirm_gone(self, settings: config.Settings, target: JobTarget) -> None:
        """Return only if the job is really gone: its project is still visible to the token.

        A 404 for the job also comes from a wrong base URL, token or team, and dropping the
        resource then would lose it from the stack on a mere misconfiguration. This extra GET is
        made only on this rare path, so refreshes still cost one request per resource.
        """
        if self._runtime.client.exists(settings, target.project_call()):
            return
        team = f" in team '{target.team_id}'" if target.team_id else ""
        raise NotVisible(
            f"Could not tell whether {target} still exists: Northflank answered 404 for the job "
            f"and for project '{target.project_id}'{team} too, as it does for a wrong API URL, "
            "token or team. The resource is kept in the stack. Check northflank:apiUrl, that the "
            "token belongs to the team that owns the project (northflank:teamId or team_id), and "
            "the project ID. If the project really was deleted, remove the resource from the "
            "stack with `pulumi state delete <urn>` (`pulumi stack --show-urns` lists the URNs)."
        )

    def _post(self, props: Mapping[str, Any], previous: Mapping[str, Any] | None = None) -> None:
        settings = self._settings()
        target = self._target(props, settings)
        body = BODY.to_request(props, previous)
        log.debug(f"POST {target.deployment_path} body: {json.dumps(BODY.redacted(body))}")
        self._runtime.client.send(
            settings, target.call("POST", "set the deployment", UPDATE_PERMISSION), body
        )
        reset = [key for key in body if key not in props]  # sent only to undo a removed block
        kept = describe({k: v for k, v in body.items() if k not in reset})
        undone = f"; {' and '.join(reset)} reset to default (removed from the program)"
        log.info(f"Deployment of {target} set: {kept}{undone if reset else ''}.")

    def _target(self, props: Mapping[str, Any], settings: config.Settings) -> JobTarget:
        """The job to call: a declared team wins over the provider-wide northflank:teamId."""
        # Every API call starts here, so this is where the run's one deprecation notice goes.
        log.info_once("deprecated-endpoint", DEPRECATION_NOTICE)
        declared = JobTarget.declared(props)
        return JobTarget(declared.project_id, declared.job_id, declared.team_id or settings.team_id)

    def _settings(self) -> config.Settings:
        return config.resolve(self._runtime.stack_config)


class UnexpectedAnswer(NorthflankError):
    """A 200 whose content is not what the endpoint returns."""


class NotVisible(NorthflankError):
    """Northflank cannot see the project either: a 404 that does not prove the job is gone."""


def _shape(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, Mapping):
        return "an object without any deployment field"
    return f"a {type(value).__name__}"


DEPRECATION_NOTICE = (
    "Northflank marks the job deployment endpoint deprecated, but it is still the only one that "
    "changes a job's image or build (PATCH job has no deployment field); see the README."
)


def describe(body: Mapping[str, Any]) -> str:
    """A deployment body in a few words, for the log."""
    words = []
    if "external" in body:
        words.append(f"image {body['external'].get('imagePath')}")
    elif "internal" in body:
        build = body["internal"]
        words.append(
            "build of "
            + " ".join(
                f"{k} {build[k]}" for k in ("id", "branch", "buildSHA", "buildId") if k in build
            )
        )
    else:
        words.append("source unchanged")
    words += [f"{k} {body[k].get('configType')}" for k in ("docker", "buildpack") if k in body]
    return ", ".join(words)


class _Runtime:
    """What a provider holds only while it runs in a process: never part of the pickle."""

    def __init__(self) -> None:
        self.stack_config: dict[str, Any] = {}
        self._client: NorthflankClient | None = None
        self._lock = threading.Lock()

    @property
    def client(self) -> NorthflankClient:
        # Imported on first use: requests and urllib3 take ~30 ms to import, and previews (check
        # and diff) never make a request, so they start without them.
        if self._client is None:
            with self._lock:
                if self._client is None:
                    from .api_client import NorthflankClient  # noqa: PLC0415

                    self._client = NorthflankClient()
        return self._client
