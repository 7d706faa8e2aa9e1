"""Faults and limits, end to end: the real plugin against the emulator's scripted failures."""

from __future__ import annotations

import email.utils
import itertools
import math
import re
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from northflank_devtools.engine_driver import Engine, Plugin, ProviderError, State, secret
from northflank_emulator import Backend, EmulatorServer, Grant
from northflank_emulator.models import Fault
from pulumi_northflank_provider import __version__
from pulumi_northflank_provider.config import HOW_TO_SET_TOKEN
from pulumi_northflank_provider.http.errors import ApiError
from pulumi_northflank_provider.job_target import JobTarget

from .conftest import (
    CANARY_TOKEN,
    PLUGIN_SENDS_TRACEBACKS,
    PROJECT,
    READ_ONLY_TOKEN,
    ApiCalls,
    JobRef,
    start_plugin,
)

IMAGE = {"external": {"imagePath": "ghcr.io/acme/app:1.0.0"}}


@pytest.fixture(scope="module")
def plugin(emulator: EmulatorServer) -> Iterator[Plugin]:
    """Short limits, so that hangs and budgets play out in seconds."""
    plugin = start_plugin(emulator.url, requestTimeout="1", maxRetryWait="5")
    yield plugin
    plugin.close()


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
    # An HTTP date has whole seconds: name a whole second, 2 to 3 s ahead, so the date says
    # exactly the instant the retry may come, however the test is aligned with the clock.
    retry_at = math.ceil(time.time()) + 2
    when = email.utils.formatdate(retry_at, usegmt=True)
    fail(backend, job, status=503, headers={"Retry-After": when})
    engine.up("app", {**job.inputs, **IMAGE})
    first, second = api_calls.all()
    assert (first["status"], second["status"]) == (503, 200)
    assert second["wall"] >= retry_at  # the server saw the retry no sooner than the date it named
    assert first["wall"] < retry_at - 1  # and the date was a real wait, not one already past


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
    assert (
        "Retrying stopped: the next wait (1800 s) would be longer than the longest single wait "
        "(60 s). The account's API rate limit" in message
    )
    assert "gave up after" not in message
    assert api_calls.count() == 1  # no pointless retry


def test_a_rate_limit_that_outlasts_every_attempt_says_so_not_that_the_wait_was_too_long(
    engine: Engine, backend: Backend, job: JobRef, api_calls: ApiCalls
) -> None:
    """Each wait (1 s) is within northflank:maxRetryWait (5 s); the attempts ran out first."""
    fail(backend, job, status=429, times=10, headers={"Retry-After": "1"})
    with pytest.raises(ProviderError) as failure:
        engine.up("app", {**job.inputs, **IMAGE})
    message = failure.value.message
    assert api_calls.count() == 6
    assert "(after 6 attempts)" in message and "resets in 1 s" in message
    assert "The provider gave up after 6 attempts; run again after the reset" in message
    assert "maxRetryWait" not in message and "Retrying stopped" not in message


@pytest.mark.parametrize(
    ("stopped", "shown", "not_shown"),
    [
        (
            "the next wait (90 s) would exceed northflank:maxRetryWait (120 s; 40 s waited)",
            "Retrying stopped: the next wait (90 s) would exceed northflank:maxRetryWait",
            "gave up after",
        ),
        (None, "The provider gave up after 6 attempts; run again after the reset", "maxRetryWait"),
    ],
    ids=["budget", "attempts"],
)
def test_a_429_names_the_one_reason_retrying_stopped(
    stopped: str | None, shown: str, not_shown: str
) -> None:
    call = JobTarget(PROJECT, "job").call("POST", "/v1/x", "set the deployment", "'P'")
    error = ApiError(
        call,
        429,
        "Too many",
        None,
        attempts=6,
        headers={"Retry-After": "90"},
        retries_stopped=stopped,
    )
    assert shown in str(error) and not_shown not in str(error)
    assert "it resets in 90 s" in str(error)


def test_a_401_says_how_to_set_the_token_in_the_words_of_a_missing_one() -> None:
    call = JobTarget(PROJECT, "job").call("POST", "/v1/x", "set the deployment", "'P'")
    error = ApiError(call, 401, "Unauthorized", None, token_source="environment variable X")
    assert "The API token (from environment variable X) was rejected" in str(error)
    assert HOW_TO_SET_TOKEN in str(error)


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
    assert "did not send its whole answer to POST" in failure.value.message
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


# --- headers that are malformed, negative or absurd --------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {"Retry-After": "abc"},
        {"Retry-After": "-5"},
        {"Retry-After": "9" * 30},
        {"Retry-After": "Mon, 99 Foo 2026 99:99:99 GMT"},
    ],
    ids=["not-a-number", "negative", "absurd", "bad-date"],
)
def test_a_malformed_retry_after_counts_as_absent(
    engine: Engine, backend: Backend, job: JobRef, api_calls: ApiCalls, headers: dict[str, str]
) -> None:
    fail(backend, job, status=503, headers=headers)
    engine.up("app", {**job.inputs, **IMAGE})  # retried with the usual backoff, and done
    assert [r["status"] for r in api_calls.all()] == [503, 200]


