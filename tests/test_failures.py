"""Faults and limits, end to end: the real plugin against the emulator's scripted failures."""

from __future__ import annotations

import email.utils
import itertools
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from northflank_emulator import Backend, EmulatorServer
from northflank_emulator.models import Fault
from pulumi_northflank_provider import __version__

from .conftest import PROJECT, READ_ONLY_TOKEN, ApiCalls, JobRef, start_plugin
from .engine import Engine, Plugin, ProviderError

IMAGE = {"external": {"imagePath": "ghcr.io/acme/app:1.0.0"}}


@pytest.fixture(scope="module")
def plugin(emulator: EmulatorServer) -> Iterator[Plugin]:
    """Short limits, so that hangs and budgets play out in seconds."""
    plugin = start_plugin(emulator.url, requestTimeout="1", maxRetryWait="5")
    yield plugin
    plugin.close()


@pytest.fixture(autouse=True)
def _no_fault_outlives_its_test(backend: Backend) -> Iterator[None]:
    yield
    backend.clear_faults()


def fail(backend: Backend, job: JobRef, method: str = "POST", **fault: Any) -> None:
    backend.add_fault(Fault(method=method, path=f"/jobs/{job.job_id}/deployment$", **fault))


def gaps(calls: ApiCalls) -> list[float]:
    times = [r["at"] for r in calls.all()]
    return [b - a for a, b in itertools.pairwise(times)]


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_transient_errors_are_retried_until_the_call_succeeds(
    engine: Engine, backend: Backend, job: JobRef, api_calls: ApiCalls, status: int
) -> None:
    fail(backend, job, status=status, times=2)
    state = engine.up("app", {**job.inputs, **IMAGE})
    assert [r["status"] for r in api_calls.all()] == [status, status, 200]
    assert api_calls.bodies() == [IMAGE] * 3
    assert state.outputs["external"] == IMAGE["external"]
    assert job.live()["external"]["imagePath"] == "acme/app:1.0.0"


def test_retry_after_in_seconds_is_honoured(
    engine: Engine, backend: Backend, job: JobRef, api_calls: ApiCalls
) -> None:
    fail(backend, job, status=429, headers={"Retry-After": "1"})
    engine.up("app", {**job.inputs, **IMAGE})
    assert [r["status"] for r in api_calls.all()] == [429, 200]
    assert gaps(api_calls)[0] >= 1.0  # the server saw the retry no sooner than it asked


def test_retry_after_as_an_http_date_is_honoured(
    engine: Engine, backend: Backend, job: JobRef, api_calls: ApiCalls
) -> None:
    when = email.utils.formatdate(time.time() + 2, usegmt=True)
    fail(backend, job, status=503, headers={"Retry-After": when})
    engine.up("app", {**job.inputs, **IMAGE})
    assert [r["status"] for r in api_calls.all()] == [503, 200]
    assert gaps(api_calls)[0] >= 1.0  # HTTP dates have whole seconds: at least 1 s of the 2


