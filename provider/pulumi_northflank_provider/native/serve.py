"""Start the native plugin: what ``python provider <engine-address>`` runs (see
``provider/__main__.py``)."""

from __future__ import annotations

import argparse
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

    # The same arguments the SDK's server reads (it parses sys.argv itself): the engine's address
    # comes last, after flags such as --logtostderr and -v=9.
    known, _ = _arguments().parse_known_args(argv)
    log.send_to(EngineLog(known.engine))
    server.main(list(argv), __version__, NorthflankNativeProvider())


def _arguments() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="northflank plugin", add_help=False)
    parser.add_argument("engine")
    return parser
