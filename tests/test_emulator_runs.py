"""The emulator's job runs and job logs behave as Northflank's do (tested over HTTP)."""

from __future__ import annotations

import json
import re
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import requests

from northflank_emulator import Backend, EmulatorServer, RunScript, models

from .conftest import CANARY_TOKEN, PROJECT, READ_ONLY_TOKEN, JobRef

AUTH = {"Authorization": f"Bearer {CANARY_TOKEN}"}
READ_ONLY = {"Authorization": f"Bearer {READ_ONLY_TOKEN}"}
JOB_RUN_FIELDS = {
    "id",
    "runName",
    "status",
    "concluded",
    "concludedAt",
    "startedAt",
    "active",
    "succeeded",
    "failed",
    "completions",
    "backoffLimit",
}
ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def api(emulator: EmulatorServer, job: JobRef, suffix: str = "/runs", team: str = "") -> str:
    teams = f"/teams/{team}" if team else ""
    return f"{emulator.url}/v1{teams}/projects/{job.project_id}/jobs/{job.job_id}{suffix}"


def script(job: JobRef, **fields: Any) -> requests.Response:
    """How the job's future runs go, set over the control route."""
    target = f"{job.emulator_url}/_emulator/projects/{job.project_id}/jobs/{job.job_id}/run-script"
    return requests.put(target, json=fields, timeout=5)


def start(emulator: EmulatorServer, job: JobRef, body: Any = None) -> dict[str, Any]:
    answer = requests.post(api(emulator, job), json=body, headers=AUTH, timeout=5)
    assert answer.status_code == 200, answer.text
    data: dict[str, Any] = answer.json()["data"]
    return data


def get_run(emulator: EmulatorServer, job: JobRef, run_id: str) -> dict[str, Any]:
    answer = requests.get(api(emulator, job, f"/runs/{run_id}"), headers=AUTH, timeout=5)
    assert answer.status_code == 200, answer.text
    data: dict[str, Any] = answer.json()["data"]
    assert set(data) == JOB_RUN_FIELDS
    return data


def wait_concluded(emulator: EmulatorServer, job: JobRef, run_id: str) -> dict[str, Any]:
    """Poll until the run concludes (bounded, so a broken clock fails instead of hanging)."""
    for _ in range(400):
        run = get_run(emulator, job, run_id)
        if run["concluded"]:
            return run
        time.sleep(0.025)
    pytest.fail(f"run {run_id} never concluded")


def logs(emulator: EmulatorServer, job: JobRef, **params: Any) -> list[dict[str, Any]]:
    answer = requests.get(
        api(emulator, job, "/logs"),
        params={"queryType": "range", **params},
        headers=AUTH,
        timeout=5,
    )
    assert answer.status_code == 200, answer.text
    lines: list[dict[str, Any]] = answer.json()["data"]
    return lines


def texts(lines: list[dict[str, Any]]) -> list[str]:
    return [line["log"] for line in lines]


