"""Argument types of JobDeployment; each is also accepted as a dict with snake_case keys."""

from __future__ import annotations

from typing import Optional, TypedDict

import pulumi

__all__ = [
    "BuildpackRuntimeArgs",
    "BuildpackRuntimeArgsDict",
    "DockerRuntimeArgs",
    "DockerRuntimeArgsDict",
    "ExternalDeploymentArgs",
    "ExternalDeploymentArgsDict",
    "InternalDeploymentArgs",
    "InternalDeploymentArgsDict",
]


@pulumi.input_type
class ExternalDeploymentArgs:
    """Deploy an image from a container registry (Docker Hub, ghcr.io, ECR, a private one...)."""

    image_path: pulumi.Input[str] = pulumi.property("imagePath")
    credentials: Optional[pulumi.Input[str]] = pulumi.property("credentials", default=None)

    def __init__(
        self, image_path: pulumi.Input[str], credentials: Optional[pulumi.Input[str]] = None
    ) -> None:
        """
        :param image_path: The image to run, with a tag or a digest: ``nginx:1.27``,
               ``ghcr.io/acme/migrate:1.4.2`` or ``ghcr.io/acme/migrate@sha256:<digest>``.
               Images not on Docker Hub need the registry host.
        :param credentials: The ID of registry credentials saved in Northflank, for a private image.
        """
        pulumi.set(self, "image_path", image_path)
        pulumi.set(self, "credentials", credentials)


@pulumi.input_type
class InternalDeploymentArgs:
    """Deploy a build made by a Northflank build service."""

    id: Optional[pulumi.Input[str]] = pulumi.property("id", default=None)
    branch: Optional[pulumi.Input[str]] = pulumi.property("branch", default=None)
    build_sha: Optional[pulumi.Input[str]] = pulumi.property("buildSHA", default=None)
    build_id: Optional[pulumi.Input[str]] = pulumi.property("buildId", default=None)

    def __init__(
        self,
        id: Optional[pulumi.Input[str]] = None,  # noqa: A002 - the API's name for it
        branch: Optional[pulumi.Input[str]] = None,
        build_sha: Optional[pulumi.Input[str]] = None,
        build_id: Optional[pulumi.Input[str]] = None,
    ) -> None:
        """
        :param id: The ID of the build service whose builds to deploy (3 to 54 characters: a letter,
               then letters and digits with single hyphens between).
        :param branch: The branch to deploy builds of.
        :param build_sha: The commit to deploy: a 40-character SHA, or ``latest`` to keep deploying
               the newest commit of the branch.
        :param build_id: The ID of a specific build to deploy.
        """
        pulumi.set(self, "id", id)
        pulumi.set(self, "branch", branch)
        pulumi.set(self, "build_sha", build_sha)
        pulumi.set(self, "build_id", build_id)


@pulumi.input_type
class DockerRuntimeArgs:
    """Override the image's entrypoint and/or command."""

    config_type: pulumi.Input[str] = pulumi.property("configType")
    custom_entrypoint: Optional[pulumi.Input[str]] = pulumi.property(
        "customEntrypoint", default=None
    )
    custom_command: Optional[pulumi.Input[str]] = pulumi.property("customCommand", default=None)

    def __init__(
        self,
        config_type: pulumi.Input[str],
        custom_entrypoint: Optional[pulumi.Input[str]] = None,
        custom_command: Optional[pulumi.Input[str]] = None,
    ) -> None:
        """
        :param config_type: What to override: ``default`` (nothing), ``customEntrypoint``,
               ``customCommand`` or ``customEntrypointCustomCommand``.
        :param custom_entrypoint: The entrypoint to run; required when ``config_type`` is
               ``customEntrypoint`` or ``customEntrypointCustomCommand``.
        :param custom_command: The command to run; required when ``config_type`` is
               ``customCommand`` or ``customEntrypointCustomCommand``.
        """
        pulumi.set(self, "config_type", config_type)
        pulumi.set(self, "custom_entrypoint", custom_entrypoint)
        pulumi.set(self, "custom_command", custom_command)


@pulumi.input_type
class BuildpackRuntimeArgs:
    """What a buildpack-built image runs; only for internal builds or runtime-only changes."""

    config_type: pulumi.Input[str] = pulumi.property("configType")
    custom_process: Optional[pulumi.Input[str]] = pulumi.property("customProcess", default=None)
    custom_entrypoint: Optional[pulumi.Input[str]] = pulumi.property(
        "customEntrypoint", default=None
    )
    custom_command: Optional[pulumi.Input[str]] = pulumi.property("customCommand", default=None)

    def __init__(
        self,
        config_type: pulumi.Input[str],
        custom_process: Optional[pulumi.Input[str]] = None,
        custom_entrypoint: Optional[pulumi.Input[str]] = None,
        custom_command: Optional[pulumi.Input[str]] = None,
    ) -> None:
        """
        :param config_type: What to run: ``default``, ``customProcess``, ``customCommand``,
               ``customEntrypointCustomCommand`` or ``originalEntrypointCustomCommand``.
        :param custom_process: The buildpack process to run; required when ``config_type`` is
               ``customProcess``.
        :param custom_entrypoint: The entrypoint to run; required when ``config_type`` is
               ``customEntrypointCustomCommand``.
        :param custom_command: The command to run; required when ``config_type`` is
               ``customCommand``, ``customEntrypointCustomCommand`` or
               ``originalEntrypointCustomCommand``.
        """
        pulumi.set(self, "config_type", config_type)
        pulumi.set(self, "custom_process", custom_process)
        pulumi.set(self, "custom_entrypoint", custom_entrypoint)
        pulumi.set(self, "custom_command", custom_command)


# Dict forms (snake_case keys), typed for editors and mypy. Required keys live in a base class so
# that Python 3.10 needs no typing_extensions.


class _ExternalDeploymentRequired(TypedDict):
    image_path: pulumi.Input[str]


class ExternalDeploymentArgsDict(_ExternalDeploymentRequired, total=False):
    """Dict form of :class:`ExternalDeploymentArgs`."""

    credentials: pulumi.Input[str]


class InternalDeploymentArgsDict(TypedDict, total=False):
    """Dict form of :class:`InternalDeploymentArgs`."""

    id: pulumi.Input[str]
    branch: pulumi.Input[str]
    build_sha: pulumi.Input[str]
    build_id: pulumi.Input[str]


class _RuntimeRequired(TypedDict):
    config_type: pulumi.Input[str]


class DockerRuntimeArgsDict(_RuntimeRequired, total=False):
    """Dict form of :class:`DockerRuntimeArgs`."""

    custom_entrypoint: pulumi.Input[str]
    custom_command: pulumi.Input[str]


class BuildpackRuntimeArgsDict(_RuntimeRequired, total=False):
    """Dict form of :class:`BuildpackRuntimeArgs`."""

    custom_process: pulumi.Input[str]
    custom_entrypoint: pulumi.Input[str]
    custom_command: pulumi.Input[str]
