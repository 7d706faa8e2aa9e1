"""``JobRun``: run a Northflank job once its deployment changes, and wait for the result."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import Enum
from typing import Any, Optional, TypedDict, Union, overload

import pulumi
import pulumi.dynamic
from pulumi import _types

from pulumi_northflank_provider.job_run import JOB_RUN, SECRET_NAMES, JobRunProvider

from . import _arguments
from ._naming import snake

__all__ = ["JobRun", "JobRunArgs", "JobRunArgsDict", "JobRunStatus"]


class JobRunStatus(str, Enum):
    """How a run stands: the values of :attr:`JobRun.status`."""

    SUCCESS = "SUCCESS"
    FAILED = "FAILED"
    RUNNING = "RUNNING"


@pulumi.input_type
class JobRunArgs:
    """The arguments of :class:`JobRun`, as one object."""

    project_id: pulumi.Input[str] = pulumi.property("projectId")
    job_id: pulumi.Input[str] = pulumi.property("jobId")
    team_id: Optional[pulumi.Input[str]] = pulumi.property("teamId", default=None)
    triggers: Optional[pulumi.Input[Sequence[Any]]] = pulumi.property("triggers", default=None)
    environment: Optional[pulumi.Input[Mapping[str, pulumi.Input[str]]]] = pulumi.property(
        "environment", default=None
    )
    wait: Optional[pulumi.Input[bool]] = pulumi.property("wait", default=None)
    timeout_seconds: Optional[pulumi.Input[int]] = pulumi.property("timeoutSeconds", default=None)

    def __init__(
        self,
        project_id: pulumi.Input[str],
        job_id: pulumi.Input[str],
        *,
        team_id: Optional[pulumi.Input[str]] = None,
        triggers: Optional[pulumi.Input[Sequence[Any]]] = None,
        environment: Optional[pulumi.Input[Mapping[str, pulumi.Input[str]]]] = None,
        wait: Optional[pulumi.Input[bool]] = None,
        timeout_seconds: Optional[pulumi.Input[int]] = None,
    ) -> None:
        """
        :param project_id: The ID of the Northflank project that holds the job. Changing it
               starts a new run (replaces the resource).
        :param job_id: The ID of the job to run. Changing it starts a new run.
        :param team_id: The team that owns the project, for organisation or team API tokens (the
               ``/v1/teams/{teamId}/...`` routes). Defaults to ``northflank:teamId``; changing it
               starts a new run.
        :param triggers: Any JSON-like values (outputs of other resources included); when one
               changes, a new run starts. Pass what the run must follow, e.g. the job's
               deployment: ``triggers=[deployment.external]``.
        :param environment: Environment variables for this run only, overriding the job's (names
               as Northflank accepts them; values may be secrets). Changing them starts a new run.
        :param wait: Wait until the run concludes (default ``True``): ``pulumi up`` fails if the
               run fails. With ``False``, the resource is created as soon as the run starts.
        :param timeout_seconds: How long to wait for the run to conclude, from 1 to 86400 seconds
               (default 1800). A run still going then is left running, and ``pulumi up`` fails.
        """
        pulumi.set(self, "project_id", project_id)
        pulumi.set(self, "job_id", job_id)
        pulumi.set(self, "team_id", team_id)
        pulumi.set(self, "triggers", triggers)
        pulumi.set(self, "environment", environment)
        pulumi.set(self, "wait", wait)
        pulumi.set(self, "timeout_seconds", timeout_seconds)


class _JobRunRequired(TypedDict):
    project_id: pulumi.Input[str]
    job_id: pulumi.Input[str]


class JobRunArgsDict(_JobRunRequired, total=False):
    """Dict form of :class:`JobRunArgs` (the same snake_case keys)."""

    team_id: pulumi.Input[str]
    triggers: pulumi.Input[Sequence[Any]]
    environment: pulumi.Input[Mapping[str, pulumi.Input[str]]]
    wait: pulumi.Input[bool]
    timeout_seconds: pulumi.Input[int]


#: Python name -> wire name, for the arguments (the secret names are computed, not an argument).
_ARGUMENTS = {snake(name): name for name in JOB_RUN.body.keys if name != SECRET_NAMES}


class JobRun(pulumi.dynamic.Resource, module="northflank", name="JobRun"):
    """One run of a Northflank job: started when the resource is created, followed until it
    concludes, and failing ``pulumi up`` when the run fails, with its last log lines.

    Creating the resource calls ``POST /v1/projects/{projectId}/jobs/{jobId}/runs`` and follows
    that run. A run is history, so a change to ``project_id``, ``job_id``, ``team_id``,
    ``triggers`` or ``environment`` starts a new run (a replacement), a change to ``wait`` or
    ``timeout_seconds`` alone changes nothing on Northflank, and deleting the resource sends
    nothing. A failed run records no resource, so the next ``pulumi up`` runs the job again. The
    resource ID is the run's ID.

    ## Example Usage

    Run the database migration each time its image changes, before anything that depends on it:

    ```python
    import pulumi
    import pulumi_northflank as northflank

    migrate = northflank.JobDeployment("db-migrate", project_id="shop", job_id="db-migrate",
        external=northflank.ExternalDeploymentArgs(image_path="ghcr.io/acme/migrate:1.5.0"))
    run = northflank.JobRun("db-migrate-run", project_id="shop", job_id="db-migrate",
        triggers=[migrate.external],
        environment={"MIGRATE_TARGET": "head"},
        opts=pulumi.ResourceOptions(depends_on=[migrate]))
    pulumi.export("migration", run.status)
    ```
    """

    # The outputs are kept under their wire names, so that nothing is translated on the way in or
    # out (the keys inside ``environment`` and ``triggers`` are the user's); each is read through a
    # property with its Python name.

    @property
    def project_id(self) -> pulumi.Output[str]:
        """The ID of the project that holds the job."""
        return self._wire("projectId")

    @property
    def job_id(self) -> pulumi.Output[str]:
        """The ID of the job."""
        return self._wire("jobId")

    @property
    def team_id(self) -> pulumi.Output[Optional[str]]:
        """The team that owns the project, if declared."""
        return self._wire("teamId")

    @property
    def triggers(self) -> pulumi.Output[Optional[list[Any]]]:
        """The values whose change starts a new run."""
        return self._wire("triggers")

    @property
    def environment(self) -> pulumi.Output[Optional[dict[str, str]]]:
        """The environment overrides the run was started with (secret where the program made them
        secret)."""
        return self._wire("environment")

    @property
    def wait(self) -> pulumi.Output[bool]:
        """Whether ``pulumi up`` waited for the run to conclude."""
        return self._wire("wait")

    @property
    def timeout_seconds(self) -> pulumi.Output[int]:
        """How long ``pulumi up`` waits for the run."""
        return self._wire("timeoutSeconds")

    @property
    def run_id(self) -> pulumi.Output[str]:
        """The run's ID (also the resource's ID)."""
        return self._wire("runId")

    @property
    def run_name(self) -> pulumi.Output[str]:
        """The run's name, as the Northflank dashboard shows it."""
        return self._wire("runName")

    @property
    def status(self) -> pulumi.Output[str]:
        """``SUCCESS``, ``FAILED`` or ``RUNNING`` (see :class:`JobRunStatus`); ``RUNNING`` with
        ``wait=False`` until a refresh finds the run concluded."""
        return self._wire("status")

    @property
    def started_at(self) -> pulumi.Output[Optional[str]]:
        """When the run started (ISO 8601), once known."""
        return self._wire("startedAt")

    @property
    def concluded_at(self) -> pulumi.Output[Optional[str]]:
        """When the run concluded (ISO 8601); ``None`` while it runs."""
        return self._wire("concludedAt")

    def _wire(self, name: str) -> pulumi.Output[Any]:
        output: pulumi.Output[Any] = self.__dict__[name]
        return output

    @overload
    def __init__(
        self,
        resource_name: str,
        args: Union[JobRunArgs, JobRunArgsDict],
        opts: Optional[pulumi.ResourceOptions] = None,
    ) -> None: ...

    @overload
    def __init__(
        self,
        resource_name: str,
        args: None = None,
        opts: Optional[pulumi.ResourceOptions] = None,
        *,
        project_id: pulumi.Input[str],
        job_id: pulumi.Input[str],
        team_id: Optional[pulumi.Input[str]] = None,
        triggers: Optional[pulumi.Input[Sequence[Any]]] = None,
        environment: Optional[pulumi.Input[Mapping[str, pulumi.Input[str]]]] = None,
        wait: Optional[pulumi.Input[bool]] = None,
        timeout_seconds: Optional[pulumi.Input[int]] = None,
    ) -> None: ...

    def __init__(
        self,
        resource_name: str,
        args: Optional[Union[JobRunArgs, JobRunArgsDict]] = None,
        opts: Optional[pulumi.ResourceOptions] = None,
        *,
        project_id: Optional[pulumi.Input[str]] = None,
        job_id: Optional[pulumi.Input[str]] = None,
        team_id: Optional[pulumi.Input[str]] = None,
        triggers: Optional[pulumi.Input[Sequence[Any]]] = None,
        environment: Optional[pulumi.Input[Mapping[str, pulumi.Input[str]]]] = None,
        wait: Optional[pulumi.Input[bool]] = None,
        timeout_seconds: Optional[pulumi.Input[int]] = None,
    ) -> None:
        """
        :param resource_name: The Pulumi name of the resource.
        :param args: All arguments as one :class:`JobRunArgs`, or its dict form
               :class:`JobRunArgsDict` (instead of the keywords).
        :param opts: Options for the resource.
        :param project_id: The ID of the Northflank project that holds the job. Changing it
               starts a new run (replaces the resource).
        :param job_id: The ID of the job to run. Changing it starts a new run.
        :param team_id: The team that owns the project, for organisation or team API tokens (the
               ``/v1/teams/{teamId}/...`` routes). Defaults to ``northflank:teamId``; changing it
               starts a new run.
        :param triggers: Any JSON-like values (outputs of other resources included); when one
               changes, a new run starts. Pass what the run must follow, e.g. the job's
               deployment: ``triggers=[deployment.external]``.
        :param environment: Environment variables for this run only, overriding the job's (names
               as Northflank accepts them; values may be secrets). Changing them starts a new run.
        :param wait: Wait until the run concludes (default ``True``): ``pulumi up`` fails if the
               run fails. With ``False``, the resource is created as soon as the run starts.
        :param timeout_seconds: How long to wait for the run to conclude, from 1 to 86400 seconds
               (default 1800). A run still going then is left running, and ``pulumi up`` fails.
        """
        keywords, opts = _arguments.resolve(
            args,
            opts,
            {
                "project_id": project_id,
                "job_id": job_id,
                "team_id": team_id,
                "triggers": triggers,
                "environment": environment,
                "wait": wait,
                "timeout_seconds": timeout_seconds,
            },
            JobRunArgs,
        )
        if keywords["triggers"] is not None:
            keywords["triggers"] = pulumi.Output.from_input(keywords["triggers"]).apply(_json_like)
        # Wire names from here on: nothing needs translating, so the user's keys inside
        # environment and triggers are sent exactly as written.
        props = {_ARGUMENTS[name]: value for name, value in keywords.items()}
        if keywords["environment"] is not None:
            # The provider shows plain values as they are and hides only these.
            props[SECRET_NAMES] = pulumi.Output.from_input(_secret_names(keywords["environment"]))
        props.update({name: None for name in JOB_RUN.read_only})  # computed by the provider
        super().__init__(JobRunProvider(), resource_name, props, opts)


