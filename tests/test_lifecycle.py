"""Acceptance tests at the engine's boundary: the real plugin process, driven over gRPC, against the
emulator over HTTP. Each walks a resource the way `pulumi preview/up/refresh/destroy` would."""

from __future__ import annotations

from typing import Any

import pytest

from northflank_devtools.engine_driver import (
    PROVIDER,
    UNKNOWN,
    CheckFailed,
    Engine,
    Plugin,
    ProviderError,
)

from .conftest import CANARY_TOKEN, ApiCalls, JobRef, start_plugin

MIGRATE = {
    "external": {"imagePath": "ghcr.io/acme/migrate:1.4.2", "credentials": "ghcr-creds"},
    "docker": {"configType": "customCommand", "customCommand": "python migrate.py"},
}


def test_plugin_answers_configure_as_the_engine_expects() -> None:
    plugin = Plugin()  # its own process: the config a provider sees is fixed at its first call
    try:
        assert plugin.plugin_info().version == "0.1.0"
        response = plugin.configure({"northflank:apiToken": "x"})
        assert response.acceptSecrets is False
        assert response.supportsPreview is False
    finally:
        plugin.close()


def test_create_update_refresh_delete(engine: Engine, job: JobRef, api_calls: ApiCalls) -> None:
    # pulumi up: create
    state = engine.up("migrate", {**job.inputs, **MIGRATE})
    assert state.id == f"{job.project_id}/{job.job_id}"
    assert api_calls.bodies() == [MIGRATE]
    assert job.live()["external"] == {
        "imagePath": "acme/migrate:1.4.2",
        "registryProvider": "github",
        "privateImage": True,
    }
    assert job.live()["docker"] == MIGRATE["docker"]
    # outputs carry every input (and the provider), so the next diff compares like with like,
    # and the source just deployed
    assert state.outputs == {
        **job.inputs,
        **MIGRATE,
        "liveSource": {"external": MIGRATE["external"]},
        "__provider": PROVIDER,
    }

    # pulumi up again, unchanged: no update, no HTTP
    same = engine.up("migrate", {**job.inputs, **MIGRATE}, state)
    assert same.outputs == state.outputs
    assert api_calls.count() == 1

    # pulumi up with a new tag: one POST with exactly the new body
    bumped = {
        **MIGRATE,
        "external": {**MIGRATE["external"], "imagePath": "ghcr.io/acme/migrate:1.5.0"},
    }
    state = engine.up("migrate", {**job.inputs, **bumped}, state)
    assert api_calls.bodies() == [MIGRATE, bumped]
    assert state.outputs["external"]["imagePath"] == "ghcr.io/acme/migrate:1.5.0"
    assert job.live()["external"]["imagePath"] == "acme/migrate:1.5.0"

    # pulumi refresh: one GET, no drift (the host-less read-back and the missing credentials are
    # the API's quirks, not changes), and the next preview shows no change
    refreshed = engine.refresh(state)
    assert refreshed is not None
    assert api_calls.count("GET") == 1
    assert refreshed.inputs == {**job.inputs, **bumped, "__provider": PROVIDER}
    assert {k: refreshed.outputs[k] for k in ("external", "docker")} == bumped
    assert refreshed.outputs["registryProvider"] == "github"
    assert refreshed.outputs["privateImage"] is True
    diff = engine.preview("migrate", {**job.inputs, **bumped}, refreshed)
    assert diff is not None and diff.changes == "DIFF_NONE"

    # pulumi destroy: no HTTP at all, the job keeps its deployment, and the user is told so
    before = api_calls.count()
    engine.destroy(refreshed)
    assert api_calls.count() == before
    assert job.live()["external"]["imagePath"] == "acme/migrate:1.5.0"
    assert "Northflank cannot undeploy a job" in engine.plugin.output


