"""The JobRun resource: one run of a Northflank job, its declaration and its whole lifecycle.

Creating the resource starts the run (``POST .../jobs/{jobId}/runs``) and, by default, follows
that run (``GET .../runs/{runId}``) until it concludes; a failed run fails ``pulumi up`` with the
run's last log lines. A run is history: changing what it was started with starts a new one
(replacement), and deleting the resource changes nothing on Northflank.

Starting a run is not idempotent, so it is never retried blindly: after an answer that leaves it
open whether the run started (a 5xx, a timeout, a dropped connection), the job's runs are listed,
and a run the request started is adopted rather than a second one begun.

``JobRunProvider`` is pickled by reference as ``pulumi_northflank_provider.job_run.JobRunProvider``:
that path is part of every JobRun's state.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pulumi.dynamic import CreateResult, ReadResult, UpdateResult

from . import config, log
from .base_provider import NorthflankProvider
from .errors import (
    ApiError,
    NorthflankError,
    TransportError,
    UnexpectedAnswer,
    concise,
    quoted,
    shape,
)
from .job_target import JOB_ID_LIMITS, JOB_PATH_PARAMS, JobTarget
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

if TYPE_CHECKING:
    from .api_client import NorthflankClient

# --- Declaration -----------------------------------------------------------------------------

#: UNCONFIRMED: Northflank documents no rule for variable names; this is Kubernetes' (jobs run
#: there), which every name a shell or the dashboard takes also meets.
ENV_NAME = Pattern(
    r"^[-._a-zA-Z][-._a-zA-Z0-9]*$",
    "a variable name: letters, digits, '_', '-' and '.', not starting with a digit",
)

BODY = Body(
    path_params=JOB_PATH_PARAMS,
    properties=(
        JsonList("triggers"),
        StringMap("environment", ENV_NAME, sent_as="runtimeEnvironment"),
        Flag("wait", default=True),
        Integer("timeoutSeconds", 1, 86400, default=1800),
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

START_PERMISSION = (
    "'Project > Jobs > General > Run Job' (or, per some docs, 'Project > Jobs > General > Read')"
)
READ_PERMISSION = "'Project > Jobs > General > Read'"
LOGS_PERMISSION = "'Project > Jobs > Deployment > View Instance Logs'"

SUCCESS, FAILED, RUNNING = "SUCCESS", "FAILED", "RUNNING"

# --- Polling: about 40 requests for a 10-minute run, and never more than 2 a minute after ------

POLL_FIRST = 2.0  # seconds before the first look at a run
POLL_GROWTH = 1.5  # each wait is this much longer than the one before ...
POLL_MAX = 30.0  # ... up to this
LOG_LINES = 20  # of a failed run, in the error
LIST_PAGE = 100  # runs per page when listing (the API's maximum)
LIST_PAGES_MAX = 20  # pages followed at most when the listing is oldest first
START_ATTEMPTS = 3  # starts tried when an answer leaves it open whether one happened
RECHECK_DELAY = 2.0  # seconds to give a maybe-started run to show in the listing


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


# --- Lifecycle -----------------------------------------------------------------------------------


class RunFailed(NorthflankError):
    """The run concluded, and not with SUCCESS."""


class RunStillRunning(NorthflankError):
    """The run did not conclude within ``timeout_seconds``."""


class RunMaybeStarted(NorthflankError):
    """Starting a run got no clear answer, and whether it started could not be checked."""


class JobRunProvider(NorthflankProvider):
    """Runs a Northflank job, follows the run, and records how it ended."""

    declaration = JOB_RUN
    # The new run starts before the old resource goes (deleting it sends nothing).
    replace_deletes_first = False

    @concise
    def create(self, props: dict[str, Any]) -> CreateResult:
        inputs = BODY.managed(props)
        settings = self._settings()
        runs = self._runs(inputs, settings)
        deadline = time.monotonic() + float(inputs["timeoutSeconds"])
        known = runs.wait_for_others(deadline)
        run = runs.start(BODY.to_request(inputs), known, deadline)
        if inputs["wait"]:
            run = runs.follow(run, deadline)
            if run.status != SUCCESS:
                raise RunFailed(runs.failure(run))
        log.info(f"Run {run.name} of {runs.target}: {run.status}.")
        return CreateResult(run.id, {**inputs, **run.outputs})

    @concise
    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        # Only wait or timeout_seconds changed (anything else replaces): they govern a create
        # that has already happened, so there is nothing to send.
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

    def _runs(self, inputs: Mapping[str, Any], settings: config.Settings) -> _Runs:
        target = JobTarget.declared(inputs).with_default_team(settings.team_id)
        secrets = tuple((inputs.get("environment") or {}).values())
        return _Runs(self._client, settings, target, secrets)


def _read_only(bag: Mapping[str, Any]) -> dict[str, Any]:
    return {key: bag[key] for key in JOB_RUN.read_only if key in bag}


@dataclass(frozen=True)
class Run:
    """A run as Northflank reports it."""

    id: str
    name: str
    status: str
    started_at: str | None = None
    concluded_at: str | None = None

    @property
    def concluded(self) -> bool:
        return self.status != RUNNING

    @property
    def outputs(self) -> dict[str, Any]:
        return {
            "runId": self.id,
            "runName": self.name,
            "status": self.status,
            "startedAt": self.started_at,
            "concludedAt": self.concluded_at,
        }

    @staticmethod
    def parse(data: Any, where: str) -> Run:
        """A run from an answer's ``data``; an answer that is not one is an error, not a guess."""
        if not isinstance(data, Mapping) or not isinstance(data.get("id"), str):
            raise UnexpectedAnswer(
                f"{where}: the answer is not a job run (its data is {shape(data)})."
            )
        status = data.get("status")
        if status not in (SUCCESS, FAILED, RUNNING):
            # Only three values are documented; an unknown one that says it has concluded is
            # not taken for a success.
            status = FAILED if data.get("concluded") is True else RUNNING
        return Run(
            data["id"],
            str(data.get("runName") or data["id"]),
            status,
            _text(data.get("startedAt")),
            _text(data.get("concludedAt")) if status != RUNNING else None,
        )


