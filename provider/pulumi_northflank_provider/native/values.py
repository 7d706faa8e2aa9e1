"""The native protocol's values (``PropertyValue``) to the plain values the core takes, and back.

The core sees exactly what the dynamic provider is given: numbers as floats, a value not known
yet as the engine's unknown string, secrets unwrapped. Which values were secret is kept as their
paths, so that the answer marks the same values secret again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pulumi.provider.experimental.property_value import Computed, PropertyValue
from pulumi.runtime.rpc import UNKNOWN

from ..errors import InputError

#: Where a value sits: top-level key, then keys (or list positions) inside it.
Path = tuple[str, ...]


def plain(values: Mapping[str, PropertyValue]) -> tuple[dict[str, Any], set[Path]]:
    """The values as the core takes them, and the paths of those marked secret."""
    secrets: set[Path] = set()

    def walk(value: PropertyValue, path: Path) -> Any:
        if value.is_secret:
            secrets.add(path)
        inner = value.value
        if isinstance(inner, Computed):
            return UNKNOWN
        if isinstance(inner, Mapping):
            return {k: walk(item, (*path, k)) for k, item in inner.items()}
        if isinstance(inner, Sequence) and not isinstance(inner, str):
            return [walk(item, (*path, str(i))) for i, item in enumerate(inner)]
        if inner is None or isinstance(inner, (bool, float, str)):
            return inner
        raise InputError(
            f"{'.'.join(path)} must be plain data (text, numbers, lists, objects), not "
            f"{type(inner).__name__}"
        )

    return {key: walk(value, (key,)) for key, value in values.items()}, secrets


def wrapped(
    bag: Mapping[str, Any], secrets: set[Path] | frozenset[Path] = frozenset()
) -> dict[str, PropertyValue]:
    """Plain values as ``PropertyValue``s, those at ``secrets`` (and inside them) marked secret.
    Whole numbers become floats: the protocol takes no ints."""

    def wrap(value: Any, path: Path) -> PropertyValue:
        if isinstance(value, Mapping):
            out = PropertyValue({str(k): wrap(v, (*path, str(k))) for k, v in value.items()})
        elif isinstance(value, (list, tuple)):
            out = PropertyValue([wrap(v, (*path, str(i))) for i, v in enumerate(value)])
        elif value is None or isinstance(value, (bool, str)):
            out = PropertyValue(value)
        elif isinstance(value, (int, float)):
            out = PropertyValue(float(value))
        else:  # pragma: no cover - the core returns JSON-like values only
            raise TypeError(f"cannot send a {type(value).__name__} at {'.'.join(path)}")
        return out.with_secret(True) if path in secrets else out

    return {key: wrap(value, (key,)) for key, value in bag.items()}


def secret_names(values: Mapping[str, Any], secrets: set[Path], key: str) -> list[str]:
    """The names in the object ``values[key]`` whose values are secret (all of them when the
    whole object is)."""
    names = values.get(key)
    if not isinstance(names, Mapping):
        return []
    if (key,) in secrets:
        return sorted(names)
    return sorted(name for name in names if (key, name) in secrets)
