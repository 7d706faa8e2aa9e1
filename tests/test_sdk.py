"""Program-side tests under `pulumi.runtime.set_mocks`: what the SDK registers with the engine."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pulumi
import pytest
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.runtime import rpc

import pulumi_northflank as northflank
from northflank_devtools.engine_driver import GET_SUPPORTED
from pulumi_northflank_provider import JobDeploymentProvider

from .conftest import CANARY_TOKEN, needs_get

TYPE = "pulumi-python:dynamic/northflank:JobDeployment"
RUN_TYPE = "pulumi-python:dynamic/northflank:JobRun"
#: What the engine records for a JobRun: every job run succeeds.
RUN_OUTPUTS = {
    "runId": "run-1",
    "runName": "db-migrate-1a2b",
    "status": "SUCCESS",
    "startedAt": "2026-11-30T04:00:00.000Z",
}


class Recorder(pulumi.runtime.Mocks):
    """Stands in for the engine: records registrations and echoes inputs as outputs (with what
    a refresh reads for a deployment, and a successful run for a JobRun)."""

    def __init__(self) -> None:
        self.resources: list[pulumi.runtime.MockResourceArgs] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        self.resources.append(args)
        if args.resource_id:  # JobDeployment.get: the engine reads the live deployment
            project_id, job_id = args.resource_id.split("/")
            live = {"projectId": project_id, "jobId": job_id, "deployedSHA": "f" * 40}
            return args.resource_id, {
                **live,
                "internal": {"id": "report-builder", "buildSHA": "latest"},
            }
        outputs = {k: v for k, v in args.inputs.items() if k != "__provider"}
        if args.typ == RUN_TYPE:
            return str(RUN_OUTPUTS["runId"]), {**outputs, **RUN_OUTPUTS}
        if "external" in outputs:
            outputs["registryProvider"] = "github"
        return f"{args.inputs.get('projectId')}/{args.inputs.get('jobId')}", outputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[Any]]:
        return {}, []

    def inputs(self, index: int = -1) -> dict[str, Any]:
        return {k: v for k, v in self.resources[index].inputs.items() if k != "__provider"}

    def inputs_of(self, typ: str) -> dict[str, Any]:
        """The inputs of the one resource of type ``typ``."""
        [found] = [i for i, r in enumerate(self.resources) if r.typ == typ]
        return self.inputs(found)


@pytest.fixture
def mocks() -> Iterator[Recorder]:
    recorder = Recorder()
    pulumi.runtime.set_mocks(recorder, project="northflank-tests", stack="test", preview=False)
    yield recorder


@pulumi.runtime.test
def test_keywords_register_the_type_token_and_camel_case_inputs(mocks: Recorder) -> Any:
    migrate = northflank.JobDeployment(
        "db-migrate",
        project_id="my-project",
        job_id="db-migrate",
        external=northflank.ExternalDeploymentArgs(
            image_path="ghcr.io/acme/migrate:1.4.2", credentials="ghcr-creds"
        ),
        docker=northflank.DockerRuntimeArgs(
            config_type="customCommand", custom_command="python migrate.py"
        ),
    )

    def check(values: list[Any]) -> None:
        project_id, external, docker, registry = values
        assert mocks.resources[0].typ == TYPE
        assert mocks.inputs() == {
            "projectId": "my-project",
            "jobId": "db-migrate",
            "external": {"imagePath": "ghcr.io/acme/migrate:1.4.2", "credentials": "ghcr-creds"},
            "docker": {"configType": "customCommand", "customCommand": "python migrate.py"},
        }
        assert project_id == "my-project"
        assert isinstance(external, northflank.outputs.ExternalDeployment)
        assert (external.image_path, external.credentials) == (
            "ghcr.io/acme/migrate:1.4.2",
            "ghcr-creds",
        )
        assert isinstance(docker, northflank.outputs.DockerRuntime)
        assert (docker.config_type, docker.custom_command) == ("customCommand", "python migrate.py")
        assert registry == "github"

    return pulumi.Output.all(
        migrate.project_id, migrate.external, migrate.docker, migrate.registry_provider
    ).apply(check)


@pulumi.runtime.test
def test_dict_forms_with_snake_case_keys_are_translated(mocks: Recorder) -> Any:
    report = northflank.JobDeployment(
        "report",
        project_id="p",
        job_id="report",
        internal={
            "id": "report-builder",
            "branch": "main",
            "build_sha": "latest",
            "build_id": "b-1",
        },
        buildpack={"config_type": "customProcess", "custom_process": "web"},
    )

    def check(_: Any) -> None:
        assert mocks.inputs() == {
            "projectId": "p",
            "jobId": "report",
            "internal": {
                "id": "report-builder",
                "branch": "main",
                "buildSHA": "latest",
                "buildId": "b-1",
            },
            "buildpack": {"configType": "customProcess", "customProcess": "web"},
        }

    return report.urn.apply(check)


@pulumi.runtime.test
def test_args_object_form_is_the_same_as_keywords(mocks: Recorder) -> Any:
    args = northflank.JobDeploymentArgs(
        project_id="p",
        job_id="j",
        docker=northflank.DockerRuntimeArgs("customEntrypointCustomCommand", "/bin/sh", "-c run"),
    )
    runtime = northflank.JobDeployment("runtime", args)

    def check(_: Any) -> None:
        assert mocks.inputs() == {
            "projectId": "p",
            "jobId": "j",
            "docker": {
                "configType": "customEntrypointCustomCommand",
                "customEntrypoint": "/bin/sh",
                "customCommand": "-c run",
            },
        }

    return runtime.urn.apply(check)


@pulumi.runtime.test
def test_team_id_is_registered_as_team_id(mocks: Recorder) -> Any:
    resource = northflank.JobDeployment(
        "team", project_id="p", job_id="j", team_id="acme", docker={"config_type": "default"}
    )

    def check(team_id: Any) -> None:
        assert mocks.inputs()["teamId"] == "acme"
        assert team_id == "acme"

    return resource.team_id.apply(check)


@pulumi.runtime.test
def test_the_dict_form_of_the_args_is_the_same_as_keywords(mocks: Recorder) -> Any:
    args: northflank.JobDeploymentArgsDict = {
        "project_id": "p",
        "job_id": "j",
        "docker": {"config_type": "default"},
    }
    resource = northflank.JobDeployment("dict", args)

    def check(_: Any) -> None:
        assert mocks.inputs() == {
            "projectId": "p",
            "jobId": "j",
            "docker": {"configType": "default"},
        }

    return resource.urn.apply(check)


def test_args_and_keywords_together_are_refused() -> None:
    with pytest.raises(TypeError, match="not both"):
        northflank.JobDeployment(  # type: ignore[call-overload]
            "x", northflank.JobDeploymentArgs(project_id="p", job_id="j"), project_id="p"
        )


def test_missing_job_id_is_refused_in_the_program() -> None:
    with pytest.raises(TypeError, match="job_id"):
        northflank.JobDeployment("x", project_id="p")  # type: ignore[call-overload]


def test_serialized_provider_is_a_small_reference_without_settings() -> None:
    provider = JobDeploymentProvider()
    provider._runtime.stack_config = {"northflank:apiToken": CANARY_TOKEN}  # as after configure()
    blob = serialize_provider(provider)
    raw = base64.b64decode(blob)
    assert len(raw) < 128, len(raw)
    assert b"pulumi_northflank_provider.job_deployment" in raw
    assert b"JobDeploymentProvider" in raw
    assert CANARY_TOKEN.encode() not in raw
    # configured or not, every instance pickles the same: the state never changes with settings
    assert blob == serialize_provider(JobDeploymentProvider())


@pulumi.runtime.test
def test_the_registered_provider_is_plain_and_small(mocks: Recorder) -> Any:
    resource = northflank.JobDeployment(
        "x", project_id="p", job_id="j", docker={"config_type": "default"}
    )

    def check(_: Any) -> None:
        provider = mocks.resources[-1].inputs["__provider"]
        # not a secret: nothing secret is captured, and encrypting it would cost per resource
        assert isinstance(provider, str), provider
        assert not rpc.is_rpc_secret(provider)
        assert provider == serialize_provider(JobDeploymentProvider())

    return resource.urn.apply(check)


@needs_get
@pulumi.runtime.test
def test_get_reads_an_existing_deployment_into_typed_outputs(mocks: Recorder) -> Any:
    existing = northflank.JobDeployment.get("existing", "demo-project/nightly-report")

    def check(values: list[Any]) -> None:
        job_id, internal, deployed_sha = values
        [read] = mocks.resources
        assert (read.typ, read.resource_id) == (TYPE, "demo-project/nightly-report")
        assert job_id == "nightly-report"
        assert isinstance(internal, northflank.outputs.InternalDeployment)
        assert (internal.id, internal.build_sha) == ("report-builder", "latest")
        assert deployed_sha == "f" * 40

    return pulumi.Output.all(existing.job_id, existing.internal, existing.deployed_sha).apply(check)


@pytest.mark.skipif(GET_SUPPORTED, reason="only an older pulumi refuses JobDeployment.get")
def test_get_with_an_older_pulumi_says_what_to_upgrade(mocks: Recorder) -> None:
    with pytest.raises(RuntimeError, match=r"needs pulumi >= 3\.268\.0 \(installed: 3\."):
        northflank.JobDeployment.get("existing", "demo-project/nightly-report")
