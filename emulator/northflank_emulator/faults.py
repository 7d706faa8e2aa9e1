"""Scripted failures: the fault kinds (``Fault``), and how each one is played on the wire.

Tests script faults through the control API (``POST /_emulator/faults``); the server takes the
first one matching each API request (``models.Backend.take_fault``) and, instead of answering it,
plays it here: ``play`` for every kind but ``processed``, whose request the API does handle before
``lost_answer`` replaces its answer.
"""

from __future__ import annotations

import contextlib
import functools
import json
import re
import socket
import time
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from .exceptions import error_envelope

if TYPE_CHECKING:
    from .models import Backend
    from .server import RequestHandler

FAULT_KINDS = (
    "status",
    "html",
    "hang",
    "close",
    "truncate",
    "redirect",
    "body",
    "trickle",
    "trickle-body",
    "trickle-headers",
    "raw",
    "huge",
    "gzip-bomb",
    "reflect",
    "processed",
)


@dataclass
class Fault:
    """A scripted failure for the next ``times`` matching API requests (tests set these up).

    * ``status``: answer ``status`` in Northflank's error envelope, with extra ``headers``
      (e.g. ``{"Retry-After": "1"}``);
    * ``html``: answer ``status`` with an HTML page instead of JSON, as a proxy would;
    * ``hang``: accept the request, answer nothing for ``seconds``, then drop the connection;
    * ``close``: drop the connection without answering;
    * ``truncate``: send the headers and half of a JSON body, then drop the connection;
    * ``redirect``: answer 307 to ``location``;
    * ``body``: answer ``status`` with exactly ``payload`` as JSON (e.g. ``{"data": null}``);
    * ``trickle``: send a whole answer one byte every ``interval`` seconds, from its status line;
      ``trickle-body``: the status line and headers at once, then the body that way;
      ``trickle-headers``: the status line at once, the headers that way, then the body at once;
    * ``raw``: answer ``status`` with ``payload`` (bytes, or text as Latin-1) as-is, as JSON;
    * ``huge``: answer 200 with a JSON body of ``size`` bytes;
    * ``gzip-bomb``: answer 200 with a small gzip body that inflates to ``size`` bytes;
    * ``reflect``: answer ``status`` echoing the request's ``Authorization`` header everywhere a
      proxy or a debug page might: the error's message and id, a ``Content-Type`` parameter and a
      ``Location``; with a 2xx status, inside the deployment's fields; with ``payload`` ``"text"``,
      as a plain-text page;
    * ``processed``: handle the request normally (a POST .../runs does start the run), then answer
      ``status`` in Northflank's error envelope instead, as a gateway does when the backend's answer
      is lost on the way back.
      With ``others_start`` on a POST .../runs, that many more runs of the job start at the same
      moment, as someone else's would (the dashboard, a schedule, ``runOnSourceChange``).

    The answer's ``headers`` are added to those of every kind that sends headers.
    """

    kind: str = "status"
    method: str | None = None  # None: any method
    path: str | None = None  # a regular expression searched in the path; None: any API path
    times: int = 1
    status: int = 503
    headers: dict[str, str] = field(default_factory=dict)
    seconds: float = 30.0
    location: str = ""
    payload: Any = None
    interval: float = 1.0
    size: int = 50 * 1024 * 1024
    others_start: int = 0

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"fault kind must be one of {', '.join(FAULT_KINDS)}")

    @property
    def answer_status(self) -> int:
        """The status the client sees; 0 when it gets no answer at all."""
        return {
            "status": self.status,
            "html": self.status,
            "body": self.status,
            "reflect": self.status,
            "processed": self.status,
            "redirect": 307,
            "truncate": 200,
            "trickle": 200,
            "trickle-body": 200,
            "trickle-headers": 200,
            "raw": self.status,
            "huge": 200,
            "gzip-bomb": 200,
        }.get(self.kind, 0)

    @property
    def lets_the_request_through(self) -> bool:
        """Whether the API handles the request before the fault (``processed``)."""
        return self.kind == "processed"

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method == method) and (
            self.path is None or re.search(self.path, path) is not None
        )


def lost_answer(fault: Fault, backend: Backend, path: str) -> tuple[int, Any, dict[str, str]]:
    """A ``processed`` fault: the status, payload and headers that replace the API's answer (the
    request has taken effect); the runs ``others_start`` asks for start now."""
    job = re.search(r"/projects/([^/]+)/jobs/([^/]+)/runs$", path)
    for _ in range(fault.others_start if job else 0):
        backend.start_run(job.group(1), job.group(2))  # type: ignore[union-attr]
    envelope = error_envelope(fault.status, f"Injected fault: HTTP {fault.status} after processing")
    return fault.status, envelope, fault.headers


