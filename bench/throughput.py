"""Wall time of N operations through the plugin, and of the same HTTP requests made directly.

The plugin side sends the engine's gRPC messages. They are built before the clock starts, and the
answer of one call is passed on as the next call's input without decoding, as the engine (written
in Go) would: what is timed is the plugin, not this process's Python serialization.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import requests
from google.protobuf import empty_pb2
from pulumi.runtime import proto

from northflank_devtools.engine_driver import JOB_DEPLOYMENT, Kind, Plugin, to_struct, urn

from .measure import timed_calls
from .workload import PROJECT, body, deployment_url, inputs


@dataclass
class Resource:
    """One resource as the engine holds it: ID, inputs and outputs (as gRPC structs)."""

    job_id: str
    id: str
    inputs: Any
    outputs: Any


def _check_request(job_id: str, version: int, kind: Kind, olds: Any = None) -> Any:
    provider = {"__provider": kind.provider} if kind.provider else {}  # none for the native plugin
    news = to_struct({**inputs(job_id, version), **provider})
    return proto.CheckRequest(urn=urn(job_id, kind), olds=olds or to_struct({}), news=news)


def _checked(plugin: Plugin, request: Any) -> Any:
    answer = plugin.stub.Check(request)
    if answer.failures:
        raise RuntimeError(f"Check failed for {request.urn}: {answer.failures}")
    return answer.inputs


def _diff(plugin: Plugin, resource: Resource, news: Any, kind: Kind) -> Any:
    return plugin.stub.Diff(
        proto.DiffRequest(
            id=resource.id,
            urn=urn(resource.job_id, kind),
            olds=resource.outputs,
            news=news,
            old_inputs=resource.inputs,
        )
    )


class PluginCalls:
    """What ``pulumi up``, ``preview`` and ``refresh`` make the engine send, N resources at once,
    for resources of the given kind (a serialized provider, or the native plugin's type)."""

    def __init__(
        self, plugin: Plugin, pool: ThreadPoolExecutor, kind: Kind = JOB_DEPLOYMENT
    ) -> None:
        self.plugin = plugin
        self.pool = pool
        self.kind = kind

    def create(self, job_ids: list[str]) -> tuple[float, list[Resource]]:
        """``pulumi up`` of new resources: Check, then Create with the checked inputs."""
        requests_ = [_check_request(job_id, 1, self.kind) for job_id in job_ids]

        def up(request: Any) -> Resource:
            checked = _checked(self.plugin, request)
            made = self.plugin.stub.Create(
                proto.CreateRequest(urn=request.urn, properties=checked, timeout=60)
            )
            return Resource(request.urn.rsplit("::", 1)[1], made.id, checked, made.properties)

        seconds, resources = timed_calls(self.pool, up, requests_)
        for resource in resources:
            if resource.id != f"{PROJECT}/{resource.job_id}":
                raise RuntimeError(f"Create answered the ID {resource.id!r}")
        return seconds, resources

    def update(self, resources: list[Resource], version: int) -> tuple[float, list[Resource]]:
        """``pulumi up`` of changed resources: Check, Diff, then Update."""
        work = [(r, _check_request(r.job_id, version, self.kind, r.inputs)) for r in resources]

        def up(item: tuple[Resource, Any]) -> Resource:
            resource, request = item
            checked = _checked(self.plugin, request)
            if (
                _diff(self.plugin, resource, checked, self.kind).changes
                != proto.DiffResponse.DIFF_SOME
            ):
                raise RuntimeError(f"Diff found no change for {resource.id}")
            updated = self.plugin.stub.Update(
                proto.UpdateRequest(
                    id=resource.id,
                    urn=request.urn,
                    olds=resource.outputs,
                    news=checked,
                    old_inputs=resource.inputs,
                    timeout=60,
                )
            )
            return Resource(resource.job_id, resource.id, checked, updated.properties)

        return timed_calls(self.pool, up, work)

    def preview(self, resources: list[Resource], version: int) -> float:
        """``pulumi preview`` of changed resources: Check, then Diff; no HTTP."""
        work = [(r, _check_request(r.job_id, version, self.kind, r.inputs)) for r in resources]

        def look(item: tuple[Resource, Any]) -> None:
            resource, request = item
            if _diff(self.plugin, resource, _checked(self.plugin, request), self.kind).changes != (
                proto.DiffResponse.DIFF_SOME
            ):
                raise RuntimeError(f"Diff found no change for {resource.id}")

        return timed_calls(self.pool, look, work)[0]

    def refresh(self, resources: list[Resource]) -> float:
        """``pulumi refresh``: Read each resource (one GET each)."""

        def read(resource: Resource) -> None:
            answer = self.plugin.stub.Read(
                proto.ReadRequest(
                    id=resource.id,
                    urn=urn(resource.job_id, self.kind),
                    properties=resource.outputs,
                    inputs=resource.inputs,
                )
            )
            if answer.id != resource.id:
                raise RuntimeError(f"Read answered the ID {answer.id!r} for {resource.id}")

        return timed_calls(self.pool, read, resources)[0]

    def round_trips(self, n: int) -> float:
        """N bare gRPC round trips (``GetPluginInfo``): the floor of any plugin call."""
        request = empty_pb2.Empty()
        return timed_calls(
            self.pool, lambda _: self.plugin.stub.GetPluginInfo(request), list(range(n))
        )[0]


class HttpFloor:
    """The same requests with a plain ``requests.Session`` per caller thread, nothing else."""

    def __init__(self, api_url: str, token: str, pool: ThreadPoolExecutor) -> None:
        self.api_url = api_url
        self.headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        self.pool = pool
        self._local = threading.local()

    def _session(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
        return session

    def _request(self, method: str, job_id: str, json: Any = None) -> None:
        url = deployment_url(self.api_url, job_id)
        answer = self._session().request(method, url, json=json, headers=self.headers, timeout=30)
        if answer.status_code != 200:
            raise RuntimeError(f"{method} {url} answered {answer.status_code}: {answer.text}")

    def posts(self, job_ids: list[str], version: int = 1) -> float:
        work = [(job_id, body(job_id, version)) for job_id in job_ids]
        return timed_calls(self.pool, lambda item: self._request("POST", *item), work)[0]

    def gets(self, job_ids: list[str]) -> float:
        return timed_calls(self.pool, lambda j: self._request("GET", j), job_ids)[0]
