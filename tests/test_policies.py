"""The CrossGuard pack in policies/northflank: its rules on JobDeployments declared under mocks, its
policies as the engine calls them, and its example config against the policies' schemas."""

from __future__ import annotations

import json
import select
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

import grpc
import jsonschema
import pulumi
import pytest
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime import rpc
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc
from pulumi_policy import (
    EnforcementLevel,
    PolicyCustomTimeouts,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)
from pulumi_policy.policy import _PolicyAnalyzerServicer
from pulumi_policy.proxy import UNKNOWN_OBJECT_VALUE, UnknownValueError, unknown_checking_proxy

import pulumi_northflank as northflank

from .conftest import load_file
from .test_sdk import TYPE, Recorder

ROOT = Path(__file__).resolve().parents[1]
PACK_DIR = ROOT / "policies" / "northflank"
DIGEST = "sha256:" + "0123456789abcdef" * 4
BUILD = "test:index:Build"


def load_pack() -> ModuleType:
    """The pack's module, imported under another name: as ``__main__`` it would serve the pack."""
    return load_file(PACK_DIR / "__main__.py", "northflank_policy_pack")


pack = load_pack()


class PreviewCloud(Recorder):
    """Also mocks a build resource whose ID (here, the image digest) is unknown in a preview."""

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        if args.typ == BUILD:
            return "", {}
        return super().new_resource(args)


def declared(program: Callable[[], None], preview: bool = False) -> list[dict[str, Any]]:
    """The inputs of the JobDeployments ``program`` declares, as the engine receives them."""
    cloud = PreviewCloud()
    pulumi.runtime.set_mocks(cloud, project="northflank-policies", stack="test", preview=preview)

    @pulumi.runtime.test
    def run() -> None:  # returns once every registration has completed
        program()

    run()
    assert {resource.typ for resource in cloud.resources} == {TYPE}
    return [cloud.inputs(index) for index in range(len(cloud.resources))]


def deploy_image(image: str, credentials: str | None = None) -> dict[str, Any]:
    def program() -> None:
        northflank.JobDeployment(
            "job",
            project_id="p",
            job_id="job",
            external=northflank.ExternalDeploymentArgs(image_path=image, credentials=credentials),
        )

    [inputs] = declared(program)
    return inputs


#: image -> (violates in "tag" mode, violates in "digest" mode)
IMAGES = {
    "nginx": (True, True),
    "nginx:latest": (True, True),
    "ghcr.io/acme/app:latest": (True, True),
    "ghcr.io/acme/app:LATEST": (True, True),
    "ghcr.io/acme/app:1.2.3": (False, True),
    f"ghcr.io/acme/app@{DIGEST}": (False, False),
    "docker.io/library/nginx:1.27": (False, True),
    # a registry port is not a tag
    "registry.example.com:5000/app:1": (False, True),
    "registry.example.com:5000/app": (True, True),
    "localhost:5000/team/app:latest": (True, True),
    f"registry.example.com:5000/team/app@{DIGEST}": (False, False),
    # a digest must be one: sha256 and 64 lowercase hex digits
    "ghcr.io/acme/app@sha256:abc123": (True, True),
}


@pytest.mark.parametrize("image", IMAGES)
def test_image_pinning_on_declared_deployments(image: str) -> None:
    inputs = deploy_image(image, credentials="ghcr-creds")
    assert inputs["external"]["imagePath"] == image
    violates_tag, violates_digest = IMAGES[image]
    for require, violates in (("tag", violates_tag), ("digest", violates_digest)):
        message = pack.image_pin_violation(inputs, require)
        assert (message is not None) == violates, (require, message)
        if message:
            assert image in message
    assert pack.image_pin_violation(inputs) == pack.image_pin_violation(inputs, "tag")


def test_violations_say_how_to_pin() -> None:
    assert "pin a version tag or a digest" in pack.image_pin_violation(deploy_image("nginx"))
    message = pack.image_pin_violation(deploy_image("registry.example.com:5000/app:1"), "digest")
    assert "tag 1, which can be moved" in message
    assert "registry.example.com:5000/app@sha256:<digest>" in message


def test_only_allowed_credentials_pass() -> None:
    with_creds = deploy_image("ghcr.io/acme/app:1.2.3", credentials="ghcr-creds")
    assert pack.credentials_violation(with_creds, ["ghcr-creds", "ecr-prod"]) is None
    message = pack.credentials_violation(with_creds, ["ecr-prod"])
    assert message is not None and "'ghcr-creds'" in message and "ecr-prod" in message
    # the default, an empty list, reports every credentials ID
    assert "allowedCredentials" in pack.credentials_violation(with_creds, [])
    # without credentials there is nothing to report
    assert pack.credentials_violation(deploy_image("ghcr.io/acme/app:1.2.3"), []) is None


