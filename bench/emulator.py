"""The Northflank API emulator in a process of its own, started with its own command line.

A process of its own, not a thread of the benchmark: in the benchmark's process the emulator would
share one GIL with the floor's HTTP client, but not with the plugin's (which runs in the plugin
process), and that would slow the floor and flatter the provider. With ``--latency-ms`` the
emulator waits that long before every API answer, as a remote API would.
"""

from __future__ import annotations

import subprocess
import sys
from types import TracebackType
from typing import Any

import requests

from .workload import REPO_ROOT

READY = "Northflank API emulator listening on "


class EmulatorProcess:
    """The emulator child, and its control routes (``/_emulator/...``) over HTTP."""

    def __init__(self, token: str, latency_ms: float = 0) -> None:
        # The token is a fake one, made for this run and accepted by this emulator only.
        self.child = subprocess.Popen(  # noqa: S603 - a fixed command, no shell
            [sys.executable, "-m", "northflank_emulator", "--port", "0", "--no-seed",
             "--rate-limit", str(10**9), "--token", token, "--latency-ms", str(latency_ms)],
            cwd=REPO_ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        assert self.child.stdout is not None
        first = self.child.stdout.readline()
        if not first.startswith(READY):
            self.stop()
            raise RuntimeError(f"the emulator did not start: {first!r}")
        self.url = first[len(READY) :].strip()
        self.http = requests.Session()

    def add_jobs(self, project: str, job_ids: list[str]) -> None:
        for job_id in job_ids:
            answer = self.http.put(f"{self.url}/_emulator/projects/{project}/jobs/{job_id}")
            answer.raise_for_status()

    def script_runs(self, project: str, job_id: str, **script: Any) -> None:
        """How the job's next runs go (``seconds``, ``outcome``, ``logs``)."""
        target = f"{self.url}/_emulator/projects/{project}/jobs/{job_id}/run-script"
        self.http.put(target, json=script).raise_for_status()

    def recorded(self) -> list[dict[str, Any]]:
        """Every API request since the last ``clear()`` (control routes are not recorded)."""
        answer = self.http.get(f"{self.url}/_emulator/requests")
        answer.raise_for_status()
        return list(answer.json()["data"])

    def clear(self) -> None:
        self.http.delete(f"{self.url}/_emulator/requests").raise_for_status()

    def stop(self) -> None:
        if self.child.poll() is None:
            self.child.terminate()
            self.child.wait(timeout=10)
        if self.child.stdout is not None:
            self.child.stdout.close()

    def __enter__(self) -> EmulatorProcess:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
