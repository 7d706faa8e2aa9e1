"""``JobDeployment``: which image or build a Northflank job runs, and its runtime overrides."""

from __future__ import annotations

import importlib.metadata
import re
from typing import Any, Optional, TypedDict, Union, overload

import pulumi
import pulumi.dynamic

from pulumi_northflank_provider.job_deployment import JOB_DEPLOYMENT, JobDeploymentProvider

from . import _arguments, outputs
from ._inputs import (
    BuildpackRuntimeArgs,
    BuildpackRuntimeArgsDict,
    DockerRuntimeArgs,
    DockerRuntimeArgsDict,
    ExternalDeploymentArgs,
    ExternalDeploymentArgsDict,
    InternalDeploymentArgs,
    InternalDeploymentArgsDict,
)
from ._naming import snake, to_wire

__all__ = ["JobDeployment", "JobDeploymentArgs", "JobDeploymentArgsDict"]

ExternalInput = pulumi.Input[Union[ExternalDeploymentArgs, ExternalDeploymentArgsDict]]
InternalInput = pulumi.Input[Union[InternalDeploymentArgs, InternalDeploymentArgsDict]]
DockerInput = pulumi.Input[Union[DockerRuntimeArgs, DockerRuntimeArgsDict]]
BuildpackInput = pulumi.Input[Union[BuildpackRuntimeArgs, BuildpackRuntimeArgsDict]]


@pulumi.input_type
class JobDeploymentArgs:
    """The arguments of :class:`JobDeployment`, as one object."""

    project_id: pulumi.Input[str] = pulumi.property("projectId")
    job_id: pulumi.Input[str] = pulumi.property("jobId")
    team_id: Optional[pulumi.Input[str]] = pulumi.property("teamId", default=None)
    external: Optional[ExternalInput] = pulumi.property("external", default=None)
    internal: Optional[InternalInput] = pulumi.property("internal", default=None)
    docker: Optional[DockerInput] = pulumi.property("docker", default=None)
    buildpack: Optional[BuildpackInput] = pulumi.property("buildpack", default=None)

    def __init__(
        self,
        project_id: pulumi.Input[str],
        job_id: pulumi.Input[str],
        *,
        team_id: Optional[pulumi.Input[str]] = None,
        external: Optional[ExternalInput] = None,
        internal: Optional[InternalInput] = None,
        docker: Optional[DockerInput] = None,
        buildpack: Optional[BuildpackInput] = None,
    ) -> None:
        """
        :param project_id: The ID of the Northflank project that holds the job. Changing it
               replaces the resource.
        :param job_id: The ID of the job (its slugified name, e.g. ``db-migrate``). Changing it
               replaces the resource.
        :param team_id: The team that owns the project, for organisation or team API tokens (the
               ``/v1/teams/{teamId}/...`` routes). Defaults to ``northflank:teamId``; changing it
               replaces the resource.
        :param external: Deploy an image from a container registry. Not together with ``internal``.
        :param internal: Deploy a build from a Northflank build service. Not together with
               ``external``.
        :param docker: Docker runtime overrides (entrypoint and command).
        :param buildpack: Buildpack runtime settings; not allowed with ``external``.

        With neither ``external`` nor ``internal``, the job keeps its deployment source and only the
        runtime settings are changed.
        """
        pulumi.set(self, "project_id", project_id)
        pulumi.set(self, "job_id", job_id)
        pulumi.set(self, "team_id", team_id)
        pulumi.set(self, "external", external)
        pulumi.set(self, "internal", internal)
        pulumi.set(self, "docker", docker)
        pulumi.set(self, "buildpack", buildpack)


class _JobDeploymentRequired(TypedDict):
    project_id: pulumi.Input[str]
    job_id: pulumi.Input[str]


class JobDeploymentArgsDict(_JobDeploymentRequired, total=False):
    """Dict form of :class:`JobDeploymentArgs` (the same snake_case keys)."""

    team_id: pulumi.Input[str]
    external: ExternalInput
    internal: InternalInput
    docker: DockerInput
    buildpack: BuildpackInput


#: The first pulumi whose dynamic-provider plugin can Read with no state (it falls back to inputs).
GET_NEEDS_PULUMI = (3, 268)


def _pulumi_version() -> tuple[int, ...]:
    found = re.match(r"(\d+)\.(\d+)", importlib.metadata.version("pulumi"))
    return tuple(int(n) for n in found.groups()) if found else (0, 0)


# Python names <-> wire names, derived from the provider's declaration of the resource.
_TO_WIRE = to_wire(JOB_DEPLOYMENT)
_FROM_WIRE = {wire: py for py, wire in _TO_WIRE.items()}