def test_deployments_without_an_external_image_pass_both_rules() -> None:
    def program() -> None:
        northflank.JobDeployment(
            "report",
            project_id="p",
            job_id="report",
            internal=northflank.InternalDeploymentArgs(id="report-builder", build_sha="latest"),
        )
        northflank.JobDeployment(
            "warmer", project_id="p", job_id="warmer", docker={"config_type": "default"}
        )

    for inputs in declared(program):
        assert "external" not in inputs
        assert pack.image_pin_violation(inputs, "digest") is None
        assert pack.credentials_violation(inputs, []) is None


def test_values_unknown_in_a_preview_are_not_violations() -> None:
    def program() -> None:
        build = pulumi.CustomResource(BUILD, "build", {})
        northflank.JobDeployment(
            "app",
            project_id="p",
            job_id="app",
            external=northflank.ExternalDeploymentArgs(
                image_path=pulumi.Output.concat("ghcr.io/acme/app@", build.id),
                credentials=build.id,
            ),
        )

    [inputs] = declared(program, preview=True)
    # under mocks an unknown arrives as pulumi's Unknown (or is left out, with pulumi 3.216)
    assert not isinstance(inputs["external"].get("imagePath"), str)
    assert pack.image_pin_violation(inputs, "digest") is None
    assert pack.credentials_violation(inputs, []) is None

    # the engine sends sentinels, behind a proxy that raises when one is read
    for external in ({"imagePath": rpc.UNKNOWN, "credentials": rpc.UNKNOWN}, UNKNOWN_OBJECT_VALUE):
        raw = {"projectId": "p", "jobId": "app", "external": external}
        props = unknown_checking_proxy(raw)
        with pytest.raises(UnknownValueError):
            props["external"]["imagePath"]
        for inputs in (props, raw):  # and the functions take the sentinels without the proxy too
            assert pack.image_pin_violation(inputs, "digest") is None
            assert pack.credentials_violation(inputs, []) is None

    # an unknown value does not hide a violation of the other rule
    props = unknown_checking_proxy({"external": {"imagePath": "nginx", "credentials": rpc.UNKNOWN}})
    assert pack.image_pin_violation(props) is not None
    assert pack.credentials_violation(props, []) is None


def validation_args(
    props: Mapping[str, Any], config: Mapping[str, Any] | None = None, resource_type: str = TYPE
) -> ResourceValidationArgs:
    """What the engine passes a resource validation: the inputs behind its proxy, the config."""
    options = PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), [])
    urn = f"urn:pulumi:test::northflank-policies::{resource_type}::job"
    proxy = unknown_checking_proxy(dict(props))
    return ResourceValidationArgs(resource_type, proxy, urn, "job", options, None, config)


def reported(
    policy: ResourceValidationPolicy,
    props: Mapping[str, Any],
    config: Mapping[str, Any] | None = None,
    resource_type: str = TYPE,
) -> list[str]:
    messages: list[str] = []

    def report_violation(message: str, urn: str | None = None) -> None:
        assert urn is None  # a resource validation reports against the resource itself
        messages.append(message)

    assert policy.validate(validation_args(props, config, resource_type), report_violation) is None
    return messages


def test_the_policies_read_their_config_and_report_through_the_callback() -> None:
    tagged = deploy_image("ghcr.io/acme/app:1.2.3", credentials="ghcr-creds")
    assert reported(pack.IMAGE_PINNED, tagged) == []  # default: require a tag
    assert reported(pack.IMAGE_PINNED, tagged, {"require": "tag"}) == []
    [message] = reported(pack.IMAGE_PINNED, tagged, {"require": "digest"})
    assert "ghcr.io/acme/app:1.2.3" in message
    assert len(reported(pack.IMAGE_PINNED, deploy_image("nginx:latest"))) == 1

    assert len(reported(pack.ALLOWED_CREDENTIALS, tagged)) == 1  # default: none allowed
    assert reported(pack.ALLOWED_CREDENTIALS, tagged, {"allowedCredentials": ["ghcr-creds"]}) == []
    assert len(reported(pack.ALLOWED_CREDENTIALS, tagged, {"allowedCredentials": ["x"]})) == 1