@pytest.mark.parametrize("reset", ["9" * 30, "-1", "soon"])
def test_a_malformed_rate_limit_reset_neither_crashes_nor_hides_the_429(
    engine: Engine, backend: Backend, job: JobRef, api_calls: ApiCalls, reset: str
) -> None:
    fail(backend, job, status=429, times=100, headers={"x-ratelimit-reset": reset})
    with pytest.raises(ProviderError) as failure:
        engine.up("app", {**job.inputs, **IMAGE})
    message = failure.value.message
    assert "HTTP 429" in message and "Northflank did not say when it resets" in message
    assert "OverflowError" not in failure.value.details
    assert api_calls.count() > 1  # retried with backoff, within the budget


def test_a_rate_limit_reset_given_as_a_unix_time_is_read_as_one(
    engine: Engine, backend: Backend, job: JobRef, api_calls: ApiCalls
) -> None:
    reset_at = math.ceil(time.time()) + 1800
    fail(backend, job, status=429, headers={"x-ratelimit-reset": str(reset_at)})
    with pytest.raises(ProviderError) as failure:
        engine.up("app", {**job.inputs, **IMAGE})
    expected = time.strftime("%H:%M:%S", time.gmtime(reset_at))
    assert f"(at {expected} UTC)" in failure.value.message
    assert api_calls.count() == 1  # half an hour is beyond the budget: no pointless retry


# --- settings as structured config delivers them -----------------------------------------------


def test_a_timeout_given_as_a_number_is_used(
    emulator: EmulatorServer, backend: Backend, job: JobRef
) -> None:
    plugin = Plugin(env={"NORTHFLANK_API_TOKEN": "", "NORTHFLANK_API_URL": ""})
    try:
        plugin.configure(
            {
                "northflank:apiUrl": emulator.url,
                "northflank:apiToken": secret(CANARY_TOKEN),
                "northflank:requestTimeout": 1,  # a number, not text
            }
        )
        fail(backend, job, kind="hang", seconds=3, times=5)
        with pytest.raises(ProviderError) as failure:
            Engine(plugin).up("app", {**job.inputs, **IMAGE})
        assert "within 1 s (tried twice)" in failure.value.message
    finally:
        plugin.close()


def test_no_waiting_between_retries_means_one_immediate_retry_then_a_clear_error(
    emulator: EmulatorServer, backend: Backend, job: JobRef, api_calls: ApiCalls
) -> None:
    plugin = start_plugin(emulator.url, maxRetryWait="0")
    try:
        fail(backend, job, status=503, times=100)
        with pytest.raises(ProviderError) as failure:
            Engine(plugin).up("app", {**job.inputs, **IMAGE})
    finally:
        plugin.close()
    assert api_calls.count() == 2  # the first retry waits 0 s; the next would wait
    assert (
        "(after 2 attempts)" in failure.value.message
        and "Retrying stopped: the next wait (1 s) would exceed northflank:maxRetryWait (0 s; "
        "0 s already waited)."
        in failure.value.message
    )


# --- the hourly budget running out ---------------------------------------------------------------


def test_a_warning_says_when_the_hourly_budget_is_nearly_spent(job: JobRef) -> None:
    backend = Backend({CANARY_TOKEN: Grant("limited")}, rate_limit=20, rate_window=3600)
    backend.add_job(job.project_id, job.job_id)
    with EmulatorServer(backend) as server:
        plugin = start_plugin(server.url)
        try:
            engine = Engine(plugin)
            state = engine.up("app", {**job.inputs, **IMAGE})
            for _ in range(16):
                engine.refresh(state)
            assert "API requests per hour are left" not in plugin.output  # 3 of 20 left
            for _ in range(3):
                engine.refresh(state)
        finally:
            plugin.close()
    warnings = [line for line in plugin.stderr_lines if "requests per hour are left" in line]
    assert len(warnings) == 1, warnings  # once per run, not once per request
    assert warnings[0].startswith("warning: [northflank] Only 1 of the account's 20 API requests")
    assert re.search(r"it resets in \d+ s \(at \d\d:\d\d:\d\d UTC\)", warnings[0])


# --- what the user sees of a failure -------------------------------------------------------------


def test_an_expected_failure_reaches_the_user_as_its_message_not_a_stack_trace(
    engine: Engine, backend: Backend, job: JobRef
) -> None:
    fail(backend, job, status=403)
    with pytest.raises(ProviderError) as failure:
        engine.up("app", {**job.inputs, **IMAGE})
    details = failure.value.details
    assert "HTTP 403" in failure.value.message
    assert "client.py" not in details and "_unwrap" not in details
    assert len(details.strip().splitlines()) <= 10, details  # a few frames, then the message


def test_a_bug_keeps_its_whole_traceback(engine: Engine, job: JobRef) -> None:
    state = engine.up("app", {**job.inputs, **IMAGE})
    broken = State(state.name, state.id, state.inputs, {**state.outputs, "projectId": 5})
    with pytest.raises(ProviderError) as failure:
        engine.refresh(broken)  # hand-edited state: a number where an ID belongs
    assert "quote_from_bytes() expected bytes" in failure.value.message
    if PLUGIN_SENDS_TRACEBACKS:  # where it went wrong, for the report
        assert "TypeError" in failure.value.message
        assert "job_deployment.py" in failure.value.details
    else:  # older plugins send the exception's text alone, for every exception
        assert failure.value.details.startswith("Exception calling application:")
