"""JobRun at the engine's boundary: the real plugin starts, follows and records runs of a job in the
emulator, whose runs are scripted per job (how long they take, how they end, what they log)."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from typing import Any

import pytest

from northflank_devtools.engine_driver import JOB_RUN, UNKNOWN, Engine, Plugin, ProviderError, State
from northflank_emulator import Backend, EmulatorServer
from northflank_emulator.models import Fault
from pulumi_northflank_provider.job_run import polls_for
from pulumi_northflank_provider.runs.starting import TEST_SCALE_ENV

from .conftest import READ_ONLY_TOKEN, ApiCalls, JobRef, start_plugin

#: A value that must appear nowhere but in the run's own environment on Northflank.
SECRET = "s3cret-" + secrets.token_hex(8)
IMAGE = {"imagePath": "ghcr.io/acme/migrate:1.5.0"}


@pytest.fixture(scope="module")
def plugin(emulator: EmulatorServer) -> Iterator[Plugin]:
    # The look-again window after an unclear start shrunk 20 times: these tests count starts and
    # runs; test_job_run_promises tries the real 30 s window against lagging listings.
    plugin = start_plugin(
        emulator.url, env={TEST_SCALE_ENV: "0.05"}, requestTimeout="2", maxRetryWait="5"
    )
    yield plugin
    plugin.close()
    assert SECRET not in plugin.output  # no log line of any test held an environment value


def run_inputs(job: JobRef, **more: Any) -> dict[str, Any]:
    return {**job.inputs, "triggers": [IMAGE], **more}


def up(engine: Engine, job: JobRef, state: State | None = None, **more: Any) -> State:
    return engine.up("migrate-run", run_inputs(job, **more), state, kind=JOB_RUN)


def calls_to(api_calls: ApiCalls, method: str, suffix: str) -> list[dict[str, Any]]:
    return [r for r in api_calls.all() if r["method"] == method and r["path"].endswith(suffix)]


def test_a_run_that_succeeds_is_recorded_after_one_start_and_a_few_polls(
    engine: Engine, job: JobRef, api_calls: ApiCalls
) -> None:
    job.script_runs(seconds=0.3, outcome="SUCCESS", logs=["migrating", "done"])
    state = up(engine, job, environment={"MIGRATE_TARGET": "head"})

    [run] = job.runs()
    assert state.id == run["id"]
    assert state.outputs == {
        **run_inputs(job, environment={"MIGRATE_TARGET": "head"}),
        "wait": True,
        "timeoutSeconds": 1800,
        "runId": run["id"],
        "runName": run["runName"],
        "status": "SUCCESS",
        "startedAt": run["startedAt"],
        "concludedAt": run["concludedAt"],
        "__provider": JOB_RUN.provider,
    }
    assert run["runtimeEnvironment"] == {"MIGRATE_TARGET": "head"}
    [start] = calls_to(api_calls, "POST", "/runs")
    assert start["body"] == {"runtimeEnvironment": {"MIGRATE_TARGET": "head"}}
    polls = calls_to(api_calls, "GET", f"/runs/{run['id']}")
    assert len(polls) == polls_for(0.3) == 1
    assert len(calls_to(api_calls, "GET", "/runs")) == 1  # one look for runs still in progress
    assert api_calls.count() == 3
    assert f"Run {run['runName']} of job '{job.job_id}'" in engine.plugin.output


def test_a_failed_run_fails_the_create_with_its_status_and_last_log_lines(
    engine: Engine, job: JobRef
) -> None:
    logs = [f"step {n}" for n in range(30)] + [f"connecting with password {SECRET}", "boom"]
    job.script_runs(seconds=0.2, outcome="FAILED", logs=logs)
    with pytest.raises(ProviderError) as failure:
        up(engine, job, environment={"DB_PASSWORD": SECRET})
    details = failure.value.details
    assert SECRET not in details
    [run] = job.runs()
    assert f"Run {run['runName']} ({run['id']}) of job '{job.job_id}'" in details
    assert f"concluded FAILED at {run['concludedAt']}." in details
    assert "Its last 20 log lines:" in details
    block = details.split("Its last 20 log lines:\n", 1)[1].split("\nPulumi records", 1)[0]
    shown = [line.strip() for line in block.splitlines()]
    assert len(shown) == 20
    assert shown[-2:] == ["connecting with password <redacted>", "boom"]
    assert shown[0] == "step 12" and len([s for s in shown if s.startswith("step ")]) == 18
    assert "next `pulumi up` starts a new run" in details


def test_a_run_that_outlasts_the_timeout_fails_the_create_and_is_left_running(
    engine: Engine, job: JobRef, api_calls: ApiCalls
) -> None:
    job.script_runs(seconds=60)
    with pytest.raises(ProviderError) as failure:
        up(engine, job, timeoutSeconds=1)
    [run] = job.runs()
    message = failure.value.message
    assert f"Run {run['runName']} ({run['id']})" in message
    assert "is still RUNNING on Northflank after timeout_seconds; it was not aborted" in message
    assert run["status"] == "RUNNING"
    assert not calls_to(api_calls, "DELETE", run["id"])  # never aborted


def test_without_waiting_the_run_is_recorded_running_and_a_refresh_sees_it_end(
    engine: Engine, job: JobRef, api_calls: ApiCalls
) -> None:
    job.script_runs(seconds=0.5)
    state = up(engine, job, wait=False)
    assert state.outputs["status"] == "RUNNING"
    assert calls_to(api_calls, "GET", f"/runs/{state.id}") == []  # returned right after the POST
    time.sleep(0.8)
    refreshed = engine.refresh(state)
    assert refreshed is not None
    assert refreshed.outputs["status"] == "SUCCESS"
    assert refreshed.outputs["concludedAt"] == job.runs()[0]["concludedAt"]
    assert refreshed.inputs == state.inputs


def test_changed_triggers_replace_the_resource_and_start_a_second_run(
    engine: Engine, job: JobRef
) -> None:
    job.script_runs(seconds=0.1)
    state = up(engine, job)
    newer = [{"imagePath": "ghcr.io/acme/migrate:1.6.0"}]

    diff = engine.preview("migrate-run", run_inputs(job, triggers=newer), state)
    assert diff is not None
    assert (diff.changes, diff.replaces, diff.delete_before_replace) == (
        "DIFF_SOME",
        ["triggers"],
        False,
    )
    replaced = up(engine, job, state, triggers=newer)

    assert replaced.id != state.id
    assert [run["id"] for run in job.runs()] == [replaced.id, state.id]  # newest first


def test_only_wait_or_timeout_changed_is_an_update_that_sends_nothing(
    engine: Engine, job: JobRef, api_calls: ApiCalls
) -> None:
    job.script_runs(seconds=0.1)
    state = up(engine, job)
    calls = api_calls.count()
    diff = engine.preview("migrate-run", run_inputs(job, wait=False, timeoutSeconds=60), state)
    assert diff is not None and (diff.changes, diff.replaces) == ("DIFF_SOME", [])
    updated = up(engine, job, state, wait=False, timeoutSeconds=60)
    assert api_calls.count() == calls
    assert updated.id == state.id
    assert updated.outputs["runId"] == state.outputs["runId"]
    assert (updated.outputs["wait"], updated.outputs["timeoutSeconds"]) == (False, 60)


def test_a_preview_with_unknown_triggers_shows_a_new_run_and_makes_no_request(
    engine: Engine, job: JobRef, api_calls: ApiCalls
) -> None:
    job.script_runs(seconds=0.1)
    state = up(engine, job)
    calls = api_calls.count()
    diff = engine.preview("migrate-run", run_inputs(job, triggers=UNKNOWN), state)
    assert diff is not None and (diff.changes, diff.replaces) == ("DIFF_SOME", ["triggers"])
    assert engine.preview("new-run", run_inputs(job, triggers=UNKNOWN), kind=JOB_RUN) is None
    assert api_calls.count() == calls


def test_a_429_while_polling_is_retried(
    engine: Engine, backend: Backend, job: JobRef, api_calls: ApiCalls
) -> None:
    job.script_runs(seconds=0.1)
    backend.add_fault(
        Fault(method="GET", path=r"/runs/[^/]+$", status=429, headers={"Retry-After": "1"})
    )
    state = up(engine, job)
    assert state.outputs["status"] == "SUCCESS"
    polls = calls_to(api_calls, "GET", f"/runs/{state.id}")
    assert [r["status"] for r in polls] == [429, 200]


def test_a_start_that_was_processed_but_answered_502_is_adopted_not_repeated(
    engine: Engine, backend: Backend, job: JobRef, api_calls: ApiCalls
) -> None:
    job.script_runs(seconds=0.1)
    backend.add_fault(Fault(kind="processed", method="POST", path=r"/runs$", status=502))
    state = up(engine, job)
    [run] = job.runs()  # exactly one run exists
    assert state.id == run["id"] and state.outputs["status"] == "SUCCESS"
    assert [r["status"] for r in calls_to(api_calls, "POST", "/runs")] == [502]
    assert f"Adopted run {run['runName']}" in engine.plugin.output


def test_a_start_that_never_happened_is_tried_again(
    engine: Engine, backend: Backend, job: JobRef, api_calls: ApiCalls
) -> None:
    job.script_runs(seconds=0.1)
    backend.add_fault(Fault(method="POST", path=r"/runs$", status=503))  # refused, nothing ran
    state = up(engine, job)
    [run] = job.runs()
    assert state.id == run["id"]
    assert [r["status"] for r in calls_to(api_calls, "POST", "/runs")] == [503, 200]


def test_a_run_still_in_progress_is_waited_for_before_a_new_one_starts(
    engine: Engine, backend: Backend, job: JobRef, api_calls: ApiCalls
) -> None:
    job.script_runs(seconds=1.0)
    earlier = backend.start_run(job.project_id, job.job_id)  # left behind by an earlier `up`
    state = up(engine, job)
    runs = job.runs()
    assert [run["id"] for run in runs] == [state.id, earlier.id]
    [start] = calls_to(api_calls, "POST", "/runs")
    assert start["wall"] >= earlier.started_wall + 1.0  # started once the other had concluded
    assert f"Run {earlier.run_name} of job '{job.job_id}'" in engine.plugin.output
    assert "is still in progress: waiting for it to conclude" in engine.plugin.output


def test_a_run_gone_on_refresh_leaves_the_stack_when_its_job_is_visible(
    engine: Engine, backend: Backend, job: JobRef, api_calls: ApiCalls
) -> None:
    job.script_runs(seconds=0.1)
    state = up(engine, job)
    backend.add_job(job.project_id, job.job_id)  # the job was recreated: its runs are gone
    calls = api_calls.count()
    assert engine.refresh(state) is None
    assert [(r["path"].rsplit("/", 2)[-2:], r["status"]) for r in api_calls.all()[calls:]] == [
        (["runs", state.id], 404),
        (["jobs", job.job_id], 200),  # the job is visible: the run really is gone
    ]


def test_a_run_the_token_cannot_see_is_kept_in_the_stack(
    engine: Engine, backend: Backend, job: JobRef
) -> None:
    job.script_runs(seconds=0.1)
    state = up(engine, job, teamId="declared")
    backend.teams.discard("declared")  # as a token of another team sees it
    try:
        with pytest.raises(ProviderError) as failure:
            engine.refresh(state)
    finally:
        backend.teams.add("declared")
    assert "The resource is kept in the stack" in failure.value.message
    assert "pulumi state delete <urn>" in failure.value.message


def test_delete_sends_nothing(engine: Engine, job: JobRef, api_calls: ApiCalls) -> None:
    job.script_runs(seconds=0.1)
    state = up(engine, job)
    calls = api_calls.count()
    engine.destroy(state)
    assert api_calls.count() == calls
    assert "a run is history, so nothing changes on Northflank" in engine.plugin.output


@pytest.mark.parametrize(
    ("more", "path", "words"),
    [
        ({"timeoutSeconds": 0}, "timeoutSeconds", "a whole number from 1 to 86400"),
        ({"timeoutSeconds": 86401}, "timeoutSeconds", "a whole number from 1 to 86400"),
        ({"timeoutSeconds": 1.5}, "timeoutSeconds", "a whole number from 1 to 86400"),
        ({"wait": "yes"}, "wait", "true or false"),
        ({"environment": {"1ST": "x"}}, "environment", "key '1ST' must be a variable name"),
        ({"environment": {"A": 1}}, "environment.A", "must be a string, not a number"),
        ({"environment": ["A=1"]}, "environment", "must be an object of strings"),
        ({"triggers": "v1"}, "triggers", "must be a list"),
        ({"jobId": "a/b"}, "jobId", "letters, digits and hyphens"),
    ],
)
def test_invalid_arguments_fail_check_and_send_nothing(
    plugin: Plugin, job: JobRef, api_calls: ApiCalls, more: dict[str, Any], path: str, words: str
) -> None:
    _, failures = plugin.check("bad-run", run_inputs(job, **more), kind=JOB_RUN)
    assert [p for p, _ in failures] == [path]
    assert words in failures[0][1]
    assert api_calls.count() == 0


def test_check_fills_in_the_defaults(plugin: Plugin, job: JobRef) -> None:
    checked, failures = plugin.check("run", job.inputs, kind=JOB_RUN)
    assert failures == []
    assert (checked["wait"], checked["timeoutSeconds"]) == (True, 1800)


def test_a_token_that_may_not_run_jobs_is_explained(emulator: EmulatorServer, job: JobRef) -> None:
    plugin = start_plugin(emulator.url, token=READ_ONLY_TOKEN)
    try:
        with pytest.raises(ProviderError) as failure:
            up(Engine(plugin), job)
    finally:
        plugin.close()
    assert "HTTP 403" in failure.value.message
    assert "'Project > Jobs > General > Run Job'" in failure.value.message
    assert job.runs() == []


def test_no_secret_and_no_token_anywhere_over_a_whole_lifecycle(
    engine: Engine, job: JobRef, api_calls: ApiCalls
) -> None:
    """The harness fails the test if the token is in any answer, error or output; SECRET may be
    in the state only, under the key of the input that holds it."""
    job.script_runs(seconds=0.1, logs=[f"using {SECRET}"])
    state = up(engine, job, environment={"API_KEY": SECRET})
    # Kept under its input's key: the engine keeps it secret in the state when the program
    # marked the input secret. Nowhere else: no other output holds it.
    assert state.outputs["environment"] == {"API_KEY": SECRET}
    assert SECRET not in str({k: v for k, v in state.outputs.items() if k != "environment"})
    refreshed = engine.refresh(state)
    assert refreshed is not None
    engine.destroy(refreshed)
    assert all(r["authorized"] for r in api_calls.all())
    assert SECRET not in engine.plugin.output
