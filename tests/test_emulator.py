"""The emulator behaves like Northflank for the endpoints the provider uses (tested over HTTP)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import requests

from northflank_emulator import Backend, EmulatorServer, Grant, routes
from northflank_emulator.control import ControlHandlers
from northflank_emulator.handlers import ApiHandlers
from northflank_emulator.schema import openapi_slice

from .conftest import CANARY_TOKEN, PROJECT, READ_ONLY_TOKEN, JobRef

AUTH = {"Authorization": f"Bearer {CANARY_TOKEN}"}


def component(name: str) -> jsonschema.Draft202012Validator:
    """A validator for one of the slice's response schemas (they $ref each other)."""
    return jsonschema.Draft202012Validator(
        {"$ref": f"#/components/schemas/{name}", "components": openapi_slice()["components"]}
    )


def url(emulator: EmulatorServer, job: JobRef, suffix: str = "/deployment") -> str:
    return f"{emulator.url}/v1/projects/{job.project_id}/jobs/{job.job_id}{suffix}"


def test_requests_without_a_valid_token_get_401_in_northflanks_envelope(
    emulator, job: JobRef
) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": CANARY_TOKEN}):
        response = requests.get(url(emulator, job), headers=headers, timeout=5)
        assert response.status_code == 401
        body = response.json()
        component("ErrorEnvelope").validate(body)
        assert body["error"]["status"] == 401 and body["error"]["id"]


def test_unknown_projects_and_jobs_get_404(emulator) -> None:
    for path, message in [
        ("/v1/projects/nope/jobs/x/deployment", "Project not found"),
        (f"/v1/projects/{PROJECT}/jobs/nope/deployment", "Job not found"),
        (f"/v1/projects/{PROJECT}/jobs/nope", "Job not found"),
    ]:
        response = requests.get(emulator.url + path, headers=AUTH, timeout=5)
        assert (response.status_code, response.json()["error"]["message"]) == (404, message)


def test_invalid_bodies_get_400_naming_the_field(emulator, job: JobRef) -> None:
    response = requests.post(
        url(emulator, job), json={"external": {"imagePath": "nginx"}}, headers=AUTH, timeout=5
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["message"].startswith("Validation failed: external.imagePath")
    assert error["details"]["fields"][0]["path"] == "external.imagePath"
    # the rule the schema leaves to prose is enforced too
    response = requests.post(
        url(emulator, job),
        json={"docker": {"configType": "customCommand"}},
        headers=AUTH,
        timeout=5,
    )
    assert response.json()["error"]["details"]["fields"][0]["path"] == "docker.customCommand"
    assert (
        requests.post(url(emulator, job), data=b"{not json", headers=AUTH, timeout=5).status_code
        == 400
    )


def test_a_read_only_token_may_read_but_not_deploy(emulator, job: JobRef) -> None:
    headers = {"Authorization": f"Bearer {READ_ONLY_TOKEN}"}
    assert requests.get(url(emulator, job), headers=headers, timeout=5).status_code == 200
    response = requests.post(url(emulator, job), json={}, headers=headers, timeout=5)
    assert response.status_code == 403
    assert "Project > Jobs > General > Update" in response.json()["error"]["message"]


def test_every_response_carries_rate_limit_headers_and_the_limit_is_enforced() -> None:
    backend = Backend({"t": Grant("t")}, rate_limit=3, rate_window=60)
    backend.add_job("p", "j")
    with EmulatorServer(backend) as server:
        target = f"{server.url}/v1/projects/p/jobs/j"
        answers = [
            requests.get(target, headers={"Authorization": "Bearer t"}, timeout=5) for _ in range(4)
        ]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a.headers["x-ratelimit-remaining"] for a in answers] == ["2", "1", "0", "0"]
    assert all(a.headers["x-ratelimit-limit"] == "3" for a in answers)
    assert 0 < int(answers[-1].headers["x-ratelimit-reset"]) <= 60
    assert answers[-1].json()["error"]["status"] == 429


@pytest.mark.parametrize(
    ("image", "path", "provider"),
    [
        ("nginx:latest", "nginx:latest", "dockerhub"),
        ("docker.io/library/nginx:1", "library/nginx:1", "dockerhub"),
        ("ghcr.io/acme/app:1.2.3", "acme/app:1.2.3", "github"),
        ("https://ghcr.io/acme/app@sha256:" + "b" * 64, "acme/app@sha256:" + "b" * 64, "github"),
        ("123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:v1", "app:v1", "ecr"),
        ("registry.example.com:5000/team/app:tag", "team/app:tag", "custom"),
    ],
)
def test_read_back_drops_the_registry_host_and_never_returns_credentials(
    emulator, job: JobRef, image: str, path: str, provider: str
) -> None:
    body = {"external": {"imagePath": image, "credentials": "my-creds"}}
    assert requests.post(url(emulator, job), json=body, headers=AUTH, timeout=5).json() == {
        "data": {}
    }
    data = requests.get(url(emulator, job), headers=AUTH, timeout=5).json()["data"]
    component("GetJobDeploymentExternal").validate(data)
    assert data["external"] == {
        "imagePath": path,
        "registryProvider": provider,
        "privateImage": True,
    }
    assert "docker" in data and "buildpack" in data  # both blocks, as the docs' example shows


