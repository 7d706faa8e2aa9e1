"""The JobDeployment resource: its wire format and its whole lifecycle.

Northflank endpoint: ``POST /v1/projects/{projectId}/jobs/{jobId}/deployment`` sets which image or
build a job runs and its docker/buildpack runtime overrides; ``GET`` on the same path reads it back.

The class ``JobDeploymentProvider`` is pickled *by reference* into every resource's state as
``pulumi_northflank_provider.job_deployment.JobDeploymentProvider``: that path is part of the
state format and must never change.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from pulumi.dynamic import CreateResult, ReadResult, UpdateResult
from pulumi.runtime.rpc import UNKNOWN

from . import log, readback
from .base_provider import NorthflankProvider
from .declaration import (
    AnyOf,
    Block,
    Body,
    Choice,
    Computed,
    Declaration,
    Field,
    Length,
    Pattern,
    Stricter,
    Variant,
    contains_unknown,
)
from .errors import expected_failures_as_messages
from .http.errors import NotFound, UnexpectedAnswer
from .image_ref import Digest
from .job_target import (
    ID_LENGTH,
    JOB_ID_LIMITS,
    JOB_PATH_PARAMS,
    JOB_READ_PERMISSION,
    SLUG,
    JobTarget,
)

# --- Wire format: the request body of POST .../deployment, declared once ------------------------

#: Pattern P1 of Northflank's request schema, verbatim: a tag or a digest is mandatory.
IMAGE_PATH = Pattern(
    r"^(?:(?:https?:\/\/)?([a-zA-Z0-9\-]+\.[a-zA-Z0-9\.\-]+)(\/v1)?)?(?:\/)?([a-zA-Z/-9\.\-_]+)"
    r"(?:\:([a-zA-Z/-9\.\-_\:]+)|\@([a-zA-Z/-9\.\-_\:]+))$",
    "an image reference with a tag or a digest (not both), such as nginx:1.27, "
    "ghcr.io/org/app:1.2.3 or ghcr.io/org/app@sha256:<digest> (no spaces)",
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
    description="The ID of the build service whose builds to deploy.",
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
        **JOB_ID_LIMITS,
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

#: Who deploys the job's source: this stack, or anything outside it (CI, a release flow).
SOURCE_MANAGED_BY = "sourceManagedBy"
LIVE_SOURCE = "liveSource"
PULUMI, CI = "pulumi", "ci"

BODY = Body(
    path_params=JOB_PATH_PARAMS,
    properties=(
        Field(
            SOURCE_MANAGED_BY,
            rules=(Choice((PULUMI, CI), enum="SourceManagedBy"),),
            description=(
                "Who deploys the job's source: `pulumi` (the default: the declared {external} "
                "or {internal} is deployed, and put back when it changes elsewhere) or `ci` "
                "(anything outside this stack deploys it: CI, a release flow, the dashboard; the "
                "declared source is only the first deployment of a job that has none, and only "
                "the runtime blocks are sent after that)."
            ),
        ),
    ),
    blocks=(
        Block(
            "external",
            (
                Field(
                    "imagePath",
                    required=True,
                    rules=(IMAGE_PATH,),
                    description=(
                        "The image to run, with a tag or a digest: `nginx:1.27`, "
                        "`ghcr.io/acme/migrate:1.4.2` or `ghcr.io/acme/migrate@sha256:<digest>`. "
                        "Images not on Docker Hub need the registry host."
                    ),
                ),
                Field(
                    "credentials",
                    rules=(SLUG,),
                    description="The ID of registry credentials saved in Northflank, for a "
                    "private image.",
                ),
            ),
            type_name="ExternalDeployment",
            description="Deploy an image from a container registry. Not together with {internal}.",
            type_description="An image from a container registry (Docker Hub, ghcr.io, ECR, a "
            "private one...).",
        ),
        Block(
            "internal",
            (
                BUILD_SERVICE_ID,
                Field("branch", description="The branch to deploy builds of."),
                Field(
                    "buildSHA",
                    rules=(AnyOf((Length(40, 40), Choice(("latest",)))),),
                    description="The commit to deploy: a 40-character SHA, or `latest` to keep "
                    "deploying the newest commit of the branch.",
                ),
                Field("buildId", description="The ID of a specific build to deploy."),
            ),
            type_name="InternalDeployment",
            description="Deploy a build from a Northflank build service. Not together with "
            "{external}.",
            type_description="A build made by a Northflank build service.",
        ),
        Block(
            "docker",
            (
                Field(
                    "configType",
                    required=True,
                    rules=(Choice(DOCKER_CONFIG_TYPES, enum="DockerConfigType"),),
                    description="What to override: `default` (nothing, the image's own "
                    "entrypoint and command), the entrypoint, the command, or both.",
                ),
                Field("customEntrypoint", description="The entrypoint to run."),
                Field("customCommand", description="The command to run."),
            ),
            selector="configType",
            needs={
                "customEntrypoint": ("customEntrypoint",),
                "customCommand": ("customCommand",),
                "customEntrypointCustomCommand": ("customEntrypoint", "customCommand"),
            },
            reset=RUNTIME_DEFAULT,
            type_name="DockerRuntime",
            description="Docker runtime overrides (entrypoint and command).",
            type_description="Overrides of the image's entrypoint and/or command.",
        ),
        Block(
            "buildpack",
            (
                Field(
                    "configType",
                    required=True,
                    rules=(Choice(BUILDPACK_CONFIG_TYPES, enum="BuildpackConfigType"),),
                    description="What to run: `default` (the buildpack's own process), a "
                    "process, a command, or an entrypoint and a command.",
                ),
                Field("customProcess", description="The buildpack process to run."),
                Field("customEntrypoint", description="The entrypoint to run."),
                Field("customCommand", description="The command to run."),
            ),
            selector="configType",
            needs={
                "customProcess": ("customProcess",),
                "customCommand": ("customCommand",),
                "customEntrypointCustomCommand": ("customEntrypoint", "customCommand"),
                "originalEntrypointCustomCommand": ("customCommand",),
            },
            reset=RUNTIME_DEFAULT,
            type_name="BuildpackRuntime",
            description="Buildpack runtime settings; not allowed with {external}.",
            type_description="What a buildpack-built image runs; only for internal builds or "
            "runtime-only changes.",
        ),
    ),
    variants=(
        Variant("an external image", "external", frozenset({"docker"})),
        Variant("an internal build", "internal", frozenset({"buildpack", "docker"})),
        Variant("runtime settings only", None, frozenset({"buildpack", "docker"})),
    ),
    stricter=STRICTER,
)

JOB_DEPLOYMENT = Declaration(
    "JobDeployment",
    BODY,
    # Changing these points the resource at another job: replace it, never update in place.
    identity=("teamId", "projectId", "jobId"),
    computed=(
        *readback.READ_ONLY_OUTPUTS,
        Computed(
            LIVE_SOURCE,
            "object",
            'The deployed source as Northflank reports it (`{{"external": {{...}}}}` or '
            '`{{"internal": {{...}}}}`), or empty when none is deployed: what CI deployed, with '
            "{sourceManagedBy} `ci`. Read on create with `ci`, and on every refresh.",
        ),
    ),
    description=(
        "Sets which image or build a Northflank job runs, and its docker/buildpack runtime "
        "overrides.\n\n"
        "Create and update call `POST /v1/projects/{{projectId}}/jobs/{{jobId}}/deployment`; "
        "refresh reads the deployment back. With neither {external} nor {internal}, the job "
        "keeps its deployment source and only the runtime settings are changed. Deleting the "
        "resource stops managing the deployment and leaves the job as it is: Northflank cannot "
        "undeploy a job. The resource ID is `<projectId>/<jobId>`, or "
        "`<teamId>/<projectId>/<jobId>` with a {teamId}."
    ),
    example="""\
