"""``python -m northflank_emulator --port 8080``: a local Northflank API for demo and tests."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from .models import DEFAULT_TOKEN, Backend, Grant
from .server import EmulatorServer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m northflank_emulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port (0 picks a free one)")
    parser.add_argument(
        "--token",
        action="append",
        help=f"an API token to accept, repeatable (default: {DEFAULT_TOKEN})",
    )
    parser.add_argument(
        "--read-only-token", action="append", default=[], help="a token that may only read"
    )
    parser.add_argument("--rate-limit", type=int, default=1000, help="requests per hour per token")
    parser.add_argument("--state-file", type=Path, help="keep state in this JSON file")
    parser.add_argument(
        "--latency-ms", type=float, default=0, help="delay every API answer, as a remote API would"
    )
    parser.add_argument("--no-seed", action="store_true", help="start without the demo project")
    parser.add_argument(
        "--allow-remote-control",
        action="store_true",
        help="allow a non-loopback --host although the /_emulator control routes have no auth",
    )
    args = parser.parse_args(argv)

    tokens = {token: Grant("cli") for token in (args.token or [DEFAULT_TOKEN])}
    tokens.update({token: Grant("read-only", write=False) for token in args.read_only_token})
    backend = Backend(
        tokens,
        rate_limit=args.rate_limit,
        state_file=args.state_file,
        latency=args.latency_ms / 1000,
    )
    if not args.no_seed and not backend.projects:
        backend.seed_demo()
    try:
        server = EmulatorServer(
            backend, args.host, args.port, allow_remote_control=args.allow_remote_control
        )
    except ValueError as refused:
        parser.error(str(refused))

    def stop(signum: int, _frame: FrameType | None) -> None:
        # shutdown() waits for serve_forever to return, so it must run on another thread.
        threading.Thread(target=server.httpd.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"Northflank API emulator listening on {server.url}", flush=True)
    server.serve_forever()
    server.httpd.server_close()
    print("Northflank API emulator stopped", file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