def test_preview_with_unknown_image_shows_an_update_and_makes_no_request(
    engine: Engine, job: JobRef, api_calls: ApiCalls
) -> None:
    state = engine.up("app", {**job.inputs, "external": {"imagePath": "nginx:1.27"}})
    calls = api_calls.count()

    # the image comes from another resource's output, unknown during preview
    diff = engine.preview("app", {**job.inputs, "external": {"imagePath": UNKNOWN}}, state)

    assert diff is not None
    assert (diff.changes, diff.replaces) == ("DIFF_SOME", [])
    assert api_calls.count() == calls


def test_preview_of_a_new_resource_with_unknowns_passes_check(
    plugin: Plugin, job: JobRef, api_calls: ApiCalls
) -> None:
    inputs, failures = plugin.check(
        "app",
        {
            **job.inputs,
            "external": {"imagePath": UNKNOWN, "credentials": UNKNOWN},
            "docker": UNKNOWN,
        },
    )
    assert failures == []
    assert inputs["external"]["imagePath"] is not None
    assert api_calls.count() == 0


def test_switching_from_an_image_to_a_build_updates_in_place(
    engine: Engine, job: JobRef, api_calls: ApiCalls
) -> None:
    state = engine.up("app", {**job.inputs, "external": {"imagePath": "nginx:1.27"}})
    internal = {"internal": {"id": "report-builder", "branch": "main", "buildSHA": "latest"}}

    diff = engine.preview("app", {**job.inputs, **internal}, state)
    assert diff is not None and (diff.changes, diff.replaces) == ("DIFF_SOME", [])

    state = engine.up("app", {**job.inputs, **internal}, state)
    assert api_calls.bodies()[-1] == internal
    assert "external" not in state.outputs
    assert job.live()["internal"]["nfObjectId"] == "report-builder"
    assert "external" not in job.live()


def test_changing_the_job_replaces_the_resource_delete_first(
    engine: Engine, job: JobRef, backend, api_calls: ApiCalls
) -> None:
    other = f"{job.job_id}-other"
    backend.add_job(job.project_id, other)
    state = engine.up("app", {**job.inputs, "external": {"imagePath": "nginx:1.27"}})

    diff = engine.preview(
        "app", {**job.inputs, "jobId": other, "external": {"imagePath": "nginx:1.27"}}, state
    )
    assert diff is not None
    assert (diff.changes, diff.replaces, diff.delete_before_replace) == (
        "DIFF_SOME",
        ["jobId"],
        True,
    )

    state = engine.up(
        "app", {**job.inputs, "jobId": other, "external": {"imagePath": "nginx:1.27"}}, state
    )
    assert state.id == f"{job.project_id}/{other}"
    assert [r["path"].split("/")[-2] for r in api_calls.all()] == [job.job_id, other]


def test_a_job_that_does_not_exist_fails_with_a_message_naming_it(
    engine: Engine, api_calls: ApiCalls
) -> None:
    with pytest.raises(ProviderError) as failure:
        engine.up(
            "ghost",
            {
                "projectId": "acceptance",
                "jobId": "no-such-job",
                "external": {"imagePath": "nginx:1"},
            },
        )
    message = failure.value.message
    assert "HTTP 404" in message and "Job not found" in message
    assert "'no-such-job'" in message and "'acceptance'" in message
    assert "error id" in message
    assert CANARY_TOKEN not in failure.value.details
    assert api_calls.count() == 1


def test_a_failed_update_keeps_the_recorded_state(engine: Engine, job: JobRef, backend) -> None:
    state = engine.up("app", {**job.inputs, "external": {"imagePath": "nginx:1.27"}})
    backend.delete_job(job.project_id, job.job_id)
    with pytest.raises(ProviderError):
        engine.up("app", {**job.inputs, "external": {"imagePath": "nginx:1.28"}}, state)
    # the engine keeps the old state when Update raises; nothing in it changed
    assert state.outputs["external"] == {"imagePath": "nginx:1.27"}


