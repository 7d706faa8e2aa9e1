"""A refresh drops a resource only when Northflank shows the job is gone; never because the
provider is looking in the wrong place (a base URL with a path, a wrong token or team)."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from northflank_devtools.engine_driver import Engine, ProviderError, State
from northflank_emulator import Backend
from northflank_emulator.models import Fault

from .conftest import ApiCalls, JobRef, start_plugin

IMAGE = {"external": {"imagePath": "ghcr.io/acme/app:1.0.0"}}


def test_a_deleted_job_in_a_visible_project_leaves_the_stack_after_one_more_get(
    engine: Engine, job: JobRef, api_calls: ApiCalls
) -> None:
    state = engine.up("app", {**job.inputs, **IMAGE})
    job.delete()
    assert engine.refresh(state) is None
    assert [(r["method"], r["path"], r["status"]) for r in api_calls.all()[1:]] == [
        ("GET", f"/v1/projects/{job.project_id}/jobs/{job.job_id}/deployment", 404),
        ("GET", f"/v1/projects/{job.project_id}", 200),
    ]


def assert_kept_with_advice(engine: Engine, state: State, *words: str) -> str:
    with pytest.raises(ProviderError) as failure:
        engine.refresh(state)  # raised, not "gone": the engine keeps the state as it was
    message = failure.value.message
    assert "The resource is kept in the stack" in message
    assert "northflank:apiUrl" in message and "token" in message
    assert "pulumi state delete <urn>" in message
    for word in words:
        assert word in message
    return message


def test_a_project_the_token_cannot_see_is_an_error_not_a_deletion(
    engine: Engine, backend: Backend, job: JobRef
) -> None:
    project = f"vanishing-{job.job_id}"
    backend.add_job(project, job.job_id)
    state = engine.up("app", {"projectId": project, "jobId": job.job_id, **IMAGE})
    requests.delete(f"{job.emulator_url}/_emulator/projects/{project}", timeout=5)
    assert_kept_with_advice(engine, state, f"project '{project}'")


@pytest.mark.parametrize(
    "answer",
    [{"data": None}, {}, {"data": []}, {"data": {"id": "other-project"}}, {"data": {"name": "x"}}],
    ids=["data-null", "empty", "data-list", "another-project", "no-id"],
)
def test_a_200_that_is_not_the_project_does_not_prove_the_job_is_gone(
    engine: Engine, backend: Backend, job: JobRef, api_calls: ApiCalls, answer: Any
) -> None:
    """A proxy or a catch-all route answers 200 for anything: only the project itself, its id
    the one asked for, shows that the token and URL are right and the 404 meant "deleted"."""
    state = engine.up("app", {**job.inputs, **IMAGE})
    job.delete()
    project_path = f"/v1/projects/{job.project_id}"
    backend.add_fault(
        Fault(kind="body", method="GET", path=f"^{project_path}$", status=200, payload=answer)
    )
    assert_kept_with_advice(engine, state, f"project '{job.project_id}'")
    assert [(r["path"], r["status"]) for r in api_calls.all()[-1:]] == [(project_path, 200)]


def test_a_team_the_token_cannot_see_is_an_error_not_a_deletion(
    engine: Engine, backend: Backend, job: JobRef
) -> None:
    state = engine.up("app", {**job.inputs, "teamId": "acme", **IMAGE})
    backend.teams.discard("acme")  # as a token of another team would see it
    try:
        assert_kept_with_advice(engine, state, "in team 'acme'", "northflank:teamId")
    finally:
        backend.teams.add("acme")
    assert engine.refresh(state) is not None  # and with the team back, all is as it was


def test_a_base_url_with_a_path_is_refused_before_any_request(
    emulator, engine: Engine, job: JobRef, api_calls: ApiCalls
) -> None:
    """The common copy-paste `.../v1`: every GET would be a 404, which once emptied the stack."""
    state = engine.up("app", {**job.inputs, **IMAGE})
    calls = api_calls.count()
    plugin = start_plugin(emulator.url + "/v1")
    try:
        engine = Engine(plugin)
        for attempt in (engine.refresh, lambda s: engine.preview("app", s.inputs, s)):
            with pytest.raises(ProviderError) as failure:
                attempt(state)
            assert "northflank:apiUrl must be the API's base URL without a path" in (
                failure.value.message
            )
    finally:
        plugin.close()
    assert api_calls.count() == calls
