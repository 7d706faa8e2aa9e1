"""Start exactly one run, or fail saying plainly that a run may have started.

Starting a run is not idempotent, so it is never retried blindly. After an answer that leaves it
open whether the run started (a 5xx, a timeout, a dropped connection, a 2xx that is not a run):

* the job's runs are looked at again over a window of 30 s (after 2, 4, 8 and 16 more seconds),
  since a listing may lag behind the start;
* a run is adopted only when exactly one run that was not known before the POST appears; two or
  more fail the create, naming them all (never a guess which is ours);
* only after a whole window that showed no new run is the run started again, once;
* every failure after an unclear start says in its first line that a run may have started.
"""

from __future__ import annotations

import json
import os
from collections.abc import Collection, Mapping
from typing import Any

from .. import log
from ..errors import NorthflankError
from ..http.errors import ApiError, TransportError, UnexpectedAnswer
from .api import JobRuns
from .listing import RunListing
from .model import RUNNING, Run
from .stopping import PluginStopping, pause

#: The waits between looks at the listing after an unclear start: 30 s in all.
RECHECK_WAITS = (2.0, 4.0, 8.0, 16.0)
#: Test suites only: a factor for those waits, where a test counts requests rather than lags.
TEST_SCALE_ENV = "_NORTHFLANK_TEST_RECHECK_SCALE"
#: POSTs at most for one create: the first, and one more after a window that showed nothing.
STARTS_MAX = 2


class RunMaybeStarted(NorthflankError):
    """An unclear start, then a failure: a run may be going on Northflank."""


class _Unclear(Exception):
    def __init__(self, reason: str) -> None:
        self.reason = reason


def start_once(
    runs: JobRuns, listing: RunListing, body: Mapping[str, Any], known: Collection[str]
) -> Run:
    """Start one run and return it; ``known`` are the IDs of the runs listed before the POST."""
    call = runs.start_call()
    log.debug(f"POST {call.path} body: {json.dumps(_redacted(body))}")
    unclear: list[str] = []  # why each start so far left it open whether a run started
    for _ in range(STARTS_MAX):
        try:
            return _post(runs, body)
        except _Unclear as why:
            unclear.append(why.reason)
        except NorthflankError as failure:
            if unclear:
                raise _maybe_started(runs, unclear, str(failure)) from None
            raise  # refused before anything started (429s are retried by the client)
        adopted = _look_for_the_run(runs, listing, known, unclear)
        if adopted is not None:
            return adopted
    raise _maybe_started(
        runs,
        unclear,
        f"no new run appeared in the job's runs within {sum(RECHECK_WAITS):g} s after each of "
        f"the {len(unclear)} attempts, so no further run was started",
    )


def _post(runs: JobRuns, body: Mapping[str, Any]) -> Run:
    call = runs.start_call()
    try:
        data = runs.send(call, body=dict(body))
    except ApiError as failure:
        if failure.status < 500:
            raise
        raise _Unclear(f"HTTP {failure.status}") from None
    except TransportError:
        raise _Unclear("no answer") from None
    try:
        started = Run.parse(
            {**data, "status": RUNNING} if isinstance(data, Mapping) else data,
            f"Could not {call.action}",
        )
    except UnexpectedAnswer:
        raise _Unclear("an answer that is not a run") from None
    log.info(f"Started run {started.name} of {runs.target}.")
    return started


def _look_for_the_run(
    runs: JobRuns, listing: RunListing, known: Collection[str], unclear: list[str]
) -> Run | None:
    """The run the last start may have begun: exactly one new run in the window, or None."""
    log.info(
        f"Starting a run of {runs.target} got no clear answer ({unclear[-1]}); looking at the "
        f"job's runs for up to {sum(RECHECK_WAITS):g} s for one it may have started, before "
        "anything else."
    )
    scale = float(os.environ.get(TEST_SCALE_ENV) or 1.0)
    for wait in RECHECK_WAITS:
        try:
            pause(wait * scale)
            new = [run for run in listing.newest() if run.id not in known]
        except PluginStopping:
            raise _maybe_started(runs, unclear, "the plugin was told to stop") from None
        except NorthflankError as cannot:
            raise _maybe_started(
                runs, unclear, f"the job's runs could not be listed to see ({cannot})"
            ) from None
        if len(new) == 1:
            log.info(f"Adopted run {new[0].name} of {runs.target}, which that request started.")
            return new[0]
        if len(new) > 1:
            names = ", ".join(f"{run.name} ({run.id})" for run in new)
            raise _maybe_started(
                runs,
                unclear,
                f"{len(new)} new runs appeared meanwhile ({names}): one may be another start's "
                "(the dashboard, a schedule, runOnSourceChange), and which one is this create's "
                "cannot be told, so none was adopted and no other run was started",
            )
    return None


def _maybe_started(runs: JobRuns, unclear: list[str], then: str) -> RunMaybeStarted:
    starts = "the start" if len(unclear) == 1 else f"{len(unclear)} starts"
    return RunMaybeStarted(
        f"A run of {runs.target} may have started: {starts} got no clear answer "
        f"({', '.join(unclear)}). Look at the job's runs in Northflank (project "
        f"'{runs.target.project_id}', job '{runs.target.job_id}', Runs) before running "
        f"`pulumi up` again, which starts a new run.\nThen {then}."
    )


def _redacted(body: Mapping[str, Any]) -> dict[str, Any]:
    """A run's request body for the debug log: variable names, never their values."""
    environment = body.get("runtimeEnvironment") or {}
    return {"runtimeEnvironment": dict.fromkeys(environment, "<redacted>")} if environment else {}