class JobDeployment(pulumi.dynamic.Resource, module="northflank", name="JobDeployment"):
    """Sets which image or build a Northflank job runs, and its docker/buildpack runtime overrides.

    Create and update call ``POST /v1/projects/{projectId}/jobs/{jobId}/deployment``; refresh reads
    the deployment back. Deleting the resource stops managing the deployment and leaves the job as
    it is: Northflank cannot undeploy a job. The resource ID is ``"{projectId}/{jobId}"``, or
    ``"{teamId}/{projectId}/{jobId}"`` with a ``team_id``.

    ## Example Usage

    Deploy a private image to a job, with a custom command:

    ```python
    import pulumi_northflank as northflank

    migrate = northflank.JobDeployment("db-migrate", project_id="shop", job_id="db-migrate",
        external=northflank.ExternalDeploymentArgs(image_path="ghcr.io/acme/migrate:1.5.0",
                                                   credentials="ghcr-creds"),
        docker=northflank.DockerRuntimeArgs(config_type="customCommand",
                                            custom_command="python migrate.py"))
    ```
    """

    project_id: pulumi.Output[str]
    """The ID of the project that holds the job."""
    job_id: pulumi.Output[str]
    """The ID of the job."""
    team_id: pulumi.Output[Optional[str]]
    """The team that owns the project, if declared."""
    external: pulumi.Output[Optional[outputs.ExternalDeployment]]
    """The image the job deploys, if it deploys an image."""
    internal: pulumi.Output[Optional[outputs.InternalDeployment]]
    """The build the job deploys, if it deploys a Northflank build."""
    docker: pulumi.Output[Optional[outputs.DockerRuntime]]
    """The docker runtime overrides, if declared."""
    buildpack: pulumi.Output[Optional[outputs.BuildpackRuntime]]
    """The buildpack runtime settings, if declared."""
    registry_provider: pulumi.Output[Optional[str]]
    """Read back on refresh: the registry Northflank pulls the image from (``dockerhub``,
    ``github``, ``ecr``, ``custom``...)."""
    private_image: pulumi.Output[Optional[bool]]
    """Read back on refresh: whether Northflank pulls the image with saved credentials."""
    deployed_sha: pulumi.Output[Optional[str]]
    """Read back on refresh: the commit actually deployed, for an internal build (it moves with
    each new commit while ``build_sha`` is ``latest``)."""

    @overload
    def __init__(
        self,
        resource_name: str,
        args: Union[JobDeploymentArgs, JobDeploymentArgsDict],
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
        external: Optional[ExternalInput] = None,
        internal: Optional[InternalInput] = None,
        docker: Optional[DockerInput] = None,
        buildpack: Optional[BuildpackInput] = None,
    ) -> None: ...

    def __init__(
        self,
        resource_name: str,
        args: Optional[Union[JobDeploymentArgs, JobDeploymentArgsDict]] = None,
        opts: Optional[pulumi.ResourceOptions] = None,
        *,
        project_id: Optional[pulumi.Input[str]] = None,
        job_id: Optional[pulumi.Input[str]] = None,
        team_id: Optional[pulumi.Input[str]] = None,
        external: Optional[ExternalInput] = None,
        internal: Optional[InternalInput] = None,
        docker: Optional[DockerInput] = None,
        buildpack: Optional[BuildpackInput] = None,
    ) -> None:
        """
        :param resource_name: The Pulumi name of the resource.
        :param args: All arguments as one :class:`JobDeploymentArgs`, or its dict form
               :class:`JobDeploymentArgsDict` (instead of the keywords).
        :param opts: Options for the resource.
        :param project_id: The ID of the Northflank project that holds the job. Changing it
               replaces the resource.
        :param job_id: The ID of the job (its slugified name, e.g. ``db-migrate``). Changing it
               replaces the resource.
        :param team_id: The team that owns the project, for organisation or team API tokens (the
               ``/v1/teams/{teamId}/...`` routes). Defaults to ``northflank:teamId``; changing it
               replaces the resource.
        :param external: Deploy an image from a container registry. Not together with ``internal``.
        :param internal: Deploy a build from a Northflank build service. Not together with
               ``external``.
        :param docker: Docker runtime overrides (entrypoint and command).
        :param buildpack: Buildpack runtime settings; not allowed with ``external``.
        """
        keywords, opts = _arguments.resolve(
            args,
            opts,
            {
                "project_id": project_id,
                "job_id": job_id,
                "team_id": team_id,
                "external": external,
                "internal": internal,
                "docker": docker,
                "buildpack": buildpack,
            },
            JobDeploymentArgs,
        )
        self._register(resource_name, keywords, opts)

    @staticmethod
    def get(
        resource_name: str,
        id: pulumi.Input[str],  # noqa: A002 - Pulumi's conventional name
        opts: Optional[pulumi.ResourceOptions] = None,
    ) -> JobDeployment:
        """Read the deployment of an existing job without managing it.

        :param resource_name: The Pulumi name to give the looked-up resource.
        :param id: ``"{projectId}/{jobId}"``, or ``"{teamId}/{projectId}/{jobId}"``.
        :param opts: Options for the resource.
        """
        installed = _pulumi_version()
        if installed < GET_NEEDS_PULUMI:
            raise RuntimeError(
                f"JobDeployment.get needs pulumi >= {'.'.join(map(str, GET_NEEDS_PULUMI))}.0 "
                f"(installed: {'.'.join(map(str, installed))}): before it, the plugin process "
                "cannot read a dynamic resource by its ID alone. Upgrade pulumi in the program's "
                "virtualenv."
            )
        resource = JobDeployment.__new__(JobDeployment)
        opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(id=id))
        resource._register(resource_name, {}, opts)
        return resource

    def _register(
        self, resource_name: str, props: dict[str, Any], opts: Optional[pulumi.ResourceOptions]
    ) -> None:
        # Every output needs a key in the props (None = computed), or its value has no attribute.
        props = {**dict.fromkeys(snake(name) for name in JOB_DEPLOYMENT.properties), **props}
        super().__init__(JobDeploymentProvider(), resource_name, props, opts)

    def translate_input_property(self, prop: str) -> str:
        return _TO_WIRE.get(prop, prop)

    def translate_output_property(self, prop: str) -> str:
        return _FROM_WIRE.get(prop, prop)
