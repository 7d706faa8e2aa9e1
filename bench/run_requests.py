"""Requests one JobRun spends against the length of its run: measured for a 10 s run against the
emulator, and computed for longer runs from the provider's own polling schedule (the same function
the provider polls with, so the figures cannot drift from the code)."""

from __future__ import annotations

from typing import Any

from northflank_devtools.engine_driver import JOB_RUN, Engine, Plugin
from pulumi_northflank_provider.job_run import POLL_FIRST, POLL_GROWTH, POLL_MAX, polls_for

from .emulator import EmulatorProcess
from .workload import PROJECT

MEASURED_SECONDS = 10.0
COMPUTED_SECONDS = (60.0, 600.0, 3600.0)
#: A create that waits costs one look for runs in progress and one POST, then its polls.
FIXED_REQUESTS = 2
#: The target: a 10-minute run costs at most about 40 requests.
TARGET_SECONDS, TARGET_REQUESTS = 600.0, 40


def schedule() -> str:
    return f"first look after {POLL_FIRST:g} s, each wait x{POLL_GROWTH:g}, at most {POLL_MAX:g} s"


def measure(plugin: Plugin, emulator: EmulatorProcess, job_id: str) -> dict[str, Any]:
    """One JobRun create through the plugin, for a run the emulator makes last 10 s."""
    emulator.add_jobs(PROJECT, [job_id])
    emulator.script_runs(PROJECT, job_id, seconds=MEASURED_SECONDS)
    emulator.clear()
    state = Engine(plugin).up(job_id, {"projectId": PROJECT, "jobId": job_id}, kind=JOB_RUN)
    if state.outputs.get("status") != "SUCCESS":
        raise RuntimeError(f"the measured run ended {state.outputs.get('status')!r}")
    calls = emulator.recorded()
    polls = [c for c in calls if c["method"] == "GET" and c["path"].endswith(f"/runs/{state.id}")]
    return {
        "seconds": MEASURED_SECONDS,
        "requests": len(calls),
        "polls": len(polls),
        "expected_polls": polls_for(MEASURED_SECONDS),
        "calls": [f"{c['method']} {c['path']} -> {c['status']}" for c in calls],
    }


def computed() -> list[dict[str, Any]]:
    return [
        {
            "seconds": seconds,
            "polls": polls_for(seconds),
            "requests": FIXED_REQUESTS + polls_for(seconds),
        }
        for seconds in COMPUTED_SECONDS
    ]
