"""The API token never leaks, TLS is always verified, and the token never goes to another host."""

from __future__ import annotations

import base64
import json
import shutil
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pulumi.dynamic.dynamic import serialize_provider

from northflank_devtools.engine_driver import (
    PROVIDER,
    CheckFailed,
    Engine,
    Plugin,
    ProviderError,
    State,
)
from northflank_emulator import Backend, EmulatorServer, Grant
from northflank_emulator.models import Fault
from pulumi_northflank_provider import JobDeploymentProvider

from .conftest import CANARY_TOKEN, PROJECT, ApiCalls, JobRef, start_plugin

IMAGE = {"external": {"imagePath": "ghcr.io/acme/app:1.0.0", "credentials": "ghcr-creds"}}


def test_the_leak_check_of_the_harness_is_not_vacuous() -> None:
    plugin = Plugin.__new__(Plugin)
    plugin.forbidden = (CANARY_TOKEN,)
    with pytest.raises(AssertionError, match="leaked"):
        plugin.assert_clean(f"Authorization: Bearer {CANARY_TOKEN}", "a test string")


def test_the_canary_token_appears_nowhere_over_a_whole_lifecycle_and_every_error(
    emulator: EmulatorServer, backend: Backend, job: JobRef, api_calls: ApiCalls
) -> None:
    """Every answer, error and output line of the plugin is checked by the harness (``forbidden``);
    this walks the success path and each kind of failure through one plugin process."""
    plugin = start_plugin(emulator.url, requestTimeout="1", maxRetryWait="2")
    engine = Engine(plugin)
    seen: list[Any] = []
    try:
        state = engine.up("app", {**job.inputs, **IMAGE})
        state = engine.up(
            "app", {**job.inputs, **IMAGE, "docker": {"configType": "default"}}, state
        )
        refreshed = engine.refresh(state)
        assert refreshed is not None
        seen += [state.outputs, state.inputs, refreshed.outputs, refreshed.inputs]

        failures: list[tuple[str, Fault | None]] = [
            ("401", Fault(status=401)),
            ("403", Fault(status=403)),
            ("404", Fault(status=404)),
            ("429", Fault(status=429, headers={"Retry-After": "3600"})),
            ("500", Fault(status=500, times=10)),
            ("hang", Fault(kind="hang", seconds=2, times=3)),
            ("html", Fault(kind="html", status=200)),
            ("redirect", Fault(kind="redirect", location="http://127.0.0.1:9/elsewhere")),
        ]
        for name, fault in failures:
            assert fault is not None
            fault.path = f"/jobs/{job.job_id}/deployment$"
            backend.add_fault(fault)
            with pytest.raises(ProviderError) as failure:
                engine.up("app", {**job.inputs, "external": {"imagePath": f"nginx:{name}"}}, state)
            seen.append(failure.value.details)
            backend.clear_faults()
        with pytest.raises(CheckFailed):  # a check failure
            engine.up("app", {**job.inputs, "external": {"imagePath": "nginx"}}, state)
        with pytest.raises(ProviderError) as failure:  # the job is gone
            engine.up("ghost", {"projectId": PROJECT, "jobId": "no-such-job", **IMAGE})
        seen.append(failure.value.details)
        engine.destroy(state)
    finally:
        plugin.close()  # asserts that nothing the plugin printed holds the token

    assert CANARY_TOKEN not in json.dumps(seen, default=str)
    assert CANARY_TOKEN not in json.dumps(api_calls.all())
    assert all(r["authorized"] for r in api_calls.all())  # the token was used, just never shown
    assert CANARY_TOKEN.encode() not in base64.b64decode(PROVIDER)


def test_a_configured_provider_pickles_without_its_token() -> None:
    provider = JobDeploymentProvider()
    provider._runtime.configure({"northflank:apiToken": CANARY_TOKEN})
    assert provider._client.team_id is None  # settings resolved and a client built with them
    assert CANARY_TOKEN.encode() not in base64.b64decode(serialize_provider(provider))


@pytest.fixture
def other_host() -> Iterator[EmulatorServer]:
    """A second server on another loopback address: a different host to the HTTP client."""
    backend = Backend({CANARY_TOKEN: Grant("other")})
    try:
        server = EmulatorServer(backend, host="127.0.0.2")
    except OSError as exc:
        pytest.skip(f"cannot bind 127.0.0.2 on this machine: {exc}")
    with server:
        yield server


