"""The engine-call driver: drives the real plugins as the Pulumi engine does.

It starts ``python -u -m pulumi.dynamic`` (what the CLI's ``pulumi-resource-pulumi-python`` runs),
or the native plugin as the Python language host runs a plugin directory (``python provider
<engine-address>``, with an engine that takes its log messages), talks to it over gRPC with the
engine's messages and encodings, and replays the engine's call sequences for preview, up, refresh
and destroy (see ``docs/engine-protocol.md``).

The tests, the benchmark and the demo's walk-through without the CLI share it. It is a tool for
this repository only (the ``northflank-devtools`` development package, not shipped in the
pulumi-northflank wheel): users run the real ``pulumi`` CLI.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import threading
from concurrent import futures
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import empty_pb2, json_format
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.runtime import proto, rpc
from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc, provider_pb2_grpc

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

#: The same resources, served by the native plugin: no pickled provider in their inputs.
NATIVE_JOB_DEPLOYMENT = Kind("northflank:index:JobDeployment", "")
NATIVE_JOB_RUN = Kind("northflank:index:JobRun", "")
NATIVE_JOB_SETTINGS = Kind("northflank:index:JobSettings", "")
#: The plugin directory (``PulumiPlugin.yaml``) of this checkout.
PLUGIN_DIR = Path(__file__).resolve().parents[2] / "provider"


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
    """The provider raised: ``message`` is what it said, without the frames around it (the
    dynamic plugin ends a traceback with it; the native one sends ``Unexpected <class ...>:
    <message>:`` and the frames)."""

    def __init__(self, details: str) -> None:
        super().__init__(details)
        self.details = details
        text = details.strip()
        if text.startswith("Unexpected <class"):
            self.message = text.split(">: ", 1)[-1].split(':\n  File "', 1)[0]
        else:
            self.message = text.splitlines()[-1] if text else ""


@dataclass
class Diff:
    changes: str  # DIFF_NONE, DIFF_SOME or DIFF_UNKNOWN
    replaces: list[str]
    delete_before_replace: bool
    #: Field by field (the native plugin): property path -> ADD, UPDATE_REPLACE, ...
    detailed: dict[str, str] = field(default_factory=dict)


class EngineLogs(engine_pb2_grpc.EngineServicer):
    """The engine's log service, as far as a native plugin uses it: it keeps every message."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, str, str]] = []  # (severity, message, urn)
        self._server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        engine_pb2_grpc.add_EngineServicer_to_server(self, self._server)
        self.address = f"127.0.0.1:{self._server.add_insecure_port('127.0.0.1:0')}"
        self._server.start()

    def Log(self, request: Any, context: Any) -> Any:
        severity = engine_pb2.LogSeverity.Name(request.severity)
        self.messages.append((severity, request.message, request.urn))
        return empty_pb2.Empty()

    def stop(self) -> None:
        self._server.stop(grace=None)


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
    #: The native plugin (``python provider <engine>``) instead of the dynamic provider's.
    native: bool = False

    def __post_init__(self) -> None:
        self.stderr_lines: list[str] = []
        self.stdout_lines: list[str] = []
        #: The RPCs made so far, in order (what the engine would have called).
        self.rpcs: list[str] = []
        child_env = {**os.environ, "PULUMI_PROJECT": PROJECT, **self.env}
        self.engine_logs = EngineLogs() if self.native else None
        if self.engine_logs is not None:
            # As the Python language host runs a plugin directory: the venv's python, the
            # directory, the engine's address; no -u, and the program's directory as cwd.
            command = [self.python, str(PLUGIN_DIR), self.engine_logs.address]
            self.cwd = self.cwd or Path(tempfile.gettempdir())
        else:
            command = [self.python, "-u", *self._module_flag(), "127.0.0.1:0"]
        self.child = subprocess.Popen(  # noqa: S603 - a fixed command, no shell
            command,
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
        """Everything the plugin told the user so far: what it printed (the engine shows it),
        and the native plugin's messages to the engine's log."""
        sent = [f"{m}\n" for _, m, _ in self.engine_logs.messages] if self.engine_logs else []
        return "".join(self.stdout_lines + self.stderr_lines + sent)

    def close(self) -> None:
        self.channel.close()
        self.child.terminate()
        self.child.wait(timeout=10)
        if self.engine_logs is not None:
            self.engine_logs.stop()
        self.assert_clean(self.output, "the plugin's output")

    # --- raw RPCs ------------------------------------------------------------------------------

    def _call(self, method: str, request: Any, shown: Any = str) -> Any:
        """The RPC; ``shown`` is what of the answer must be clean of tokens (all of it, but for
        an answer that may carry a token as a secret)."""
        self.rpcs.append(method)
        try:
            response = getattr(self.stub, method)(request)
        except grpc.RpcError as exc:
            self.assert_clean(exc.details() or "", f"the error of {method}")
            if exc.code() == grpc.StatusCode.UNKNOWN:
                raise ProviderError(exc.details() or "") from None
            raise
        self.assert_clean(shown(response), f"the answer to {method}")
        return response

    def assert_clean(self, text: str, where: str) -> None:
        for secret_value in self.forbidden:
            assert secret_value not in text, f"a token leaked into {where}"

    def plugin_info(self) -> Any:
        return self._call("GetPluginInfo", empty_pb2.Empty())

    def configure(self, config: dict[str, Any]) -> Any:
        """``config`` as stack config (``northflank:apiUrl``...). The native plugin is a default
        provider: its inputs are this package's keys without the namespace, checked first (with
        secrets stripped, as the engine sends them to CheckConfig)."""
        if not self.native:
            return self._call(
                "Configure",
                proto.ConfigureRequest(
                    args=to_struct(config), acceptSecrets=True, acceptResources=True
                ),
            )
        ours = {k.split(":", 1)[1]: v for k, v in config.items() if k.startswith("northflank:")}
        checked, failures = self.check_config(ours)
        if failures:
            raise CheckFailed(failures)
        return self._call(
            "Configure",
            proto.ConfigureRequest(
                args=to_struct(checked), acceptSecrets=True, acceptResources=True
            ),
        )

    def check_config(self, news: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        """CheckConfig: the checked settings (secrets still marked) and the failures."""
        stripped = {k: (v["value"] if is_secret(v) else v) for k, v in news.items()}
        response = self._call(
            "CheckConfig",
            proto.CheckRequest(
                urn=f"urn:pulumi:test::{PROJECT}::pulumi:providers:northflank::default",
                olds=to_struct({}),
                news=to_struct(stripped),
            ),
            shown=lambda answer: _without_secrets(answer.inputs),  # the token only as a secret
        )
        failures = [(f.property, f.reason) for f in response.failures]
        return from_struct_keeping_secrets(response.inputs), failures

    def cancel(self) -> None:
        self._call("Cancel", empty_pb2.Empty())

    def schema(self) -> str:
        return str(self._call("GetSchema", proto.GetSchemaRequest(version=0)).schema)

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
                news=to_struct(
                    {**news, **({"__provider": kind.provider} if kind.provider else {})}
                ),
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
            {k: proto.PropertyDiff.Kind.Name(v.kind) for k, v in response.detailedDiff.items()},
        )

    def create(
        self,
        name: str,
        inputs: dict[str, Any],
        kind: Kind = JOB_DEPLOYMENT,
        preview: bool = False,
    ) -> State:
        response = self.create_raw(name, inputs, kind, preview)
        return State(name, response.id, inputs, from_struct(response.properties), kind)

    def create_raw(
        self, name: str, inputs: dict[str, Any], kind: Kind = JOB_DEPLOYMENT, preview: bool = False
    ) -> Any:
        """Create's answer as it came (``from_struct_keeping_secrets`` shows its secrets)."""
        return self._call(
            "Create",
            proto.CreateRequest(
                urn=urn(name, kind), properties=to_struct(inputs), timeout=60, preview=preview
            ),
        )

    def update(self, state: State, news: dict[str, Any], preview: bool = False) -> dict[str, Any]:
        response = self._call(
            "Update",
            proto.UpdateRequest(
                id=state.id,
                urn=urn(state.name, state.kind),
                olds=to_struct(state.outputs),
                news=to_struct(news),
                old_inputs=to_struct(state.inputs),
                timeout=60,
                preview=preview,
            ),
        )
        return from_struct(response.properties)

    def import_(
        self, name: str, id_: str, kind: Kind
    ) -> tuple[str, dict[str, Any], dict[str, Any]]:
        """What ``pulumi import <type> <name> <id>`` makes the engine send: the ID alone. The
        ID, the outputs and the inputs that Read returns."""
        response = self._call("Read", proto.ReadRequest(id=id_, urn=urn(name, kind)))
        return response.id, from_struct(response.properties), from_struct(response.inputs)

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


def from_struct_keeping_secrets(struct: Any) -> dict[str, Any]:
    """A struct as the wire has it: a secret stays ``{<secret signature>: ..., "value": ...}``."""
    found: dict[str, Any] = json_format.MessageToDict(struct)
    return found


def is_secret(value: Any) -> bool:
    """Whether a value of ``from_struct_keeping_secrets`` is marked secret."""
    return isinstance(value, dict) and value.get(rpc._special_sig_key) == rpc._special_secret_sig


def _without_secrets(struct: Any) -> str:
    """A struct as text with every secret value left out."""

    def strip(value: Any) -> Any:
        if is_secret(value):
            return "<secret>"
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items()}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return str(strip(json_format.MessageToDict(struct)))