def test_internal_read_back_keeps_latest_and_reports_the_deployed_commit(
    emulator, job: JobRef, backend
) -> None:
    body = {"internal": {"id": "report-builder", "branch": "main", "buildSHA": "latest"}}
    requests.post(url(emulator, job), json=body, headers=AUTH, timeout=5)
    first = requests.get(url(emulator, job), headers=AUTH, timeout=5).json()["data"]
    component("GetJobDeploymentInternal").validate(first)
    backend.push_commit(job.project_id, job.job_id)
    second = requests.get(url(emulator, job), headers=AUTH, timeout=5).json()["data"]
    assert first["internal"]["buildSHA"] == second["internal"]["buildSHA"] == "latest"
    assert first["internal"]["deployedSHA"] != second["internal"]["deployedSHA"]
    assert second["internal"]["nfObjectId"] == "report-builder"
    assert second["internal"]["appId"].endswith(f"/{job.project_id}/report-builder")


def test_get_job_has_runtime_settings_but_no_source(emulator, job: JobRef) -> None:
    data = requests.get(url(emulator, job, ""), headers=AUTH, timeout=5).json()["data"]
    assert data["id"] == job.job_id and data["projectId"] == job.project_id
    assert set(data["deployment"]) >= {"docker", "buildpack"}
    assert not {"external", "internal", "imagePath"} & set(data["deployment"])


def test_team_scoped_routes_serve_the_same_jobs(emulator, job: JobRef) -> None:
    team_url = (
        f"{emulator.url}/v1/teams/acme/projects/{job.project_id}/jobs/{job.job_id}/deployment"
    )
    assert (
        requests.get(team_url, headers=AUTH, timeout=5).json()["data"]["external"]["imagePath"]
        == "nginx:latest"
    )


def test_concurrent_clients_each_get_their_own_job(emulator, backend) -> None:
    jobs = [f"parallel-{i}" for i in range(50)]
    for job_id in jobs:
        backend.add_job(PROJECT, job_id)

    def deploy(job_id: str) -> int:
        body = {"external": {"imagePath": f"ghcr.io/acme/{job_id}:1"}}
        target = f"{emulator.url}/v1/projects/{PROJECT}/jobs/{job_id}/deployment"
        return requests.post(target, json=body, headers=AUTH, timeout=10).status_code

    with ThreadPoolExecutor(16) as pool:
        assert set(pool.map(deploy, jobs)) == {200}
    assert all(
        backend.job(PROJECT, j).deployment_view()["external"]["imagePath"] == f"acme/{j}:1"
        for j in jobs
    )