def epoch(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def list_runs(emulator: EmulatorServer, job: JobRef, **params: Any) -> dict[str, Any]:
    answer = requests.get(api(emulator, job), params=params, headers=AUTH, timeout=5)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def assert_invalid(answer: requests.Response, field: str) -> None:
    assert answer.status_code == 400, answer.text
    error = answer.json()["error"]
    assert error["status"] == 400 and field in error["message"]
    assert field in [f["path"] for f in error["details"]["fields"]]


def test_a_run_is_running_until_its_scripted_time_then_succeeds(emulator, job: JobRef) -> None:
    assert script(job, seconds=0.3).status_code == 200
    before = time.monotonic()
    started = start(emulator, job)
    assert uuid.UUID(started["id"]).version == 4
    assert re.fullmatch(rf"{job.job_id}-[0-9a-f]{{24}}", started["runName"])
    first = get_run(emulator, job, started["id"])
    if time.monotonic() - before < 0.3:  # the server's elapsed time is at most the client's
        assert first["status"] == "RUNNING"
        assert (first["concluded"], first["concludedAt"], first["active"]) == (False, None, 1)
        assert (first["succeeded"], first["failed"]) == (0, 0)
    assert ISO_MS.match(first["startedAt"])
    done = wait_concluded(emulator, job, started["id"])
    assert time.monotonic() - before >= 0.3  # a lower bound only
    assert (done["status"], done["active"], done["succeeded"], done["failed"]) == (
        "SUCCESS",
        0,
        1,
        0,
    )
    assert (done["id"], done["runName"], done["backoffLimit"]) == (
        started["id"],
        started["runName"],
        0,
    )
    assert ISO_MS.match(done["concludedAt"])
    assert epoch(done["concludedAt"]) - epoch(done["startedAt"]) == pytest.approx(0.3, abs=0.002)


def test_a_failed_outcome_ends_the_run_failed_with_its_scripted_logs(emulator, job: JobRef) -> None:
    script(job, seconds=0.1, outcome="FAILED", logs=["migrating", "stderr: boom"])
    run = wait_concluded(emulator, job, start(emulator, job)["id"])
    assert (run["status"], run["failed"], run["succeeded"], run["active"]) == ("FAILED", 1, 0, 0)
    lines = logs(emulator, job, runId=run["id"], direction="forward")
    assert texts(lines) == ["stdout F migrating", "stderr F boom"]
    assert all(ISO_MS.match(line["ts"]) and line["containerId"] for line in lines)


def test_runs_are_listed_newest_first_and_paged_by_page_and_by_cursor(
    emulator, job: JobRef
) -> None:
    script(job, seconds=0)
    started = [start(emulator, job)["id"] for _ in range(5)]
    newest_first = started[::-1]
    whole = list_runs(emulator, job)
    assert [r["id"] for r in whole["data"]["runs"]] == newest_first
    assert whole["pagination"] == {"hasNextPage": False, "count": 5}
    assert all(set(r) == JOB_RUN_FIELDS for r in whole["data"]["runs"])

    by_page = [list_runs(emulator, job, per_page=2, page=page) for page in (1, 2, 3)]
    assert [[r["id"] for r in p["data"]["runs"]] for p in by_page] == [
        newest_first[0:2],
        newest_first[2:4],
        newest_first[4:],
    ]
    assert [p["pagination"]["hasNextPage"] for p in by_page] == [True, True, False]
    assert [p["pagination"]["count"] for p in by_page] == [2, 2, 1]
    assert "cursor" not in by_page[-1]["pagination"]

    seen: list[str] = []
    params: dict[str, Any] = {"per_page": 2}
    for _ in range(5):
        answer = list_runs(emulator, job, **params)
        seen += [r["id"] for r in answer["data"]["runs"]]
        if not answer["pagination"]["hasNextPage"]:
            break
        cursor = answer["pagination"]["cursor"]
        assert isinstance(cursor, str) and len(cursor) == 24
        params = {"per_page": 2, "cursor": cursor}
    assert seen == newest_first
    beyond = list_runs(emulator, job, per_page=2, page=9)
    assert beyond["data"]["runs"] == [] and beyond["pagination"]["hasNextPage"] is False


def test_the_listing_order_is_one_constant(emulator, job: JobRef, monkeypatch) -> None:
    script(job, seconds=0)
    started = [start(emulator, job)["id"] for _ in range(3)]
    monkeypatch.setattr(models, "RUNS_NEWEST_FIRST", False)
    oldest_first = list_runs(emulator, job, per_page=2)
    assert [r["id"] for r in oldest_first["data"]["runs"]] == started[:2]
    rest = list_runs(emulator, job, per_page=2, cursor=oldest_first["pagination"]["cursor"])
    assert [r["id"] for r in rest["data"]["runs"]] == started[2:]
    assert [r.id for r in job.backend.runs(job.project_id, job.job_id)] == started


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"per_page": 0}, "per_page"),
        ({"per_page": 101}, "per_page"),
        ({"per_page": "x"}, "per_page"),
        ({"page": 0}, "page"),
        ({"page": "-1"}, "page"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"cursor": "0" * 24}, "cursor"),
    ],
)
def test_invalid_pagination_gets_400(emulator, job: JobRef, params, field) -> None:
    answer = requests.get(api(emulator, job), params=params, headers=AUTH, timeout=5)
    assert_invalid(answer, field)


def test_aborting_a_run_fails_it_now_and_a_second_abort_gets_409(emulator, job: JobRef) -> None:
    script(job, seconds=60, logs=["one", "two"])
    run_id = start(emulator, job)["id"]
    target = api(emulator, job, f"/runs/{run_id}")
    aborted = requests.delete(target, headers=AUTH, timeout=5)
    assert (aborted.status_code, aborted.json()) == (200, {"data": {}})
    run = get_run(emulator, job, run_id)
    assert (run["status"], run["concluded"], run["active"], run["failed"]) == ("FAILED", True, 0, 1)
    assert ISO_MS.match(run["concludedAt"])
    again = requests.delete(target, headers=AUTH, timeout=5)
    assert again.status_code == 409
    assert again.json()["error"]["message"] == "Job run has already concluded"
    # an aborted run prints nothing more
    printed = logs(emulator, job, runId=run_id)
    time.sleep(0.1)
    assert logs(emulator, job, runId=run_id) == printed
    assert get_run(emulator, job, run_id)["concludedAt"] == run["concludedAt"]


