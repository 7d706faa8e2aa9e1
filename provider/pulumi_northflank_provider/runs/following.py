"""Follow a run until it concludes: about 40 requests for a 10-minute run, never more than 2 a
minute after the first few."""

from __future__ import annotations

import time
from collections.abc import Iterator

from .. import log
from ..errors import NorthflankError
from ..http.errors import NotFound
from .api import JobRuns
from .model import Run
from .stopping import PluginStopping, pause, why

POLL_FIRST = 2.0  # seconds before the first look at a run
POLL_GROWTH = 1.5  # each wait is this much longer than the one before ...
POLL_MAX = 30.0  # ... up to this


class RunStillRunning(NorthflankError):
    """The run did not conclude within ``timeout_seconds``."""


class RunGone(NorthflankError):
    """The run disappeared while it was followed."""


class RunInterrupted(NorthflankError):
    """The plugin was told to stop while a create waited."""


def poll_delays() -> Iterator[float]:
    """The waits between looks at a run: 2 s, 3 s, 4.5 s, ... growing to 30 s."""
    delay = POLL_FIRST
    while True:
        yield delay
        delay = min(delay * POLL_GROWTH, POLL_MAX)


def polls_for(seconds: float) -> int:
    """How many looks the schedule takes to see a run of ``seconds`` concluded."""
    waited = 0.0
    for polls, delay in enumerate(poll_delays(), start=1):
        waited += delay
        if waited >= seconds:
            return polls
    raise AssertionError("unreachable")  # pragma: no cover - poll_delays never ends


def how_to_follow(runs: JobRuns, run: Run) -> str:
    target = runs.target
    return (
        f"follow it in the Northflank dashboard (project '{target.project_id}', job "
        f"'{target.job_id}', Runs) or with `northflank get job run --projectId "
        f"{target.project_id} --jobId {target.job_id} --runId {run.id}`"
    )


def follow(runs: JobRuns, run: Run, deadline: float, *, ours: bool = True) -> Run:
    """Look at ``run`` at growing intervals until it concludes; fail at the deadline, when the
    run disappears, or when the plugin is told to stop. ``ours`` is False for a run started
    before this create, which it only waits for."""
    for delay in poll_delays():
        try:
            pause(max(0.0, min(delay, deadline - time.monotonic())))
        except PluginStopping:
            raise interrupted(runs, run, ours) from None
        try:
            run = runs.get(run.id)
        except NotFound:
            raise RunGone(
                f"Run {run.name} ({run.id}) of {runs.target} is gone: Northflank answered 404 "
                "for it while it was followed (the job was recreated, or the run was deleted). "
                "Look at the job's runs in Northflank; the next `pulumi up` starts a new run."
            ) from None
        if run.concluded:
            return run
        if time.monotonic() >= deadline:
            raise RunStillRunning(_still_running(runs, run, ours))
    raise AssertionError("unreachable")  # pragma: no cover - poll_delays never ends


def interrupted(runs: JobRuns, run: Run, ours: bool) -> RunInterrupted:
    """Said in the log too: the engine that interrupted the plugin may no longer read errors."""
    whose = "its run" if ours else "run"
    message = (
        f"{why()} while following {whose} {run.name} ({run.id}) of "
        f"{runs.target}. The run goes on on Northflank (it is not aborted): "
        f"{how_to_follow(runs, run)}. Pulumi records no JobRun for it: the next `pulumi up` "
        "waits for it to conclude, says how it ended, then runs the job again."
    )
    log.warn(message)
    return RunInterrupted(message)


def _still_running(runs: JobRuns, run: Run, ours: bool) -> str:
    if not ours:
        return (
            f"Run {run.name} of {runs.target}, started before this one, was still in progress at "
            "timeout_seconds, so no new run was started (one run of a job at a time). Let it "
            f"finish, or abort it in Northflank, then run `pulumi up` again; "
            f"{how_to_follow(runs, run)}."
        )
    return (
        f"Run {run.name} ({run.id}) of {runs.target} is still RUNNING on Northflank after "
        "timeout_seconds; it was not aborted (stopping a migration half-way is worse). "
        f"Pulumi records no JobRun for it: {how_to_follow(runs, run)}. The next `pulumi up` waits "
        "for it to conclude, says how it ended, and then runs the job again (the failed create "
        "left nothing in the stack that says the job ran). Raise timeout_seconds if runs take "
        "this long."
    )