def test_the_policies_match_only_job_deployments() -> None:
    lookalike = {"external": {"imagePath": "nginx", "credentials": "anything"}}
    for policy in (pack.IMAGE_PINNED, pack.ALLOWED_CREDENTIALS):
        assert reported(policy, lookalike, resource_type="aws:ecs/service:Service") == []
        assert len(reported(policy, lookalike)) == 1


def test_names_defaults_and_config_schemas() -> None:
    assert pack.JOB_DEPLOYMENT == TYPE
    policies = {policy.name: policy for policy in pack.POLICIES}
    assert set(policies) == {
        "northflank-image-pinned",
        "northflank-allowed-credentials",
        "northflank-no-double-runs",
        "northflank-job-run-settings-declared",
    }
    for name in ("northflank-image-pinned", "northflank-allowed-credentials"):
        assert isinstance(policies[name], ResourceValidationPolicy)
        assert policies[name].enforcement_level == EnforcementLevel.ADVISORY
    assert policies["northflank-no-double-runs"].enforcement_level == EnforcementLevel.MANDATORY
    advisory = policies["northflank-job-run-settings-declared"]
    assert advisory.enforcement_level == EnforcementLevel.ADVISORY
    pinned = policies["northflank-image-pinned"].config_schema
    assert pinned is not None
    assert pinned.properties["require"]["enum"] == ["digest", "tag"]
    assert pinned.properties["require"]["default"] == "tag"
    allowed = policies["northflank-allowed-credentials"].config_schema
    assert allowed is not None
    assert allowed.properties["allowedCredentials"]["type"] == "array"
    assert allowed.properties["allowedCredentials"]["default"] == []


def example_config() -> dict[str, Any]:
    return dict(json.loads((PACK_DIR / "policy-config.json").read_text()))


def json_schema(policy: Any) -> dict[str, Any]:
    """The JSON schema the engine checks a policy's config against (enforcementLevel aside)."""
    assert policy.config_schema is not None
    return {"type": "object", "properties": policy.config_schema.properties}


def test_the_example_config_fits_the_schemas() -> None:
    config = example_config()
    policies = {policy.name: policy for policy in pack.POLICIES}
    assert set(config) <= set(policies)
    for name, settings in config.items():
        assert settings.pop("enforcementLevel") in {"advisory", "mandatory"}
        jsonschema.validate(settings, json_schema(policies[name]))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"require": "latest"}, json_schema(pack.IMAGE_PINNED))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(
            {"allowedCredentials": "ghcr-creds"}, json_schema(pack.ALLOWED_CREDENTIALS)
        )


def struct(value: Mapping[str, Any]) -> struct_pb2.Struct:
    message = struct_pb2.Struct()
    message.update(value)
    return message


def test_through_the_analyzer_the_engine_calls() -> None:
    """The request path of `pulumi preview --policy-pack`: the engine's config, then each resource's
    inputs as a protobuf struct, into the servicer PolicyPack serves over gRPC."""
    # Any: the servicer's gRPC methods are not annotated.
    analyzer: Any = _PolicyAnalyzerServicer(
        "northflank", "0.1.0", list(pack.POLICIES), EnforcementLevel.ADVISORY
    )
    levels = {"advisory": analyzer_pb2.ADVISORY, "mandatory": analyzer_pb2.MANDATORY}
    config = {
        name: analyzer_pb2.PolicyConfig(
            enforcementLevel=levels[settings.pop("enforcementLevel")], properties=struct(settings)
        )
        for name, settings in example_config().items()
    }
    analyzer.Configure(analyzer_pb2.ConfigureAnalyzerRequest(policyConfig=config), None)

    def analyze(inputs: dict[str, Any]) -> dict[str, int]:
        request = analyzer_pb2.AnalyzeRequest(
            type=TYPE, properties=struct(inputs), urn=f"urn:pulumi:test::p::{TYPE}::job", name="job"
        )
        response = analyzer.Analyze(request, None)
        return {d.policyName: d.enforcementLevel for d in response.diagnostics}

    # the example config: unpinned images are mandatory violations, ghcr-creds is allowed
    assert analyze(deploy_image("ghcr.io/acme/app:1.2.3", "ghcr-creds")) == {}
    assert analyze(deploy_image("ghcr.io/acme/app:latest", "other-creds")) == {
        "northflank-image-pinned": analyzer_pb2.MANDATORY,
        "northflank-allowed-credentials": analyzer_pb2.ADVISORY,
    }
    # unknown values: no violation, and no "can't run policy during preview" notice either
    assert analyze({"external": {"imagePath": rpc.UNKNOWN, "credentials": rpc.UNKNOWN}}) == {}


