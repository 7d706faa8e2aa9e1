"""JobRun on the program side, under `pulumi.runtime.set_mocks`: what the SDK registers."""

from __future__ import annotations

import base64
import inspect
import re
from collections.abc import Iterator
from typing import Any

import pulumi
import pytest
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.output import Unknown
from pulumi.runtime import rpc

import pulumi_northflank as northflank
from pulumi_northflank_provider.job_run import JobRunProvider

from .test_sdk import RUN_TYPE, Recorder


@pytest.fixture
def mocks() -> Iterator[Recorder]:
    recorder = Recorder()
    pulumi.runtime.set_mocks(recorder, project="northflank-tests", stack="test", preview=False)
    yield recorder


@pulumi.runtime.test
def test_a_run_follows_a_deployment_through_its_triggers(mocks: Recorder) -> Any:
    migrate = northflank.JobDeployment(
        "db-migrate",
        project_id="shop",
        job_id="db-migrate",
        external=northflank.ExternalDeploymentArgs(
            image_path="ghcr.io/acme/migrate:1.5.0", credentials="ghcr-creds"
        ),
    )
    run = northflank.JobRun(
        "db-migrate-run",
        project_id="shop",
        job_id="db-migrate",
        triggers=[migrate.external, {"schema_version": 7}],
        environment={"MIGRATE_TARGET": "head", "timeout_seconds": "kept", "projectId": "kept"},
        wait=True,
        timeout_seconds=1800,
        opts=pulumi.ResourceOptions(depends_on=[migrate]),
    )

    def check(values: list[Any]) -> None:
        status, run_id, run_name, environment, triggers = values
        assert mocks.inputs_of(RUN_TYPE) == {
            "projectId": "shop",
            "jobId": "db-migrate",
            # the deployment's output object, as plain JSON under its wire names
            "triggers": [
                {"imagePath": "ghcr.io/acme/migrate:1.5.0", "credentials": "ghcr-creds"},
                {"schema_version": 7},  # the user's keys are never renamed ...
            ],
            # ... nor are variable names, even those that look like the resource's own
            "environment": {
                "MIGRATE_TARGET": "head",
                "timeout_seconds": "kept",
                "projectId": "kept",
            },
            "wait": True,
            "timeoutSeconds": 1800,
            "secretEnvironmentNames": [],  # no value is secret: every one may be shown
        }
        assert (status, run_id, run_name) == ("SUCCESS", "run-1", "db-migrate-1a2b")
        assert status == northflank.JobRunStatus.SUCCESS
        assert environment["timeout_seconds"] == "kept"
        assert triggers[1] == {"schema_version": 7}

    return pulumi.Output.all(
        run.status, run.run_id, run.run_name, run.environment, run.triggers
    ).apply(check)


@pulumi.runtime.test
def test_a_secret_environment_value_is_registered_as_a_secret(mocks: Recorder) -> Any:
    run = northflank.JobRun(
        "run",
        project_id="shop",
        job_id="db-migrate",
        environment={"DB_PASSWORD": pulumi.Output.secret("hunter2"), "TARGET": "head"},
    )

    def check(_: Any) -> None:
        environment = mocks.inputs_of(RUN_TYPE)["environment"]
        # The program sends the whole environment as a secret (it holds one), so the engine
        # stores the input, and the output of the same key, encrypted.
        assert rpc.is_rpc_secret(environment)
        assert rpc.unwrap_rpc_secret(environment) == {"DB_PASSWORD": "hunter2", "TARGET": "head"}
        # The provider learns which value is secret: it hides that one and shows the other.
        assert mocks.inputs_of(RUN_TYPE)["secretEnvironmentNames"] == ["DB_PASSWORD"]

    return run.urn.apply(check)


@pulumi.runtime.test
def test_an_environment_that_is_one_secret_output_marks_every_name(mocks: Recorder) -> Any:
    run = northflank.JobRun(
        "run",
        project_id="shop",
        job_id="db-migrate",
        environment=pulumi.Output.secret({"A_KEY": "x", "B_KEY": "y"}),
    )

    def check(_: Any) -> None:
        assert mocks.inputs_of(RUN_TYPE)["secretEnvironmentNames"] == ["A_KEY", "B_KEY"]

    return run.urn.apply(check)


def test_in_a_preview_an_unknown_trigger_makes_the_triggers_unknown() -> None:
    engine = Recorder()
    pulumi.runtime.set_mocks(engine, project="northflank-tests", stack="test", preview=True)

    @pulumi.runtime.test
    def program() -> None:
        image = pulumi.Output(set(), pulumi.Output.from_input("x").future(), is_known=_false())
        northflank.JobRun("run", project_id="shop", job_id="db-migrate", triggers=[image, "v2"])

    program()
    triggers = engine.inputs_of(RUN_TYPE).get("triggers", Unknown())  # type: ignore[no-untyped-call]
    assert isinstance(triggers, Unknown)  # so the engine's diff shows a replacement


def _false() -> Any:
    import asyncio

    future: asyncio.Future[bool] = asyncio.get_event_loop().create_future()
    future.set_result(False)
    return future


@pulumi.runtime.test
def test_the_args_object_form_is_the_same_as_keywords(mocks: Recorder) -> Any:
    run = northflank.JobRun(
        "run",
        northflank.JobRunArgs(project_id="p", job_id="j", team_id="acme", wait=False),
    )

    def check(_: Any) -> None:
        assert mocks.inputs_of(RUN_TYPE) == {
            "projectId": "p",
            "jobId": "j",
            "teamId": "acme",
            "wait": False,
        }

    return run.urn.apply(check)


@pulumi.runtime.test
def test_the_dict_form_of_the_args_is_the_same_as_keywords(mocks: Recorder) -> Any:
    args: northflank.JobRunArgsDict = {"project_id": "p", "job_id": "j", "timeout_seconds": 60}
    run = northflank.JobRun("run", args)

    def check(_: Any) -> None:
        assert mocks.inputs_of(RUN_TYPE) == {"projectId": "p", "jobId": "j", "timeoutSeconds": 60}

    return run.urn.apply(check)


def test_the_dict_form_refuses_an_unknown_argument() -> None:
    with pytest.raises(TypeError, match="JobRunArgsDict has no argument timeout"):
        northflank.JobRun("x", {"project_id": "p", "job_id": "j", "timeout": 60})  # type: ignore[call-overload]


def test_a_missing_job_is_refused_in_the_program() -> None:
    with pytest.raises(TypeError, match="job_id"):
        northflank.JobRun("x", project_id="p")  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="not both"):
        northflank.JobRun(  # type: ignore[call-overload]
            "x", northflank.JobRunArgs(project_id="p", job_id="j"), job_id="j"
        )


def test_the_provider_is_pickled_by_reference() -> None:
    raw = base64.b64decode(serialize_provider(JobRunProvider()))
    assert len(raw) < 128, len(raw)
    assert b"pulumi_northflank_provider.job_run" in raw and b"JobRunProvider" in raw


@pytest.mark.parametrize("resource", [northflank.JobDeployment, northflank.JobRun])
def test_the_example_in_each_resources_docstring_runs(resource: type) -> None:
    [example] = re.findall(r"```python\n(.*?)```", inspect.getdoc(resource) or "", re.S)
    engine = Recorder()
    pulumi.runtime.set_mocks(engine, project="northflank-tests", stack="test", preview=False)

    @pulumi.runtime.test
    def program() -> None:
        exec(compile(example, f"<{resource.__name__} docstring>", "exec"), {})

    program()
    assert any(r.typ.endswith(f":{resource.__name__}") for r in engine.resources)
