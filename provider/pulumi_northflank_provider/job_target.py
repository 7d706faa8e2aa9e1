"""The Northflank job a resource points at, and the API paths around it.

Every route also exists under ``/v1/teams/{teamId}``, which organisation and team tokens use; the
paths are built in one place here so that both forms always agree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from .declaration import Field, Length, Pattern, Rule
from .errors import InputError, quoted
from .http.call import Call

# The docs and the Python client disagree on the permission some endpoints check; both are named.
PROJECT_READ_PERMISSION = "'Project > General > Read'"  # UNCONFIRMED: not named in the docs
JOB_READ_PERMISSION = "'Project > Jobs > General > Read'"

SLUG = Pattern(
    r"^[A-Za-z0-9-]+$", "an ID made of letters, digits and hyphens (as in the dashboard's URLs)"
)
#: IDs are short slugs; the limit keeps a mistaken value from travelling into paths and errors.
ID_LENGTH = Length(1, 100)

#: The properties that name a job, as every resource about a job declares them.
JOB_PATH_PARAMS = (
    Field(
        "projectId",
        required=True,
        rules=(SLUG,),
        description="The ID of the Northflank project that holds the job.",
    ),
    Field(
        "jobId",
        required=True,
        rules=(SLUG,),
        description="The ID of the job (its slugified name, e.g. `db-migrate`).",
    ),
    Field(
        "teamId",
        rules=(SLUG,),
        description=(
            "The team that owns the project, for organisation or team API tokens (the "
            "`/v1/teams/{{teamId}}/...` routes). Defaults to the provider's `teamId` setting."
        ),
    ),
)
#: Their limits beyond the pattern (rules this provider adds: see ``wire.Stricter``).
JOB_ID_LIMITS: dict[str, tuple[Rule, ...]] = {
    key: (ID_LENGTH,) for key in ("teamId", "projectId", "jobId")
}


@dataclass(frozen=True)
class JobTarget:
    """A job. ``team_id`` selects the team-scoped routes (``/v1/teams/{teamId}/projects/...``)."""

    project_id: str
    job_id: str
    team_id: str | None = None

    @property
    def project_path(self) -> str:
        team = f"/teams/{quote(self.team_id, safe='')}" if self.team_id else ""
        return f"/v1{team}/projects/{quote(self.project_id, safe='')}"

    @property
    def job_path(self) -> str:
        return f"{self.project_path}/jobs/{quote(self.job_id, safe='')}"

    @property
    def deployment_path(self) -> str:
        """The one place that names the (deprecated, but only) endpoint for a job's deployment."""
        return f"{self.job_path}/deployment"

    @property
    def runs_path(self) -> str:
        return f"{self.job_path}/runs"

    def run_path(self, run_id: str) -> str:
        return f"{self.runs_path}/{quote(run_id, safe='')}"

    @property
    def logs_path(self) -> str:
        return f"{self.job_path}/logs"

    @property
    def resource_id(self) -> str:
        return "/".join(p for p in (self.team_id, self.project_id, self.job_id) if p)

    @property
    def props(self) -> dict[str, str]:
        """The job as a resource declares it."""
        team = {"teamId": self.team_id} if self.team_id else {}
        return {"projectId": self.project_id, "jobId": self.job_id, **team}

    def __str__(self) -> str:
        team = f" of team '{self.team_id}'" if self.team_id else ""
        return f"job '{self.job_id}' in project '{self.project_id}'{team}"

    def call(
        self, method: str, path: str, action: str, permission: str, idempotent: bool = True
    ) -> Call:
        """A call about this job: ``action`` in the user's words, e.g. "start a run"."""
        return Call(method, path, f"{action} of {self}", self, permission, idempotent)

    def job_call(self) -> Call:
        """GET the job: an answer is the job only if its ``data.id`` is the job's ID."""
        return Call(
            "GET", self.job_path, f"read {self}", self, JOB_READ_PERMISSION, expected_id=self.job_id
        )

    def project_call(self) -> Call:
        """GET the project: an answer is the project only if its ``data.id`` is the project's ID."""
        team = f" of team '{self.team_id}'" if self.team_id else ""
        action = f"read project '{self.project_id}'{team}"
        return Call(
            "GET",
            self.project_path,
            action,
            self,
            PROJECT_READ_PERMISSION,
            expected_id=self.project_id,
        )

    def with_default_team(self, team_id: str | None) -> JobTarget:
        """The job to call: a declared team wins over the provider-wide northflank:teamId."""
        return JobTarget(self.project_id, self.job_id, self.team_id or team_id)

    @staticmethod
    def parse(id_: str, what: str) -> JobTarget:
        """A job from a resource ID of the form ``[<teamId>/]<projectId>/<jobId>``."""
        parts = id_.split("/")
        if len(parts) not in (2, 3) or not all(parts):
            raise InputError(
                f"a {what} ID has the form '<projectId>/<jobId>' or "
                f"'<teamId>/<projectId>/<jobId>'; got {quoted(repr(id_))}"
            )
        project_id, job_id = parts[-2:]
        return JobTarget(project_id, job_id, parts[0] if len(parts) == 3 else None)

    @staticmethod
    def declared(props: Mapping[str, Any]) -> JobTarget:
        """The job as the program declares it."""
        return JobTarget(props["projectId"], props["jobId"], props.get("teamId"))
