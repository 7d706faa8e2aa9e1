"""`make demo` where the Pulumi CLI cannot run: the quickstart walked through the real plugin."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from northflank_emulator import DEFAULT_TOKEN, Backend, EmulatorServer, Grant

ROOT = Path(__file__).resolve().parents[1]


def walk(api_url: str) -> str:
    done = subprocess.run(
        [sys.executable, "scripts/walkthrough.py", "--api-url", api_url, "--token", DEFAULT_TOKEN],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout


def test_the_walkthrough_shows_up_refresh_and_an_update_through_the_real_plugin() -> None:
    backend = Backend({DEFAULT_TOKEN: Grant("demo")})
    backend.seed_demo()
    with EmulatorServer(backend) as server:
        shown = walk(server.url)
    assert shown.startswith("Walk-through WITHOUT the Pulumi engine")
    assert "it is not a replacement for the CLI" in shown
    create, refresh, update = shown.split("\n--- ")[2:]
    assert create.startswith("pulumi up")
    assert " +  pulumi-python:dynamic/northflank:JobDeployment  db-migrate  create" in create
    assert '+ external: {"imagePath": "ghcr.io/acme/migrate:1.4.2"' in create
    assert "engine calls: Check, Create" in create
    assert "db-migrate  no drift" in refresh and "engine calls: Read" in refresh
    assert refresh.count("read back: ") == 3  # registryProvider, privateImage and liveSource
    assert update.startswith("pulumi config set image ghcr.io/acme/migrate:1.5.0 && pulumi up")
    assert "db-migrate  update  [diff: ~external]" in update
    assert '"imagePath": "ghcr.io/acme/migrate:1.5.0"' in update
    assert "engine calls: Check, Diff, Update" in update
    calls = [(r["method"], r["status"]) for r in backend.recorded()]
    assert calls == [("POST", 200), ("GET", 200), ("POST", 200)]
    live = backend.job("demo-project", "db-migrate").deployment_view()
    assert live["external"]["imagePath"] == "acme/migrate:1.5.0"


@pytest.mark.slow
def test_make_demo_without_the_cli_runs_to_the_end() -> None:
    """The demo script itself, on the path a machine without the CLI takes (here, by asking:
    whether get.pulumi.com answers is up to the machine)."""
    done = subprocess.run(
        ["bash", "scripts/demo.sh"],
        cwd=ROOT,
        env={
            **os.environ,
            "NORTHFLANK_DEMO_CLI": "skip",
            "VENV": sys.prefix,  # the tests' virtualenv: installing into it again is quick
            "PYTHON": sys.executable,
        },
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    out = done.stdout
    assert (
        "The Pulumi CLI is not looked for (NORTHFLANK_DEMO_CLI=skip): walking the same quickstart "
        "through the provider plugin, without the engine." in out
    )
    assert "engine calls: Check, Diff, Update" in out
    assert "==> What the emulator recorded" in out
    assert out.count("POST /v1/projects/demo-project/jobs/db-migrate/deployment -> 200") == 2
    assert '"imagePath": "acme/migrate:1.5.0"' in out