@pytest.mark.parametrize(
    ("news", "path", "words"),
    [
        ({"external": {"imagePath": "nginx"}}, "external.imagePath", "tag or a digest"),
        (
            {"external": {"imagePath": "nginx:1", "credentials": "bad creds"}},
            "external.credentials",
            "letters, digits and hyphens",
        ),
        (
            {"external": {"imagePath": "nginx:1"}, "internal": {}},
            "internal",
            "cannot be used together",
        ),
        (
            {"external": {"imagePath": "nginx:1"}, "buildpack": {"configType": "default"}},
            "buildpack",
            "cannot be used with external",
        ),
        ({"internal": {"id": "x"}}, "internal.id", "3 to 54 characters"),
        (
            {"internal": {"buildSHA": "abc123"}},
            "internal.buildSHA",
            "exactly 40 characters long or 'latest'",
        ),
        (
            {"external": {"imagePath": "nginx:1", "credentials": "c" * 101}},
            "external.credentials",
            "1 to 100 characters long",
        ),
        (
            {"docker": {"configType": "custom"}},
            "docker.configType",
            "one of default, customEntrypoint",
        ),
        (
            {"docker": {"configType": "customCommand"}},
            "docker.customCommand",
            "required when docker.configType is customCommand",
        ),
        (
            {"external": {"imagePath": "nginx:1", "tag": "x"}},
            "external.tag",
            "not a known property",
        ),
        (
            {"image": "nginx:1", "docker": {"configType": "default"}},
            "image",
            "not a known property",
        ),
        # rules check() adds to Northflank's schema: each would pass the API and fail later
        (
            {"internal": {"buildSHA": "G" * 40}},
            "internal.buildSHA",
            "a commit SHA in lower-case hex (40 characters) or 'latest'",
        ),
        (
            {"external": {"imagePath": "nginx@sha256:abc"}},
            "external.imagePath",
            "sha256 takes 64 hex characters",
        ),
        (
            {"docker": {"configType": "customCommand", "customCommand": " "}},
            "docker.customCommand",
            "must not be empty when docker.configType is customCommand",
        ),
        (
            {"jobId": "j" * 10_000, "docker": {"configType": "default"}},
            "jobId",
            "jobId must be 1 to 100 characters long",
        ),
        ({}, "", "nothing to manage: declare a deployment source (external or internal)"),
    ],
)
def test_invalid_inputs_fail_check_with_the_path_and_rule_and_send_nothing(
    plugin: Plugin, job: JobRef, api_calls: ApiCalls, news: dict[str, Any], path: str, words: str
) -> None:
    _, failures = plugin.check("bad", {**job.inputs, **news})
    assert [p for p, _ in failures] == [path]
    assert words in failures[0][1] and path in failures[0][1]
    assert len(failures[0][1]) < 200  # the rule, never the value (which may be huge)
    assert api_calls.count() == 0


def test_check_failures_stop_an_up_before_any_request(
    engine: Engine, job: JobRef, api_calls: ApiCalls
) -> None:
    with pytest.raises(CheckFailed):
        engine.up("bad", {**job.inputs, "external": {"imagePath": "nginx"}})
    assert api_calls.count() == 0


def test_refresh_of_a_deleted_job_removes_the_resource(
    engine: Engine, job: JobRef, backend
) -> None:
    state = engine.up("app", {**job.inputs, "external": {"imagePath": "nginx:1.27"}})
    backend.delete_job(job.project_id, job.job_id)
    assert engine.refresh(state) is None
    assert "no longer exists" in engine.plugin.output


def test_preview_needs_no_token_but_up_says_how_to_set_one(
    emulator, job: JobRef, api_calls: ApiCalls
) -> None:
    plugin = start_plugin(emulator.url, token=None)
    try:
        engine = Engine(plugin)
        assert engine.preview("app", {**job.inputs, "external": {"imagePath": "nginx:1"}}) is None
        with pytest.raises(ProviderError) as failure:
            engine.up("app", {**job.inputs, "external": {"imagePath": "nginx:1"}})
        assert "pulumi config set --secret northflank:apiToken" in failure.value.message
        assert "NORTHFLANK_API_TOKEN" in failure.value.message
        assert api_calls.count() == 0
    finally:
        plugin.close()


