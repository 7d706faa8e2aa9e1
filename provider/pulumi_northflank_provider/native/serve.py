"""Start the native plugin: what ``python provider <engine-address>`` runs (see
``provider/__main__.py``)."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from .. import log
from .._version import __version__
from ..pulumi_version import installed as pulumi_version

#: The first pulumi whose native-provider SDK hands the engine's Cancel to the provider.
NEEDS_PULUMI = (3, 230)


def main(argv: Sequence[str]) -> None:
    if pulumi_version() < NEEDS_PULUMI:
        wanted = ".".join(map(str, NEEDS_PULUMI))
        sys.exit(
            f"The northflank plugin needs the pulumi Python package >= {wanted} (its native "
            f"provider SDK); this environment has {'.'.join(map(str, pulumi_version()))}. "
            "Run `pulumi install` in the plugin directory, or `pip install -r "
            "requirements.txt` in its virtualenv."
        )
    from pulumi.provider.experimental import server  # noqa: PLC0415 - after the version gate

    from .engine_log import EngineLog  # noqa: PLC0415
    from .provider import NorthflankNativeProvider  # noqa: PLC0415

    log.send_to(EngineLog(engine_address(argv)))
    server.main(list(argv), __version__, NorthflankNativeProvider())


def engine_address(argv: Sequence[str]) -> str:
    """The engine's address: the last argument, after ``--logtostderr``, ``-v=9`` and
    ``--tracing <url>`` (whose value would pass for a positional argument)."""
    return argv[-1] if argv and not argv[-1].startswith("-") else ""