def test_a_429_without_retry_after_waits_for_the_rate_limit_reset(
    engine: Engine, backend: Backend, job: JobRef, api_calls: ApiCalls
) -> None:
    fail(backend, job, status=429, headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": "1"})
    engine.up("app", {**job.inputs, **IMAGE})
    assert [r["status"] for r in api_calls.all()] == [429, 200]
    assert gaps(api_calls)[0] >= 1.0


def test_a_rate_limit_that_resets_beyond_the_budget_fails_at_once_saying_when(
    engine: Engine, backend: Backend, job: JobRef, api_calls: ApiCalls
) -> None:
    fail(
        backend,
        job,
        status=429,
        headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": "1800"},
    )
    with pytest.raises(ProviderError) as failure:
        engine.up("app", {**job.inputs, **IMAGE})
    message = failure.value.message
    assert "HTTP 429" in message and "rate limit" in message
    assert "resets in 1800 s" in message and "UTC" in message
    assert "northflank:maxRetryWait" in message
    assert api_calls.count() == 1  # no pointless retry


def test_persistent_server_errors_fail_after_bounded_retries(
    engine: Engine, backend: Backend, job: JobRef, api_calls: ApiCalls
) -> None:
    before = job.live()
    fail(backend, job, status=503, times=100)
    with pytest.raises(ProviderError) as failure:
        engine.up("app", {**job.inputs, **IMAGE})
    attempts = api_calls.count()
    assert 3 <= attempts <= 6  # retried, within the status budget and the 5 s wait budget
    message = failure.value.message
    assert f"HTTP 503 to POST /v1/projects/{PROJECT}/jobs/{job.job_id}/deployment" in message
    assert f"(after {attempts} attempts)" in message
    assert "Injected fault: HTTP 503" in message and "error id" in message
    assert "retry later" in message
    assert job.live() == before  # a failed create changed nothing


def test_a_server_that_never_answers_fails_within_the_timeout(
    engine: Engine, backend: Backend, job: JobRef, api_calls: ApiCalls
) -> None:
    fail(backend, job, kind="hang", seconds=3, times=5)
    with pytest.raises(ProviderError) as failure:
        engine.up("app", {**job.inputs, **IMAGE})
    assert "did not answer POST" in failure.value.message
    assert "within 1 s (tried twice)" in failure.value.message
    assert "northflank:requestTimeout" in failure.value.message
    assert api_calls.count() == 2


def test_a_dropped_connection_is_retried(
    engine: Engine, backend: Backend, job: JobRef, api_calls: ApiCalls
) -> None:
    fail(backend, job, kind="close")
    engine.up("app", {**job.inputs, **IMAGE})
    assert [r["status"] for r in api_calls.all()] == [0, 200]


def test_a_truncated_answer_gives_a_clear_error(
    engine: Engine, backend: Backend, job: JobRef
) -> None:
    state = engine.up("app", {**job.inputs, **IMAGE})
    fail(backend, job, method="GET", kind="truncate")
    with pytest.raises(ProviderError) as failure:
        engine.refresh(state)
    assert "closed before the whole answer to GET" in failure.value.message


def test_an_html_answer_instead_of_json_gives_a_clear_error(
    engine: Engine, backend: Backend, job: JobRef
) -> None:
    fail(backend, job, kind="html", status=200)
    with pytest.raises(ProviderError) as failure:
        engine.up("app", {**job.inputs, **IMAGE})
    assert "a body that is not JSON (text/html, 50 bytes)" in failure.value.message
    assert "JSONDecodeError" not in failure.value.details


def test_a_proxy_error_page_is_retried_then_reported(
    engine: Engine, backend: Backend, job: JobRef, api_calls: ApiCalls
) -> None:
    fail(backend, job, kind="html", status=502, times=100)
    with pytest.raises(ProviderError) as failure:
        engine.up("app", {**job.inputs, **IMAGE})
    assert api_calls.count() > 1
    assert "HTTP 502" in failure.value.message
    assert "no Northflank error body: text/html" in failure.value.message


@pytest.mark.parametrize(
    ("status", "hint"),
    [
        (400, "passed this provider's checks"),
        (401, "northflank:apiToken"),
        (403, "lacks permission"),
        (404, "does not exist"),
        (409, "state that does not allow"),
        (422, "passed this provider's checks"),
    ],
)
def test_client_errors_fail_at_once_with_status_message_id_and_hint(
    engine: Engine, backend: Backend, job: JobRef, api_calls: ApiCalls, status: int, hint: str
) -> None:
    fail(backend, job, status=status, times=5)
    with pytest.raises(ProviderError) as failure:
        engine.up("app", {**job.inputs, **IMAGE})
    message = failure.value.message
    assert f"HTTP {status}" in message and f"Injected fault: HTTP {status}" in message
    assert "error id " in message and hint in message
    assert api_calls.count() == 1


def test_a_wrong_token_and_a_read_only_token_are_explained(
    emulator: EmulatorServer, job: JobRef
) -> None:
    for token, hint in [
        (
            "nf-not-a-valid-token",
            "The API token (from stack config northflank:apiToken) was rejected",
        ),
        (READ_ONLY_TOKEN, "'Project > Jobs > General > Update'"),
    ]:
        plugin = start_plugin(emulator.url, token=token)
        try:
            with pytest.raises(ProviderError) as failure:
                Engine(plugin).up("app", {**job.inputs, **IMAGE})
            assert hint in failure.value.message
            assert token not in failure.value.details
        finally:
            plugin.close()
            assert token not in plugin.output


def test_a_failed_update_keeps_the_previous_outputs(
    engine: Engine, backend: Backend, job: JobRef
) -> None:
    state = engine.up("app", {**job.inputs, **IMAGE})
    fail(backend, job, status=500, times=100)
    with pytest.raises(ProviderError):
        engine.up("app", {**job.inputs, "external": {"imagePath": "ghcr.io/acme/app:2.0.0"}}, state)
    assert job.live()["external"]["imagePath"] == "acme/app:1.0.0"
    assert state.outputs["external"] == IMAGE["external"]


def test_fifty_concurrent_creates_each_send_their_own_body(
    plugin: Plugin, backend: Backend, api_calls: ApiCalls
) -> None:
    jobs = [f"concurrent-{i}" for i in range(60)]
    for job_id in jobs:
        backend.add_job(PROJECT, job_id)

    def create(job_id: str) -> str:
        body = {"external": {"imagePath": f"ghcr.io/acme/{job_id}:1"}}
        checked, failures = plugin.check(job_id, {"projectId": PROJECT, "jobId": job_id, **body})
        assert failures == []
        return plugin.create(job_id, checked).id

    with ThreadPoolExecutor(max_workers=16) as pool:  # the plugin serves 4 at a time
        ids = list(pool.map(create, jobs))

    assert ids == [f"{PROJECT}/{j}" for j in jobs]
    sent = {r["path"].split("/")[-2]: r["body"] for r in api_calls.all()}
    assert api_calls.count() == len(jobs)
    assert sent == {j: {"external": {"imagePath": f"ghcr.io/acme/{j}:1"}} for j in jobs}
    for job_id in jobs:
        assert backend.job(PROJECT, job_id).external == sent[job_id]["external"]


def test_requests_say_who_sends_them(engine: Engine, job: JobRef, api_calls: ApiCalls) -> None:
    engine.up("app", {**job.inputs, **IMAGE})
    agent = api_calls.all()[0]["user_agent"]
    assert agent.startswith(f"pulumi-northflank/{__version__} (python-requests/")
