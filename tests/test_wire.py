"""Unit tests of the wire format: every rule of check(), and the bodies built for the API."""

from __future__ import annotations

from typing import Any

import pytest
from pulumi.output import Unknown

from northflank_emulator.schema import validate_deployment_body
from pulumi_northflank_provider.job_deployment import BODY

IDS = {"projectId": "demo-project", "jobId": "db-migrate"}

# The three example bodies of the endpoint's documentation, verbatim.
DOC_EXTERNAL = {
    "external": {"imagePath": "nginx:latest", "credentials": "example-credentials"},
    "docker": {"configType": "default"},
}
DOC_INTERNAL = {
    "internal": {
        "id": "example-build-service",
        "branch": "master",
        "buildSHA": "latest",
        "buildId": "premium-guide-6393",
    },
    "docker": {"configType": "default"},
}
DOC_RUNTIME_ONLY = {"docker": {"configType": "default"}}


def failures(bag: dict[str, Any]) -> list[str]:
    return [path for path, _ in BODY.validate({**IDS, **bag})]


def reasons(bag: dict[str, Any]) -> list[str]:
    return [reason for _, reason in BODY.validate({**IDS, **bag})]


@pytest.mark.parametrize(
    "body",
    [DOC_EXTERNAL, DOC_INTERNAL, DOC_RUNTIME_ONLY],
    ids=["external", "internal", "runtime-only"],
)
def test_documented_examples_are_valid_and_sent_verbatim(body: dict[str, Any]) -> None:
    assert failures(body) == []
    assert BODY.to_request({**IDS, **body, "__provider": "blob"}) == body
    assert validate_deployment_body(body) == []


def test_the_request_body_drops_path_parameters_provider_and_read_only_outputs() -> None:
    bag = {**IDS, **DOC_EXTERNAL, "__provider": "blob", "registryProvider": "dockerhub"}
    assert BODY.to_request(bag) == DOC_EXTERNAL
    assert BODY.managed(bag) == {**IDS, **DOC_EXTERNAL}


def test_an_empty_body_changes_nothing_and_is_valid() -> None:
    assert failures({}) == []
    assert BODY.to_request(IDS) == {}


@pytest.mark.parametrize(
    "image",
    [
        "nginx:latest",
        "library/nginx:1.25",
        "my_app:tag",
        "UPPER/App:Tag",
        "ghcr.io/org/app:1.2.3",
        "https://ghcr.io/org/app:tag",
        "docker.io/library/nginx:1",
        "ghcr.io/org/app@sha256:" + "a" * 64,
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:v1",
        "registry.example.com:5000/app:tag",
        "registry.example.com:5000/app",  # documented quirk: the "tag" group swallows the port
    ],
)
def test_image_paths_northflank_accepts(image: str) -> None:
    assert failures({"external": {"imagePath": image}}) == []


@pytest.mark.parametrize(
    "image",
    [
        "nginx",
        "nginx:",
        "ghcr.io/org/app",
        "ghcr.io/org/app:1.2.3@sha256:" + "a" * 64,
        "nginx:1 2",
        "nginx:latest\n",  # ECMAScript's $ does not match before a trailing newline
        "",
    ],
)
def test_image_paths_northflank_rejects(image: str) -> None:
    assert failures({"external": {"imagePath": image}}) == ["external.imagePath"]
    assert "tag or a digest" in reasons({"external": {"imagePath": image}})[0]


def test_external_needs_an_image_path() -> None:
    assert reasons({"external": {"credentials": "c"}}) == ["external.imagePath is required"]


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("ghcr-creds", True),
        ("A1-b2", True),
        ("with_underscore", False),
        ("", False),
        ("x y", False),
        ("creds\n", False),
    ],
)
def test_credentials_pattern(value: str, ok: bool) -> None:
    assert failures({"external": {"imagePath": "nginx:1", "credentials": value}}) == (
        [] if ok else ["external.credentials"]
    )


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("abc", True),
        ("example-build-service", True),
        ("a" * 54, True),
        ("ab", False),
        ("a" * 55, False),
        ("1abc", False),
        ("ab--c", False),
        ("abc-", False),
        ("ab_c", False),
    ],
)
def test_internal_id_pattern_and_length(value: str, ok: bool) -> None:
    assert failures({"internal": {"id": value}}) == ([] if ok else ["internal.id"])


