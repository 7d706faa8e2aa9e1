"""Every example program runs under mocks and registers a JobDeployment that passes check()."""

from __future__ import annotations

import runpy
from pathlib import Path
from typing import Any

import pulumi
import pytest
from pulumi.runtime import rpc

from northflank_emulator.schema import validate_deployment_body
from pulumi_northflank_provider.job_deployment import BODY
from pulumi_northflank_provider.job_run import JOB_RUN

from .conftest import load_file
from .test_sdk import RUN_TYPE, TYPE, Recorder

SETTINGS_TYPE = "pulumi-python:dynamic/northflank:JobSettings"
pack = load_file(
    Path(__file__).resolve().parents[1] / "policies" / "northflank" / "__main__.py",
    "northflank_policy_pack_for_examples",
)


def inputs_of(recorder: Recorder, typ: str) -> dict[str, Any]:
    [index] = [i for i, r in enumerate(recorder.resources) if r.typ == typ]
    return recorder.inputs(index)


def stack_of(recorder: Recorder) -> list[Any]:
    """The registered resources as the policy pack's stack rules see them."""
    return [
        pack.StackResource(r.typ, f"urn:pulumi:test::p::{r.typ}::{r.name}", recorder.inputs(i))
        for i, r in enumerate(recorder.resources)
    ]


ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = {
    "quickstart": {
        "projectId": "demo-project",
        "jobId": "db-migrate",
        "external": {"imagePath": "ghcr.io/acme/migrate:1.4.2", "credentials": "ghcr-creds"},
        "docker": {"configType": "customCommand", "customCommand": "python migrate.py"},
    },
    "external-image": {
        "projectId": "demo-project",
        "jobId": "cache-warmer",
        "external": {"imagePath": "ghcr.io/acme/queue-worker:2.3.0", "credentials": "ghcr-creds"},
        "docker": {"configType": "default"},
    },
    "internal-build": {
        "projectId": "demo-project",
        "jobId": "nightly-report",
        "internal": {"id": "report-builder", "branch": "main", "buildSHA": "latest"},
        "buildpack": {"configType": "customCommand", "customCommand": "python report.py --nightly"},
    },
    "runtime-only": {
        "projectId": "demo-project",
        "jobId": "cache-warmer",
        "docker": {
            "configType": "customEntrypointCustomCommand",
            "customEntrypoint": "/bin/sh",
            "customCommand": "-c 'warm-cache --all'",
        },
    },
}


COMPOSED = {"docker-image", "stack-reference"}  # need other providers' mocks: test_composition.py
WITH_A_RUN = {"migrate-on-deploy"}  # tested below
WITH_SETTINGS = {"ci-owns-image"}  # tested below


def test_every_example_is_covered() -> None:
    programs = {p.parent.name for p in (ROOT / "examples").glob("*/__main__.py")}
    assert programs == set(EXAMPLES) | COMPOSED | WITH_A_RUN | WITH_SETTINGS
    assert "main: examples/quickstart/" in (ROOT / "Pulumi.yaml").read_text()


@pytest.mark.parametrize("example", sorted(EXAMPLES))
def test_example_registers_a_valid_deployment(example: str) -> None:
    recorder = Recorder()
    pulumi.runtime.set_mocks(recorder, project=f"northflank-{example}", stack="test", preview=False)

    @pulumi.runtime.test
    def program() -> None:  # returns once every registration has completed
        runpy.run_path(str(ROOT / "examples" / example / "__main__.py"), run_name="__main__")

    program()
    [resource] = recorder.resources
    assert resource.typ == TYPE
    inputs = recorder.inputs()
    assert inputs == EXAMPLES[example]
    assert BODY.validate(inputs) == []
    assert validate_deployment_body(BODY.to_request(inputs)) == []


def test_migrate_on_deploy_runs_the_job_after_its_deployment() -> None:
    recorder = Recorder()
    pulumi.runtime.set_mocks(recorder, project="northflank-migrate", stack="test", preview=False)
    pulumi.runtime.set_all_config({"northflank-migrate:databaseUrl": "postgres://db/shop"})

    @pulumi.runtime.test
    def program() -> None:
        path = ROOT / "examples" / "migrate-on-deploy" / "__main__.py"
        runpy.run_path(str(path), run_name="__main__")

    try:
        program()
    finally:
        pulumi.runtime.set_all_config({})
    # Independent resources register in no fixed order: each is found by its type.
    assert sorted(r.typ for r in recorder.resources) == sorted([TYPE, SETTINGS_TYPE, RUN_TYPE])
    assert inputs_of(recorder, SETTINGS_TYPE)["runOnSourceChange"] == "never"  # no double run
    assert pack.double_run_violations(stack_of(recorder)) == []
    assert pack.undeclared_settings_violations(stack_of(recorder)) == []
    deployed = inputs_of(recorder, TYPE)
    assert BODY.validate(deployed) == []
    inputs = inputs_of(recorder, RUN_TYPE)
    assert inputs["triggers"] == [deployed["external"], deployed["docker"]]
    environment = rpc.unwrap_rpc_secret(inputs["environment"])  # secret: it holds the database URL
    assert environment == {"MIGRATE_TARGET": "head", "DATABASE_URL": "postgres://db/shop"}
    assert JOB_RUN.body.validate({**inputs, "environment": environment}) == []


def test_ci_owns_image_leaves_the_source_to_ci_and_declares_the_settings() -> None:
    recorder = Recorder()
    pulumi.runtime.set_mocks(recorder, project="northflank-ci", stack="test", preview=False)

    @pulumi.runtime.test
    def program() -> None:
        runpy.run_path(
            str(ROOT / "examples" / "ci-owns-image" / "__main__.py"), run_name="__main__"
        )

    program()
    assert sorted(r.typ for r in recorder.resources) == sorted([TYPE, SETTINGS_TYPE])
    inputs = inputs_of(recorder, TYPE)
    assert inputs["sourceManagedBy"] == "ci"
    assert BODY.validate(inputs) == []
    assert inputs_of(recorder, SETTINGS_TYPE) == {
        "projectId": "demo-project",
        "jobId": "db-migrate",
        "backoffLimit": 0,
        "activeDeadlineSeconds": 3600,
        "runOnSourceChange": "never",
    }


def test_a_job_run_without_never_is_flagged_by_the_policy_pack() -> None:
    """The first program of the issue: a JobRun of a job that Northflank runs too."""
    recorder = Recorder()
    pulumi.runtime.set_mocks(recorder, project="northflank-double", stack="test", preview=False)

    @pulumi.runtime.test
    def program() -> None:
        import pulumi_northflank as northflank

        northflank.JobSettings("s", project_id="p", job_id="j", run_on_source_change="always")
        northflank.JobRun("r", project_id="p", job_id="j")

    program()
    [(urn, message)] = pack.double_run_violations(stack_of(recorder))
    assert urn.endswith("::r") and "run_on_source_change='never'" in message