def test_state_survives_a_restart_with_a_state_file(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    first = Backend(state_file=state)
    first.seed_demo()
    first.set_deployment("demo-project", "db-migrate", {"external": {"imagePath": "ghcr.io/a/b:2"}})
    second = Backend(state_file=state)
    assert second.job("demo-project", "db-migrate").external == {"imagePath": "ghcr.io/a/b:2"}


def test_the_command_line_starts_seeds_and_stops_cleanly() -> None:
    child = subprocess.Popen(
        [sys.executable, "-m", "northflank_emulator", "--port", "0", "--token", "cli-token"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        line = child.stdout.readline()
        base = line.rsplit(" ", 1)[-1].strip()
        assert base.startswith("http://127.0.0.1:")
        answer: Any = requests.get(
            f"{base}/v1/projects/demo-project/jobs/db-migrate",
            headers={"Authorization": "Bearer cli-token"},
            timeout=5,
        ).json()
        assert answer["data"]["name"] == "DB Migrate"
        recorded = requests.get(f"{base}/_emulator/requests", timeout=5).json()["data"]
        assert [r["path"] for r in recorded] == ["/v1/projects/demo-project/jobs/db-migrate"]
        assert "cli-token" not in json.dumps(recorded)
    finally:
        child.send_signal(signal.SIGTERM)
        assert child.wait(timeout=10) == 0


def test_the_official_clis_token_check_is_answered(emulator) -> None:
    """`northflank login` calls GET /v1/login and accepts the token on any 2xx."""
    assert requests.get(f"{emulator.url}/v1/login", headers=AUTH, timeout=5).status_code == 200
    wrong = requests.get(
        f"{emulator.url}/v1/login", headers={"Authorization": "Bearer x"}, timeout=5
    )
    assert wrong.status_code == 401


def test_latency_delays_every_api_answer() -> None:
    backend = Backend({"t": Grant("t")}, latency=0.2)
    with EmulatorServer(backend) as server:
        started = time.monotonic()
        requests.get(f"{server.url}/v1/login", headers={"Authorization": "Bearer t"}, timeout=5)
        waited = time.monotonic() - started
    assert waited >= 0.2  # a lower bound (the delay asked for), never a speed limit


def test_a_project_can_be_read_and_a_team_must_be_known(emulator, job: JobRef) -> None:
    project = f"{emulator.url}/v1/projects/{job.project_id}"
    assert requests.get(project, headers=AUTH, timeout=5).json()["data"]["id"] == job.project_id
    team_project = f"{emulator.url}/v1/teams/acme/projects/{job.project_id}"
    assert requests.get(team_project, headers=AUTH, timeout=5).status_code == 200
    for path in (
        f"/v1/teams/no-such-team/projects/{job.project_id}",
        f"/v1/teams/no-such-team/projects/{job.project_id}/jobs/{job.job_id}/deployment",
    ):
        answer = requests.get(emulator.url + path, headers=AUTH, timeout=5)
        assert answer.status_code == 404, path
        assert answer.json()["error"]["message"] == "Team not found"
    missing = requests.get(f"{emulator.url}/v1/projects/no-such-project", headers=AUTH, timeout=5)
    assert (missing.status_code, missing.json()["error"]["message"]) == (404, "Project not found")


def test_projects_are_created_and_deleted_over_the_control_routes(emulator, backend) -> None:
    control = f"{emulator.url}/_emulator/projects/empty-project"
    assert requests.put(control, timeout=5).status_code == 200
    assert backend.project("empty-project") == {}  # a project with no job at all
    api = f"{emulator.url}/v1/projects/empty-project"
    assert requests.get(api, headers=AUTH, timeout=5).status_code == 200
    assert requests.delete(control, timeout=5).status_code == 200
    assert requests.get(api, headers=AUTH, timeout=5).status_code == 404
    assert requests.delete(control, timeout=5).status_code == 404


@pytest.mark.parametrize(
    ("table", "handlers"),
    [(routes.API_ROUTES, ApiHandlers), (routes.CONTROL_ROUTES, ControlHandlers)],
)
def test_every_route_names_a_handler_that_takes_its_path_arguments(
    table: list[routes.Route], handlers: type
) -> None:
    for route in table:
        handler = getattr(handlers, route.handler, None)
        assert callable(handler), route
        # The handler takes self and one argument per group of the pattern.
        assert handler.__code__.co_argcount == 1 + route.pattern.groups, route


def test_the_control_routes_are_never_served_beyond_loopback_unless_asked() -> None:
    with pytest.raises(ValueError, match="not a loopback address"):
        EmulatorServer(Backend(), host="0.0.0.0")
    with EmulatorServer(Backend(), host="0.0.0.0", allow_remote_control=True) as server:
        assert server.port > 0
    refused = subprocess.run(
        [sys.executable, "-m", "northflank_emulator", "--host", "0.0.0.0", "--port", "0"],
        check=False,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert refused.returncode == 2
    assert "--allow-remote-control" in refused.stderr


def post(emulator, job: JobRef, body: dict[str, Any]) -> None:
    answer = requests.post(url(emulator, job), json=body, headers=AUTH, timeout=5)
    assert answer.status_code == 200, answer.text


def test_what_a_post_leaves_alone_is_what_the_provider_relies_on(emulator, job: JobRef) -> None:
    """The semantics written down in docs/northflank-api.md ("What a POST leaves alone")."""
    post(emulator, job, {
        "external": {"imagePath": "ghcr.io/acme/app:1"},
        "docker": {"configType": "customCommand", "customCommand": "migrate"},
    })  # fmt: skip
    # an omitted runtime block is left as it was
    post(emulator, job, {"external": {"imagePath": "ghcr.io/acme/app:2"}})
    live = requests.get(url(emulator, job), headers=AUTH, timeout=5).json()["data"]
    assert live["docker"] == {"configType": "customCommand", "customCommand": "migrate"}
    # an omitted source is left as it was
    post(emulator, job, {"buildpack": {"configType": "default"}})
    live = requests.get(url(emulator, job), headers=AUTH, timeout=5).json()["data"]
    assert live["external"]["imagePath"] == "acme/app:2"
    # a runtime block sent replaces configType; the custom* values linger behind "default"
    post(emulator, job, {"docker": {"configType": "default"}})
    live = requests.get(url(emulator, job), headers=AUTH, timeout=5).json()["data"]
    assert live["docker"] == {"configType": "default", "customCommand": "migrate"}
    # a source replaces the other source
    post(emulator, job, {"internal": {"id": "report-builder"}})
    live = requests.get(url(emulator, job), headers=AUTH, timeout=5).json()["data"]
    assert "external" not in live and live["internal"]["nfObjectId"] == "report-builder"
