"""Refresh and drift at the engine's boundary: after each Read, the Diff the engine would compute.

Someone changes the job outside Pulumi (through the emulator's HTTP control routes, as the
dashboard would); `pulumi refresh` must show exactly that change, `pulumi up` must put the
declaration back, and a deployment nobody touched must never show drift.
"""

from __future__ import annotations

from typing import Any

import pytest

from northflank_devtools.engine_driver import PROVIDER, Diff, Engine, Plugin, ProviderError, State

from .conftest import ApiCalls, JobRef, needs_get, start_plugin

DECLARED = {
    "external": {"imagePath": "ghcr.io/acme/migrate:1.4.2", "credentials": "ghcr-creds"},
    "docker": {"configType": "customCommand", "customCommand": "python migrate.py"},
}


def refresh_then_preview(
    engine: Engine, declared: dict[str, Any], state: State
) -> tuple[State, Diff]:
    """`pulumi refresh`, then `pulumi preview` of the unchanged program."""
    refreshed = engine.refresh(state)
    assert refreshed is not None
    diff = engine.preview(
        state.name, {**state.inputs, **declared, "__provider": PROVIDER}, refreshed
    )
    assert diff is not None
    return refreshed, diff


@pytest.mark.parametrize(
    ("image", "registry"),
    [
        ("nginx:1.27", "dockerhub"),
        ("docker.io/library/nginx:1.27", "dockerhub"),
        ("ghcr.io/acme/migrate:1.4.2", "github"),
        ("https://ghcr.io/acme/migrate@sha256:" + "c" * 64, "github"),
        ("123456789012.dkr.ecr.eu-west-1.amazonaws.com/migrate:v7", "ecr"),
        ("registry.example.com:5000/team/migrate:2024.11", "custom"),
    ],
)
def test_no_drift_after_refresh_for_each_registry_form(
    engine: Engine, job: JobRef, api_calls: ApiCalls, image: str, registry: str
) -> None:
    declared = {**DECLARED, "external": {"imagePath": image, "credentials": "creds"}}
    state = engine.up("app", {**job.inputs, **declared})
    assert job.live()["external"]["imagePath"] != image or registry == "dockerhub"  # host dropped

    refreshed, diff = refresh_then_preview(engine, declared, state)

    assert (diff.changes, diff.replaces) == ("DIFF_NONE", [])
    assert refreshed.inputs == {**job.inputs, **declared, "__provider": PROVIDER}
    assert refreshed.outputs["registryProvider"] == registry
    assert refreshed.outputs["privateImage"] is True
    assert api_calls.count("GET") == 1  # the fewest calls: one GET per refresh


def test_an_image_changed_out_of_band_shows_as_drift_and_up_restores_it(
    engine: Engine, job: JobRef, api_calls: ApiCalls
) -> None:
    state = engine.up("app", {**job.inputs, **DECLARED})
    job.change_out_of_band({"external": {"imagePath": "ghcr.io/acme/migrate:9.9.9"}})

    refreshed, diff = refresh_then_preview(engine, DECLARED, state)

    # refresh records what is really there, with the registry host the program uses
    assert refreshed.outputs["external"] == {
        "imagePath": "ghcr.io/acme/migrate:9.9.9",
        "credentials": "ghcr-creds",
    }
    assert refreshed.inputs["external"]["imagePath"] == "ghcr.io/acme/migrate:9.9.9"
    assert refreshed.outputs["docker"] == DECLARED["docker"]  # untouched, so unchanged
    assert (diff.changes, diff.replaces) == ("DIFF_SOME", [])

    restored = engine.up("app", {**job.inputs, **DECLARED}, refreshed)
    assert api_calls.bodies()[-1] == DECLARED
    assert job.live()["external"]["imagePath"] == "acme/migrate:1.4.2"
    _, after = refresh_then_preview(engine, DECLARED, restored)
    assert after.changes == "DIFF_NONE"


def test_a_switch_to_another_registry_is_drift_even_with_the_same_path(
    engine: Engine, job: JobRef
) -> None:
    declared = {"external": {"imagePath": "acme/migrate:1.4.2"}}  # Docker Hub
    state = engine.up("app", {**job.inputs, **declared})
    job.change_out_of_band({"external": {"imagePath": "ghcr.io/acme/migrate:1.4.2"}})
    refreshed, diff = refresh_then_preview(engine, declared, state)
    assert diff.changes == "DIFF_SOME"
    assert refreshed.outputs["external"]["imagePath"] == "ghcr.io/acme/migrate:1.4.2"
    assert refreshed.outputs["registryProvider"] == "github"


def test_a_switch_to_a_build_out_of_band_is_drift(engine: Engine, job: JobRef) -> None:
    state = engine.up("app", {**job.inputs, **DECLARED})
    job.change_out_of_band({"internal": {"id": "report-builder", "branch": "main"}})
    refreshed, diff = refresh_then_preview(engine, DECLARED, state)
    assert "external" not in refreshed.outputs
    assert refreshed.outputs["internal"]["id"] == "report-builder"
    assert diff.changes == "DIFF_SOME"
    engine.up("app", {**job.inputs, **DECLARED}, refreshed)
    assert job.live()["external"]["imagePath"] == "acme/migrate:1.4.2"


