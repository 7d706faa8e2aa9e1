"""JobSettings at the engine's boundary: the real plugin declares a job's settings in the emulator
with PATCH job, reads them back with GET job, and never sends what the program did not declare."""

from __future__ import annotations

from typing import Any

import pytest

from northflank_devtools.engine_driver import JOB_SETTINGS, Engine, Plugin, State
from northflank_emulator import Backend

from .conftest import ApiCalls, JobRef


def settings_inputs(job: JobRef, **settings: Any) -> dict[str, Any]:
    return {**job.inputs, **settings}


def up(engine: Engine, job: JobRef, state: State | None = None, **settings: Any) -> State:
    return engine.up("job-settings", settings_inputs(job, **settings), state, kind=JOB_SETTINGS)


def patches(api_calls: ApiCalls) -> list[dict[str, Any]]:
    return [r for r in api_calls.all() if r["method"] == "PATCH"]


def live_settings(backend: Backend, job: JobRef) -> dict[str, Any]:
    return dict(backend.job(job.project_id, job.job_id).settings)


CRON = {"schedule": "*/30 * * * *", "suspended": False, "concurrencyPolicy": "forbid"}


def test_create_sends_one_patch_with_only_the_declared_settings(
    engine: Engine, backend: Backend, job: JobRef, api_calls: ApiCalls
) -> None:
    before = live_settings(backend, job)
    state = up(engine, job, backoffLimit=0, activeDeadlineSeconds=3600, runOnSourceChange="never")
    [patch] = patches(api_calls)
    assert patch["path"] == f"/v1/projects/{job.project_id}/jobs/{job.job_id}"
    assert patch["body"] == {
        "settings": {"backoffLimit": 0, "activeDeadlineSeconds": 3600, "runOnSourceChange": "never"}
    }
    assert api_calls.count() == 1
    live = live_settings(backend, job)
    assert (live["backoffLimit"], live["activeDeadlineSeconds"]) == (0, 3600)
    assert live["cron"] == before["cron"]  # not declared: not touched
    assert state.id == f"{job.project_id}/{job.job_id}"


def test_a_preview_makes_no_request(engine: Engine, job: JobRef, api_calls: ApiCalls) -> None:
    assert engine.preview("s", settings_inputs(job, backoffLimit=2), kind=JOB_SETTINGS) is None
    assert api_calls.count() == 0


def test_an_update_sends_only_what_changed_and_resets_a_removed_limit(
    engine: Engine, backend: Backend, job: JobRef, api_calls: ApiCalls
) -> None:
    state = up(engine, job, backoffLimit=1, activeDeadlineSeconds=600, cron=CRON)
    calls = len(patches(api_calls))
    up(engine, job, state, backoffLimit=3, cron={**CRON, "suspended": True})
    [patch] = patches(api_calls)[calls:]
    assert patch["body"] == {
        "settings": {"backoffLimit": 3, "activeDeadlineSeconds": None, "cron": {"suspended": True}}
    }
    live = live_settings(backend, job)
    assert live["activeDeadlineSeconds"] is None and live["cron"]["suspended"] is True


def test_a_backoff_limit_changed_in_the_dashboard_shows_as_drift(
    engine: Engine, job: JobRef
) -> None:
    state = up(engine, job, backoffLimit=0)
    job.change_settings_out_of_band({"backoffLimit": 5})
    refreshed = engine.refresh(state)
    assert refreshed is not None and refreshed.outputs["backoffLimit"] == 5
    diff = engine.preview("job-settings", settings_inputs(job, backoffLimit=0), refreshed)
    assert diff is not None and diff.changes == "DIFF_SOME"


def test_a_capitalised_concurrency_policy_read_back_is_no_diff(
    engine: Engine, backend: Backend, job: JobRef
) -> None:
    state = up(engine, job, cron=CRON)
    assert (
        backend.job(job.project_id, job.job_id).job_view()["settings"]["cron"]["concurrencyPolicy"]
        == "Forbid"
    )  # as GET job reports it
    refreshed = engine.refresh(state)
    assert refreshed is not None and refreshed.outputs["cron"]["concurrencyPolicy"] == "forbid"
    diff = engine.preview("job-settings", settings_inputs(job, cron=CRON), refreshed)
    assert diff is not None and diff.changes == "DIFF_NONE"


def test_a_setting_the_get_does_not_report_keeps_its_applied_value(
    engine: Engine, job: JobRef
) -> None:
    state = up(engine, job, runOnSourceChange="never")
    refreshed = engine.refresh(state)
    assert refreshed is not None and refreshed.outputs["runOnSourceChange"] == "never"