def test_token_and_url_fall_back_to_the_environment(
    emulator, job: JobRef, api_calls: ApiCalls
) -> None:
    plugin = Plugin(
        env={"NORTHFLANK_API_TOKEN": CANARY_TOKEN, "NORTHFLANK_API_URL": emulator.url},
        forbidden=(CANARY_TOKEN,),
    )
    try:
        plugin.configure({})
        state = Engine(plugin).up("app", {**job.inputs, "external": {"imagePath": "nginx:1.25"}})
        assert state.id.endswith(job.job_id)
        assert api_calls.all()[0]["authorized"] is True
    finally:
        plugin.close()


@pytest.mark.parametrize(
    "declared",
    [
        MIGRATE,
        {"external": {"imagePath": "docker.io/library/nginx:1.27"}},
        {
            "internal": {"id": "report-builder", "branch": "main", "buildSHA": "latest"},
            "buildpack": {"configType": "customCommand", "customCommand": "python report.py"},
        },
        {
            "docker": {
                "configType": "customEntrypointCustomCommand",
                "customEntrypoint": "/bin/sh",
                "customCommand": "-c run",
            }
        },
    ],
    ids=["ghcr-with-credentials", "docker-hub-library", "internal-latest", "runtime-only"],
)
def test_refresh_of_an_untouched_deployment_shows_no_drift(
    engine: Engine, job: JobRef, declared: dict[str, Any]
) -> None:
    state = engine.up("app", {**job.inputs, **declared})
    refreshed = engine.refresh(state)
    assert refreshed is not None
    assert refreshed.inputs == {**job.inputs, **declared, "__provider": PROVIDER}
    diff = engine.preview("app", {**job.inputs, **declared}, refreshed)
    assert diff is not None and diff.changes == "DIFF_NONE"


def test_the_user_sees_one_line_per_change_and_the_deprecation_notice_once(
    emulator, job: JobRef
) -> None:
    plugin = start_plugin(emulator.url)
    try:
        engine = Engine(plugin)
        state = engine.up("app", {**job.inputs, **MIGRATE})
        engine.up(
            "app", {**job.inputs, "internal": {"id": "report-builder", "branch": "main"}}, state
        )
        engine.refresh(state)
    finally:
        plugin.close()
    where = f"job '{job.job_id}' in project '{job.project_id}'"
    assert (
        f"info: [northflank] Deployment of {where} set: image ghcr.io/acme/migrate:1.4.2, "
        "docker customCommand." in plugin.output
    )
    assert (
        f"Deployment of {where} set: build of id report-builder branch main; docker reset to "
        "default (removed from the program)." in plugin.output
    )
    assert plugin.output.count("marks the job deployment endpoint deprecated") == 1
    assert "debug:" not in plugin.output  # debug lines only when asked for


@pytest.mark.parametrize(
    ("setting", "value", "words"),
    [
        ("requestTimeout", "soon", "northflank:requestTimeout must be a number of seconds"),
        ("maxRetryWait", "-1", "northflank:maxRetryWait must be a number of seconds, from 0"),
        ("teamId", "a/b", "northflank:teamId must be a team ID"),
        ("apiUrl", "https://api.northflank.com/v1", "without a path"),
    ],
)
def test_a_setting_that_can_never_work_fails_the_preview_without_a_token(
    emulator, job: JobRef, api_calls: ApiCalls, setting: str, value: str, words: str
) -> None:
    overrides: dict[str, Any] = {setting: value}
    plugin = start_plugin(emulator.url, token=None, **overrides)
    try:
        with pytest.raises(ProviderError) as failure:
            Engine(plugin).preview("app", {**job.inputs, "external": {"imagePath": "nginx:1"}})
        assert words in failure.value.message
        assert "token" not in failure.value.message.lower()  # a preview needs none
    finally:
        plugin.close()
    assert api_calls.count() == 0
