"""A stack recorded by the previous release keeps working: every resource's state holds its
provider as ``__provider``, a pickle of the provider class *by reference*, and the plugin finds its
provider by unpickling exactly that string. Moving modules around the provider classes must not
change what those strings name."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import dill
import pytest
import requests

from northflank_devtools.engine_driver import JOB_DEPLOYMENT, JOB_RUN, Engine, Kind, Plugin, State
from northflank_emulator import EmulatorServer
from pulumi_northflank_provider.job_deployment import JobDeploymentProvider
from pulumi_northflank_provider.job_run import JobRunProvider

from .conftest import CANARY_TOKEN, JobRef, start_plugin

#: ``__provider`` exactly as the release before the HTTP client moved into
#: ``pulumi_northflank_provider.http`` wrote it into every state (``serialize_provider`` then).
PREVIOUS_JOB_DEPLOYMENT_PROVIDER = (
    "gASVSgAAAAAAAACMKXB1bHVtaV9ub3J0aGZsYW5rX3Byb3ZpZGVyLmpvYl9kZXBsb3ltZW50lIwVSm9iRGVwbG95bWVu"
    "dFByb3ZpZGVylJOUKVKULg=="
)
PREVIOUS_JOB_RUN_PROVIDER = (
    "gASVPAAAAAAAAACMInB1bHVtaV9ub3J0aGZsYW5rX3Byb3ZpZGVyLmpvYl9ydW6UjA5Kb2JSdW5Qcm92aWRlcpSTlClS"
    "lC4="
)


@pytest.mark.parametrize(
    ("recorded", "provider_class"),
    [
        (PREVIOUS_JOB_DEPLOYMENT_PROVIDER, JobDeploymentProvider),
        (PREVIOUS_JOB_RUN_PROVIDER, JobRunProvider),
    ],
)
def test_a_recorded_provider_still_names_its_class(recorded: str, provider_class: type) -> None:
    assert type(dill.loads(base64.b64decode(recorded))) is provider_class


@pytest.fixture
def fresh_plugin(emulator: EmulatorServer) -> Iterator[Plugin]:
    """A plugin of its own, so that the recorded string is what it unpickles the provider from."""
    plugin = start_plugin(emulator.url)
    yield plugin
    plugin.close()


def recorded_state(kind: Kind, id_: str, inputs: dict[str, Any], **outputs: Any) -> State:
    """A resource as the engine keeps it: inputs and outputs, each with the provider."""
    with_provider = {**inputs, "__provider": kind.provider}
    return State("recorded", id_, with_provider, {**with_provider, **outputs}, kind)


def test_a_job_deployment_recorded_by_the_previous_release_refreshes_and_diffs(
    fresh_plugin: Plugin, job: JobRef
) -> None:
    kind = Kind(JOB_DEPLOYMENT.type, PREVIOUS_JOB_DEPLOYMENT_PROVIDER)
    declared = {**job.inputs, "external": {"imagePath": "nginx:latest"}}  # the job's deployment
    state = recorded_state(kind, f"{job.project_id}/{job.job_id}", declared)

    refreshed = Engine(fresh_plugin).refresh(state)  # Read

    assert refreshed is not None
    assert refreshed.id == state.id
    assert refreshed.outputs["external"]["imagePath"] == "nginx:latest"
    assert refreshed.outputs["__provider"] == PREVIOUS_JOB_DEPLOYMENT_PROVIDER
    assert fresh_plugin.diff(refreshed, state.inputs).changes == "DIFF_NONE"
    newer = {**state.inputs, "external": {"imagePath": "nginx:1.27"}}
    changed = fresh_plugin.diff(refreshed, newer)
    assert (changed.changes, changed.replaces) == ("DIFF_SOME", [])


def test_a_job_run_recorded_by_the_previous_release_refreshes_and_diffs(
    fresh_plugin: Plugin, emulator: EmulatorServer, job: JobRef
) -> None:
    job.script_runs(seconds=0, outcome="SUCCESS")
    started = requests.post(
        f"{emulator.url}/v1/projects/{job.project_id}/jobs/{job.job_id}/runs",
        json={},
        headers={"Authorization": f"Bearer {CANARY_TOKEN}"},
        timeout=5,
    )
    started.raise_for_status()
    [run] = job.runs()
    kind = Kind(JOB_RUN.type, PREVIOUS_JOB_RUN_PROVIDER)
    declared = {**job.inputs, "triggers": ["v1"], "wait": False, "timeoutSeconds": 1800}
    state = recorded_state(
        kind, run["id"], declared, runId=run["id"], runName=run["runName"], status="RUNNING"
    )

    refreshed = Engine(fresh_plugin).refresh(state)  # Read

    assert refreshed is not None
    assert refreshed.id == run["id"]
    assert refreshed.outputs["status"] == "SUCCESS"
    assert refreshed.outputs["__provider"] == PREVIOUS_JOB_RUN_PROVIDER
    assert fresh_plugin.diff(refreshed, state.inputs).changes == "DIFF_NONE"
    changed = fresh_plugin.diff(refreshed, {**state.inputs, "triggers": ["v2"]})
    assert (changed.changes, changed.replaces) == ("DIFF_SOME", ["triggers"])
