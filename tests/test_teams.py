"""Team-scoped routes (/v1/teams/{teamId}/...), used by organisation and team API tokens."""

from __future__ import annotations

import pytest

from northflank_devtools.engine_driver import PROVIDER, Engine, Plugin

from .conftest import ApiCalls, JobRef, needs_get, start_plugin

IMAGE = {"external": {"imagePath": "nginx:1.27"}}


def test_a_declared_team_uses_the_team_routes_and_is_part_of_the_id(
    engine: Engine, job: JobRef, api_calls: ApiCalls
) -> None:
    state = engine.up("app", {**job.inputs, "teamId": "acme", **IMAGE})
    assert state.id == f"acme/{job.project_id}/{job.job_id}"
    assert state.outputs["teamId"] == "acme"
    refreshed = engine.refresh(state)
    assert refreshed is not None and refreshed.inputs["teamId"] == "acme"
    team_path = f"/v1/teams/acme/projects/{job.project_id}/jobs/{job.job_id}/deployment"
    assert [(r["method"], r["path"]) for r in api_calls.all()] == [
        ("POST", team_path),
        ("GET", team_path),
    ]


def test_changing_the_team_replaces_the_resource(engine: Engine, job: JobRef) -> None:
    state = engine.up("app", {**job.inputs, "teamId": "acme", **IMAGE})
    diff = engine.preview("app", {**job.inputs, "teamId": "other-team", **IMAGE}, state)
    assert diff is not None
    assert (diff.changes, diff.replaces, diff.delete_before_replace) == (
        "DIFF_SOME",
        ["teamId"],
        True,
    )


def test_the_provider_wide_team_applies_when_none_is_declared(
    emulator, job: JobRef, api_calls: ApiCalls
) -> None:
    plugin = start_plugin(emulator.url, teamId="acme")
    try:
        engine = Engine(plugin)
        state = engine.up("app", {**job.inputs, **IMAGE})
        assert (
            state.id == f"{job.project_id}/{job.job_id}"
        )  # the default is not part of the identity
        assert "teamId" not in state.outputs
        assert api_calls.all()[0]["path"].startswith("/v1/teams/acme/projects/")
        # a declared team still wins over the default
        engine.up("other", {**job.inputs, "teamId": "declared", **IMAGE})
        assert api_calls.all()[1]["path"].startswith("/v1/teams/declared/projects/")
    finally:
        plugin.close()


@needs_get
def test_get_accepts_a_team_scoped_id(plugin: Plugin, job: JobRef, api_calls: ApiCalls) -> None:
    id_, outputs = plugin.read_by_id("existing", f"acme/{job.project_id}/{job.job_id}")
    assert id_ == f"acme/{job.project_id}/{job.job_id}"
    assert outputs["teamId"] == "acme" and outputs["external"] == {"imagePath": "nginx:latest"}
    assert outputs["__provider"] == PROVIDER
    assert api_calls.all()[0]["path"].startswith("/v1/teams/acme/")


@pytest.mark.parametrize("team", ["a/b", "", "x y"])
def test_a_bad_team_id_fails_check(plugin: Plugin, job: JobRef, team: str) -> None:
    _, failures = plugin.check("app", {**job.inputs, "teamId": team, **IMAGE})
    assert [p for p, _ in failures] == ["teamId"]
