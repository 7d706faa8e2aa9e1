"""An API call as the provider describes it: what it is for, in the user's words, so that any
failure of it can be explained."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class Target(Protocol):
    """The object of a call, as errors name it."""

    @property
    def project_id(self) -> str: ...

    @property
    def job_id(self) -> str: ...

    @property
    def team_id(self) -> str | None: ...


@dataclass(frozen=True)
class Call:
    """What an API call was for, to explain its failure in the user's terms."""

    method: str
    path: str
    action: str  # e.g. "set the deployment of job 'db-migrate' in project 'demo'"
    target: Target
    permission: str  # the permission Northflank documents for the endpoint
    #: Whether sending it twice does no harm. A call that is not (starting a run) is retried only
    #: when it cannot have been processed: a 429, or a connection that could not be opened.
    idempotent: bool = True
    #: For a GET of one object (a project, a job): the ``data.id`` of an answer that is that
    #: object. Anything else (``{"data": null}``, another object) proves nothing about it.
    expected_id: str | None = None
