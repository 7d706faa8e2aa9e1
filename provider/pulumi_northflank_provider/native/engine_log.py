"""Messages for the person running Pulumi, sent to the engine's log service.

A native plugin's stdout and stderr are shown only at debug level, so the plugin sends what the
dynamic provider would print (``log.info`` and ``log.warn``) to the engine's ``Log`` RPC, at the
address the engine passes as its argument, tagged with the resource it is about: the CLI shows it
beside that resource, as it does for every native provider. If the engine cannot be reached, the
message goes to stderr, where ``--logflow`` and debug logs still find it.
"""

from __future__ import annotations

import contextvars
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import grpc
from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc

#: The URN of the resource the current call is about (asyncio.to_thread carries it along).
_urn: contextvars.ContextVar[str] = contextvars.ContextVar("northflank_urn", default="")

_SEVERITY = {"info": engine_pb2.INFO, "warning": engine_pb2.WARNING}
#: A message is worth a short wait, never a hung create.
_SEND_TIMEOUT = 5.0


@contextmanager
def about(urn: str) -> Iterator[None]:
    """Messages written inside the block are about the resource ``urn``."""
    reset = _urn.set(urn)
    try:
        yield
    finally:
        _urn.reset(reset)


class EngineLog:
    """A ``log.Sink`` that writes to the engine at ``address``."""

    def __init__(self, address: str) -> None:
        self._channel = grpc.insecure_channel(address)
        self._engine = engine_pb2_grpc.EngineStub(self._channel)

    def __call__(self, severity: str, message: str) -> None:
        request = engine_pb2.LogRequest(
            severity=_SEVERITY[severity], message=message, urn=_urn.get()
        )
        try:
            self._engine.Log(request, timeout=_SEND_TIMEOUT)
        except grpc.RpcError:
            print(f"{severity}: {message}", file=sys.stderr, flush=True)
