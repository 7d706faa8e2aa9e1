"""Python names for the wire names a resource declares (``imagePath`` -> ``image_path``)."""

from __future__ import annotations

import re

from pulumi_northflank_provider.wire import Declaration


def snake(name: str) -> str:
    """``imagePath`` -> ``image_path``, ``buildSHA`` -> ``build_sha``."""
    return re.sub(r"(?<=[a-z0-9])([A-Z]+)", lambda m: "_" + m.group(1).lower(), name)


def to_wire(declaration: Declaration, nested: bool = True) -> dict[str, str]:
    """Python name -> wire name, for the resource's properties (and its blocks' fields)."""
    names = (*declaration.properties, *(declaration.nested if nested else ()))
    return {snake(name): name for name in names}