def test_a_run_that_concluded_by_itself_cannot_be_aborted(emulator, job: JobRef) -> None:
    script(job, seconds=0)
    run_id = start(emulator, job)["id"]
    answer = requests.delete(api(emulator, job, f"/runs/{run_id}"), headers=AUTH, timeout=5)
    assert answer.status_code == 409
    assert get_run(emulator, job, run_id)["status"] == "SUCCESS"


def test_logs_go_forward_backward_up_to_the_limit_and_per_run(emulator, job: JobRef) -> None:
    script(job, seconds=0, logs=["a1", "a2", "a3"])
    first = start(emulator, job)["id"]
    script(job, seconds=0, logs=["b1", "b2"])
    second = start(emulator, job)["id"]
    every = [f"stdout F {t}" for t in ("a1", "a2", "a3", "b1", "b2")]
    assert texts(logs(emulator, job, direction="forward")) == every
    assert texts(logs(emulator, job, direction="backward")) == every[::-1]
    assert texts(logs(emulator, job, direction="forward", lineLimit=2)) == every[:2]
    assert texts(logs(emulator, job, direction="backward", lineLimit=3)) == every[:1:-1]
    assert texts(logs(emulator, job, direction="forward", runId=first)) == every[:3]
    assert texts(logs(emulator, job, direction="backward", runId=second, lineLimit=1)) == [
        "stdout F b2"
    ]
    # other parameters Northflank's clients send are accepted and ignored
    assert len(logs(emulator, job, containerName="main", type="job", textIncludes="zzz")) == 5
    timestamps = [epoch(line["ts"]) for line in logs(emulator, job, direction="forward")]
    assert timestamps == sorted(timestamps)


def test_logs_only_hold_the_lines_already_printed(emulator, job: JobRef) -> None:
    seconds, total = 1.0, 4
    script(job, seconds=seconds, logs=[f"line {i}" for i in range(total)])
    sent = time.monotonic()
    run_id = start(emulator, job)["id"]
    received = time.monotonic()
    time.sleep(0.5)
    asked = time.monotonic()
    printed = logs(emulator, job, runId=run_id, direction="forward")
    answered = time.monotonic()
    # The server's elapsed time lies between these two client-side bounds.
    fewest = min(total, int(total * (asked - received) / seconds))
    most = min(total, int(total * (answered - sent) / seconds))
    assert fewest <= len(printed) <= most
    assert texts(printed) == [f"stdout F line {i}" for i in range(len(printed))]
    if get_run(emulator, job, run_id)["status"] == "RUNNING":
        assert len(printed) < total
    wait_concluded(emulator, job, run_id)
    assert len(logs(emulator, job, runId=run_id)) == total


def test_logs_window_and_query_validation(emulator, job: JobRef) -> None:
    script(job, seconds=0)
    start(emulator, job)
    assert logs(emulator, job, endTime="2000-01-01T00:00:00.000Z") == []
    assert logs(emulator, job, startTime="2999-01-01T00:00:00Z") == []
    assert len(logs(emulator, job, startTime="2000-01-01T00:00:00+00:00")) == 2
    target = api(emulator, job, "/logs")
    cases: list[tuple[dict[str, Any], str]] = [
        ({}, "queryType"),
        ({"queryType": "tail"}, "queryType"),
        ({"queryType": "range", "direction": "sideways"}, "direction"),
        ({"queryType": "range", "lineLimit": 0}, "lineLimit"),
        ({"queryType": "range", "startTime": "yesterday"}, "startTime"),
    ]
    for params, field in cases:
        assert_invalid(requests.get(target, params=params, headers=AUTH, timeout=5), field)


