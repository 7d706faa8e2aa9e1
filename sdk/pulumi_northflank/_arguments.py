"""How a resource's constructor takes its arguments (keywords, one ``XxxArgs`` object, or its dict
form ``XxxArgsDict``), and what they become on the wire. Hand-written: the generated classes call
it, and it reads the provider's declaration rather than repeating it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Optional

import pulumi

from pulumi_northflank_provider.declaration import Declaration, python_name
from pulumi_northflank_provider.pulumi_version import installed

from . import _inputs

#: Every resource names a job by these.
REQUIRED = ("project_id", "job_id")
#: The first pulumi whose dynamic-provider plugin can Read with no state (it falls back to inputs).
GET_NEEDS_PULUMI = (3, 268)


pulumi_version = installed  # (major, minor) of the installed pulumi


def require_get_support(resource: str) -> None:
    """``Resource.get`` works only where the plugin can read by ID alone: say so up front."""
    installed = pulumi_version()
    if installed < GET_NEEDS_PULUMI:
        raise RuntimeError(
            f"{resource}.get needs pulumi >= {'.'.join(map(str, GET_NEEDS_PULUMI))}.0 "
            f"(installed: {'.'.join(map(str, installed))}): before it, the plugin process "
            "cannot read a dynamic resource by its ID alone. Upgrade pulumi in the program's "
            "virtualenv."
        )


def resolve(
    args: Any, opts: Optional[pulumi.ResourceOptions], keywords: dict[str, Any], args_class: type
) -> tuple[dict[str, Any], Optional[pulumi.ResourceOptions]]:
    """The arguments by Python name, and the options; ``Resource(name, opts, ...)`` works too."""
    if isinstance(args, pulumi.ResourceOptions):
        args, opts = None, args
    if args is not None:
        if any(value is not None for value in keywords.values()):
            raise TypeError(f"pass either a {args_class.__name__} or keyword arguments, not both")
        if isinstance(args, Mapping):
            unknown = sorted(set(args) - set(keywords))
            if unknown:
                raise TypeError(f"{args_class.__name__}Dict has no argument {', '.join(unknown)}")
            keywords = {name: args.get(name) for name in keywords}
        else:
            keywords = {name: getattr(args, name) for name in keywords}
    for required in REQUIRED:
        if keywords[required] is None:
            raise TypeError(f"Missing required property '{required}'")
    return keywords, opts


def to_wire(keywords: Mapping[str, Any], declaration: Declaration) -> dict[str, Any]:
    """The props a resource registers: each argument under its wire name, a block's dict form
    turned into its ``XxxArgs`` (which knows its own wire names), and every output the provider
    computes present as ``None``. Nothing else is renamed: the keys of a map the program wrote
    (``environment``) are the program's."""
    body = declaration.body
    props: dict[str, Any] = {
        p.key: keywords.get(python_name(p.key)) for p in (*body.path_params, *body.properties)
    }
    for block in body.blocks:
        args_class = getattr(_inputs, f"{block.type_name}Args")
        props[block.key] = _as_args(keywords.get(block.key), args_class)
    return {**props, **dict.fromkeys(declaration.read_only)}


def nothing_declared(declaration: Declaration) -> dict[str, Any]:
    """The props of a resource read by its ID: every property present, none declared."""
    return dict.fromkeys(declaration.properties)


def output(resource: pulumi.Resource, wire: str) -> pulumi.Output[Any]:
    """A resource's output, kept under its wire name (see ``to_wire``)."""
    value: pulumi.Output[Any] = resource.__dict__[wire]
    return value


def _as_args(value: Any, args_class: type) -> Any:
    if isinstance(value, pulumi.Output):
        return value.apply(lambda resolved: _as_args(resolved, args_class))
    if isinstance(value, Mapping):
        return args_class(**value)
    return value