async def _secret_names(environment: Any) -> list[str]:
    """The names of the environment variables whose values the program marked secret: each
    value's own mark, or every name when the whole environment is one secret output."""
    if isinstance(environment, Mapping):
        return [
            name
            for name, value in environment.items()
            if await pulumi.Output.from_input(value).is_secret()
        ]
    whole = pulumi.Output.from_input(environment)
    if not await whole.is_secret():
        return []
    resolved = await whole.future()
    return sorted(resolved) if isinstance(resolved, Mapping) else []


def _json_like(value: Any) -> Any:
    """A trigger as plain JSON: an output object of another resource (say a
    ``JobDeployment.external``) becomes its fields under their wire names."""
    if _types.is_output_type(type(value)):
        return _json_like(_output_fields(value))
    if isinstance(value, Mapping):
        return {key: _json_like(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_like(item) for item in value]
    return value


def _output_fields(value: Any) -> dict[str, Any]:
    """An output object's set fields under their wire names. The SDK has a function for it from
    some release on; before, its properties say the same (both are the SDK's own internals)."""
    to_dict = getattr(_types, "output_type_to_dict", None)
    if to_dict is not None:
        fields: dict[str, Any] = to_dict(value)
        return fields
    properties: Any = _types._py_properties
    found = ((wire, prop.fget(value)) for _, wire, prop in properties(type(value)))
    return {wire: item for wire, item in found if item is not None}
