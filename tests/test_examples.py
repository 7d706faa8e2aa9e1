"""Every example program runs under mocks and registers a JobDeployment that passes check()."""

from __future__ import annotations

import runpy
from pathlib import Path

import pulumi
import pytest
from pulumi.runtime import rpc

from northflank_emulator.schema import validate_deployment_body
from pulumi_northflank_provider.job_deployment import BODY
from pulumi_northflank_provider.job_run import JOB_RUN

from .test_sdk import RUN_TYPE, TYPE, Recorder

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


def test_every_example_is_covered() -> None:
    programs = {p.parent.name for p in (ROOT / "examples").glob("*/__main__.py")}
    assert programs == set(EXAMPLES) | COMPOSED | WITH_A_RUN
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
    deployment, run = recorder.resources
    assert (deployment.typ, run.typ) == (TYPE, RUN_TYPE)
    deployed = recorder.inputs(0)
    assert BODY.validate(deployed) == []
    inputs = recorder.inputs(1)
    assert inputs["triggers"] == [deployed["external"], deployed["docker"]]
    environment = rpc.unwrap_rpc_secret(inputs["environment"])  # secret: it holds the database URL
    assert environment == {"MIGRATE_TARGET": "head", "DATABASE_URL": "postgres://db/shop"}
    assert JOB_RUN.body.validate({**inputs, "environment": environment}) == []
