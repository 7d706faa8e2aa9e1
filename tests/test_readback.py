"""Unit tests of the read-back rules, including what the provider cannot tell (no false drift)."""

from __future__ import annotations

from typing import Any

import pytest

from pulumi_northflank_provider import image_ref, log
from pulumi_northflank_provider.job_deployment import BODY
from pulumi_northflank_provider.readback import as_declared, reconcile

IDS = {"projectId": "p", "jobId": "j"}


def run(declared: dict[str, Any], live: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    notes: list[str] = []
    outs = reconcile(BODY, {**IDS, **declared}, live, notes.append)
    return {k: v for k, v in outs.items() if k not in IDS}, notes


def external(path: str, provider: str = "dockerhub", private: bool = False) -> dict[str, Any]:
    return {"external": {"imagePath": path, "registryProvider": provider, "privateImage": private}}


@pytest.mark.parametrize(
    ("reference", "host", "name"),
    [
        ("nginx:1", None, "nginx:1"),
        ("library/nginx:1", None, "nginx:1"),
        ("docker.io/library/nginx:1", None, "nginx:1"),
        ("index.docker.io/acme/app:1", None, "acme/app:1"),
        ("https://ghcr.io/acme/app:1", "ghcr.io", "acme/app:1"),
        ("GHCR.IO/acme/app:1", "ghcr.io", "acme/app:1"),
        ("registry.example.com:5000/v1/team/app:t", "registry.example.com:5000", "team/app:t"),
        ("localhost:5000/app@sha256:abc", "localhost:5000", "app@sha256:abc"),
        ("acme/library/app:1", None, "acme/library/app:1"),
    ],
)
def test_image_references_split_as_registries_do(
    reference: str, host: str | None, name: str
) -> None:
    assert image_ref.parse(reference) == image_ref.ImageRef(host, name)


def test_the_host_and_the_library_prefix_are_not_drift() -> None:
    outs, _ = run({"external": {"imagePath": "docker.io/library/nginx:1"}}, external("nginx:1"))
    assert outs == {
        "external": {"imagePath": "docker.io/library/nginx:1"},
        "registryProvider": "dockerhub",
        "privateImage": False,
    }


def test_a_host_kept_by_the_api_is_understood_too() -> None:
    outs, _ = run({"external": {"imagePath": "ghcr.io/a/b:1"}}, external("ghcr.io/a/b:1", "github"))
    assert outs["external"] == {"imagePath": "ghcr.io/a/b:1"}
    outs, _ = run({"external": {"imagePath": "ghcr.io/a/b:1"}}, external("quay.io/a/b:1", "custom"))
    assert outs["external"] == {"imagePath": "quay.io/a/b:1"}  # another host: drift


def test_credentials_are_never_returned_so_they_are_kept() -> None:
    declared = {"external": {"imagePath": "ghcr.io/a/b:1", "credentials": "c"}}
    outs, _ = run(declared, external("a/b:2", "github", private=True))
    assert outs["external"] == {"imagePath": "ghcr.io/a/b:2", "credentials": "c"}


def test_an_unknown_registry_provider_is_noted_not_compared() -> None:
    outs, notes = run({"external": {"imagePath": "reg.example.com/a:1"}}, external("a:1", "legacy"))
    assert outs["external"] == {"imagePath": "reg.example.com/a:1"}
    assert notes == ["registryProvider 'legacy' is not compared with host 'reg.example.com'"]


def test_a_registry_that_moved_is_drift_shown_with_a_telling_host() -> None:
    outs, _ = run({"external": {"imagePath": "a/b:1"}}, external("a/b:1", "ecr"))
    assert outs["external"] == {"imagePath": "<ecr registry>/a/b:1"}
    outs, _ = run({"external": {"imagePath": "ghcr.io/a/b:1"}}, external("a/b:1", "dockerhub"))
    assert outs["external"] == {"imagePath": "a/b:1"}


def test_a_read_back_without_the_detail_needed_is_no_drift_and_says_why() -> None:
    declared = {
        "external": {"imagePath": "nginx:1"},
        "docker": {"configType": "customCommand", "customCommand": "x"},
    }
    outs, notes = run(declared, {"region": "europe-west"})
    assert {k: outs[k] for k in declared} == declared
    assert notes == [
        "the read-back has no deployment source; keeping the declared external block",
        "the read-back has no docker settings; keeping the declared ones",
    ]


def test_an_internal_object_id_that_is_not_a_build_service_id_is_not_compared() -> None:
    live = {
        "internal": {
            "nfObjectId": "5f8d0d55b54764421b7156c9",
            "branch": "main",
            "buildSHA": "latest",
            "buildId": "b",
        }
    }
    outs, notes = run({"internal": {"id": "report-builder", "branch": "main"}}, live)
    assert outs["internal"] == {"id": "report-builder", "branch": "main"}
    assert notes == ["the read-back has no internal.id; keeping the declared value"]


def test_build_id_moves_freely_under_latest_but_not_when_pinned() -> None:
    live = {
        "internal": {
            "nfObjectId": "svc",
            "branch": "main",
            "buildSHA": "latest",
            "buildId": "new",
            "deployedSHA": "d" * 40,
        }
    }
    outs, _ = run({"internal": {"id": "svc", "buildSHA": "latest", "buildId": "old"}}, live)
    assert outs["internal"]["buildId"] == "old" and outs["deployedSHA"] == "d" * 40
    pinned = {"internal": {**live["internal"], "buildSHA": "e" * 40}}
    outs, _ = run({"internal": {"id": "svc", "buildSHA": "e" * 40, "buildId": "old"}}, pinned)
    assert outs["internal"]["buildId"] == "new"


def test_only_the_fields_the_config_type_uses_are_compared() -> None:
    declared = {
        "internal": {"id": "svc"},
        "buildpack": {
            "configType": "customProcess",
            "customProcess": "web",
            "customCommand": "ignored",
        },
    }
    live = {
        "internal": {"nfObjectId": "svc"},
        "buildpack": {
            "configType": "customProcess",
            "customProcess": "web",
            "customCommand": "other",
        },
    }
    outs, _ = run(declared, live)
    assert outs["buildpack"] == declared["buildpack"]


def test_get_reports_the_source_and_the_runtime_blocks_it_allows() -> None:
    live = {
        **external("acme/app:1", "github", private=True),
        "docker": {"configType": "default", "customCommand": "lingering"},
        "buildpack": {"configType": "customProcess", "customProcess": "web"},
    }
    assert as_declared(BODY, live) == {
        "external": {"imagePath": "ghcr.io/acme/app:1"},  # the host github names, put back
        "docker": {"configType": "default"},
        "registryProvider": "github",
        "privateImage": True,
    }


@pytest.mark.parametrize(
    ("provider", "declared"),
    [
        ("dockerhub", "acme/app:1"),
        ("gitlab", "registry.gitlab.com/acme/app:1"),
        ("ecr", "acme/app:1"),  # no host to tell: kept as reported, with a warning
    ],
)
def test_an_image_read_by_id_gets_the_host_its_registry_provider_names(
    provider: str, declared: str
) -> None:
    said: list[tuple[str, str]] = []
    log.send_to(lambda severity, message: said.append((severity, message)))
    try:
        outs = as_declared(BODY, external("acme/app:1", provider))
    finally:
        log.send_to(None)
    assert outs["external"] == {"imagePath": declared}
    warned = [m for severity, m in said if severity == "warning" and "which host" in m]
    assert len(warned) == (provider == "ecr")
