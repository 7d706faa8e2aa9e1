"""Shared fixtures: one emulator and one plugin process per session, a fresh job per test."""

from __future__ import annotations

import importlib.util
import itertools
import secrets
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import requests

from northflank_devtools.engine_driver import (
    GET_SUPPORTED,
    Engine,
    Plugin,
    installed_pulumi_version,
    secret,
)
from northflank_emulator import Backend, EmulatorServer, Grant
from northflank_emulator.schema import validate_deployment_body, validate_run_body

needs_get = pytest.mark.skipif(
    not GET_SUPPORTED,
    reason="JobDeployment.get needs pulumi >= 3.268: older plugins cannot Read without state",
)

#: From pulumi 3.260 the plugin sends the whole Python traceback as an error; before, the text.
PLUGIN_SENDS_TRACEBACKS = installed_pulumi_version() >= (3, 260)

#: A token that must never show up anywhere but in the Authorization header.
CANARY_TOKEN = "nf-canary-" + secrets.token_hex(16)
READ_ONLY_TOKEN = "nf-read-only-" + secrets.token_hex(8)
PROJECT = "acceptance"
TEAMS = ("acme", "declared")  # the teams the emulator knows; any other is answered with a 404
PROVIDER_AGENT = "pulumi-northflank/"


@pytest.fixture(scope="session")
def backend() -> Backend:
    return Backend(
        {CANARY_TOKEN: Grant("tests"), READ_ONLY_TOKEN: Grant("read-only", write=False)},
        rate_limit=1_000_000,
        teams=TEAMS,
    )


@pytest.fixture(scope="session")
def emulator(backend: Backend) -> Iterator[EmulatorServer]:
    with EmulatorServer(backend) as server:
        yield server


def start_plugin(
    emulator_url: str,
    token: str | None = CANARY_TOKEN,
    env: dict[str, str] | None = None,
    python: str = sys.executable,
    interruptible: bool = False,
    native: bool = False,
    **settings: str,
) -> Plugin:
    """A plugin configured as `pulumi config set northflank:...` would configure it; ``settings``
    are more northflank: keys (e.g. requestTimeout="1"). It fails a test if a token leaks.
    ``native``: the native plugin (``python provider <engine>``) instead of the dynamic one."""
    plugin = Plugin(
        env={"NORTHFLANK_API_TOKEN": "", "NORTHFLANK_API_URL": "", **(env or {})},
        forbidden=(CANARY_TOKEN, READ_ONLY_TOKEN),
        python=python,
        interruptible=interruptible,
        native=native,
    )
    config: dict[str, Any] = {"northflank:apiUrl": emulator_url, "aws:region": "eu-west-1"}
    config.update({f"northflank:{key}": value for key, value in settings.items()})
    if token is not None:
        config["northflank:apiToken"] = secret(token)
    plugin.configure(config)
    return plugin


@pytest.fixture(scope="session")
def plugin(emulator: EmulatorServer) -> Iterator[Plugin]:
    plugin = start_plugin(emulator.url)
    yield plugin
    plugin.close()


@pytest.fixture
def engine(plugin: Plugin) -> Engine:
    return Engine(plugin)


_job_numbers = itertools.count(1)


@dataclass
class JobRef:
    """A job in the emulator, and what someone could do to it outside Pulumi (over HTTP)."""

    project_id: str
    job_id: str
    backend: Backend
    emulator_url: str

    @property
    def inputs(self) -> dict[str, str]:
        return {"projectId": self.project_id, "jobId": self.job_id}

    def live(self) -> dict[str, Any]:
        return self.backend.job(self.project_id, self.job_id).deployment_view()

    def _control(self, method: str, suffix: str = "", body: Any = None) -> Any:
        url = f"{self.emulator_url}/_emulator/projects/{self.project_id}/jobs/{self.job_id}{suffix}"
        answer = requests.request(method, url, json=body, timeout=5)
        answer.raise_for_status()
        return answer.json()["data"]

    def change_out_of_band(self, body: dict[str, Any]) -> Any:
        """As the dashboard would: no validation, no Pulumi."""
        return self._control("POST", "/deployment", body)

    def change_settings_out_of_band(self, settings: dict[str, Any]) -> Any:
        """As the dashboard would: PATCH the job's settings, no validation, no Pulumi."""
        return self._control("PATCH", "/settings", settings)

    def push_commit(self) -> str:
        return str(self._control("POST", "/commits")["deployedSHA"])

    def script_runs(self, **script: Any) -> None:
        """How the job's next runs go: ``seconds``, ``outcome`` and ``logs``."""
        self._control("PUT", "/run-script", script)

    def runs(self) -> list[dict[str, Any]]:
        """The job's runs, newest first, each with the environment it was started with."""
        runs: list[dict[str, Any]] = self._control("GET", "/runs")
        return runs

    def delete(self) -> None:
        self._control("DELETE")


@pytest.fixture
def job(backend: Backend, emulator: EmulatorServer) -> JobRef:
    """A job of its own for each test, deploying nginx:latest from Docker Hub."""
    job_id = f"job-{next(_job_numbers)}"
    backend.add_job(PROJECT, job_id)
    return JobRef(PROJECT, job_id, backend, emulator.url)


class ApiCalls:
    """The API requests the emulator received since the fixture was created."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.start = len(backend.recorded())

    def all(self) -> list[dict[str, Any]]:
        return self.backend.recorded()[self.start :]

    def count(self, method: str | None = None) -> int:
        return sum(1 for r in self.all() if method is None or r["method"] == method)

    def bodies(self) -> list[Any]:
        return [r["body"] for r in self.all() if r["method"] == "POST"]


@pytest.fixture
def api_calls(backend: Backend) -> ApiCalls:
    return ApiCalls(backend)


@pytest.fixture(autouse=True)
def _no_fault_outlives_its_test(backend: Backend) -> Iterator[None]:
    """A fault a test scripted and did not use up must not hit the next test."""
    yield
    backend.clear_faults()


@pytest.fixture(autouse=True)
def _every_body_sent_matches_northflanks_schema(backend: Backend) -> Iterator[None]:
    """Every body the provider sends in any test must satisfy Northflank's rules for it."""
    start = len(backend.recorded())
    yield
    for request in backend.recorded()[start:]:
        if request["method"] != "POST" or not request["user_agent"].startswith(PROVIDER_AGENT):
            continue
        validate = (
            validate_run_body if request["path"].endswith("/runs") else validate_deployment_body
        )
        assert validate(request["body"]) == [], request


def load_file(path: Path, name: str) -> ModuleType:
    """A program of the repository (a script, the policy pack) imported as module ``name``: run as
    ``__main__`` it would do its work instead."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Report how many examples the schema-oracle property ran (the issue asks for the count)."""
    oracle = sys.modules.get("tests.test_oracle")
    if oracle is not None and oracle.counts["examples"]:
        terminalreporter.write_line(oracle.summary())
