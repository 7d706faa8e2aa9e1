"""Composition with other resources, under mocks: the other providers are mocked, our inputs are
asserted, including the preview where the image is not known yet."""

from __future__ import annotations

import runpy
from pathlib import Path
from typing import Any

import pulumi
import pytest
from pulumi.output import Unknown

from pulumi_northflank_provider.job_deployment import BODY

ROOT = Path(__file__).resolve().parents[1]
TYPE = "pulumi-python:dynamic/northflank:JobDeployment"
DIGEST = "sha256:" + "4" * 64


class Cloud(pulumi.runtime.Mocks):
    """Mocks every provider: docker-build's Image and StackReference answer like the real ones;
    our JobDeployment is recorded. During a preview, the built image is not known yet."""

    def __init__(self, preview: bool, build_stack_outputs: dict[str, Any] | None = None) -> None:
        self.preview = preview
        self.build_stack_outputs = build_stack_outputs or {}
        self.deployments: list[dict[str, Any]] = []
        self.types: list[str] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        self.types.append(args.typ)
        if args.typ == "docker-build:index:Image":
            if self.preview:
                return "", {}  # outputs of a resource that is still to be built are unknown
            tag = args.inputs["tags"][0]
            return "image", {**args.inputs, "digest": DIGEST, "ref": f"{tag}@{DIGEST}"}
        if args.typ == "pulumi:pulumi:StackReference":
            return args.name, {"name": args.name, "outputs": self.build_stack_outputs}
        if args.typ == TYPE:
            self.deployments.append({k: v for k, v in args.inputs.items() if k != "__provider"})
        return f"{args.name}-id", args.inputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[Any]]:
        return {}, []


def run_example(example: str, cloud: Cloud, config: dict[str, str]) -> dict[str, Any]:
    project = f"northflank-{example}"
    pulumi.runtime.set_mocks(cloud, project=project, stack="prod", preview=cloud.preview)
    pulumi.runtime.set_all_config({f"{project}:{k}": v for k, v in config.items()})

    @pulumi.runtime.test
    def program() -> None:
        runpy.run_path(str(ROOT / "examples" / example / "__main__.py"), run_name="__main__")

    try:
        program()
    finally:
        pulumi.runtime.set_all_config({})
    [deployment] = cloud.deployments
    return deployment


def test_an_image_built_by_docker_build_is_deployed_by_its_digest() -> None:
    cloud = Cloud(preview=False)
    inputs = run_example("docker-image", cloud, {"registryUser": "ci", "registryPassword": "pw"})
    assert "docker-build:index:Image" in cloud.types
    assert inputs["external"] == {
        "imagePath": f"ghcr.io/acme/migrate@{DIGEST}",
        "credentials": "ghcr-creds",
    }
    assert BODY.validate(inputs) == []


def test_in_preview_the_unbuilt_image_is_unknown_and_check_accepts_it() -> None:
    inputs = run_example(
        "docker-image", Cloud(preview=True), {"registryUser": "ci", "registryPassword": "pw"}
    )
    # The mock monitor passes an unknown value as Unknown (pulumi >= 3.2xx) or drops it (3.216).
    image = inputs["external"].get("imagePath", Unknown())  # type: ignore[no-untyped-call]
    assert isinstance(image, Unknown)
    assert inputs["external"]["credentials"] == "ghcr-creds"
    assert BODY.validate({**inputs, "external": {**inputs["external"], "imagePath": image}}) == []


@pytest.mark.parametrize(
    ("config", "stack_outputs", "image"),
    [
        ({}, {"imageTag": "1.5.0"}, "ghcr.io/acme/migrate:1.5.0"),
        ({"imageTag": "2.0.1"}, {"imageTag": "1.5.0"}, "ghcr.io/acme/migrate:2.0.1"),
    ],
    ids=["from-the-build-stack", "pinned-in-config"],
)
def test_the_tag_comes_from_a_stack_reference_or_config(
    config: dict[str, str], stack_outputs: dict[str, Any], image: str
) -> None:
    cloud = Cloud(preview=False, build_stack_outputs=stack_outputs)
    inputs = run_example("stack-reference", cloud, config)
    assert inputs["external"]["imagePath"] == image
    assert ("pulumi:pulumi:StackReference" in cloud.types) is (not config)
    assert BODY.validate(inputs) == []