def test_start_run_bodies_are_validated_and_the_environment_recorded(emulator, job: JobRef) -> None:
    for body, field in [
        ({"command": "x"}, "command"),
        ({"runtimeEnvironment": "A=1"}, "runtimeEnvironment"),
        ({"runtimeEnvironment": {"A": 1}}, "runtimeEnvironment.A"),
        ({"billing": "nf-compute-20"}, "billing"),
        ([], "(body)"),
    ]:
        answer = requests.post(api(emulator, job), json=body, headers=AUTH, timeout=5)
        assert_invalid(answer, field)
    bad_json = requests.post(api(emulator, job), data=b"{nope", headers=AUTH, timeout=5)
    assert bad_json.status_code == 400
    assert job.backend.runs(job.project_id, job.job_id) == []  # no refused body started a run

    full = {
        "runtimeEnvironment": {"MODE": "backfill", "EMPTY": ""},
        "runtimeFiles": {"/a": {"data": "eA=="}},
        "dockerSecretMounts": {},
        "billing": {"deploymentPlan": "nf-compute-20"},
        "deployment": {"docker": {"configType": "default"}},
    }
    with_env = start(emulator, job, full)["id"]
    empty = start(emulator, job, {})["id"]
    no_body = requests.post(api(emulator, job), headers=AUTH, timeout=5)
    assert no_body.status_code == 200
    recorded = {r.id: r.runtime_environment for r in job.backend.runs(job.project_id, job.job_id)}
    assert recorded == {
        with_env: full["runtimeEnvironment"],
        empty: {},
        no_body.json()["data"]["id"]: {},
    }
    control = f"{job.emulator_url}/_emulator/projects/{job.project_id}/jobs/{job.job_id}/runs"
    listed = requests.get(control, timeout=5).json()["data"]
    assert {r["id"]: r["runtimeEnvironment"] for r in listed} == recorded


def test_a_read_only_token_may_read_runs_but_not_start_or_abort(emulator, job: JobRef) -> None:
    script(job, seconds=60)
    run_id = start(emulator, job)["id"]
    denied = requests.post(api(emulator, job), json={}, headers=READ_ONLY, timeout=5)
    assert denied.status_code == 403
    assert denied.json()["error"]["message"] == (
        "Forbidden: the token lacks the permission Project > Jobs > General > Run Job"
    )
    abort = requests.delete(api(emulator, job, f"/runs/{run_id}"), headers=READ_ONLY, timeout=5)
    assert abort.status_code == 403
    for suffix, params in [
        ("/runs", {}),
        (f"/runs/{run_id}", {}),
        ("/logs", {"queryType": "range"}),
    ]:
        read = requests.get(api(emulator, job, suffix), params=params, headers=READ_ONLY, timeout=5)
        assert read.status_code == 200, suffix
    assert get_run(emulator, job, run_id)["status"] == "RUNNING"
    assert len(job.backend.runs(job.project_id, job.job_id)) == 1


def test_unknown_runs_jobs_and_projects_get_404(emulator, job: JobRef) -> None:
    unknown_run = api(emulator, job, f"/runs/{uuid.uuid4()}")
    for method in ("GET", "DELETE"):
        answer = requests.request(method, unknown_run, headers=AUTH, timeout=5)
        assert (answer.status_code, answer.json()["error"]["message"]) == (404, "Job run not found")
    logs_answer = requests.get(
        api(emulator, job, "/logs"),
        params={"queryType": "range", "runId": "nope"},
        headers=AUTH,
        timeout=5,
    )
    assert logs_answer.status_code == 404
    for path, message in [
        (f"/v1/projects/{PROJECT}/jobs/no-such-job/runs", "Job not found"),
        ("/v1/projects/no-such-project/jobs/x/runs", "Project not found"),
    ]:
        for method in ("GET", "POST"):
            answer = requests.request(method, emulator.url + path, json={}, headers=AUTH, timeout=5)
            assert (answer.status_code, answer.json()["error"]["message"]) == (404, message)
    # a run is found only under its own job
    script(job, seconds=0)
    run_id = start(emulator, job)["id"]
    other = job.backend.add_job(PROJECT, f"{job.job_id}-other")
    elsewhere = f"{emulator.url}/v1/projects/{PROJECT}/jobs/{other.id}/runs/{run_id}"
    assert requests.get(elsewhere, headers=AUTH, timeout=5).status_code == 404


def test_the_run_script_control_route(emulator, job: JobRef) -> None:
    answer = script(job, seconds=0, outcome="FAILED", logs=["x"])
    assert answer.json()["data"] == {
        "seconds": 0,
        "outcome": "FAILED",
        "logs": ["x"],
        "list_lag": 0.0,
        "register_delay": 0.0,
    }
    assert get_run(emulator, job, start(emulator, job)["id"])["status"] == "FAILED"
    for bad in (
        {"outcome": "RUNNING"},
        {"outcome": "MAYBE"},
        {"seconds": "2"},
        {"seconds": -1},
        {"logs": "one line"},
        {"logs": [1]},
        {"retries": 3},
    ):
        assert script(job, **bad).status_code == 400, bad
    target = f"{job.emulator_url}/_emulator/projects/{job.project_id}/jobs/{job.job_id}/run-script"
    assert requests.put(target, json=[1], timeout=5).status_code == 400
    missing = f"{job.emulator_url}/_emulator/projects/{PROJECT}/jobs/no-such-job/run-script"
    assert requests.put(missing, json={}, timeout=5).status_code == 404
    # a run keeps the script it started with
    script(job, seconds=60)
    running = start(emulator, job)["id"]
    script(job, seconds=0)
    assert get_run(emulator, job, running)["status"] == "RUNNING"