@pytest.mark.parametrize(
    ("changed", "drift"),
    [
        ({"docker": {"configType": "customCommand", "customCommand": "python other.py"}}, True),
        ({"docker": {"configType": "default"}}, True),  # custom command dropped (it lingers)
        ({"buildpack": {"configType": "customProcess", "customProcess": "web"}}, False),
    ],
    ids=["command-changed", "back-to-default", "unmanaged-buildpack"],
)
def test_runtime_overrides_changed_out_of_band(
    engine: Engine, job: JobRef, changed: dict[str, Any], drift: bool
) -> None:
    state = engine.up("app", {**job.inputs, **DECLARED})
    job.change_out_of_band(changed)
    refreshed, diff = refresh_then_preview(engine, DECLARED, state)
    assert diff.changes == ("DIFF_SOME" if drift else "DIFF_NONE")
    if drift:
        assert refreshed.outputs["docker"] == changed["docker"]
        engine.up("app", {**job.inputs, **DECLARED}, refreshed)
        assert job.live()["docker"]["configType"] == "customCommand"
        assert job.live()["docker"]["customCommand"] == "python migrate.py"


def test_a_default_runtime_with_a_lingering_custom_command_is_not_drift(
    engine: Engine, job: JobRef
) -> None:
    declared = {"external": {"imagePath": "nginx:1.27"}, "docker": {"configType": "default"}}
    job.change_out_of_band({"docker": {"configType": "customCommand", "customCommand": "old"}})
    state = engine.up("app", {**job.inputs, **declared})
    assert job.live()["docker"] == {"configType": "default", "customCommand": "old"}  # the quirk
    _, diff = refresh_then_preview(engine, declared, state)
    assert diff.changes == "DIFF_NONE"


def test_new_commits_under_latest_are_not_drift_but_are_reported(
    engine: Engine, job: JobRef
) -> None:
    declared = {"internal": {"id": "report-builder", "branch": "main", "buildSHA": "latest"}}
    state = engine.up("app", {**job.inputs, **declared})
    first, _ = refresh_then_preview(engine, declared, state)

    job.push_commit()
    second, diff = refresh_then_preview(engine, declared, first)

    assert diff.changes == "DIFF_NONE"
    assert second.outputs["internal"] == declared["internal"]
    assert len(second.outputs["deployedSHA"]) == 40
    assert second.outputs["deployedSHA"] != first.outputs["deployedSHA"]


def test_a_pinned_commit_changed_out_of_band_is_drift(engine: Engine, job: JobRef) -> None:
    declared = {"internal": {"id": "report-builder", "branch": "main", "buildSHA": "a" * 40}}
    state = engine.up("app", {**job.inputs, **declared})
    job.change_out_of_band(
        {"internal": {"id": "report-builder", "branch": "main", "buildSHA": "b" * 40}}
    )

    refreshed, diff = refresh_then_preview(engine, declared, state)

    assert refreshed.outputs["internal"]["buildSHA"] == "b" * 40
    assert refreshed.outputs["deployedSHA"] == "b" * 40
    assert diff.changes == "DIFF_SOME"
    engine.up("app", {**job.inputs, **declared}, refreshed)
    assert job.live()["internal"]["buildSHA"] == "a" * 40


def test_a_job_deleted_outside_pulumi_leaves_the_stack_and_a_new_up_fails_clearly(
    engine: Engine, job: JobRef
) -> None:
    state = engine.up("app", {**job.inputs, **DECLARED})
    job.delete()
    assert engine.refresh(state) is None  # gone from the stack
    with pytest.raises(ProviderError) as failure:  # the next up creates it again: 404
        engine.up("app", {**job.inputs, **DECLARED})
    assert "HTTP 404" in failure.value.message and f"job '{job.job_id}'" in failure.value.message


@needs_get
def test_get_reads_an_existing_deployment_without_declaring_it(
    plugin: Plugin, job: JobRef, api_calls: ApiCalls
) -> None:
    job.change_out_of_band(
        {
            "external": {"imagePath": "ghcr.io/acme/worker:3.1.0", "credentials": "ghcr-creds"},
            "docker": {"configType": "customCommand", "customCommand": "run"},
        }
    )
    id_, outputs = plugin.read_by_id("existing", f"{job.project_id}/{job.job_id}")
    assert id_ == f"{job.project_id}/{job.job_id}"
    assert outputs == {
        **job.inputs,
        # Northflank leaves the host out; registryProvider github names it: a program that
        # declares this deploys from ghcr.io again, not from Docker Hub.
        "external": {"imagePath": "ghcr.io/acme/worker:3.1.0"},
        "docker": {"configType": "customCommand", "customCommand": "run"},
        "registryProvider": "github",
        "privateImage": True,
        "liveSource": {
            "external": {
                "imagePath": "acme/worker:3.1.0",
                "registryProvider": "github",
                "privateImage": True,
            }
        },
        "__provider": PROVIDER,
    }
    assert api_calls.count() == 1


def test_what_cannot_be_compared_is_said_in_a_debug_line_only_when_asked(
    emulator, job: JobRef
) -> None:
    declared = {"external": {"imagePath": "registry.example.com:5000/team/app:1"}}
    for env, shown in [({"NORTHFLANK_LOG": "debug"}, True), ({}, False)]:
        plugin = start_plugin(emulator.url, env=env)
        try:
            engine = Engine(plugin)
            state = engine.up("app", {**job.inputs, **declared})
            _, diff = refresh_then_preview(engine, declared, state)
            assert diff.changes == "DIFF_NONE"
        finally:
            plugin.close()
        line = "debug: [northflank] registryProvider 'custom' is not compared with host"
        assert (line in plugin.output) is shown