class _Runs:
    """The runs of one job, as one create or read sees them."""

    def __init__(
        self,
        client: NorthflankClient,
        settings: config.Settings,
        target: JobTarget,
        secrets: tuple[str, ...],
    ) -> None:
        self.client = client
        self.settings = settings
        self.target = target
        #: The run's environment values: scrubbed out of Northflank's messages and log lines.
        self.secrets = secrets

    def _send(self, call: Any, **kwargs: Any) -> Any:
        return self.client.send(self.settings, call, secrets=self.secrets, **kwargs)

    def get(self, run_id: str) -> Run:
        call = self.target.call(
            "GET", self.target.run_path(run_id), f"read run {run_id}", READ_PERMISSION
        )
        return Run.parse(self._send(call), f"Could not {call.action}")

    def listing(self) -> list[Run]:
        """The job's recent runs. Northflank does not document their order: when the first page
        shows oldest first, the rest are followed, so the newest are never missed."""
        call = self.target.call("GET", self.target.runs_path, "list the runs", READ_PERMISSION)
        params: dict[str, str | int] = {"per_page": LIST_PAGE}
        runs: list[Run] = []
        for _ in range(LIST_PAGES_MAX):
            data, pagination = self.client.send_listing(self.settings, call, params, self.secrets)
            items = data.get("runs") if isinstance(data, Mapping) else None
            if not isinstance(items, list):
                raise UnexpectedAnswer(
                    f"Could not {call.action}: the answer is not a list of runs (its data is "
                    f"{shape(data)})."
                )
            page = [Run.parse(item, f"Could not {call.action}") for item in items]
            runs += page
            more = isinstance(pagination, Mapping) and pagination.get("hasNextPage") is True
            cursor = pagination.get("cursor") if isinstance(pagination, Mapping) else None
            if not more or not isinstance(cursor, str) or _newest_first(page):
                return runs
            params = {"per_page": LIST_PAGE, "cursor": cursor}
        log.warn(f"{self.target} has more than {LIST_PAGE * LIST_PAGES_MAX} runs; looked at those")
        return runs

    def wait_for_others(self, deadline: float) -> set[str]:
        """Wait for runs of the job still in progress (one run at a time); the IDs of every run
        known before this one starts."""
        runs = self.listing()
        busy = [run for run in runs if not run.concluded]
        for run in busy:
            log.info(
                f"Run {run.name} of {self.target} is still in progress: waiting for it to "
                "conclude before starting a new one (one run of a job at a time)."
            )
            self.follow(run, deadline, waiting_for_another=True)
        if busy:
            runs = self.listing()
        return {run.id for run in runs}

    def start(self, body: dict[str, Any], known: set[str], deadline: float) -> Run:
        """Start exactly one run: after an answer that leaves it open whether the run started,
        adopt the run the request started, if the listing shows one, before trying again."""
        call = self.target.call(
            "POST", self.target.runs_path, "start a run", START_PERMISSION, idempotent=False
        )
        log.debug(f"POST {call.path} body: {json.dumps(_redacted(body))}")
        for attempt in range(1, START_ATTEMPTS + 1):
            try:
                data = self._send(call, body=body)
                started = Run.parse(
                    {**data, "status": RUNNING} if isinstance(data, Mapping) else data,
                    f"Could not {call.action}",
                )
            except (TransportError, ApiError, UnexpectedAnswer) as failure:
                if isinstance(failure, ApiError) and failure.status < 500:
                    raise  # refused before anything started (429s are retried by the client)
                adopted = self._adopt(failure, known)
                if adopted is not None:
                    return adopted
                if attempt == START_ATTEMPTS or time.monotonic() >= deadline:
                    raise
                continue
            log.info(f"Started run {started.name} of {self.target}.")
            return started
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises

    def _adopt(self, failure: NorthflankError, known: set[str]) -> Run | None:
        """The run an unclear answer may hide: one the listing shows that was not known before."""
        log.info(
            f"Starting a run of {self.target} got no clear answer ({_reason(failure)}); looking "
            "for a run it may have started before trying again."
        )
        time.sleep(RECHECK_DELAY)
        try:
            runs = self.listing()
        except NorthflankError as cannot:
            raise RunMaybeStarted(
                f"Starting a run of {self.target} got no clear answer ({failure}), and the job's "
                f"runs could not be listed to see whether it started ({cannot}). Look at the "
                "job's runs in Northflank before the next `pulumi up`, which starts a new run."
            ) from None
        started = [run for run in runs if run.id not in known]
        if not started:
            return None
        run = min(started, key=lambda r: r.started_at or "")
        log.info(f"Adopted run {run.name} of {self.target}, which that request started.")
        return run

    def follow(self, run: Run, deadline: float, waiting_for_another: bool = False) -> Run:
        """Look at the run at growing intervals until it concludes, or fail at the deadline."""
        for delay in poll_delays():
            remaining = deadline - time.monotonic()
            time.sleep(max(0.0, min(delay, remaining)))
            run = self.get(run.id)
            if run.concluded:
                return run
            if time.monotonic() >= deadline:
                raise RunStillRunning(self._still_running(run, waiting_for_another))
        raise AssertionError("unreachable")  # pragma: no cover - poll_delays never ends

    def _still_running(self, run: Run, waiting_for_another: bool) -> str:
        if waiting_for_another:
            return (
                f"Run {run.name} of {self.target}, started before this one, was still in "
                "progress at timeout_seconds, so no new run was started (one run of a job at a "
                "time). Let it finish, or abort it in Northflank, then run `pulumi up` again."
            )
        return (
            f"Run {run.name} ({run.id}) of {self.target} is still RUNNING on Northflank after "
            "timeout_seconds; it was not aborted (stopping a migration half-way is worse). "
            "Pulumi records no JobRun for it: watch it in the Northflank dashboard; the next "
            "`pulumi up` waits for it to conclude before starting a new run. Raise "
            "timeout_seconds if runs take this long."
        )

    def failure(self, run: Run) -> str:
        """Why ``pulumi up`` fails: the run, its status, and its last log lines."""
        head = (
            f"Run {run.name} of {self.target} concluded {run.status}"
            + (f" at {run.concluded_at}" if run.concluded_at else "")
            + "."
        )
        tail = (
            "Pulumi records no JobRun for a failed run, so the next `pulumi up` starts a new run."
        )
        try:
            lines = self.last_log_lines(run)
        except NorthflankError as cannot:
            return f"{head} Its logs could not be read: {cannot} {tail}"
        if not lines:
            return f"{head} It wrote no log lines. {tail}"
        shown = "\n".join(f"    {line}" for line in lines)
        return f"{head} Its last {len(lines)} log lines:\n{shown}\n{tail}"

    def last_log_lines(self, run: Run) -> list[str]:
        call = self.target.call(
            "GET", self.target.logs_path, f"read the logs of run {run.name}", LOGS_PERMISSION
        )
        params: dict[str, str | int] = {
            "queryType": "range",
            "runId": run.id,
            "lineLimit": LOG_LINES,
            "direction": "backward",  # the last lines, newest first
        }
        data = self._send(call, params=params)
        entries = data if isinstance(data, list) else None
        if isinstance(data, Mapping):  # shapes the official Python client also accepts
            entries = data.get("logs") or data.get("data")
        if not isinstance(entries, list):
            raise UnexpectedAnswer(
                f"the answer is not a list of log lines (its data is {shape(data)})"
            )
        scrub = Scrubber(None, self.secrets)
        lines = [
            scrub.text(quoted(_log_text(entry))) for entry in entries if isinstance(entry, Mapping)
        ]
        return list(reversed(lines[:LOG_LINES]))


#: Container log lines keep the runtime's prefix: "<timestamp> stdout F " (or "stdout F ").
_CRI_PREFIX = re.compile(r"^(?:\S+ )?(?:stdout|stderr) [FP] ")


def _log_text(entry: Mapping[str, Any]) -> str:
    text = entry.get("log")
    text = text if isinstance(text, str) else json.dumps(text)
    return _CRI_PREFIX.sub("", text.rstrip("\n"))


def _newest_first(page: Sequence[Run]) -> bool:
    starts = [run.started_at for run in page if run.started_at]
    return len(starts) < 2 or starts[0] >= starts[-1]


def _redacted(body: Mapping[str, Any]) -> dict[str, Any]:
    """A run's request body for the debug log: variable names, never their values."""
    environment = body.get("runtimeEnvironment") or {}
    return {"runtimeEnvironment": dict.fromkeys(environment, "<redacted>")} if environment else {}


def _reason(failure: NorthflankError) -> str:
    if isinstance(failure, ApiError):
        return f"HTTP {failure.status}"
    return "an answer that is not a run" if isinstance(failure, UnexpectedAnswer) else "no answer"


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