@pytest.mark.slow
def test_the_pack_serves_its_policies_when_run_as_the_cli_runs_it() -> None:
    """`pulumi preview --policy-pack` starts `python -u -m pulumi.policy <engine> <pack>`, reads the
    port the pack prints, and talks gRPC to it: so the pack must start when run that way."""
    process = subprocess.Popen(
        [sys.executable, "-u", "-m", "pulumi.policy", "127.0.0.1:1", str(PACK_DIR)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None and process.stderr is not None
        ready, _, _ = select.select([process.stdout], [], [], 60)
        line = process.stdout.readline() if ready else ""
        if not line.strip().isdigit():
            process.kill()
            pytest.fail(f"the pack printed no port ({line!r}): {process.communicate(timeout=30)}")
        with grpc.insecure_channel(f"127.0.0.1:{line.strip()}") as channel:
            analyzer = analyzer_pb2_grpc.AnalyzerStub(channel)
            info = analyzer.GetAnalyzerInfo(empty_pb2.Empty(), timeout=30)
            assert info.name == "northflank"
            declared_policies = {policy.name: policy for policy in info.policies}
            assert set(declared_policies) == {
                "northflank-image-pinned",
                "northflank-allowed-credentials",
                "northflank-no-double-runs",
                "northflank-job-run-settings-declared",
            }
            assert declared_policies["northflank-no-double-runs"].enforcementLevel == (
                analyzer_pb2.MANDATORY
            )
            schema = declared_policies["northflank-image-pinned"].configSchema.properties
            assert list(schema["require"]["enum"]) == ["digest", "tag"]

            inputs = deploy_image("nginx:latest", "ghcr-creds")
            request = analyzer_pb2.AnalyzeRequest(
                type=TYPE,
                properties=struct(inputs),
                urn=f"urn:pulumi:t::p::{TYPE}::job",
                name="job",
            )
            response = analyzer.Analyze(request, timeout=30)
            assert {d.policyName for d in response.diagnostics} == {
                "northflank-image-pinned",
                "northflank-allowed-credentials",
            }
    finally:
        process.terminate()
        process.wait(timeout=30)


RUN = "pulumi-python:dynamic/northflank:JobRun"
SETTINGS = "pulumi-python:dynamic/northflank:JobSettings"
JOB = {"projectId": "shop", "jobId": "db-migrate"}


def stack(*resources: tuple[str, dict[str, Any]]) -> list[Any]:
    return [
        pack.StackResource(kind, f"urn:pulumi:t::p::{kind}::r{n}", props)
        for n, (kind, props) in enumerate(resources)
    ]


def test_a_job_run_of_a_job_that_northflank_also_runs_is_a_mandatory_violation() -> None:
    double = stack((SETTINGS, {**JOB, "runOnSourceChange": "always"}), (RUN, JOB))
    [(urn, message)] = pack.double_run_violations(double)
    assert urn.endswith("::r1") and "run_on_source_change='never'" in message
    assert pack.undeclared_settings_violations(double) == []
    single = stack((SETTINGS, {**JOB, "runOnSourceChange": "never"}), (RUN, JOB))
    assert pack.double_run_violations(single) == []
    assert pack.undeclared_settings_violations(single) == []


def test_a_job_run_whose_job_has_no_settings_is_an_advisory_violation_naming_the_fix() -> None:
    alone = stack((RUN, JOB), (SETTINGS, {"projectId": "shop", "jobId": "other"}))
    assert pack.double_run_violations(alone) == []
    [(urn, message)] = pack.undeclared_settings_violations(alone)
    assert urn.endswith("::r0") and "JobSettings(..., run_on_source_change='never')" in message


def test_the_stack_policies_through_the_analyzer() -> None:
    analyzer: Any = _PolicyAnalyzerServicer(
        "northflank", "0.1.0", list(pack.POLICIES), EnforcementLevel.ADVISORY
    )
    resources = [
        analyzer_pb2.AnalyzerResource(
            type=kind, properties=struct(props), urn=f"urn:pulumi:t::p::{kind}::r{n}", name=f"r{n}"
        )
        for n, (kind, props) in enumerate(
            [(SETTINGS, {**JOB, "runOnSourceChange": "always"}), (RUN, JOB)]
        )
    ]
    response = analyzer.AnalyzeStack(analyzer_pb2.AnalyzeStackRequest(resources=resources), None)
    assert {(d.policyName, d.enforcementLevel, d.urn) for d in response.diagnostics} == {
        ("northflank-no-double-runs", analyzer_pb2.MANDATORY, f"urn:pulumi:t::p::{RUN}::r1")
    }
