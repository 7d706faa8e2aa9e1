"""The installed pulumi SDK's version, read in one place: the SDK's ``get``, the native plugin's
start and the test tools each gate features on it."""

from __future__ import annotations

import importlib.metadata
import re


def installed() -> tuple[int, ...]:
    """(major, minor) of the installed ``pulumi`` package; (0, 0) if it cannot be told."""
    found = re.match(r"(\d+)\.(\d+)", importlib.metadata.version("pulumi"))
    return tuple(int(n) for n in found.groups()) if found else (0, 0)
