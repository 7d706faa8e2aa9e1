"""What a ``JobRun`` computes from the program's values before it registers them. Hand-written:
it is behaviour (asking outputs whether they are secret, flattening output objects), not a
declaration."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi
from pulumi import _types

from pulumi_northflank_provider.job_run import SECRET_NAMES


def job_run(props: dict[str, Any]) -> dict[str, Any]:
    """Triggers as plain JSON, and which environment values the program marked secret (the
    provider shows plain values as they are and hides only these)."""
    if props.get("triggers") is not None:
        props["triggers"] = pulumi.Output.from_input(props["triggers"]).apply(_json_like)
    if props.get("environment") is not None:
        props[SECRET_NAMES] = pulumi.Output.from_input(_secret_names(props["environment"]))
    return props


async def _secret_names(environment: Any) -> list[str]:
    """The names of the environment variables whose values the program marked secret: each
    value's own mark, or every name when the whole environment is one secret output."""
    if isinstance(environment, Mapping):
        return [
            name
            for name, value in environment.items()
            if await pulumi.Output.from_input(value).is_secret()
        ]
    whole = pulumi.Output.from_input(environment)
    if not await whole.is_secret():
        return []
    resolved = await whole.future()
    return sorted(resolved) if isinstance(resolved, Mapping) else []


def _json_like(value: Any) -> Any:
    """A trigger as plain JSON: an output object of another resource (say a
    ``JobDeployment.external``) becomes its fields under their wire names."""
    if _types.is_output_type(type(value)):
        return _json_like(_output_fields(value))
    if isinstance(value, Mapping):
        return {key: _json_like(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_like(item) for item in value]
    return value


def _output_fields(value: Any) -> dict[str, Any]:
    """An output object's set fields under their wire names. The SDK has a function for it from
    some release on; before, its properties say the same (both are the SDK's own internals)."""
    to_dict = getattr(_types, "output_type_to_dict", None)
    if to_dict is not None:
        fields: dict[str, Any] = to_dict(value)
        return fields
    properties: Any = _types._py_properties
    found = ((wire, prop.fget(value)) for _, wire, prop in properties(type(value)))
    return {wire: item for wire, item in found if item is not None}
