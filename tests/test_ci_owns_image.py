"""`JobDeployment(source_managed_by="ci")` at the engine's boundary: CI deploys the image, Pulumi
keeps the runtime overrides, and no `pulumi up` puts the declared image back."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from northflank_devtools.engine_driver import Engine, Plugin, State
from northflank_emulator import Backend, EmulatorServer

from .conftest import CANARY_TOKEN, PROJECT, ApiCalls, JobRef

BOOTSTRAP = {"imagePath": "ghcr.io/acme/migrate:bootstrap"}
CI_IMAGE = {"imagePath": "ghcr.io/acme/migrate:1.7.3"}
COMMAND = {"configType": "customCommand", "customCommand": "python migrate.py"}


def ci_inputs(job: JobRef, **more: Any) -> dict[str, Any]:
    inputs = {**job.inputs, "sourceManagedBy": "ci", "external": BOOTSTRAP, "docker": COMMAND}
    return {k: v for k, v in {**inputs, **more}.items() if v is not None}


def up(engine: Engine, job: JobRef, state: State | None = None, **more: Any) -> State:
    return engine.up("db-migrate", ci_inputs(job, **more), state)


def posts(api_calls: ApiCalls) -> list[dict[str, Any]]:
    return [r for r in api_calls.all() if r["method"] == "POST"]


def image(job: JobRef) -> str:
    return str(job.live()["external"]["imagePath"])


def read_back(image_path: str) -> str:
    """An image path as Northflank reports it: without the registry host."""
    return image_path.split("/", 1)[1]


def test_ci_moves_the_image_and_an_up_that_changes_the_command_keeps_it(
    engine: Engine, job: JobRef, api_calls: ApiCalls
) -> None:
    state = up(engine, job)
    job.change_out_of_band({"external": CI_IMAGE})  # CI deploys a new tag
    calls = len(posts(api_calls))
    new_command = {**COMMAND, "customCommand": "python migrate.py --verbose"}
    state = up(engine, job, state, docker=new_command)

    [post] = posts(api_calls)[calls:]
    assert post["body"] == {"docker": new_command}  # no external, no internal
    assert image(job) == read_back(CI_IMAGE["imagePath"])  # CI's image is still deployed
    refreshed = engine.refresh(state)
    assert refreshed is not None
    assert refreshed.outputs["liveSource"]["external"]["imagePath"] == read_back(
        CI_IMAGE["imagePath"]
    )
    assert refreshed.outputs["external"] == BOOTSTRAP  # not drift: CI owns the source
    diff = engine.preview("db-migrate", ci_inputs(job, docker=new_command), refreshed)
    assert diff is not None and diff.changes == "DIFF_NONE"


def test_a_create_on_a_job_with_a_deployed_image_leaves_it(
    engine: Engine, job: JobRef, api_calls: ApiCalls
) -> None:
    deployed = image(job)  # every test job deploys an image already
    state = up(engine, job)
    [post] = posts(api_calls)
    assert post["body"] == {"docker": COMMAND}
    assert image(job) == deployed
    assert state.outputs["liveSource"]["external"]["imagePath"] == deployed


def test_a_create_on_a_job_with_nothing_deployed_deploys_the_bootstrap(
    engine: Engine, backend: Backend, api_calls: ApiCalls
) -> None:
    backend.add_job(PROJECT, "empty-job", deployment={})
    job = JobRef(PROJECT, "empty-job", backend, "")
    state = engine.up("db-migrate", ci_inputs(job))
    [post] = posts(api_calls)
    assert post["body"] == {"external": BOOTSTRAP, "docker": COMMAND}
    deployed = backend.job(PROJECT, "empty-job").deployment_view()["external"]["imagePath"]
    assert deployed == read_back(BOOTSTRAP["imagePath"])
    assert state.outputs["liveSource"] == {"external": BOOTSTRAP}


def test_a_change_to_the_declared_image_alone_sends_nothing_and_says_so(
    engine: Engine, job: JobRef, api_calls: ApiCalls
) -> None:
    state = up(engine, job)
    calls = api_calls.count()
    up(engine, job, state, external={"imagePath": "ghcr.io/acme/migrate:bootstrap-2"})
    assert api_calls.count() == calls
    assert "only matters as the first deployment" in engine.plugin.output


def test_switching_to_pulumi_deploys_the_declared_image_and_back_sends_nothing(
    engine: Engine, job: JobRef, api_calls: ApiCalls
) -> None:
    state = up(engine, job)
    job.change_out_of_band({"external": CI_IMAGE})
    pulumi_owned = {**ci_inputs(job), "sourceManagedBy": "pulumi"}
    diff = engine.preview("db-migrate", pulumi_owned, state)
    assert diff is not None and diff.changes == "DIFF_SOME"
    state = engine.up("db-migrate", pulumi_owned, state)
    assert image(job) == read_back(BOOTSTRAP["imagePath"])
    calls = api_calls.count()
    engine.up("db-migrate", ci_inputs(job), state)
    assert api_calls.count() == calls


@pytest.mark.parametrize(
    ("more", "path", "words"),
    [
        ({"sourceManagedBy": "github"}, "sourceManagedBy", "one of pulumi, ci"),
        ({"external": None, "docker": None}, "", "nothing to manage"),
    ],
)
def test_check_names_the_allowed_values_and_refuses_an_empty_declaration(
    plugin: Plugin, job: JobRef, more: dict[str, Any], path: str, words: str
) -> None:
    inputs = {k: v for k, v in ci_inputs(job, **more).items() if v is not None}
    _, failures = plugin.check("db-migrate", inputs)
    assert [p for p, _ in failures] == [path]
    assert words in failures[0][1]


def test_the_examples_ci_script_deploys_a_tag_that_the_next_up_keeps(
    engine: Engine, emulator: EmulatorServer, job: JobRef
) -> None:
    """examples/ci-owns-image: CI runs ci_deploy.py after pushing a tag; `pulumi up` then changes
    the command and leaves CI's image deployed."""
    state = up(engine, job)
    script = Path(__file__).resolve().parents[1] / "examples" / "ci-owns-image" / "ci_deploy.py"
    done = subprocess.run(
        [
            sys.executable,
            str(script),
            CI_IMAGE["imagePath"],
            "--api-url",
            emulator.url,
            "--project",
            job.project_id,
            "--job",
            job.job_id,
        ],
        env={**os.environ, "NORTHFLANK_API_TOKEN": CANARY_TOKEN},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    up(engine, job, state, docker={**COMMAND, "customCommand": "python migrate.py --check"})
    assert image(job) == read_back(CI_IMAGE["imagePath"])


def test_a_runtime_block_removed_with_ci_is_reset_and_nothing_else_is_sent(
    engine: Engine, job: JobRef, api_calls: ApiCalls
) -> None:
    state = up(engine, job)
    calls = len(posts(api_calls))
    engine.up("db-migrate", {**job.inputs, "sourceManagedBy": "ci", "external": BOOTSTRAP}, state)
    [post] = posts(api_calls)[calls:]
    assert post["body"] == {"docker": {"configType": "default"}}
    assert job.live()["docker"]["configType"] == "default"
