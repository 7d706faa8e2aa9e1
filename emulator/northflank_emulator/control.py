"""The test-control API under ``/_emulator/`` (``routes.CONTROL_ROUTES``): what tests and the demo
use to look at the emulator's state and recorded requests, change jobs out of band, script runs and
script faults. No auth (``server`` serves it on loopback only); answers in the same envelopes as
the API, without rate limiting, latency or recording.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any

from . import routes
from .exceptions import ApiFailure, state_refusals
from .faults import Fault
from .handlers import json_body
from .models import Backend, RunScript


def answer(backend: Backend, method: str, path: str, body: bytes) -> tuple[int, Any]:
    """A control request's status and JSON payload."""
    try:
        name, arguments = routes.resolve(routes.CONTROL_ROUTES, method, path)
        with state_refusals():
            result = getattr(ControlHandlers(backend, body), name)(*arguments)
        return 200, {"data": result}
    except ApiFailure as failure:
        return failure.status, failure.envelope()


class ControlHandlers:
    """One control request and its body."""

    def __init__(self, backend: Backend, body: bytes) -> None:
        self.backend, self.body = backend, body

    def add_fault(self) -> Any:
        try:
            self.backend.add_fault(Fault(**json_body(self.body)))
        except (TypeError, ValueError) as exc:
            raise ApiFailure(400, f"Invalid fault: {exc}") from None
        return {}

    def clear_faults(self) -> Any:
        self.backend.clear_faults()
        return {}

    def recorded_requests(self) -> Any:
        return self.backend.recorded()

    def clear_requests(self) -> Any:
        self.backend.clear_recorded()
        return {}

    def state(self) -> Any:
        return self.backend.snapshot()

    def put_project(self, project: str) -> Any:
        self.backend.add_project(project)
        return {}

    def delete_project(self, project: str) -> Any:
        self.backend.delete_project(project)
        return {}

    def put_job(self, project: str, job: str) -> Any:
        body = json_body(self.body) if self.body else {}
        created = self.backend.add_job(project, job, body.get("name"), body.get("deployment"))
        return created.deployment_view()

    def delete_job(self, project: str, job: str) -> Any:
        self.backend.delete_job(project, job)
        return {}

    def change_deployment(self, project: str, job: str) -> Any:
        self.backend.job(project, job)
        self.backend.set_deployment(project, job, json_body(self.body))
        return self.backend.job(project, job).deployment_view()

    def change_settings(self, project: str, job: str) -> Any:
        """As the dashboard would: no validation."""
        return dict(self.backend.patch_settings(project, job, json_body(self.body)).settings)

    def push_commit(self, project: str, job: str) -> Any:
        self.backend.job(project, job)
        return {"deployedSHA": self.backend.push_commit(project, job)}

    def put_run_script(self, project: str, job: str) -> Any:
        body = json_body(self.body)
        if not isinstance(body, dict):
            raise ApiFailure(400, "Invalid run script: the body must be a JSON object")
        try:
            script = RunScript(**body)
        except (TypeError, ValueError) as exc:
            raise ApiFailure(400, f"Invalid run script: {exc}") from None
        self.backend.script_runs(project, job, script)
        return dataclasses.asdict(script)

    def runs(self, project: str, job: str) -> Any:
        now = time.monotonic()
        return [
            {**run.view(now), "runtimeEnvironment": run.runtime_environment}
            for run in self.backend.runs(project, job)
        ]