def test_internal_id_reports_every_broken_rule_at_once() -> None:
    assert reasons({"internal": {"id": "1"}}) == [
        "internal.id must be a build service ID: a letter, then letters and digits, with single "
        "hyphens between and 3 to 54 characters long"
    ]


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("latest", True),
        ("a" * 40, True),
        ("a" * 39, False),
        ("a" * 41, False),
        ("LATEST", False),
        ("", False),
    ],
)
def test_build_sha_is_forty_characters_or_latest(value: str, ok: bool) -> None:
    assert failures({"internal": {"buildSHA": value}}) == ([] if ok else ["internal.buildSHA"])


def test_every_internal_key_is_optional() -> None:
    assert failures({"internal": {}}) == []


@pytest.mark.parametrize(
    "config_type", ["default", "customEntrypoint", "customCommand", "customEntrypointCustomCommand"]
)
def test_docker_config_types(config_type: str) -> None:
    docker = {"configType": config_type, "customEntrypoint": "/e", "customCommand": "c"}
    assert failures({"docker": docker}) == []


@pytest.mark.parametrize(
    "config_type",
    [
        "default",
        "customProcess",
        "customCommand",
        "customEntrypointCustomCommand",
        "originalEntrypointCustomCommand",
    ],
)
def test_buildpack_config_types(config_type: str) -> None:
    buildpack = {
        "configType": config_type,
        "customProcess": "p",
        "customEntrypoint": "/e",
        "customCommand": "c",
    }
    assert failures({"buildpack": buildpack}) == []


def test_unknown_config_types_name_the_allowed_values() -> None:
    assert reasons({"docker": {"configType": "customProcess"}}) == [
        "docker.configType must be one of default, customEntrypoint, customCommand, "
        "customEntrypointCustomCommand"
    ]
    assert failures({"buildpack": {"configType": "customEntrypoint"}}) == ["buildpack.configType"]
    assert reasons({"docker": {}}) == ["docker.configType is required"]


@pytest.mark.parametrize(
    ("block", "config_type", "needed"),
    [
        ("docker", "customEntrypoint", ["customEntrypoint"]),
        ("docker", "customCommand", ["customCommand"]),
        ("docker", "customEntrypointCustomCommand", ["customEntrypoint", "customCommand"]),
        ("buildpack", "customProcess", ["customProcess"]),
        ("buildpack", "customCommand", ["customCommand"]),
        ("buildpack", "customEntrypointCustomCommand", ["customEntrypoint", "customCommand"]),
        ("buildpack", "originalEntrypointCustomCommand", ["customCommand"]),
    ],
)
def test_custom_fields_required_by_config_type(
    block: str, config_type: str, needed: list[str]
) -> None:
    assert failures({block: {"configType": config_type}}) == [f"{block}.{n}" for n in needed]
    assert reasons({block: {"configType": config_type}})[0].endswith(
        f"is required when {block}.configType is {config_type}"
    )


def test_custom_fields_beside_default_are_allowed_as_the_schema_allows_them() -> None:
    assert failures({"docker": {"configType": "default", "customCommand": "ignored"}}) == []


def test_variants_are_exclusive() -> None:
    assert failures({"external": {"imagePath": "nginx:1"}, "internal": {}}) == ["internal"]
    assert failures(
        {"external": {"imagePath": "nginx:1"}, "buildpack": {"configType": "default"}}
    ) == ["buildpack"]
    assert (
        failures(
            {
                "internal": {},
                "buildpack": {"configType": "default"},
                "docker": {"configType": "default"},
            }
        )
        == []
    )
    assert failures({"buildpack": {"configType": "default"}}) == []


def test_unknown_keys_and_wrong_types() -> None:
    assert failures({"region": "eu"}) == ["region"]
    assert failures({"external": {"imagePath": "nginx:1", "image_path": "x"}}) == [
        "external.image_path"
    ]
    assert reasons({"external": "nginx:1"}) == ["external must be an object, not str"]
    assert reasons({"docker": {"configType": 1.0}}) == [
        "docker.configType must be a string, not a number"
    ]
    assert failures({"projectId": "a/b"}) == ["projectId"]
    assert [p for p, _ in BODY.validate({})] == ["projectId", "jobId"]


def test_unknown_values_are_accepted_wherever_they_stand() -> None:
    unknown = Unknown()  # type: ignore[no-untyped-call]
    assert failures({"external": {"imagePath": unknown, "credentials": unknown}}) == []
    assert failures({"external": unknown, "docker": unknown}) == []
    assert failures({"docker": {"configType": unknown}}) == []  # the custom* rule waits for it
    assert BODY.validate({"projectId": unknown, "jobId": unknown}) == []
    # but an unknown value does not hide a rule it cannot affect
    assert failures({"external": unknown, "buildpack": {"configType": "default"}}) == ["buildpack"]
