"""Output types of JobDeployment: the resolved form of each argument type."""

from __future__ import annotations

from typing import Optional

import pulumi

__all__ = ["BuildpackRuntime", "DockerRuntime", "ExternalDeployment", "InternalDeployment"]


@pulumi.output_type
class ExternalDeployment:
    """The image a job deploys (see :class:`~pulumi_northflank.ExternalDeploymentArgs`)."""

    image_path: str = pulumi.property("imagePath")
    credentials: Optional[str] = pulumi.property("credentials", default=None)


@pulumi.output_type
class InternalDeployment:
    """The build a job deploys (see :class:`~pulumi_northflank.InternalDeploymentArgs`)."""

    id: Optional[str] = pulumi.property("id", default=None)
    branch: Optional[str] = pulumi.property("branch", default=None)
    build_sha: Optional[str] = pulumi.property("buildSHA", default=None)
    build_id: Optional[str] = pulumi.property("buildId", default=None)


@pulumi.output_type
class DockerRuntime:
    """Docker entrypoint/command overrides (see :class:`~pulumi_northflank.DockerRuntimeArgs`)."""

    config_type: str = pulumi.property("configType")
    custom_entrypoint: Optional[str] = pulumi.property("customEntrypoint", default=None)
    custom_command: Optional[str] = pulumi.property("customCommand", default=None)


@pulumi.output_type
class BuildpackRuntime:
    """Buildpack run settings (see :class:`~pulumi_northflank.BuildpackRuntimeArgs`)."""

    config_type: str = pulumi.property("configType")
    custom_process: Optional[str] = pulumi.property("customProcess", default=None)
    custom_entrypoint: Optional[str] = pulumi.property("customEntrypoint", default=None)
    custom_command: Optional[str] = pulumi.property("customCommand", default=None)
