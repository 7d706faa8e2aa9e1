"""One run of a job at a time within the plugin process.

Every dynamic resource of a stack is served by one plugin process, and the engine creates
resources that do not depend on each other in parallel, on up to four worker threads. Two
``JobRun`` s of the same job would both list the runs, see none in progress, and start two at once;
here the second waits until the first has concluded (or failed) before it starts its own.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from .. import log
from ..job_target import JobTarget
from . import stopping

_locks: dict[tuple[str, str, str], threading.Lock] = {}
_locks_guard = threading.Lock()


def _lock_for(target: JobTarget) -> threading.Lock:
    key = (target.team_id or "", target.project_id, target.job_id)
    with _locks_guard:
        return _locks.setdefault(key, threading.Lock())


@contextmanager
def one_run_at_a_time(target: JobTarget) -> Iterator[None]:
    """Hold the job for one create: from before it looks at the job's runs until its run has
    concluded (or the create has failed)."""
    lock = _lock_for(target)
    if not lock.acquire(blocking=False):
        log.info(
            f"Waiting for another JobRun of {target} in this `pulumi up` to conclude before "
            "starting this one (one run of a job at a time)."
        )
        stopping.acquire(lock)
    try:
        yield
    finally:
        lock.release()