def test_delete_sends_nothing(engine: Engine, job: JobRef, api_calls: ApiCalls) -> None:
    state = up(engine, job, backoffLimit=0)
    calls = api_calls.count()
    engine.destroy(state)
    assert api_calls.count() == calls
    assert "the job keeps them as they are" in engine.plugin.output


def test_a_job_that_is_gone_leaves_the_stack_only_when_its_project_is_visible(
    engine: Engine, job: JobRef
) -> None:
    state = up(engine, job, backoffLimit=0)
    job.delete()
    assert engine.refresh(state) is None


def test_changing_the_job_replaces_the_resource(engine: Engine, job: JobRef) -> None:
    state = up(engine, job, backoffLimit=0)
    diff = engine.preview(
        "job-settings", {**settings_inputs(job, backoffLimit=0), "jobId": "other-job"}, state
    )
    assert diff is not None and diff.replaces == ["jobId"] and diff.delete_before_replace


@pytest.mark.parametrize(
    ("settings", "path", "words"),
    [
        ({"backoffLimit": -1}, "backoffLimit", "a whole number from 0"),
        ({"activeDeadlineSeconds": 0}, "activeDeadlineSeconds", "a whole number from 1"),
        ({"runOnSourceChange": "sometimes"}, "runOnSourceChange", "one of never, cd-promote"),
        ({"cron": {"schedule": "*/5 * *"}}, "cron.schedule", "five fields"),
        ({"cron": {"concurrencyPolicy": "Forbid"}}, "cron.concurrencyPolicy", "allow, forbid"),
        ({"cron": {"suspended": "no"}}, "cron.suspended", "true or false"),
        ({}, "", "nothing to manage: declare at least one of backoffLimit"),
    ],
)
def test_invalid_settings_fail_check_and_send_nothing(
    plugin: Plugin,
    job: JobRef,
    api_calls: ApiCalls,
    settings: dict[str, Any],
    path: str,
    words: str,
) -> None:
    _, failures = plugin.check("s", settings_inputs(job, **settings), kind=JOB_SETTINGS)
    assert [p for p, _ in failures] == [path]
    assert words in failures[0][1]
    assert api_calls.count() == 0


def test_unknown_values_pass_check(plugin: Plugin, job: JobRef) -> None:
    from northflank_devtools.engine_driver import UNKNOWN

    _, failures = plugin.check(
        "s", settings_inputs(job, backoffLimit=UNKNOWN, cron=UNKNOWN), kind=JOB_SETTINGS
    )
    assert failures == []


def test_run_on_source_change_always_runs_the_job_twice_and_never_once(
    engine: Engine, backend: Backend, job: JobRef
) -> None:
    """The double run, shown and then shown gone: Northflank runs a job whose runOnSourceChange
    is always when its deployment changes, and the JobRun after it runs it again."""
    from northflank_devtools.engine_driver import JOB_RUN

    image = {"imagePath": "ghcr.io/acme/migrate:1.5.0"}
    job.script_runs(seconds=0.1)
    job.change_settings_out_of_band({"runOnSourceChange": "always"})  # set in the dashboard
    engine.up("db-migrate", {**job.inputs, "external": image})
    engine.up("db-migrate-run", {**job.inputs, "triggers": [image]}, kind=JOB_RUN)
    assert len(job.runs()) == 2

    other = JobRef(job.project_id, f"{job.job_id}-never", backend, job.emulator_url)
    backend.add_job(other.project_id, other.job_id)
    other.script_runs(seconds=0.1)
    other.change_settings_out_of_band({"runOnSourceChange": "always"})
    up(engine, other, runOnSourceChange="never")  # JobSettings in the program, applied first
    engine.up("db-migrate-2", {**other.inputs, "external": image})
    engine.up("db-migrate-run-2", {**other.inputs, "triggers": [image]}, kind=JOB_RUN)
    assert len(other.runs()) == 1


def test_a_token_that_may_not_update_jobs_is_told_which_permission(
    emulator: Any, job: JobRef
) -> None:
    from .conftest import READ_ONLY_TOKEN, start_plugin

    plugin = start_plugin(emulator.url, token=READ_ONLY_TOKEN)
    try:
        with pytest.raises(Exception, match=r"Project > Jobs > General > Update"):
            up(Engine(plugin), job, backoffLimit=0)
    finally:
        plugin.close()
