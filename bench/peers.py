"""The ways people script the same updates today, installed by the benchmark into ``bench/.peers``.

* ``python-client``: Northflank's official Python client (PyPI ``northflank``), one process, one
  update after the other (``pip install --target bench/.peers/python``).
* ``cli``: Northflank's official CLI (npm ``@northflank/cli``), one ``northflank update job
  deployment`` process per job, one after the other, after ``northflank login`` against the
  emulator (``npm install --prefix bench/.peers/node``).

A peer that cannot be installed, logged in or run is skipped with the reason, never dropped.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any

from .emulator import EmulatorProcess
from .workload import PROJECT, REPO_ROOT, body

LOGIN_PATH = "/v1/login"  # the CLI's token check (verifyToken in its contextCommands.js)
PEERS_DIR = REPO_ROOT / "bench" / ".peers"
PYTHON_CLIENT = "northflank"
PYTHON_CLIENT_VERSION = "2.1.0"
CLI_PACKAGE = "@northflank/cli"
CLI_VERSION = "0.9.24"
INSTALL_TIMEOUT = 600


class PeerUnavailable(Exception):
    """Why a peer is skipped."""


def _run(command: list[str], timeout: float, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(  # noqa: S603 - fixed commands, no shell
            command, capture_output=True, text=True, timeout=timeout, check=False, **kwargs
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise PeerUnavailable(f"{Path(command[0]).name} failed: {exc}") from None


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:300] if lines else "(no output)"


class Peer(ABC):
    name = ""
    label = ""

    def __init__(self, runs: int) -> None:
        self.runs = runs
        self.version = ""
        self.skipped: str | None = None
        #: The whole process of the last run, start-up included, where that differs from the time
        #: of the updates alone.
        self.last_process_seconds: float | None = None

    def prepare(self, emulator: EmulatorProcess, token: str) -> None:
        """Install and set up the peer; on failure, mark it skipped with the reason."""
        try:
            self._prepare(emulator, token)
        except PeerUnavailable as exc:
            self.skipped = str(exc).replace(token, "<token>")

    def run(self, emulator: EmulatorProcess, token: str, job_ids: list[str]) -> float | None:
        """Seconds for the N updates; ``None`` (and skipped, with the reason) if it failed."""
        if self.skipped:
            return None
        emulator.clear()
        try:
            seconds = self._run(emulator.url, token, job_ids)
        except PeerUnavailable as exc:
            self.skipped = f"failed while running: {exc}".replace(token, "<token>")
            return None
        sent = {
            r["path"].split("/")[-2]: r["body"]
            for r in emulator.recorded()
            if r["method"] == "POST" and r["status"] == 200
        }
        if sent != {job_id: body(job_id) for job_id in job_ids}:
            self.skipped = f"sent {len(sent)} updates for {len(job_ids)} jobs, or other bodies"
            return None
        return seconds

    def close(self) -> None:  # noqa: B027 - most peers have nothing to clean up
        """Remove what the peer left behind (a CLI login, say)."""

    @abstractmethod
    def _prepare(self, emulator: EmulatorProcess, token: str) -> None: ...

    @abstractmethod
    def _run(self, api_url: str, token: str, job_ids: list[str]) -> float: ...


class PythonClientPeer(Peer):
    name = "python-client"
    label = "Python client (PyPI northflank), 1 process, sequential"

    def __init__(self, runs: int) -> None:
        super().__init__(runs)
        self.target = PEERS_DIR / "python"

    def _prepare(self, emulator: EmulatorProcess, token: str) -> None:
        marker = self.target / f"{PYTHON_CLIENT}-{PYTHON_CLIENT_VERSION}.dist-info"
        if not marker.exists():
            spec = f"{PYTHON_CLIENT}=={PYTHON_CLIENT_VERSION}"
            pip = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
            done = _run([*pip, "--upgrade", "--target", str(self.target), spec], INSTALL_TIMEOUT)
            if done.returncode != 0 or not marker.exists():
                raise PeerUnavailable(f"pip install {spec} failed: {_last_line(done.stderr)}")
        self.version = PYTHON_CLIENT_VERSION

    def _run(self, api_url: str, token: str, job_ids: list[str]) -> float:
        job = {"url": api_url, "project": PROJECT, "updates": [[j, body(j)] for j in job_ids]}
        script = Path(__file__).with_name("python_client_peer.py")
        env = {**os.environ, "PYTHONPATH": str(self.target), "NF_API_TOKEN": token}
        start = time.perf_counter()
        done = _run([sys.executable, str(script)], 600, input=json.dumps(job), env=env)
        self.last_process_seconds = time.perf_counter() - start
        if done.returncode != 0:
            raise PeerUnavailable(_last_line(done.stderr))
        return float(json.loads(done.stdout)["updates_s"])


class CliPeer(Peer):
    name = "cli"
    label = "CLI (npm @northflank/cli), 1 process per job"

    def __init__(self, runs: int) -> None:
        super().__init__(runs)
        self.prefix = PEERS_DIR / "node"
        self.executable = self.prefix / "node_modules" / ".bin" / "northflank"
        self._home: tempfile.TemporaryDirectory[str] | None = None

    def _prepare(self, emulator: EmulatorProcess, token: str) -> None:
        npm = shutil.which("npm")
        if shutil.which("node") is None or npm is None:
            raise PeerUnavailable("node and npm are needed, and are not on PATH")
        manifest = self.prefix / "node_modules" / CLI_PACKAGE / "package.json"
        if not manifest.exists() or json.loads(manifest.read_text())["version"] != CLI_VERSION:
            spec = f"{CLI_PACKAGE}@{CLI_VERSION}"
            flags = ["--no-audit", "--no-fund", "--loglevel=error", "--prefix", str(self.prefix)]
            done = _run([npm, "install", *flags, spec], INSTALL_TIMEOUT)
            if done.returncode != 0 or not self.executable.exists():
                raise PeerUnavailable(f"npm install {spec} failed: {_last_line(done.stderr)}")
        self.version = CLI_VERSION
        self._login(emulator, token)

    def _env(self) -> dict[str, str]:
        assert self._home is not None
        return {**os.environ, "HOME": self._home.name}

    def _login(self, emulator: EmulatorProcess, token: str) -> None:
        """``northflank login`` into a HOME of its own (deleted at the end, token and all)."""
        self._home = tempfile.TemporaryDirectory(prefix="bench-nf-cli-")
        config = Path(self._home.name) / ".northflank" / "config.json"
        config.parent.mkdir()
        # The CLI checks the npm registry for a newer version once a day; say it just did, so
        # that the benchmark makes no request outside loopback.
        now = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
        config.write_text(json.dumps({"contexts": [], "lastUpdateCheck": now}))
        emulator.clear()
        login = [str(self.executable), "login", "--name", "bench", "--host", emulator.url]
        done = _run([*login, "--token", token], 120, env=self._env())
        contexts = json.loads(config.read_text()).get("contexts", [])
        if done.returncode != 0 or not contexts:
            checks = [
                f"{r['method']} {r['path']} answered {r['status']}"
                for r in emulator.recorded()
                if r["path"] == LOGIN_PATH
            ]
            raise PeerUnavailable(
                f"northflank login failed ({_last_line(done.stdout + done.stderr)}); "
                f"its token check: {', '.join(checks) or 'not received'}"
            )

    def _run(self, api_url: str, token: str, job_ids: list[str]) -> float:
        start = time.perf_counter()
        for job_id in job_ids:
            command = [str(self.executable), "update", "job", "deployment"]
            command += ["--projectId", PROJECT, "--jobId", job_id, "-i", json.dumps(body(job_id))]
            done = _run(command, 120, env=self._env())
            if done.returncode != 0:
                raise PeerUnavailable(_last_line(done.stdout + done.stderr))
        return time.perf_counter() - start

    def close(self) -> None:
        if self._home is not None:
            self._home.cleanup()
            self._home = None


def all_peers(runs: int, cli_runs: int) -> list[Peer]:
    return [PythonClientPeer(runs), CliPeer(cli_runs)]