def play(fault: Fault, request: RequestHandler, path: str) -> None:
    """Answer ``request`` as ``fault`` says, instead of the API (every kind but ``processed``)."""
    if fault.kind == "status":
        envelope = error_envelope(fault.status, f"Injected fault: HTTP {fault.status}")
        request.send_json(fault.status, envelope, fault.headers)
        return
    if fault.kind == "body":
        request.send_json(fault.status, fault.payload, fault.headers)
        return
    if fault.kind == "raw":
        request.send_bytes(fault.status, _raw(fault.payload), "application/json", fault.headers)
        return
    if fault.kind == "html":
        page = b"<html><body><h1>502 Bad Gateway</h1></body></html>"
        request.send_bytes(fault.status, page, "text/html", fault.headers)
        return
    if fault.kind == "redirect":
        request.send_json(307, {}, {"Location": fault.location, **fault.headers})
        return
    if fault.kind == "reflect":
        _reflect(fault, request)
        return
    # The kinds below end by dropping the connection.
    if fault.kind in ("trickle", "trickle-body", "trickle-headers"):
        _trickle(fault, request, path)
    elif fault.kind == "huge":
        _stream(request, path, fault.size, _huge_body(fault.size), {})
    elif fault.kind == "gzip-bomb":
        bomb = _gzip_bomb(fault.size)
        _stream(request, path, len(bomb), [bomb], {"Content-Encoding": "gzip"})
    elif fault.kind == "truncate":
        data = json.dumps({"data": {"region": "europe-west", "instances": 1}}).encode()
        request.send_response(200)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(data)))
        request.end_headers()
        request.wfile.write(data[: len(data) // 2])
        request.wfile.flush()
    elif fault.kind == "hang":
        time.sleep(fault.seconds)
    request.close_connection = True
    with _peer_gone():
        request.connection.shutdown(socket.SHUT_RDWR)


def _reflect(fault: Fault, request: RequestHandler) -> None:
    """What a proxy or a debug page that echoes request headers would send (as plain text when
    ``payload`` is ``"text"``)."""
    echoed = request.headers.get("Authorization", "")
    kind = "text/plain" if fault.payload == "text" else "application/json"
    headers = {"Content-Type": f'{kind}; echo="{echoed}"', **fault.headers}
    if 300 <= fault.status < 400:
        token = echoed.removeprefix("Bearer ")
        headers["Location"] = (
            f"https://{token}@proxy.example.com/login?authorization={quote(echoed)}"
        )
    payload: Any
    if fault.payload == "text":
        payload = f"Request headers:\nAuthorization: {echoed}\n"
    elif fault.status < 300:
        payload = {
            "data": {
                "external": {
                    "imagePath": f"echo/{echoed}:1",
                    "registryProvider": "custom",
                    "privateImage": False,
                },
                "docker": {"configType": "customCommand", "customCommand": echoed},
            }
        }
    else:
        payload = error_envelope(fault.status, f"Request headers: Authorization: {echoed}")
        payload["error"]["id"] = echoed
    data = payload.encode() if isinstance(payload, str) else json.dumps(payload).encode()
    request.send_bytes(fault.status, data, headers.pop("Content-Type"), headers)


def _trickle(fault: Fault, request: RequestHandler, path: str) -> None:
    """A 200 sent in three parts: at once, then one byte every ``interval`` seconds (the part the
    fault's kind names), then the rest at once."""
    body = json.dumps({"data": {"region": "europe-west", "padding": "x" * 64}}).encode()
    status_line = b"HTTP/1.1 200 OK\r\n"
    head = f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode()
    answer = status_line + head + body
    start, end = {
        "trickle": (0, len(answer)),
        "trickle-body": (len(status_line + head), len(answer)),
        "trickle-headers": (len(status_line), len(status_line + head)),
    }[fault.kind]
    sent = 0
    try:
        request.wfile.write(answer[:start])
        request.wfile.flush()
        for sent in range(start, end):
            request.wfile.write(answer[sent : sent + 1])
            request.wfile.flush()
            time.sleep(fault.interval)
        sent = end
        request.wfile.write(answer[end:])
        request.wfile.flush()
    except OSError:  # the client gave up
        request.backend.record_abandoned(path, sent, len(answer))


def _stream(
    request: RequestHandler, path: str, size: int, chunks: Iterable[bytes], headers: dict[str, str]
) -> None:
    """A 200 whose body is sent chunk by chunk, noting when the client stops reading."""
    request.send_response(200)
    request.send_header("Content-Type", "application/json")
    request.send_header("Content-Length", str(size))
    for name, value in headers.items():
        request.send_header(name, value)
    request.end_headers()
    sent = 0
    try:
        for chunk in chunks:
            request.wfile.write(chunk)
            sent += len(chunk)
    except OSError:
        request.backend.record_abandoned(path, sent, size)


@contextlib.contextmanager
def _peer_gone() -> Iterator[None]:
    """The client may already have closed the connection: that ends the fault just as well."""
    with contextlib.suppress(OSError):
        yield


def _huge_body(size: int) -> Iterator[bytes]:
    """``size`` bytes of one JSON document, made on the fly (never held in memory at once)."""
    head, tail = b'{"data": {"padding": "', b'"}}'
    filler = size - len(head) - len(tail)
    yield head
    chunk = b"x" * 65536
    for _ in range(filler // len(chunk)):
        yield chunk
    yield b"x" * (filler % len(chunk)) + tail


def _raw(payload: Any) -> bytes:
    """A ``raw`` fault's body: bytes as they are; text (from the control route's JSON, which
    cannot carry bytes) one byte per character, as Latin-1."""
    return payload if isinstance(payload, bytes) else str(payload).encode("latin-1")


@functools.cache
def _gzip_bomb(size: int) -> bytes:
    """A gzip body that inflates to ``size`` bytes of JSON (about 1000 times its own size)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: a gzip header and trailer
    head, tail = b'{"data": {"padding": "', b'"}}'
    parts = [compressor.compress(head)]
    zeros, left = b"0" * (1024 * 1024), size - len(head) - len(tail)
    while left > 0:
        parts.append(compressor.compress(zeros[: min(left, len(zeros))]))
        left -= len(zeros)
    parts += [compressor.compress(tail), compressor.flush()]
    return b"".join(parts)
