"""The JobRun resource: one run of a Northflank job, its declaration and its whole lifecycle.

Creating the resource starts the run (``POST .../jobs/{jobId}/runs``) and, by default, follows
that run (``GET .../runs/{runId}``) until it concludes; a failed run fails ``pulumi up`` with the
run's last log lines. A run is history: changing what it was started with starts a new one
(replacement), and deleting the resource changes nothing on Northflank.

The promises (one run of a job at a time, exactly one run per create or a failure that says a
run may have started, no secret in any message) are kept by the modules of ``runs``, one concern
each; this module holds the declaration and puts them together.

``JobRunProvider`` is pickled by reference as ``pulumi_northflank_provider.job_run.JobRunProvider``:
that path is part of every JobRun's state.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from pulumi.dynamic import CreateResult, ReadResult, UpdateResult

from . import config, log
from .base_provider import NorthflankProvider
from .errors import NorthflankError, concise
from .job_target import JOB_ID_LIMITS, JOB_PATH_PARAMS, JobTarget
from .runs import logs
from .runs.api import JobRuns
from .runs.following import (
    POLL_FIRST,
    POLL_GROWTH,
    POLL_MAX,
    RunStillRunning,
    follow,
    poll_delays,
    polls_for,
)
from .runs.listing import RunListing
from .runs.model import FAILED, RUNNING, SUCCESS, Run
from .runs.one_at_a_time import one_run_at_a_time
from .runs.starting import RunMaybeStarted, start_once
from .runs.stopping import PluginStopping
from .scrub import Scrubber
from .wire import (
    Body,
    Declaration,
    Flag,
    Integer,
    JsonList,
    Pattern,
    Stricter,
    StringMap,
)

__all__ = [
    "FAILED",
    "JOB_RUN",
    "POLL_FIRST",
    "POLL_GROWTH",
    "POLL_MAX",
    "RUNNING",
    "SUCCESS",
    "JobRunProvider",
    "RunFailed",
    "RunMaybeStarted",
    "RunStillRunning",
    "poll_delays",
    "polls_for",
]
# --- Declaration -----------------------------------------------------------------------------

#: UNCONFIRMED: Northflank documents no rule for variable names; this is Kubernetes' (jobs run
#: there), which every name a shell or the dashboard takes also meets.
ENV_NAME = Pattern(
    r"^[-._a-zA-Z][-._a-zA-Z0-9]*$",
    "a variable name: letters, digits, '_', '-' and '.', not starting with a digit",
)

SECRET_NAMES = "secretEnvironmentNames"  # noqa: S105 - a property name
#: Without SECRET_NAMES (a state or a program from before it), every environment value this long
#: is taken for a secret; a shorter one would blank out every log line.
GUESSED_SECRET_LENGTH = 4

BODY = Body(
    path_params=JOB_PATH_PARAMS,
    properties=(
        JsonList("triggers"),
        StringMap("environment", ENV_NAME, sent_as="runtimeEnvironment"),
        Flag("wait", default=True),
        Integer("timeoutSeconds", 1, 86400, default=1800),
        # Which environment values the program marked secret (the SDK asks each value's
        # Output.is_secret()): only those are scrubbed out of messages and log lines. Never sent.
        JsonList(SECRET_NAMES),
    ),
    stricter=Stricter(rules=JOB_ID_LIMITS),
)

JOB_RUN = Declaration(
    "JobRun",
    BODY,
    # A run is immutable: what it was started with, or where, changes only by starting anew.
    identity=("teamId", "projectId", "jobId", "triggers", "environment"),
    read_only=("runId", "runName", "status", "startedAt", "concludedAt"),
)

# --- Lifecycle -----------------------------------------------------------------------------------


class RunFailed(NorthflankError):
    """The run concluded, and not with SUCCESS."""


class JobRunProvider(NorthflankProvider):
    """Runs a Northflank job, follows the run, and records how it ended."""

    declaration = JOB_RUN
    # The new run starts before the old resource goes (deleting it sends nothing).
    replace_deletes_first = False

    @concise
    def create(self, props: dict[str, Any]) -> CreateResult:
        inputs = BODY.managed(props)
        runs = self._runs(inputs, self._settings())
        with one_run_at_a_time(runs.target):
            deadline = time.monotonic() + float(inputs["timeoutSeconds"])
            listing = RunListing(runs)
            known = _wait_for_others(runs, listing, deadline)
            run = start_once(runs, listing, BODY.to_request(inputs), known)
            if inputs["wait"]:
                run = follow(runs, run, deadline)
                if run.status != SUCCESS:
                    raise RunFailed(_failure(runs, run))
        log.info(f"Run {run.name} of {runs.target}: {run.status}.")
        return CreateResult(run.id, {**inputs, **run.outputs})

    @concise
    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        # Only wait, timeout_seconds or which values are secret changed (anything else
        # replaces): they govern a create that has already happened, so there is nothing to send.
        return UpdateResult({**_read_only(olds), **BODY.managed(news)})

    @concise
    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        inputs = BODY.managed(props)
        settings = self._settings()
        runs = self._runs(inputs, settings)
        from .api_client import NotFound  # noqa: PLC0415 - imported on first use (see _Runtime)

        try:
            run = runs.get(id_)
        except NotFound:
            target = runs.target
            what = f"run {props.get('runName') or id_} of {target}"
            self._confirm_gone(settings, what, target, [target.job_call(), target.project_call()])
            log.info(f"{what.capitalize()} no longer exists; removing it from the stack.")
            return ReadResult("", {})
        return ReadResult(id_, {**inputs, **run.outputs}, inputs)

    @concise
    def delete(self, _id: str, props: dict[str, Any]) -> None:
        log.info(
            f"Run {props.get('runName') or _id} of {JobTarget.declared(props)} leaves the stack; "
            "a run is history, so nothing changes on Northflank."
        )

    def _runs(self, inputs: Mapping[str, Any], settings: config.Settings) -> JobRuns:
        target = JobTarget.declared(inputs).with_default_team(settings.team_id)
        return JobRuns(self._client, settings, target, secret_values(inputs))


def secret_values(inputs: Mapping[str, Any]) -> list[str]:
    """The environment values to keep out of every message: those the program marked secret,
    each also with its whitespace collapsed (a log may print it so)."""
    environment = inputs.get("environment") or {}
    marked = inputs.get(SECRET_NAMES)
    if isinstance(marked, list):
        values = [v for k, v in environment.items() if k in marked and isinstance(v, str)]
    else:
        values = [
            v
            for v in environment.values()
            if isinstance(v, str) and len(v) >= GUESSED_SECRET_LENGTH
        ]
    collapsed = [" ".join(v.split()) for v in values]
    return list(dict.fromkeys(v for v in values + collapsed if v.strip()))


def _read_only(bag: Mapping[str, Any]) -> dict[str, Any]:
    return {key: bag[key] for key in JOB_RUN.read_only if key in bag}


def _wait_for_others(runs: JobRuns, listing: RunListing, deadline: float) -> set[str]:
    """Wait for runs of the job still in progress (one run at a time), say how each ended, and
    return the IDs of the runs known before this one starts."""
    newest = listing.newest()
    busy = [run for run in newest if not run.concluded]
    for run in busy:
        log.info(
            f"Run {run.name} of {runs.target} is still in progress: waiting for it to "
            "conclude before starting a new one (one run of a job at a time)."
        )
        ended = follow(runs, run, deadline, ours=False)
        log.info(
            f"Run {ended.name} of {runs.target}, which was in progress, concluded "
            f"{ended.conclusion}"
            + (f" at {ended.concluded_at}" if ended.concluded_at else "")
            + "; starting this JobRun's own run now."
        )
    if busy:
        newest = listing.newest()
    return {run.id for run in newest}


def _failure(runs: JobRuns, run: Run) -> str:
    """Why ``pulumi up`` fails: the run, its status and when, and its last log lines."""
    head = (
        f"Run {run.name} ({run.id}) of {runs.target} concluded {run.conclusion}"
        + (f" at {run.concluded_at}" if run.concluded_at else "")
        + "."
    )
    tail = "Pulumi records no JobRun for a failed run, so the next `pulumi up` starts a new run."
    try:
        lines = logs.last_lines(runs, run, Scrubber(None, runs.secrets))
    except (NorthflankError, PluginStopping) as cannot:
        return f"{head} Its logs could not be read: {cannot} {tail}"
    if not lines:
        return f"{head} It wrote no log lines. {tail}"
    shown = "\n".join(f"    {line}" for line in lines)
    return f"{head} Its last {len(lines)} log lines:\n{shown}\n{tail}"
