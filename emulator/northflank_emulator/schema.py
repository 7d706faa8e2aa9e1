"""Northflank's own request schemas (from its official CLI), and validation with them.

``data/northflank-openapi-slice.json`` holds request-body schemas copied verbatim from
``@northflank/cli`` 0.9.24 (see ``docs/northflank-api.md``), so validating with them is as close to
Northflank's server as we can get without a live call. The slice has no schema for starting a job
run, so ``validate_run_body`` checks that body by hand.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from functools import cache
from importlib import resources
from typing import Any

import jsonschema
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

DEPLOYMENT_PATH = "/v1/projects/{projectId}/jobs/{jobId}/deployment"

#: The "custom* is required when configType is ..." rules that the schema leaves to its field
#: descriptions. UNCONFIRMED whether the live server enforces them; the emulator does.
CUSTOM_FIELDS_NEEDED = {
    "docker": {
        "customEntrypoint": ("customEntrypoint",),
        "customCommand": ("customCommand",),
        "customEntrypointCustomCommand": ("customEntrypoint", "customCommand"),
    },
    "buildpack": {
        "customProcess": ("customProcess",),
        "customCommand": ("customCommand",),
        "customEntrypointCustomCommand": ("customEntrypoint", "customCommand"),
        "originalEntrypointCustomCommand": ("customCommand",),
    },
}


@cache
def openapi_slice() -> dict[str, Any]:
    text = resources.files(__package__).joinpath("data/northflank-openapi-slice.json").read_text()
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def deployment_body_schema() -> dict[str, Any]:
    post = openapi_slice()["paths"][DEPLOYMENT_PATH]["post"]
    schema: dict[str, Any] = post["requestBody"]["content"]["application/json"]["schema"]
    return schema


def _ecmascript_pattern(
    validator: Any, pattern: str, instance: Any, schema: Mapping[str, Any]
) -> Iterator[ValidationError]:
    """``pattern`` as the CLI's ECMAScript engine reads it: ``$`` is the end of the input only
    (Python's ``$`` also matches before a trailing newline, so ``"nginx:latest\\n"`` would pass)."""
    if not validator.is_type(instance, "string"):
        return
    python_pattern = (
        pattern[:-1] + r"\Z" if pattern.endswith("$") and not pattern.endswith(r"\$") else pattern
    )
    if not re.search(python_pattern, instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


EcmaValidator = jsonschema.validators.extend(  # type: ignore[no-untyped-call]
    Draft202012Validator, {"pattern": _ecmascript_pattern}
)


@cache
def deployment_body_validator() -> Any:
    return EcmaValidator(deployment_body_schema())


def schema_errors(body: Any) -> list[tuple[str, str]]:
    """What the official schema finds wrong with a body, as ``(path, message)``; [] if valid."""
    error = best_match(deployment_body_validator().iter_errors(body))
    if error is None:
        return []
    # A failed oneOf names only the whole body: report the deepest error of any branch, which is
    # the one that names a field (ties go to a branch's own complaint over a missing source block).
    leaves = list(_leaves(error))
    error = max(leaves, key=lambda e: (len(e.absolute_path), e.validator != "required"))
    path = ".".join(str(p) for p in error.absolute_path) or "(body)"
    return [(path, error.message)]


def _leaves(error: ValidationError) -> Iterator[ValidationError]:
    if not error.context:
        yield error
    for sub in error.context:
        yield from _leaves(sub)


def custom_field_errors(body: Mapping[str, Any]) -> list[tuple[str, str]]:
    out = []
    for block, needs in CUSTOM_FIELDS_NEEDED.items():
        settings = body.get(block)
        if not isinstance(settings, Mapping):
            continue
        config_type = settings.get("configType")
        for field in needs.get(config_type, ()) if isinstance(config_type, str) else ():
            if field not in settings:
                out.append((f"{block}.{field}", f"required when configType is {config_type}"))
    return out


def validate_deployment_body(body: Any) -> list[tuple[str, str]]:
    errors = schema_errors(body)
    if errors or not isinstance(body, Mapping):
        return errors
    return custom_field_errors(body)


#: The fields of POST .../jobs/{jobId}/runs (every one optional). Only ``runtimeEnvironment`` is
#: looked into; the others must be objects and their content is not checked.
RUN_BODY_OBJECTS = (
    "runtimeEnvironment",
    "runtimeFiles",
    "dockerSecretMounts",
    "billing",
    "deployment",
)


def validate_run_body(body: Any) -> list[tuple[str, str]]:
    """What is wrong with a start-run body, as ``(path, message)``; [] if valid."""
    if not isinstance(body, Mapping):
        return [("(body)", "must be an object")]
    errors = [(str(key), "is not an allowed field") for key in body if key not in RUN_BODY_OBJECTS]
    errors += [
        (key, "must be an object")
        for key in RUN_BODY_OBJECTS
        if key in body and not isinstance(body[key], Mapping)
    ]
    environment = body.get("runtimeEnvironment")
    if isinstance(environment, Mapping):
        errors += [
            (f"runtimeEnvironment.{name}", "must be a string")
            for name, value in environment.items()
            if not isinstance(value, str)
        ]
    return errors


#: ``PatchJobRequestSettings`` of Northflank's Python client 2.1.0 (the settings part of PATCH
#: job), as rules: types and enums. Ranges are not published: any whole number >= 0 is taken.
SETTINGS_ENUMS = {
    "runOnSourceChange": ("never", "cd-promote", "always"),
    "cron.concurrencyPolicy": ("allow", "forbid", "replace"),
}


def validate_settings_body(body: Any) -> list[tuple[str, str]]:
    """The problems of a PATCH job body's ``settings`` (other top-level fields are accepted)."""
    if not isinstance(body, Mapping) or not isinstance(body.get("settings", {}), Mapping):
        return [("settings", "must be an object")]
    settings = body.get("settings", {})
    errors: list[tuple[str, str]] = []
    for key in ("backoffLimit", "activeDeadlineSeconds"):
        value = settings.get(key)
        nullable = key == "activeDeadlineSeconds"
        if key in settings and not (
            (nullable and value is None)
            or (isinstance(value, int) and not isinstance(value, bool) and value >= 0)
        ):
            errors.append((f"settings.{key}", "must be a whole number >= 0"))
    if (
        "runOnSourceChange" in settings
        and settings["runOnSourceChange"] not in SETTINGS_ENUMS["runOnSourceChange"]
    ):
        errors.append(("settings.runOnSourceChange", "must be one of never, cd-promote, always"))
    cron = settings.get("cron")
    if cron is not None:
        if not isinstance(cron, Mapping):
            return [*errors, ("settings.cron", "must be an object")]
        if "schedule" in cron and not isinstance(cron["schedule"], (str, type(None))):
            errors.append(("settings.cron.schedule", "must be a string"))
        if "suspended" in cron and not isinstance(cron["suspended"], bool):
            errors.append(("settings.cron.suspended", "must be a boolean"))
        policy = cron.get("concurrencyPolicy")
        if "concurrencyPolicy" in cron and policy not in SETTINGS_ENUMS["cron.concurrencyPolicy"]:
            errors.append(
                ("settings.cron.concurrencyPolicy", "must be one of allow, forbid, replace")
            )
    return errors
