"""Pulumi resources for Northflank.

>>> import pulumi_northflank as northflank
>>> northflank.JobDeployment("db-migrate", project_id="my-project", job_id="db-migrate",
...     external=northflank.ExternalDeploymentArgs(image_path="ghcr.io/acme/migrate:1.4.2"))
"""

from pulumi_northflank_provider._version import __version__

from . import outputs
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
from .job_deployment import JobDeployment, JobDeploymentArgs, JobDeploymentArgsDict
from .job_run import JobRun, JobRunArgs, JobRunArgsDict, JobRunStatus

__all__ = [
    "BuildpackRuntimeArgs",
    "BuildpackRuntimeArgsDict",
    "DockerRuntimeArgs",
    "DockerRuntimeArgsDict",
    "ExternalDeploymentArgs",
    "ExternalDeploymentArgsDict",
    "InternalDeploymentArgs",
    "InternalDeploymentArgsDict",
    "JobDeployment",
    "JobDeploymentArgs",
    "JobDeploymentArgsDict",
    "JobRun",
    "JobRunArgs",
    "JobRunArgsDict",
    "JobRunStatus",
    "__version__",
    "outputs",
]
