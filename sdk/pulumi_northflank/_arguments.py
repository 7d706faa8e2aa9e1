"""How a resource's constructor takes its arguments: as keywords, or as one ``XxxArgs`` object
(or its dict form, ``XxxArgsDict``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Optional

import pulumi

#: Every resource names a job by these.
REQUIRED = ("project_id", "job_id")


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
