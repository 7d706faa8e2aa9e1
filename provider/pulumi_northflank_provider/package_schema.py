"""The Pulumi package schema of ``northflank``, built from the resources' declarations.

``provider/schema.json`` is this schema, written by ``make generate`` (and checked by ``make
test``). It describes every resource's input and output properties with their types,
descriptions and required-ness, the block and enum types, and the provider's settings; it is
what ``pulumi package add`` reads to write an SDK in another language.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import config
from ._version import __version__
from .declaration import (
    Block,
    Choice,
    Computed,
    Declaration,
    Field,
    Flag,
    Integer,
    JsonList,
    Property,
    Rule,
    StringMap,
    described,
    enum_of,
)
from .job_deployment import JOB_DEPLOYMENT
from .job_run import JOB_RUN
from .job_settings import JOB_SETTINGS

PACKAGE = "northflank"
#: Where ``make generate`` writes the schema: beside the provider package, in the plugin folder.
SCHEMA_FILE = Path(__file__).resolve().parents[1] / "schema.json"
DECLARATIONS = (JOB_DEPLOYMENT, JOB_RUN, JOB_SETTINGS)


@dataclass(frozen=True)
class Setting:
    """A provider setting as the schema declares it (``config`` reads and checks it)."""

    key: str  # as in `pulumi config set northflank:<key>`
    env: str
    kind: str
    description: str
    secret: bool = False


SETTINGS = (
    Setting(
        config.TOKEN_CONFIG.split(":")[1],
        config.TOKEN_ENV,
        "string",
        "The Northflank API token (Account or Team settings > API > Tokens). Set it as a secret.",
        secret=True,
    ),
    Setting(
        config.URL_CONFIG.split(":")[1],
        config.URL_ENV,
        "string",
        f"The API's base URL; default `{config.DEFAULT_API_URL}`. Plain `http://` only for a "
        "local emulator on a loopback address.",
    ),
    Setting(
        config.TEAM_CONFIG.split(":")[1],
        config.TEAM_ENV,
        "string",
        "The team whose projects the resources name, for organisation or team API tokens; a "
        "resource's `teamId` wins over it.",
    ),
    Setting(
        config.TIMEOUT_CONFIG.split(":")[1],
        config.TIMEOUT_ENV,
        "number",
        f"Seconds for a whole answer to arrive, per attempt; default "
        f"{config.DEFAULT_REQUEST_TIMEOUT:g}.",
    ),
    Setting(
        config.RETRY_WAIT_CONFIG.split(":")[1],
        config.RETRY_WAIT_ENV,
        "number",
        f"Seconds one call may spend waiting between attempts, in total; default "
        f"{config.DEFAULT_MAX_RETRY_WAIT:g}.",
    ),
)


def token(name: str) -> str:
    """A resource's or a type's token: ``northflank:index:JobDeployment``."""
    return f"{PACKAGE}:index:{name}"


def schema_text(text: str) -> str:
    """A declared description as the schema says it: each ``{property}`` under its wire name."""
    return described(text, lambda wire: f"`{wire}`")


def schema() -> dict[str, Any]:
    """The whole package schema."""
    return {
        "name": PACKAGE,
        "displayName": "Northflank",
        "version": __version__,
        "description": "Declare Northflank jobs' deployments, settings and runs.",
        "keywords": ["pulumi", "northflank", "category/cloud", "kind/native"],
        "license": "Apache-2.0",
        "publisher": "pulumi-northflank",
        "meta": {"moduleFormat": "(.*)"},
        "config": {"variables": {s.key: _setting(s) for s in SETTINGS}},
        "provider": {
            "description": "The Northflank provider: its settings, each also read from the "
            "environment.",
            "inputProperties": {s.key: _setting(s, with_env=True) for s in SETTINGS},
        },
        "types": _types(),
        "resources": {token(d.name): _resource(d) for d in DECLARATIONS},
        "language": {
            "python": {"packageName": "pulumi_northflank_native"},
            "nodejs": {"packageName": "@pulumi-northflank/northflank"},
            "csharp": {"rootNamespace": "PulumiNorthflank"},
            "go": {"importBasePath": "github.com/pulumi-northflank/northflank/sdk/go/northflank"},
        },
    }


def _setting(setting: Setting, with_env: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {"type": setting.kind, "description": setting.description}
    if setting.secret:
        out["secret"] = True
    if with_env:
        out["defaultInfo"] = {"environment": [setting.env]}
    return out


def _resource(declaration: Declaration) -> dict[str, Any]:
    inputs = {key: spec for key, spec, _ in _inputs(declaration)}
    required_inputs = [key for key, _, required in _inputs(declaration) if required]
    outputs = {**inputs, **{c.key: _computed(c) for c in declaration.computed}}
    always = [
        *required_inputs,
        *(p.key for p in declaration.body.properties if p.default is not None),
        *(c.key for c in declaration.computed if not c.optional),
    ]
    out: dict[str, Any] = {
        "description": schema_text(declaration.description) + _import_section(declaration),
        "properties": outputs,
        "required": always,
        "inputProperties": inputs,
        "requiredInputs": required_inputs,
    }
    return out


def _import_section(declaration: Declaration) -> str:
    """Pulumi's "## Import" section of a resource's docs, for one that can be imported."""
    if not declaration.import_id:
        return ""
    first = declaration.import_id.split(", or ")[0]
    return (
        f"\n\n## Import\n\nThe import ID is {declaration.import_id}:\n\n```sh\n"
        f"$ pulumi import {token(declaration.name)} <name> '{first}'\n```"
    )


def _inputs(declaration: Declaration) -> list[tuple[str, dict[str, Any], bool]]:
    body = declaration.body
    out = []
    for p in (*body.path_params, *body.properties):
        if isinstance(p, JsonList) and p.internal:
            continue  # the Python SDK's own bookkeeping: other faces learn secrets otherwise
        spec = _property(p)
        if p.key in declaration.identity:
            spec["replaceOnChanges"] = True
            spec["description"] += f" Changing it {declaration.replacement}."
        out.append((p.key, spec, p.required))
    for block in body.blocks:
        spec = {
            "$ref": f"#/types/{token(block.type_name)}",
            "description": schema_text(block.description),
        }
        out.append((block.key, spec, False))
    return out


def _property(p: Property) -> dict[str, Any]:
    spec: dict[str, Any]
    if isinstance(p, Flag):
        spec = {"type": "boolean"}
    elif isinstance(p, Integer):
        spec = {"type": "integer"}
    elif isinstance(p, StringMap):
        spec = {"type": "object", "additionalProperties": {"type": "string"}}
    elif isinstance(p, JsonList):
        spec = {"type": "array", "items": {"$ref": "pulumi.json#/Any"}}
    else:
        spec = _string(p.rules)
    if getattr(p, "default", None) is not None:
        spec["default"] = p.default
    spec["description"] = schema_text(p.description)
    return spec


def _string(rules: Iterable[Rule]) -> dict[str, Any]:
    choice = enum_of(rules)
    return (
        {"$ref": f"#/types/{token(choice.enum)}"} if choice and choice.enum else {"type": "string"}
    )


def _computed(computed: Computed) -> dict[str, Any]:
    spec: dict[str, Any]
    if computed.choice and computed.choice.enum:
        spec = {"$ref": f"#/types/{token(computed.choice.enum)}"}
    elif computed.kind == "object":
        spec = {"type": "object", "additionalProperties": {"$ref": "pulumi.json#/Any"}}
    else:
        spec = {"type": computed.kind}
    spec["description"] = schema_text(computed.description)
    return spec


def _types() -> dict[str, Any]:
    out: dict[str, Any] = {}
    for declaration in DECLARATIONS:
        for p in declaration.body.properties:
            if isinstance(p, Field):
                _addenum_of(out, enum_of(p.rules), f"{declaration.name}.{p.key}")
        for block in declaration.body.blocks:
            out[token(block.type_name)] = _block_type(block)
            for f in block.fields:
                _addenum_of(out, enum_of(f.rules), f"{block.type_name}.{f.key}")
        for computed in declaration.computed:
            _addenum_of(out, computed.choice, f"{declaration.name}.{computed.key}")
    return dict(sorted(out.items()))


def _block_type(block: Block) -> dict[str, Any]:
    properties = {}
    for f in block.fields:
        spec = {"type": "boolean"} if isinstance(f, Flag) else _string(f.rules)
        spec["description"] = schema_text(f.description + _needs(block, f))
        properties[f.key] = spec
    return {
        "type": "object",
        "description": schema_text(block.type_description),
        "properties": properties,
        "required": [f.key for f in block.fields if f.required],
    }


def _needs(block: Block, f: Field | Flag) -> str:
    when = [value for value, needed in block.needs.items() if f.key in needed]
    if not when or block.selector is None:
        return ""
    return f" Required when `{block.selector}` is " + " or ".join(f"`{v}`" for v in when) + "."


def _addenum_of(types: dict[str, Any], choice: Choice | None, where: str) -> None:
    if choice is None or choice.enum is None:
        return
    types[token(choice.enum)] = {
        "type": "string",
        "description": f"The values of `{where}`.",
        "enum": [{"name": _member(v), "value": v} for v in choice.values],
    }


def _member(value: str) -> str:
    """An enum value's name in other languages: ``customCommand`` -> ``CustomCommand``,
    ``cd-promote`` -> ``CdPromote``."""
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"\W+", value) if part)
