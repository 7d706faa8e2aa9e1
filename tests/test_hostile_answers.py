"""Answers that are not Northflank's: proxies that reflect headers, servers that trickle, bodies
that never end or inflate a thousandfold, 200s that are not deployments. Each is played by the
emulator over HTTP against the real plugin, and none may leak the token, hang, or balloon."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from northflank_devtools.engine_driver import Engine, Plugin, ProviderError, State
from northflank_emulator import Backend, EmulatorServer
from northflank_emulator.models import Fault
from pulumi_northflank_provider.http.scrub import REDACTED

from .conftest import CANARY_TOKEN, ApiCalls, JobRef, start_plugin

IMAGE = {"external": {"imagePath": "ghcr.io/acme/app:1.0.0"}}


@pytest.fixture(scope="module")
def plugin(emulator: EmulatorServer) -> Iterator[Plugin]:
    """Short limits, so that trickles and hangs play out in seconds."""
    plugin = start_plugin(emulator.url, requestTimeout="1", maxRetryWait="2")
    yield plugin
    plugin.close()


def on_deployment(backend: Backend, job: JobRef, method: str, **fault: Any) -> None:
    backend.add_fault(Fault(method=method, path=f"/jobs/{job.job_id}/deployment$", **fault))


# --- no answer carries the token out -------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "payload", "shown"),
    [
        (401, None, ["Authorization: Bearer <redacted>", "error id Bearer <redacted>"]),
        (403, None, ["Authorization: Bearer <redacted>", "error id Bearer <redacted>"]),
        (502, None, ["Authorization: Bearer <redacted>", "error id Bearer <redacted>"]),
        (502, "text", ['text/plain; echo="Bearer <redacted>"']),  # the Content-Type is shown
        (307, None, ["a redirect to proxy.example.com, which"]),  # the token as the URL's user
    ],
    ids=["401", "403", "502", "502-text", "307"],
)
def test_an_answer_that_reflects_the_token_never_shows_it(
    engine: Engine, backend: Backend, job: JobRef, status: int, payload: Any, shown: list[str]
) -> None:
    """The harness fails the test if the canary is in any gRPC answer, error or output line."""
    on_deployment(backend, job, "POST", kind="reflect", status=status, payload=payload, times=10)
    with pytest.raises(ProviderError) as failure:
        engine.up("app", {**job.inputs, **IMAGE})
    assert CANARY_TOKEN not in failure.value.details
    for words in shown:  # what was echoed is shown, without the token
        assert words in failure.value.message


def test_a_refresh_that_reflects_the_token_keeps_it_out_of_the_state(
    engine: Engine, backend: Backend, job: JobRef
) -> None:
    state = engine.up("app", {**job.inputs, **IMAGE})
    on_deployment(backend, job, "GET", kind="reflect", status=200)
    refreshed = engine.refresh(state)  # the harness checks the answer (the new state) for it
    assert refreshed is not None
    assert refreshed.outputs["external"]["imagePath"] == "ghcr.io/echo/Bearer <redacted>:1"


def deployment_answer(job: JobRef, echo: str) -> dict[str, Any]:
    """The job's deployment as GET answers it, with ``echo`` in a field and in a field's name."""
    data = job.live()
    data["external"]["imagePath"] = f"echo/{echo}:1"
    return {"data": {**data, "echo": {echo: echo}}}


def escaped(text: str) -> str:
    """``text`` as JSON can write it: every character a ``\\u`` escape."""
    return "".join(f"\\u{ord(char):04x}" for char in text)


@pytest.mark.parametrize(
    "encode",
    [
        lambda answer: json.dumps(answer).replace(CANARY_TOKEN, escaped(CANARY_TOKEN)).encode(),
        lambda answer: json.dumps(answer).encode("utf-16"),
    ],
    ids=["u-escaped", "utf-16"],
)
def test_a_refresh_answer_that_hides_the_token_in_its_encoding_keeps_it_out_of_the_state(
    engine: Engine, backend: Backend, job: JobRef, encode: Callable[[Any], bytes]
) -> None:
    """Neither form holds the token's bytes, so only a scrubber that reads the decoded answer
    finds it; the harness fails the test if the new state or any output holds it."""
    state = engine.up("app", {**job.inputs, **IMAGE})
    body = encode(deployment_answer(job, CANARY_TOKEN))  # bare: no "Bearer" gives it away
    assert CANARY_TOKEN.encode() not in body
    on_deployment(backend, job, "GET", kind="raw", status=200, payload=body)
    refreshed = engine.refresh(state)
    assert refreshed is not None
    assert refreshed.outputs["external"]["imagePath"] == f"ghcr.io/echo/{REDACTED}:1"
    assert_no_piece_of_the_token(json.dumps([refreshed.outputs, refreshed.inputs]))


def assert_no_piece_of_the_token(text: str) -> None:
    shown = text.lower()
    pieces = {CANARY_TOKEN[i : i + 12].lower() for i in range(len(CANARY_TOKEN) - 11)}
    assert not [piece for piece in pieces if piece in shown]


def test_an_error_that_echoes_part_of_the_token_or_the_token_upper_cased_shows_neither(
    engine: Engine, backend: Backend, job: JobRef
) -> None:
    two_thirds = CANARY_TOKEN[: len(CANARY_TOKEN) * 2 // 3]
    message = f"Unknown token {two_thirds}... (did you mean {CANARY_TOKEN.upper()}?)"
    envelope = {"error": {"status": 400, "message": message, "id": CANARY_TOKEN[-20:]}}
    on_deployment(backend, job, "POST", kind="body", status=400, payload=envelope)
    with pytest.raises(ProviderError) as failure:
        engine.up("app", {**job.inputs, **IMAGE})
    assert f"Unknown token {REDACTED}... (did you mean {REDACTED}?)" in failure.value.message
    assert f"(error id {REDACTED})" in failure.value.message
    assert_no_piece_of_the_token(failure.value.details)


@pytest.mark.parametrize("token", ["nf-bad\x07token", "nf-t\u00f6ken"])
def test_a_mis_pasted_token_is_a_configuration_error_that_never_echoes_it(
    emulator: EmulatorServer, job: JobRef, api_calls: ApiCalls, token: str
) -> None:
    plugin = start_plugin(emulator.url, token=token)
    plugin.forbidden = (*plugin.forbidden, token, token[3:])
    try:
        engine = Engine(plugin)
        assert engine.preview("app", {**job.inputs, **IMAGE}) is None  # previews need no token
        with pytest.raises(ProviderError) as failure:
            engine.up("app", {**job.inputs, **IMAGE})
    finally:
        plugin.close()
    assert "The API token in stack config northflank:apiToken contains" in failure.value.message
    assert "http.client" not in failure.value.details
    assert api_calls.count() == 0


# --- requestTimeout bounds the whole answer ------------------------------------------------------


@pytest.mark.parametrize("kind", ["trickle", "trickle-body"])
def test_a_server_that_trickles_its_answer_is_cut_off_at_the_deadline(
    plugin: Plugin, backend: Backend, job: JobRef, kind: str
) -> None:
    engine = Engine(plugin)
    state = engine.up("app", {**job.inputs, **IMAGE})
    backend.abandoned.clear()
    # one byte every 0.2 s: each read is quick, the whole answer would take about 30 s
    on_deployment(backend, job, "GET", kind=kind, interval=0.2, times=5)
    with pytest.raises(ProviderError) as failure:
        engine.refresh(state)
    assert "did not send its whole answer to GET" in failure.value.message
    assert "within 1 s" in failure.value.message and "northflank:requestTimeout" in (
        failure.value.message
    )
    # the provider hung up long before the end; the emulator notices at its next write
    for _ in range(50):
        if backend.abandoned:
            break
        time.sleep(0.1)
    assert backend.abandoned, "the client never hung up"
    for _path, sent, total in backend.abandoned:
        assert sent < total / 2


def test_a_server_that_trickles_its_headers_is_cut_off_at_the_deadline(
    plugin: Plugin, backend: Backend, job: JobRef
) -> None:
    """Cut off inside its headers, an answer looks complete to http.client (an empty 200):
    it must fail as too slow, not as "not JSON (0 bytes)"."""
    engine = Engine(plugin)
    state = engine.up("app", {**job.inputs, **IMAGE})
    on_deployment(backend, job, "GET", kind="trickle-headers", interval=0.2, times=5)
    started = time.monotonic()
    with pytest.raises(ProviderError) as failure:
        engine.refresh(state)
    assert "did not send its whole answer to GET" in failure.value.message
    assert "within 1 s" in failure.value.message
    assert "not JSON" not in failure.value.message
    assert time.monotonic() - started < 5  # the headers alone would take about 10 s


# --- answers have a size limit -------------------------------------------------------------------


def peak_rss_mb(plugin: Plugin) -> float:
    status = Path(f"/proc/{plugin.child.pid}/status").read_text()
    line = next(line for line in status.splitlines() if line.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux's /proc")
@pytest.mark.parametrize(
    ("kind", "size"),
    [("huge", 50 * 1024 * 1024), ("gzip-bomb", 300 * 1024 * 1024)],
    ids=["50-MB-body", "gzip-inflating-to-300-MB"],
)
def test_an_oversized_answer_fails_clearly_and_memory_does_not_follow_it(
    emulator: EmulatorServer, backend: Backend, job: JobRef, kind: str, size: int
) -> None:
    plugin = start_plugin(emulator.url)  # its own process, so its peak memory is this test's
    try:
        engine = Engine(plugin)
        state = engine.up("app", {**job.inputs, **IMAGE})
        engine.refresh(state)  # the plugin has done a whole refresh: its working size
        before = peak_rss_mb(plugin)
        on_deployment(backend, job, "GET", kind=kind, size=size)
        with pytest.raises(ProviderError) as failure:
            engine.refresh(state)
        growth = peak_rss_mb(plugin) - before
    finally:
        plugin.close()
    assert "is larger than 4 MB once decompressed" in failure.value.message
    assert "it was not read further" in failure.value.message
    assert growth < 32, f"the plugin's peak memory grew by {growth:.0f} MB"


# --- a 200 that is not a deployment --------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "shape"),
    [
        ({"data": None}, "null"),
        ({"data": []}, "a list"),
        ({"data": "ok"}, "a str"),
        ({"data": {"region": "europe-west"}}, "an object without the fields of one"),
        ({"status": "ok"}, "null"),
    ],
)
def test_a_200_that_is_not_a_deployment_is_an_error_not_no_drift(
    engine: Engine, backend: Backend, job: JobRef, payload: Any, shape: str
) -> None:
    state: State = engine.up("app", {**job.inputs, **IMAGE})
    on_deployment(backend, job, "GET", kind="body", status=200, payload=payload)
    with pytest.raises(ProviderError) as failure:
        engine.refresh(state)
    assert "the answer is not a job's deployment" in failure.value.message
    assert f"(its data is {shape})" in failure.value.message
    assert "The state is kept as it was" in failure.value.message
