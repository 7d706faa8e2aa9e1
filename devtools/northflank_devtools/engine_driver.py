"""The engine-call driver: drives the real dynamic-provider plugin as the Pulumi engine does.

It starts ``python -u -m pulumi.dynamic`` (what the CLI's ``pulumi-resource-pulumi-python`` runs),
talks to it over gRPC with the engine's messages and encodings, and replays the engine's call
sequences for preview, up, refresh and destroy (see ``docs/engine-protocol.md``).

The tests, the benchmark and the demo's walk-through without the CLI share it. It is a tool for
this repository only (the ``northflank-devtools`` development package, not shipped in the
pulumi-northflank wheel): users run the real ``pulumi`` CLI.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import empty_pb2
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.runtime import proto, rpc
from pulumi.runtime.proto import provider_pb2_grpc

from pulumi_northflank._arguments import GET_NEEDS_PULUMI, pulumi_version
from pulumi_northflank_provider.job_deployment import JobDeploymentProvider
from pulumi_northflank_provider.job_run import JobRunProvider
from pulumi_northflank_provider.job_settings import JobSettingsProvider

#: (major, minor) of the installed pulumi SDK, whose plugin the driver starts: the SDK's own
#: reading, so the driver and ``JobDeployment.get`` never disagree about it.
installed_pulumi_version = pulumi_version


#: JobDeployment.get (a Read with no state) works in the plugin from this pulumi on.
GET_SUPPORTED = installed_pulumi_version() >= GET_NEEDS_PULUMI

PROJECT = "northflank-tests"
UNKNOWN = rpc.UNKNOWN  # what the engine sends for a value not known during preview


@dataclass(frozen=True)
class Kind:
    """A resource type: its type token, and its provider as the SDK serializes it into inputs."""

    type: str
    provider: str


JOB_DEPLOYMENT = Kind(
    "pulumi-python:dynamic/northflank:JobDeployment", serialize_provider(JobDeploymentProvider())
)
JOB_RUN = Kind("pulumi-python:dynamic/northflank:JobRun", serialize_provider(JobRunProvider()))
JOB_SETTINGS = Kind(
    "pulumi-python:dynamic/northflank:JobSettings", serialize_provider(JobSettingsProvider())
)
TYPE, PROVIDER = JOB_DEPLOYMENT.type, JOB_DEPLOYMENT.provider  # the first resource's, as before


def urn(name: str, kind: Kind = JOB_DEPLOYMENT) -> str:
    return f"urn:pulumi:test::{PROJECT}::{kind.type}::{name}"


def to_struct(bag: dict[str, Any]) -> Any:
    # A private loop: asyncio.run() would leave the main thread without one, which set_mocks needs.
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(rpc.serialize_properties(bag, {}))
    finally:
        loop.close()


def from_struct(struct: Any) -> dict[str, Any]:
    return dict(rpc.deserialize_properties(struct, keep_unknowns=True))


def secret(value: str) -> dict[str, Any]:
    return {rpc._special_sig_key: rpc._special_secret_sig, "value": value}


_INTERRUPTIBLE = (
    "import runpy, signal; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "runpy.run_module('pulumi.dynamic', run_name='__main__', alter_sys=True)"
)


class CheckFailed(Exception):
    def __init__(self, failures: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{p}: {r}" for p, r in failures))
        self.failures = failures


class ProviderError(Exception):
    """The provider raised: ``message`` is the last line of the traceback the engine shows."""

    def __init__(self, details: str) -> None:
        super().__init__(details)
        self.details = details
        self.message = details.strip().splitlines()[-1] if details.strip() else ""


@dataclass
class Diff:
    changes: str  # DIFF_NONE, DIFF_SOME or DIFF_UNKNOWN
    replaces: list[str]
    delete_before_replace: bool


@dataclass
class State:
    """What the engine records for one resource."""

    name: str
    id: str
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    kind: Kind = JOB_DEPLOYMENT


@dataclass
class Plugin:
    """One plugin process. Start a new one whenever the stack config must differ: the provider
    is unpickled, configured and cached once per process."""

    env: dict[str, str] = field(default_factory=dict)
    cwd: Path | None = None
    #: Strings that must never appear in any answer, error or output of the plugin (tokens).
    forbidden: tuple[str, ...] = ()
    #: The interpreter that runs the plugin (another Python version, for cross-version tests).
    python: str = sys.executable
    #: Whether SIGINT interrupts the plugin, whatever this process inherited (interrupt tests).
    interruptible: bool = False

    def __post_init__(self) -> None:
        self.stderr_lines: list[str] = []
        self.stdout_lines: list[str] = []
        #: The RPCs made so far, in order (what the engine would have called).
        self.rpcs: list[str] = []
        child_env = {**os.environ, "PULUMI_PROJECT": PROJECT, **self.env}
        self.child = subprocess.Popen(  # noqa: S603 - a fixed command, no shell
            [self.python, "-u", *self._module_flag(), "127.0.0.1:0"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=self.cwd,
            env=child_env,
            text=True,
        )
        assert self.child.stdout is not None and self.child.stderr is not None
        port_line = self.child.stdout.readline()
        if not port_line.strip().isdigit():
            raise RuntimeError(f"plugin did not start: {port_line!r} {self.child.stderr.read()}")
        self.port = int(port_line)
        self._drain(self.child.stdout, self.stdout_lines)
        self._drain(self.child.stderr, self.stderr_lines)
        self.channel = grpc.insecure_channel(f"127.0.0.1:{self.port}")
        grpc.channel_ready_future(self.channel).result(timeout=15)
        self.stub = provider_pb2_grpc.ResourceProviderStub(self.channel)

    def _module_flag(self) -> list[str]:
        if not self.interruptible:
            return ["-m", "pulumi.dynamic"]
        # ``-m pulumi.dynamic`` as the engine starts it, with SIGINT's default action even where
        # this process inherited it ignored (a shell's background job) and passes that on.
        return ["-c", _INTERRUPTIBLE]

    @staticmethod
    def _drain(stream: Any, sink: list[str]) -> None:
        threading.Thread(target=lambda: sink.extend(iter(stream.readline, "")), daemon=True).start()

    @property
    def output(self) -> str:
        """Everything the plugin printed so far (the engine shows it to the user)."""
        return "".join(self.stdout_lines + self.stderr_lines)

    def close(self) -> None:
        self.channel.close()
        self.child.terminate()
        self.child.wait(timeout=10)
        self.assert_clean(self.output, "the plugin's output")

    # --- raw RPCs ------------------------------------------------------------------------------

    def _call(self, method: str, request: Any) -> Any:
        self.rpcs.append(method)
        try:
            response = getattr(self.stub, method)(request)
        except grpc.RpcError as exc:
            self.assert_clean(exc.details() or "", f"the error of {method}")
            if exc.code() == grpc.StatusCode.UNKNOWN:
                raise ProviderError(exc.details() or "") from None
            raise
        self.assert_clean(str(response), f"the answer to {method}")
        return response

    def assert_clean(self, text: str, where: str) -> None:
        for secret_value in self.forbidden:
            assert secret_value not in text, f"a token leaked into {where}"

    def plugin_info(self) -> Any:
        return self._call("GetPluginInfo", empty_pb2.Empty())

    def configure(self, config: dict[str, Any]) -> Any:
        return self._call(
            "Configure",
            proto.ConfigureRequest(
                args=to_struct(config), acceptSecrets=True, acceptResources=True
            ),
        )

    def check(
        self,
        name: str,
        news: dict[str, Any],
        olds: dict[str, Any] | None = None,
        kind: Kind = JOB_DEPLOYMENT,
    ) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        response = self._call(
            "Check",
            proto.CheckRequest(
                urn=urn(name, kind),
                olds=to_struct(olds or {}),
                news=to_struct({**news, "__provider": kind.provider}),
            ),
        )
        failures = [(f.property, f.reason) for f in response.failures]
        return from_struct(response.inputs), failures

    def diff(self, state: State, news: dict[str, Any]) -> Diff:
        response = self._call(
            "Diff",
            proto.DiffRequest(
                id=state.id,
                urn=urn(state.name, state.kind),
                olds=to_struct(state.outputs),
                news=to_struct(news),
                old_inputs=to_struct(state.inputs),
            ),
        )
        return Diff(
            proto.DiffResponse.DiffChanges.Name(response.changes),
            list(response.replaces),
            response.deleteBeforeReplace,
        )

    def create(self, name: str, inputs: dict[str, Any], kind: Kind = JOB_DEPLOYMENT) -> State:
        response = self._call(
            "Create",
            proto.CreateRequest(urn=urn(name, kind), properties=to_struct(inputs), timeout=60),
        )
        return State(name, response.id, inputs, from_struct(response.properties), kind)

    def update(self, state: State, news: dict[str, Any]) -> dict[str, Any]:
        response = self._call(
            "Update",
            proto.UpdateRequest(
                id=state.id,
                urn=urn(state.name, state.kind),
                olds=to_struct(state.outputs),
                news=to_struct(news),
                old_inputs=to_struct(state.inputs),
                timeout=60,
            ),
        )
        return from_struct(response.properties)

    def read(self, state: State) -> tuple[str, dict[str, Any], dict[str, Any] | None]:
        response = self._call(
            "Read",
            proto.ReadRequest(
                id=state.id,
                urn=urn(state.name, state.kind),
                properties=to_struct(state.outputs),
                inputs=to_struct(state.inputs),
            ),
        )
        inputs = from_struct(response.inputs) if response.HasField("inputs") else None
        return response.id, from_struct(response.properties), inputs

    def read_by_id(self, name: str, id_: str) -> tuple[str, dict[str, Any]]:
        """What ``JobDeployment.get(name, id)`` makes the engine send: no properties, and inputs
        that hold only the provider."""
        response = self._call(
            "Read",
            proto.ReadRequest(
                id=id_,
                urn=urn(name),
                properties=to_struct({}),
                inputs=to_struct({"__provider": PROVIDER}),
            ),
        )
        return response.id, from_struct(response.properties)

    def delete(self, state: State) -> None:
        self._call(
            "Delete",
            proto.DeleteRequest(
                id=state.id,
                urn=urn(state.name, state.kind),
                properties=to_struct(state.outputs),
                old_inputs=to_struct(state.inputs),
                timeout=60,
            ),
        )


class Engine:
    """The engine's call sequences over one plugin (``docs/engine-protocol.md``)."""

    def __init__(self, plugin: Plugin) -> None:
        self.plugin = plugin

    def preview(
        self,
        name: str,
        news: dict[str, Any],
        state: State | None = None,
        kind: Kind = JOB_DEPLOYMENT,
    ) -> Diff | None:
        """Check, then Diff for an existing resource; never Create or Update."""
        kind = state.kind if state else kind
        checked, failures = self.plugin.check(name, news, state.inputs if state else None, kind)
        if failures:
            raise CheckFailed(failures)
        return self.plugin.diff(state, checked) if state else None

    def up(
        self,
        name: str,
        news: dict[str, Any],
        state: State | None = None,
        kind: Kind = JOB_DEPLOYMENT,
    ) -> State:
        kind = state.kind if state else kind
        checked, failures = self.plugin.check(name, news, state.inputs if state else None, kind)
        if failures:
            raise CheckFailed(failures)
        if state is None:
            return self.plugin.create(name, checked, kind)
        diff = self.plugin.diff(state, checked)
        if diff.changes == "DIFF_NONE":
            return State(name, state.id, checked, state.outputs, kind)
        if diff.replaces:
            if diff.delete_before_replace:
                self.plugin.delete(state)
                return self.plugin.create(name, checked, kind)
            created = self.plugin.create(name, checked, kind)
            self.plugin.delete(state)
            return created
        outputs = self.plugin.update(state, checked)
        return State(name, state.id, checked, outputs, kind)

    def refresh(self, state: State) -> State | None:
        """Read; ``None`` when the resource is gone. Inputs follow ``ReadResult.inputs``."""
        id_, outputs, inputs = self.plugin.read(state)
        if not id_:
            return None
        inputs = inputs if inputs is not None else state.inputs
        return State(state.name, id_, inputs, outputs, state.kind)

    def destroy(self, state: State) -> None:
        self.plugin.delete(state)