# Deploy a private image to a job, with a custom command:
import pulumi_northflank as northflank

migrate = northflank.JobDeployment("db-migrate", project_id="shop", job_id="db-migrate",
    external=northflank.ExternalDeploymentArgs(image_path="ghcr.io/acme/migrate:1.5.0",
                                               credentials="ghcr-creds"),
    docker=northflank.DockerRuntimeArgs(config_type="customCommand",
                                        custom_command="python migrate.py"))
""",
    import_id="<projectId>/<jobId>, or <teamId>/<projectId>/<jobId>",
)

# Both are documented; the docs and the Python SDK disagree on which one the server checks.
UPDATE_PERMISSION = (
    "'Project > Jobs > General > Update' (or, per some docs, "
    "'Project > Services > Deployment > Update Deployment')"
)
READ_PERMISSION = JOB_READ_PERMISSION
# --- Lifecycle -----------------------------------------------------------------------------------


class JobDeploymentProvider(NorthflankProvider):
    """Sets a Northflank job's deployment."""

    declaration = JOB_DEPLOYMENT
    # The ID is the job's: the replacement and the old resource are the same job, and deleting
    # the old one sends nothing, so it goes first.
    replace_deletes_first = True

    @expected_failures_as_messages
    def create(self, props: dict[str, Any]) -> CreateResult:
        inputs = BODY.inputs_of(props)
        if _ci_deploys(inputs):
            deployed = self._create_around_ci(inputs)
        else:
            self._post(inputs)
            deployed = readback.live_source(BODY.to_request(inputs))  # what was just deployed
        outs = {**inputs, LIVE_SOURCE: deployed}
        return CreateResult(JobTarget.declared(props).resource_id, outs)

    @expected_failures_as_messages
    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        if _ci_deploys(news):
            self._update_around_ci(BODY.inputs_of(news), BODY.inputs_of(olds))
        else:
            self._post(news, previous=olds)
        return UpdateResult(self.planned_update(olds, news))

    def planned_update(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> dict[str, Any]:
        outs = BODY.inputs_of(news)
        # What was read back still describes the job if its source did not change (with `ci`,
        # what this stack sends never replaces the source).
        if _ci_deploys(news) or all(olds.get(k) == news.get(k) for k in readback.SOURCES):
            outs.update({k: olds[k] for k in JOB_DEPLOYMENT.read_only if k in olds})
        elif contains_unknown(BODY.inputs_of(news)):
            outs[LIVE_SOURCE] = UNKNOWN  # a preview: the new source is not known yet
        else:
            outs[LIVE_SOURCE] = readback.live_source(BODY.to_request(news))
        return outs

    @expected_failures_as_messages
    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        declared, adopting = self.adopted(id_, props)  # get() and import send only the ID
        target = self._target(declared)
        # One GET is the whole picture: the deprecated GET .../deployment is the only endpoint that
        # returns the source (image or build), and it carries the docker and buildpack settings too.
        # GET job has the runtime settings but no source, so it would only add a request.
        call = target.call("GET", target.deployment_path, "read the deployment", READ_PERMISSION)
        try:
            live = self._client.send(call)
        except NotFound:
            return self._drop_from_stack_if_gone(
                str(target), target, [target.project_call()], adopting
            )
        if not isinstance(live, Mapping) or not any(block.key in live for block in BODY.blocks):
            raise UnexpectedAnswer.instead_of("a job's deployment", call, live)
        if adopting:
            outs = {**declared, **readback.as_declared(BODY, live)}
        else:
            outs = readback.reconcile(
                BODY, declared, live, log.debug, source_managed=not _ci_deploys(declared)
            )
        outs[LIVE_SOURCE] = readback.live_source(live)
        return ReadResult(JobTarget.declared(declared).resource_id, outs, BODY.inputs_of(outs))

    @expected_failures_as_messages
    def delete(self, _id: str, props: dict[str, Any]) -> None:
        log.info(
            f"No longer managing the deployment of {JobTarget.declared(props)}. Northflank cannot "
            "undeploy a job, so the job keeps its current deployment."
        )

    def _create_around_ci(self, inputs: Mapping[str, Any]) -> dict[str, Any] | None:
        """With ``ci``: leave a deployed source alone (send only the runtime blocks), or deploy
        the declared source as the job's first deployment. The source deployed after it."""
        target = self._target(inputs)
        call = target.call("GET", target.deployment_path, "read the deployment", READ_PERMISSION)
        deployed = readback.live_source(self._client.send(call) or {})
        if deployed is None:
            log.info(
                f"{log.sentence(str(target))} deploys nothing yet: deploying the declared "
                "source as its first deployment (CI deploys the next ones)."
            )
            self._post(inputs)
            return readback.live_source(BODY.to_request(inputs))
        self._post_runtime(target, _runtime_only(inputs), None)
        return deployed

    def _update_around_ci(self, inputs: Mapping[str, Any], previous: Mapping[str, Any]) -> None:
        """With ``ci``: send the runtime blocks that changed (a removed one reset), never the
        source; a change to the declared source alone sends nothing, and says why."""
        target = self._target(inputs)
        if any(inputs.get(k) != previous.get(k) for k in readback.SOURCES):
            log.info(
                f"The declared source of {target} changed, but CI deploys its source "
                "(source_managed_by='ci'): the declared one only matters as the first deployment "
                "of a job that has none, so it is not sent."
            )
        self._post_runtime(target, _runtime_only(inputs), _runtime_only(previous))

    def _post_runtime(
        self, target: JobTarget, runtime: dict[str, Any], previous: dict[str, Any] | None
    ) -> None:
        body = BODY.to_request(runtime, previous)
        if previous is not None:  # an update: only the blocks that changed, and the resets
            body = {k: v for k, v in body.items() if previous.get(k) != v or k not in runtime}
        if not body:
            log.info(
                f"Nothing to send for {target}: its source is CI's, and its runtime "
                "settings are as declared."
            )
            return
        self._send(target, body, runtime)

    def _post(self, props: Mapping[str, Any], previous: Mapping[str, Any] | None = None) -> None:
        target = self._target(props)
        self._send(target, BODY.to_request(props, previous), props)

    def _send(self, target: JobTarget, body: dict[str, Any], props: Mapping[str, Any]) -> None:
        if log.debug_enabled():  # only then is the body worth turning into text
            log.debug(f"POST {target.deployment_path} body: {json.dumps(BODY.redacted(body))}")
        call = target.call("POST", target.deployment_path, "set the deployment", UPDATE_PERMISSION)
        self._client.send(call, body)
        reset = [key for key in body if key not in props]  # sent only to undo a removed block
        kept = describe({k: v for k, v in body.items() if k not in reset})
        undone = f"; {' and '.join(reset)} reset to default (removed from the program)"
        log.info(f"Deployment of {target} set: {kept}{undone if reset else ''}.")

    def _target(self, props: Mapping[str, Any]) -> JobTarget:
        # Every API call starts here, so this is where the run's one deprecation notice goes.
        log.info_once("deprecated-endpoint", DEPRECATION_NOTICE)
        return JobTarget.declared(props).with_default_team(self._client.team_id)


DEPRECATION_NOTICE = (
    "Northflank marks the job deployment endpoint deprecated, but it is still the only one that "
    "changes a job's image or build (PATCH job has no deployment field); see the README."
)


def _ci_deploys(props: Mapping[str, Any]) -> bool:
    return props.get(SOURCE_MANAGED_BY) == CI


def _runtime_only(props: Mapping[str, Any]) -> dict[str, Any]:
    """The declaration without its source: what a body may hold when CI deploys the source."""
    return {k: v for k, v in props.items() if k not in readback.SOURCES}


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
