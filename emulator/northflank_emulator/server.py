"""Run the emulator: in a background thread (tests, benchmark) or in the foreground (demo).

``RequestHandler`` is the plumbing between HTTP and the rest: it reads each request, sends it to
the test-control API (``control``) or to the Northflank API (``handlers``), or plays the scripted
fault that matches it (``faults``) instead, records it in the ``Backend``, and writes the answer.
"""

from __future__ import annotations

import ipaddress
import json
import socket
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

from . import control, faults, handlers
from .models import Backend, RecordedRequest
from .routes import CONTROL_PREFIX


class RequestHandler(BaseHTTPRequestHandler):
    """One instance per request; the ``Backend`` is shared through the server."""

    protocol_version = "HTTP/1.1"  # keep-alive, as the real API behind its load balancer
    # Headers and body go out in two writes: with Nagle's algorithm the body would wait for the
    # client's delayed ACK (about 40 ms on Linux) on every answer.
    disable_nagle_algorithm = True
    server_version = "northflank-emulator"
    backend: Backend  # set on a subclass by EmulatorServer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass  # requests are recorded in the backend instead

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def do_PATCH(self) -> None:
        self._dispatch()

    def send_json(self, status: int, payload: Any, headers: dict[str, str]) -> None:
        data = json.dumps(payload).encode()
        self.send_bytes(status, data, "application/json; charset=utf-8", headers)

    def send_bytes(
        self, status: int, data: bytes, content_type: str, headers: dict[str, str]
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _dispatch(self) -> None:
        target = urlsplit(self.path)
        path = target.path
        body = self._read_body()
        if path.startswith(CONTROL_PREFIX):
            status, payload = control.answer(self.backend, self.command, path, body)
            self.send_json(status, payload, {})
            return
        token = _bearer(self.headers.get("Authorization"))
        fault = self.backend.take_fault(self.command, path)
        if fault is not None and not fault.lets_the_request_through:
            self._record(path, body, token, fault.answer_status)
            faults.play(fault, self, path)
            return
        status, payload, headers = handlers.answer(
            self.backend, self.command, path, query=target.query, body=body, token=token
        )
        if fault is not None:
            status, payload, headers = faults.lost_answer(fault, self.backend, path)
        self._record(path, body, token, status)  # before answering: the client may look next
        self.send_json(status, payload, headers)

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _record(self, path: str, body: bytes, token: str | None, status: int) -> None:
        self.backend.record(
            RecordedRequest(
                self.command,
                path,
                status,
                _parsed_or_none(body),
                self.backend.grant(token) is not None,
                self.headers.get("User-Agent", ""),
                raw=body.decode("utf-8", "replace"),
            )
        )


def _bearer(header: str | None) -> str | None:
    if header and header.startswith("Bearer "):
        return header[len("Bearer ") :].strip() or None
    return None


def _parsed_or_none(body: bytes) -> Any:
    try:
        return json.loads(body) if body else None
    except ValueError:
        return None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 512  # many clients connect at once (tests, the benchmark's peers)


class EmulatorServer:
    """A threaded HTTP server bound to ``host:port`` (port 0 picks a free one).

    >>> with EmulatorServer(Backend()) as server:
    ...     server.url  # doctest: +SKIP
    'http://127.0.0.1:53211'
    """

    def __init__(
        self,
        backend: Backend,
        host: str = "127.0.0.1",
        port: int = 0,
        tls: ssl.SSLContext | None = None,
        *,
        allow_remote_control: bool = False,
    ) -> None:
        # The /_emulator control routes have no auth and can rewrite any job or script faults:
        # on an address others can reach, they are served only when asked for explicitly.
        if not allow_remote_control and not is_loopback(host):
            raise ValueError(
                f"refusing to serve the emulator's unauthenticated /_emulator control routes on "
                f"{host}, which is not a loopback address; bind 127.0.0.1, or pass "
                "allow_remote_control=True (--allow-remote-control) if you mean it"
            )
        self.backend = backend
        handler = type("BoundHandler", (RequestHandler,), {"backend": backend})
        self.httpd = _Server((host, port), handler)
        self.scheme = "http"
        if tls is not None:  # tests of certificate verification serve a self-signed certificate
            self.httpd.socket = tls.wrap_socket(self.httpd.socket, server_side=True)
            self.scheme = "https"
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self.httpd.server_address[1])

    @property
    def url(self) -> str:
        host = str(self.httpd.server_address[0])
        return f"{self.scheme}://{host}:{self.port}"

    def start(self) -> EmulatorServer:
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, name="northflank-emulator", daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self.httpd.serve_forever()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def is_loopback(host: str) -> bool:
    """Whether every address ``host`` names is a loopback one (``localhost``, ``127.0.0.x``,
    ``::1``); the wildcard ``0.0.0.0`` and ``::`` are not."""
    try:
        infos = socket.getaddrinfo(host, None)
    except socket.gaierror:
        return False
    return bool(infos) and all(
        ipaddress.ip_address(str(info[4][0]).split("%")[0]).is_loopback for info in infos
    )
