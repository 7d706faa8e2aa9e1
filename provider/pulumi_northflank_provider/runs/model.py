"""A job run as Northflank reports it (``GET .../runs/{runId}`` and each item of the listing)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .. import log
from ..http.errors import UnexpectedAnswer, shape

SUCCESS, FAILED, RUNNING = "SUCCESS", "FAILED", "RUNNING"
#: Statuses that mean the run is over although ``concluded`` is missing. Northflank documents
#: SUCCESS, FAILED and RUNNING only; an aborted run may well report one of the others.
CONCLUDED_STATUSES = frozenset({SUCCESS, FAILED, "CANCELLED", "CANCELED", "ABORTED"})
KNOWN_STATUSES = CONCLUDED_STATUSES | {RUNNING}


@dataclass(frozen=True)
class Run:
    """One run. ``reported`` is Northflank's status, upper-cased; ``status`` is what the state
    records: ``SUCCESS``, ``FAILED`` (any other conclusion) or ``RUNNING``."""

    id: str
    name: str
    reported: str
    concluded: bool
    started_at: str | None = None
    concluded_at: str | None = None

    @property
    def status(self) -> str:
        if not self.concluded:
            return RUNNING
        return SUCCESS if self.reported == SUCCESS else FAILED

    @property
    def conclusion(self) -> str:
        """How it ended, in words: ``SUCCESS``, ``FAILED``, or e.g. ``CANCELLED (not SUCCESS)``."""
        if self.reported in (SUCCESS, FAILED):
            return self.reported
        return f"{self.reported or 'with no status'} (not SUCCESS)"

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
        """A run from an answer's ``data``; an answer that is not one is an error, not a guess.

        Statuses are compared without regard to case. ``concluded: true`` means concluded
        whatever the status says (SUCCESS only when the status says so); without it, a status
        the provider does not know is taken for a run still going, and the log says so once.
        """
        if not isinstance(data, Mapping) or not isinstance(data.get("id"), str):
            raise UnexpectedAnswer(
                f"{where}: the answer is not a job run (its data is {shape(data)})."
            )
        raw = data.get("status")
        reported = raw.strip().upper() if isinstance(raw, str) else ""
        concluded = data.get("concluded") is True or reported in CONCLUDED_STATUSES
        name = str(data.get("runName") or data["id"])
        if not concluded and reported not in KNOWN_STATUSES:
            log.info_once(
                f"unknown-run-status:{reported}",
                f"Northflank reported status {reported or '(none)'!r} for run {name}, which the "
                "provider does not know; it is followed as a run still going until Northflank "
                "says it concluded, or timeout_seconds.",
            )
        return Run(
            data["id"],
            name,
            reported,
            concluded,
            _text(data.get("startedAt")),
            _text(data.get("concludedAt")) if concluded else None,
        )


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
