"""Unit tests of the wire format: every rule of check(), and the bodies built for the API."""

from __future__ import annotations

from typing import Any

import pytest
from pulumi.output import Unknown

from northflank_emulator.schema import validate_deployment_body
from pulumi_northflank_provider.declaration import Problem
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
    assert BODY.inputs_of(bag) == {**IDS, **DOC_EXTERNAL}


def test_a_declaration_with_nothing_to_manage_is_refused_saying_what_to_add() -> None:
    assert validate_deployment_body({}) == []  # Northflank would accept it, and do nothing
    assert BODY.problems(IDS) == [
        Problem(
            "",
            "nothing to manage: declare a deployment source (external or internal), a runtime "
            "block (docker or buildpack), or both",
            ours=True,
        )
    ]
    unknown = Unknown()  # type: ignore[no-untyped-call]
    assert failures({"docker": unknown}) == []  # a block not known yet is still a block


def ours(bag: dict[str, Any]) -> list[tuple[str, bool]]:
    return [(p.path, p.ours) for p in BODY.problems({**IDS, **bag})]


@pytest.mark.parametrize(
    ("image", "ok"),
    [
        ("ghcr.io/org/app@sha256:" + "a" * 64, True),
        ("app@sha512:" + "0" * 128, True),
        ("app@sha256:abc", False),  # Northflank's pattern takes it; the pull would fail
        ("app@sha256:" + "A" * 64, False),
        ("app@sha256:" + "a" * 63, False),
        ("app@md5:" + "a" * 20, False),
        ("app@latest", False),
        ("app@sha256:" + "g" * 64, False),
    ],
)
def test_a_digest_must_be_an_algorithm_and_its_hex(image: str, ok: bool) -> None:
    assert ours({"external": {"imagePath": image}}) == (
        [] if ok else [("external.imagePath", True)]
    )
    if not ok:
        assert validate_deployment_body({"external": {"imagePath": image}}) == []
        assert "<algorithm>:<lower-case hex>" in reasons({"external": {"imagePath": image}})[0]


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
    ("value", "problems"),
    [
        ("latest", []),
        ("0123456789abcdef" * 2 + "01234567", []),
        ("a" * 39, [("internal.buildSHA", False)]),
        ("a" * 41, [("internal.buildSHA", False)]),
        ("LATEST", [("internal.buildSHA", False)]),
        ("", [("internal.buildSHA", False)]),
        ("A" * 40, [("internal.buildSHA", True)]),  # 40 characters pass Northflank's schema
        ("g" * 40, [("internal.buildSHA", True)]),
        ("a" * 39 + "\n", [("internal.buildSHA", True)]),
    ],
)
def test_build_sha_is_a_lower_case_hex_commit_or_latest(
    value: str, problems: list[tuple[str, bool]]
) -> None:
    assert ours({"internal": {"buildSHA": value}}) == problems


@pytest.mark.parametrize("key", ["projectId", "jobId", "teamId"])
def test_ids_have_a_sane_length(key: str) -> None:
    assert ours({key: "j" * 100, "docker": {"configType": "default"}}) == []
    assert ours({key: "j" * 101, "docker": {"configType": "default"}}) == [(key, True)]
    assert reasons({key: "j" * 10_000, "docker": {"configType": "default"}}) == [
        f"{key} must be 1 to 100 characters long"
    ]


def test_credentials_have_a_sane_length() -> None:
    image = {"imagePath": "nginx:1"}
    assert ours({"external": {**image, "credentials": "c" * 100}}) == []
    assert ours({"external": {**image, "credentials": "c" * 101}}) == [
        ("external.credentials", True)
    ]


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


@pytest.mark.parametrize("blank", ["", "  ", "\t\n"])
def test_a_custom_value_the_config_type_needs_must_not_be_blank(blank: str) -> None:
    assert ours({"docker": {"configType": "customCommand", "customCommand": blank}}) == [
        ("docker.customCommand", True)
    ]
    assert reasons({"buildpack": {"configType": "customProcess", "customProcess": blank}}) == [
        "buildpack.customProcess must not be empty when buildpack.configType is customProcess"
    ]
    # a blank value the configType does not use is ignored by Northflank, and so by check()
    assert ours({"docker": {"configType": "customEntrypoint", "customEntrypoint": "/e",
                            "customCommand": blank}}) == []  # fmt: skip


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
    assert failures({"region": "eu", "docker": {"configType": "default"}}) == ["region"]
    assert failures({"external": {"imagePath": "nginx:1", "image_path": "x"}}) == [
        "external.image_path"
    ]
    assert reasons({"external": "nginx:1"}) == ["external must be an object, not str"]
    assert reasons({"docker": {"configType": 1.0}}) == [
        "docker.configType must be a string, not a number"
    ]
    assert failures({"projectId": "a/b", "docker": {"configType": "default"}}) == ["projectId"]
    assert [p for p, _ in BODY.validate({})] == ["projectId", "jobId", ""]


def test_unknown_values_are_accepted_wherever_they_stand() -> None:
    unknown = Unknown()  # type: ignore[no-untyped-call]
    assert failures({"external": {"imagePath": unknown, "credentials": unknown}}) == []
    assert failures({"external": unknown, "docker": unknown}) == []
    assert failures({"docker": {"configType": unknown}}) == []  # the custom* rule waits for it
    assert BODY.validate({"projectId": unknown, "jobId": unknown, "docker": unknown}) == []
    # but an unknown value does not hide a rule it cannot affect
    assert failures({"external": unknown, "buildpack": {"configType": "default"}}) == ["buildpack"]


MIGRATE_COMMAND = {"configType": "customCommand", "customCommand": "python migrate.py"}


@pytest.mark.parametrize(
    ("previous", "now", "sent"),
    [
        # a declared block removed from the program is reset
        (
            {"external": {"imagePath": "app:1"}, "docker": MIGRATE_COMMAND},
            {"external": {"imagePath": "app:2"}},
            {"external": {"imagePath": "app:2"}, "docker": {"configType": "default"}},
        ),
        (
            {"internal": {"id": "builder"}, "buildpack": {"configType": "customProcess",
                                                         "customProcess": "web"}},
            {"internal": {"id": "builder"}},
            {"internal": {"id": "builder"}, "buildpack": {"configType": "default"}},
        ),
        # a block never declared stays unmanaged
        (
            {"external": {"imagePath": "app:1"}},
            {"external": {"imagePath": "app:2"}},
            {"external": {"imagePath": "app:2"}},
        ),
        # a block still declared is sent as declared
        (
            {"docker": MIGRATE_COMMAND, "buildpack": {"configType": "default"}},
            {"docker": {"configType": "default"}},
            {"docker": {"configType": "default"}, "buildpack": {"configType": "default"}},
        ),
        # buildpack settings do not apply to an external image: not sent (the schema forbids it)
        (
            {"internal": {"id": "builder"}, "buildpack": {"configType": "default"}},
            {"external": {"imagePath": "app:1"}},
            {"external": {"imagePath": "app:1"}},
        ),
    ],
    ids=["docker-removed", "buildpack-removed", "never-declared", "kept", "not-with-external"],
)  # fmt: skip
def test_removing_a_runtime_block_resets_it(
    previous: dict[str, Any], now: dict[str, Any], sent: dict[str, Any]
) -> None:
    assert BODY.to_request({**IDS, **now}, {**IDS, **previous, "__provider": "blob"}) == sent
    assert validate_deployment_body(sent) == []
