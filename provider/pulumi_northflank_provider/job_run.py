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

from . import log
from .base_provider import NorthflankProvider
from .declaration import (
    Body,
    Choice,
    Computed,
    Declaration,
    Flag,
    Integer,
    JsonList,
    Pattern,
    Stricter,
    StringMap,
)
from .errors import InputError, NorthflankError, expected_failures_as_messages, quoted
from .http.errors import NotFound
from .http.scrub import Scrubber
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
        JsonList(
            "triggers",
            description=(
                "Any JSON-like values (outputs of other resources included); when one changes, a "
                "new run starts. Pass what the run must follow, e.g. the job's deployment: "
                "`triggers=[deployment.external]`."
            ),
        ),
        StringMap(
            "environment",
            ENV_NAME,
            sent_as="runtimeEnvironment",
            description=(
                "Environment variables for this run only, overriding the job's. Values the "
                "program marks secret stay secret and never appear in a message or a log line; "
                "plain values are shown as they are."
            ),
        ),
        Flag(
            "wait",
            default=True,
            description=(
                "Wait until the run concludes: `pulumi up` fails if the run fails. With `false`, "
                "the resource is created as soon as the run starts."
            ),
        ),
        Integer(
            "timeoutSeconds",
            1,
            86400,
            default=1800,
            description=(
                "How long to wait for the run to conclude. A run still going then is left "
                "running, and `pulumi up` fails."
            ),
        ),
        # Which environment values the program marked secret (the SDK asks each value's
        # Output.is_secret()): only those are scrubbed out of messages and log lines. Never sent.
        JsonList(
            SECRET_NAMES,
            internal=True,
            description="The names of the {environment} variables whose values are secret.",
        ),
    ),
    stricter=Stricter(rules=JOB_ID_LIMITS),
)

RUN_STATUS = Choice((SUCCESS, FAILED, RUNNING), enum="JobRunStatus")

JOB_RUN = Declaration(
    "JobRun",
    BODY,
    # A run is immutable: what it was started with, or where, changes only by starting anew.
    identity=("teamId", "projectId", "jobId", "triggers", "environment"),
    computed=(
        Computed("runId", "string", "The run's ID (also the resource's ID).", optional=False),
        Computed(
            "runName",
            "string",
            "The run's name, as the Northflank dashboard shows it.",
            optional=False,
        ),
        Computed(
            "status",
            "string",
            "`SUCCESS`, `FAILED` (any other conclusion) or `RUNNING`; `RUNNING` with "
            "{wait} `false` until a refresh finds the run concluded.",
            RUN_STATUS,
            optional=False,
        ),
        Computed("startedAt", "string", "When the run started (ISO 8601), once known."),
        Computed(
            "concludedAt", "string", "When the run concluded (ISO 8601); empty while it runs."
        ),
    ),
    description=(
        "One run of a Northflank job: started when the resource is created, followed until it "
        "concludes, and failing `pulumi up` when the run fails, with its last log lines.\n\n"
        "Creating the resource calls `POST /v1/projects/{{projectId}}/jobs/{{jobId}}/runs` and "
        "follows that run. A run is history, so a change to {projectId}, {jobId}, {teamId}, "
        "{triggers} or {environment} starts a new run (a replacement), a change to {wait} or "
        "{timeoutSeconds} alone changes nothing on Northflank, and deleting the resource sends "
        "nothing. A failed run records no resource, so the next `pulumi up` runs the job again. "
        "The resource ID is the run's ID."
    ),
    example="""\
# Run the database migration each time its image changes, before anything that depends on it:
import pulumi
import pulumi_northflank as northflank

migrate = northflank.JobDeployment("db-migrate", project_id="shop", job_id="db-migrate",
    external=northflank.ExternalDeploymentArgs(image_path="ghcr.io/acme/migrate:1.5.0"))
run = northflank.JobRun("db-migrate-run", project_id="shop", job_id="db-migrate",
    triggers=[migrate.external],
    environment={"MIGRATE_TARGET": "head"},
    opts=pulumi.ResourceOptions(depends_on=[migrate]))
pulumi.export("migration", run.status)
""",
    replacement="starts a new run (replaces the resource)",
    import_id="<projectId>/<jobId>/<runId>, or <teamId>/<projectId>/<jobId>/<runId>",
)

# --- Lifecycle -----------------------------------------------------------------------------------


class RunFailed(NorthflankError):
    """The run concluded, and not with SUCCESS."""


class JobRunProvider(NorthflankProvider):
    """Runs a Northflank job, follows the run, and records how it ended."""

    declaration = JOB_RUN
    # The new run starts before the old resource goes (deleting it sends nothing).
    replace_deletes_first = False

    @expected_failures_as_messages
    def create(self, props: dict[str, Any]) -> CreateResult:
        inputs = BODY.inputs_of(props)
        runs = self._runs(inputs)
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

    @expected_failures_as_messages
    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(self.planned_update(olds, news))

    def planned_update(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> dict[str, Any]:
        # Only wait, timeout_seconds or which values are secret changed (anything else
        # replaces): they govern a create that has already happened, so there is nothing to send.
        return {**_read_only(olds), **BODY.inputs_of(news)}

    @expected_failures_as_messages
    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        inputs = BODY.inputs_of(props)
        run_id, adopting = id_, "projectId" not in inputs
        if adopting:  # import: a past run, named by its job and its ID
            target, run_id = parse_run_id(id_)
            inputs = BODY.with_defaults(target.props)
        runs = self._runs(inputs)
        try:
            run = runs.get(run_id)
        except NotFound:
            target = runs.target
            what = f"run {props.get('runName') or run_id} of {target}"
            return self._drop_from_stack_if_gone(
                what, target, [target.job_call(), target.project_call()], adopting
            )
        # The run's own ID, also after an import by the longer ID: it is what later reads take.
        return ReadResult(run.id, {**inputs, **run.outputs}, inputs)

    @expected_failures_as_messages
    def delete(self, _id: str, props: dict[str, Any]) -> None:
        log.info(
            f"Run {props.get('runName') or _id} of {JobTarget.declared(props)} leaves the stack; "
            "a run is history, so nothing changes on Northflank."
        )

    def _runs(self, inputs: Mapping[str, Any]) -> JobRuns:
        target = JobTarget.declared(inputs).with_default_team(self._client.team_id)
        return JobRuns(self._client, target, secret_values(inputs))


def parse_run_id(id_: str) -> tuple[JobTarget, str]:
    """The job and the run an import ID names: ``[<teamId>/]<projectId>/<jobId>/<runId>``."""
    job, _, run_id = id_.rpartition("/")
    if not run_id or job.count("/") not in (1, 2):
        raise InputError(
            "a JobRun ID to import has the form '<projectId>/<jobId>/<runId>' or "
            f"'<teamId>/<projectId>/<jobId>/<runId>'; got {quoted(repr(id_))}"
        )
    return JobTarget.parse(job, JOB_RUN.name), run_id


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