def test_a_redirect_to_another_host_is_not_followed_and_carries_no_token(
    engine: Engine, backend: Backend, job: JobRef, other_host: EmulatorServer
) -> None:
    backend.add_fault(
        Fault(
            kind="redirect",
            path=f"/jobs/{job.job_id}/deployment$",
            location=f"{other_host.url}/v1/projects/{PROJECT}/jobs/{job.job_id}/deployment",
        )
    )
    with pytest.raises(ProviderError) as failure:
        engine.up("app", {**job.inputs, **IMAGE})
    assert f"a redirect to 127.0.0.2:{other_host.port}" in failure.value.message
    assert "does not follow" in failure.value.message
    assert other_host.backend.recorded() == []  # neither the token nor the body went there


@pytest.fixture(scope="module")
def self_signed(tmp_path_factory: pytest.TempPathFactory) -> ssl.SSLContext:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a self-signed certificate")
    folder: Path = tmp_path_factory.mktemp("tls")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
         "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(folder / "key.pem"), "-out", str(folder / "cert.pem")],
        check=True,
        capture_output=True,
    )  # fmt: skip
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(folder / "cert.pem", folder / "key.pem")
    return context


def test_tls_certificates_are_always_verified(self_signed: ssl.SSLContext, job: JobRef) -> None:
    backend = Backend({CANARY_TOKEN: Grant("tls")})
    backend.add_job(job.project_id, job.job_id)
    with EmulatorServer(backend, tls=self_signed) as server:
        assert server.url.startswith("https://")
        plugin = start_plugin(server.url)
        try:
            with pytest.raises(ProviderError) as failure:
                Engine(plugin).up("app", {**job.inputs, **IMAGE})
        finally:
            plugin.close()
    assert f"the TLS certificate of 127.0.0.1:{server.port} could not be verified" in (
        failure.value.message
    )
    assert backend.recorded() == []  # the handshake failed: no request, no token sent


def test_plain_http_is_refused_except_for_a_loopback_emulator(
    job: JobRef, api_calls: ApiCalls
) -> None:
    plugin = start_plugin("http://api.example.com")
    try:
        engine = Engine(plugin)
        with pytest.raises(ProviderError) as failure:  # refused at preview, before any request
            engine.preview("app", {**job.inputs, **IMAGE})
        assert "plain http:// for api.example.com" in failure.value.message
        assert "unencrypted" in failure.value.message
        assert api_calls.count() == 0
    finally:
        plugin.close()


def test_refresh_after_a_404_from_something_else_than_northflank_keeps_the_resource(
    engine: Engine, backend: Backend, job: JobRef
) -> None:
    """A proxy's 404 page must not make resources vanish from the state on refresh."""
    state: State = engine.up("app", {**job.inputs, **IMAGE})
    backend.add_fault(Fault(kind="html", status=404, method="GET", path=f"/jobs/{job.job_id}/"))
    with pytest.raises(ProviderError) as failure:
        engine.refresh(state)
    assert "HTTP 404" in failure.value.message
    assert "no Northflank error body: text/html" in failure.value.message


def test_debug_lines_show_the_request_but_never_a_command_that_may_hold_a_secret(
    emulator: EmulatorServer, job: JobRef
) -> None:
    plugin = start_plugin(emulator.url, env={"NORTHFLANK_LOG": "debug"})
    command = "migrate --password=hunter2-secret"
    try:
        Engine(plugin).up(
            "app",
            {
                **job.inputs,
                **IMAGE,
                "docker": {"configType": "customCommand", "customCommand": command},
            },
        )
    finally:
        plugin.close()
    body = (
        '{"external": {"imagePath": "ghcr.io/acme/app:1.0.0", "credentials": "ghcr-creds"}, '
        f'"docker": {{"configType": "customCommand", "customCommand": "<{len(command)} chars>"}}}}'
    )
    assert (
        f"debug: [northflank] POST /v1/projects/{PROJECT}/jobs/{job.job_id}/deployment body: {body}"
        in plugin.output
    )
    assert "-> HTTP 200 after 1 attempt(s)" in plugin.output
    assert "hunter2" not in plugin.output
