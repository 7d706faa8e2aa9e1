"""The least any dynamic provider must do for a JobDeployment: the throughput reference.

Check accepts, Diff compares, Create and Update POST and Read GETs, with a plain
``requests.Session`` per thread and nothing else (no validation, retries, error messages or
read-back rules). Measured in the same plugin process as the real provider, it splits the provider's
cost over the floor into what Pulumi's dynamic-provider machinery costs and what the provider adds.
Pickled by reference, like ``JobDeploymentProvider``.
"""

from __future__ import annotations

import threading
from typing import Any

import requests
from pulumi.dynamic import (
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)

PATH_KEYS = ("projectId", "jobId")


class BareProvider(ResourceProvider):
    def __init__(self) -> None:
        super().__init__()
        self._local = threading.local()
        self._url = self._token = ""

    def __reduce__(self) -> tuple[type[BareProvider], tuple[()]]:
        return (BareProvider, ())

    def configure(self, req: ConfigureRequest) -> None:
        self._url = str(req.config.get("northflank:apiUrl"))
        self._token = str(req.config.get("northflank:apiToken"))

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        return CheckResult(news, [])

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        changed = [k for k in news if not k.startswith("__") and olds.get(k) != news[k]]
        return DiffResult(changes=bool(changed), replaces=[k for k in changed if k in PATH_KEYS])

    def create(self, props: dict[str, Any]) -> CreateResult:
        self._call("POST", props)
        return CreateResult(f"{props['projectId']}/{props['jobId']}", _declared(props))

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        self._call("POST", news)
        return UpdateResult(_declared(news))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        self._call("GET", props)
        return ReadResult(id_, _declared(props))

    def _call(self, method: str, props: dict[str, Any]) -> None:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
        body = {k: v for k, v in _declared(props).items() if k not in PATH_KEYS}
        answer = session.request(
            method,
            f"{self._url}/v1/projects/{props['projectId']}/jobs/{props['jobId']}/deployment",
            json=body if method == "POST" else None,
            headers={"Authorization": f"Bearer {self._token}"},
            timeout=30,
        )
        answer.raise_for_status()


def _declared(props: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in props.items() if not k.startswith("__")}
