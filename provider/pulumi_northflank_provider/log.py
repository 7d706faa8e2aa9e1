"""What the provider tells the person running Pulumi.

The plugin process has no connection to the engine's log service (there, ``pulumi.log`` falls back
to printing), and the engine shows what the plugin writes on stderr. So info lines are always
written; debug lines only when asked for, with ``pulumi up -v=9 --logflow`` (the engine then passes
``-v=9`` on to the plugin) or ``NORTHFLANK_LOG=debug``. Messages are built from IDs, paths and
statuses only: never from a token.
"""

from __future__ import annotations

import functools
import os
import re
import sys
import threading
from collections.abc import Callable, Mapping, Sequence

import pulumi

DEBUG_VERBOSITY = 9

_once: set[str] = set()
_once_lock = threading.Lock()


#: Where info lines and warnings go instead of ``pulumi.log``: the native plugin sends them to
#: the engine's log service (``native.engine_log``), which shows them beside the resource.
Sink = Callable[[str, str], None]  # (severity "info" or "warning", message)


def _to_pulumi_log(severity: str, message: str) -> None:
    (pulumi.log.warn if severity == "warning" else pulumi.log.info)(message)


_sink: Sink = _to_pulumi_log


def send_to(sink: Sink | None) -> None:
    """Write info lines and warnings to ``sink`` from now on (``None``: to ``pulumi.log``)."""
    global _sink  # noqa: PLW0603 - one destination per plugin process, chosen at start-up
    _sink = sink or _to_pulumi_log


def info(message: str) -> None:
    _sink("info", f"[northflank] {message}")


def warn(message: str) -> None:
    _sink("warning", f"[northflank] {message}")


def info_once(key: str, message: str) -> None:
    """An info line written at most once per plugin process (one ``pulumi`` run)."""
    if _first_time(key):
        info(message)


def warn_once(key: str, message: str) -> None:
    """A warning written at most once per plugin process (one ``pulumi`` run)."""
    if _first_time(key):
        warn(message)


def _first_time(key: str) -> bool:
    if key in _once:  # said already: no need to wait for the lock (asked on every API call)
        return False
    with _once_lock:
        if key in _once:
            return False
        _once.add(key)
        return True


def debug(message: str) -> None:
    if debug_enabled():
        print(f"debug: [northflank] {message}", file=sys.stderr, flush=True)


def debug_enabled(
    argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None
) -> bool:
    if argv is None and environ is None:
        return _debug_asked_for()
    return _wants_debug(
        sys.argv if argv is None else argv, os.environ if environ is None else environ
    )


@functools.cache
def _debug_asked_for() -> bool:
    # Decided once: the plugin's command line and environment stay as they started, and every
    # request asks.
    return _wants_debug(sys.argv, os.environ)


def _wants_debug(argv: Sequence[str], environ: Mapping[str, str]) -> bool:
    if environ.get("NORTHFLANK_LOG", "").strip().lower() == "debug":
        return True
    for arg in argv:
        match = re.fullmatch(r"--?v=(\d+)", arg)
        if match and int(match.group(1)) >= DEBUG_VERBOSITY:
            return True
    return False


def sentence(text: str) -> str:
    """``text`` starting with a capital, the rest as it is (``str.capitalize`` would lower-case
    the IDs in it)."""
    return text[:1].upper() + text[1:]
