"""Run the emulator: in a background thread (tests, benchmark) or in the foreground (demo)."""

from __future__ import annotations

import ipaddress
import socket
import ssl
import threading
from http.server import ThreadingHTTPServer
from types import TracebackType

from .models import Backend
from .responses import Handler


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
        handler = type("BoundHandler", (Handler,), {"backend": backend})
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
