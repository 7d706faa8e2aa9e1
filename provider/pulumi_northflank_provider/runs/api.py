"""The calls about one job's runs, made with the secrets of one create or read."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..http.call import Call
from ..http.errors import UnexpectedAnswer, shape
from ..job_target import JOB_READ_PERMISSION, JobTarget
from .model import Run

if TYPE_CHECKING:
    from ..http.client import NorthflankClient

START_PERMISSION = (
    "'Project > Jobs > General > Run Job' (or, per some docs, 'Project > Jobs > General > Read')"
)
READ_PERMISSION = JOB_READ_PERMISSION
LOGS_PERMISSION = "'Project > Jobs > Deployment > View Instance Logs'"

PER_PAGE = 100  # runs per page when listing (the API's maximum)


@dataclass(frozen=True)
class Page:
    """One page of the job's runs, as ``GET .../runs`` lists them."""

    runs: list[Run]
    has_next: bool
    cursor: str | None


class JobRuns:
    """One job's runs over the API. ``secrets`` are the run's environment values the program
    marked secret: scrubbed out of every answer, message and log line, like the token."""

    def __init__(
        self, client: NorthflankClient, target: JobTarget, secrets: Collection[str]
    ) -> None:
        self.client = client
        self.target = target
        self.secrets = tuple(secrets)

    def send(self, call: Call, **kwargs: Any) -> Any:
        return self.client.send(call, secrets=self.secrets, **kwargs)

    def get(self, run_id: str) -> Run:
        call = self.target.call(
            "GET", self.target.run_path(run_id), f"read run {run_id}", READ_PERMISSION
        )
        return Run.parse(self.send(call), f"Could not {call.action}")

    def page(self, number: int | None = None, cursor: str | None = None) -> Page:
        """Page ``number`` (from 1) of the listing, or the page a ``cursor`` points at."""
        call = self.target.call("GET", self.target.runs_path, "list the runs", READ_PERMISSION)
        params: dict[str, str | int] = {"per_page": PER_PAGE}
        if cursor is not None:
            params["cursor"] = cursor
        elif number is not None:
            params["page"] = number
        data, pagination = self.client.send_listing(call, params, self.secrets)
        items = data.get("runs") if isinstance(data, Mapping) else None
        if not isinstance(items, list):
            raise UnexpectedAnswer(
                f"Could not {call.action}: the answer is not a list of runs (its data is "
                f"{shape(data)})."
            )
        runs = [Run.parse(item, f"Could not {call.action}") for item in items]
        more = isinstance(pagination, Mapping) and pagination.get("hasNextPage") is True
        next_cursor = pagination.get("cursor") if isinstance(pagination, Mapping) else None
        return Page(runs, more, next_cursor if isinstance(next_cursor, str) else None)

    def start_call(self) -> Call:
        return self.target.call(
            "POST", self.target.runs_path, "start a run", START_PERMISSION, idempotent=False
        )

    def logs_call(self, run: Run) -> Call:
        return self.target.call(
            "GET", self.target.logs_path, f"read the logs of run {run.name}", LOGS_PERMISSION
        )