def test_run_scripts_in_process(backend: Backend, job: JobRef) -> None:
    default = RunScript()
    assert (default.seconds, default.outcome) == (0.5, "SUCCESS") and default.logs
    with pytest.raises(ValueError, match="outcome"):
        RunScript(outcome="CANCELLED")
    backend.script_runs(job.project_id, job.job_id, RunScript(seconds=0, outcome="FAILED"))
    run = backend.start_run(job.project_id, job.job_id, {"A": "1"})
    assert run.runtime_environment == {"A": "1"}
    assert backend.run(job.project_id, job.job_id, run.id).view()["status"] == "FAILED"
    assert [r.id for r in backend.runs(job.project_id, job.job_id)] == [run.id]


def test_a_processed_fault_starts_the_run_but_answers_502(emulator, job: JobRef) -> None:
    fault = {
        "kind": "processed",
        "method": "POST",
        "path": f"/jobs/{job.job_id}/runs$",
        "status": 502,
    }
    assert (
        requests.post(f"{emulator.url}/_emulator/faults", json=fault, timeout=5).status_code == 200
    )
    before = len(job.backend.recorded())
    answer = requests.post(
        api(emulator, job), json={"runtimeEnvironment": {"A": "1"}}, headers=AUTH, timeout=5
    )
    assert answer.status_code == 502
    assert answer.json()["error"]["status"] == 502
    runs = job.backend.runs(job.project_id, job.job_id)
    assert len(runs) == 1 and runs[0].runtime_environment == {"A": "1"}
    recorded = [r for r in job.backend.recorded()[before:] if r["path"].endswith("/runs")]
    assert [(r["method"], r["status"]) for r in recorded] == [("POST", 502)]
    # the fault is used up: the next start is answered normally
    start(emulator, job)
    assert len(job.backend.runs(job.project_id, job.job_id)) == 2


def test_team_routes_serve_the_same_runs(emulator, job: JobRef) -> None:
    script(job, seconds=0, logs=["hello"])
    answer = requests.post(api(emulator, job, team="acme"), json={}, headers=AUTH, timeout=5)
    assert answer.status_code == 200
    run_id = answer.json()["data"]["id"]
    assert get_run(emulator, job, run_id)["status"] == "SUCCESS"
    team_run = requests.get(
        api(emulator, job, f"/runs/{run_id}", team="declared"), headers=AUTH, timeout=5
    )
    assert team_run.json()["data"]["id"] == run_id
    team_logs = requests.get(
        api(emulator, job, "/logs", team="acme"),
        params={"queryType": "range"},
        headers=AUTH,
        timeout=5,
    )
    assert texts(team_logs.json()["data"]) == ["stdout F hello"]
    unknown = requests.get(api(emulator, job, team="no-such-team"), headers=AUTH, timeout=5)
    assert (unknown.status_code, unknown.json()["error"]["message"]) == (404, "Team not found")


def test_concurrent_starts_each_get_their_own_run(emulator, job: JobRef) -> None:
    script(job, seconds=0)
    with ThreadPoolExecutor(8) as pool:
        started = list(pool.map(lambda _: start(emulator, job), range(24)))
    assert len({s["id"] for s in started}) == len({s["runName"] for s in started}) == 24
    listed = list_runs(emulator, job, per_page=100)["data"]["runs"]
    assert {r["id"] for r in listed} == {s["id"] for s in started}


def test_runs_belong_to_the_job_and_old_state_files_still_load(
    emulator, job: JobRef, tmp_path: Path
) -> None:
    script(job, seconds=0)
    start(emulator, job)
    job.delete()
    job.backend.add_job(job.project_id, job.job_id)  # the same ID, a new job: no runs
    assert list_runs(emulator, job)["data"]["runs"] == []
    state = tmp_path / "state.json"
    old = {"p": {"j": {"project_id": "p", "id": "j", "name": "j", "created_at": "2024-01-01"}}}
    state.write_text(json.dumps(old))
    loaded = Backend(state_file=state)
    assert loaded.start_run("p", "j", {}).run_name.startswith("j-")
    assert loaded.snapshot()["p"]["j"]["id"] == "j"
