"""CrossGuard policies for the Northflank job deployments a stack declares with pulumi-northflank.

Run them with `pulumi preview --policy-pack policies/northflank` (or `pulumi up`). Each rule is a
plain function of the resource's inputs, testable without the policy engine; the policies only
read their config and report what the function returns.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any, NamedTuple

from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyConfigSchema,
    PolicyPack,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError

from pulumi_northflank_provider.image_ref import Digest, parse

#: The type tokens pulumi_northflank's resources register (dynamic resources' tokens).
JOB_DEPLOYMENT = "pulumi-python:dynamic/northflank:JobDeployment"
JOB_RUN = "pulumi-python:dynamic/northflank:JobRun"
JOB_SETTINGS = "pulumi-python:dynamic/northflank:JobSettings"

_DIGEST = Digest()  # the provider's own rule for a digest, so the two never disagree


def _string_at(props: Mapping[str, Any], *path: str) -> str | None:
    """The string at ``path`` in the inputs; ``None`` if it is absent or not known yet. During a
    preview, the engine marks a value not known yet with a sentinel string, and its props proxy
    raises when one is read; under test mocks the value is pulumi's ``Unknown``, not a string."""
    value: Any = props
    try:
        for key in path:
            value = value.get(key) if isinstance(value, Mapping) else None
    except UnknownValueError:
        return None
    return value if isinstance(value, str) and value != UNKNOWN_STRING_VALUE else None


def image_pin_violation(props: Mapping[str, Any], require: str = "tag") -> str | None:
    """Why the job's image is not pinned the way ``require`` asks (``"digest"``, or ``"tag"``: a
    digest or a tag other than ``latest``); ``None`` when it is, when the deployment has no
    external image, or when the image is not known yet (the policy runs again at `pulumi up`)."""
    image = _string_at(props, "external", "imagePath")
    if image is None:
        return None
    # Past the registry host (whose port would look like a tag), ":" can only start the tag.
    repository, at, _ = parse(image).name.partition("@")
    if at:
        if _DIGEST.accepts(image):
            return None
        return f"{image} has a malformed digest: expected {_DIGEST.words}"
    tag = repository.partition(":")[2]
    untagged = image.strip()[: -len(tag) - 1] if tag else image.strip()
    if require == "digest":
        pinned = f"by the tag {tag}, which can be moved" if tag else "by nothing"
        return f"{image} is pinned {pinned}: deploy it by digest, as {untagged}@sha256:<digest>"
    if not tag:
        return f"{image} has no tag, so it runs whatever latest is: pin a version tag or a digest"
    if tag.lower() == "latest":
        return f"{image} runs whatever latest is when the job starts: pin a version tag or a digest"
    return None


def credentials_violation(props: Mapping[str, Any], allowed: Collection[str]) -> str | None:
    """Why the job's registry credentials are not allowed; ``None`` when they are, when the
    deployment uses none, or when they are not known yet."""
    credentials = _string_at(props, "external", "credentials")
    if credentials is None or credentials in allowed:
        return None
    if not allowed:
        return (
            f"registry credentials {credentials!r} are not allowed: allowedCredentials, the IDs "
            "of the saved credentials this stack may use, is empty"
        )
    return f"registry credentials {credentials!r} are not one of: {', '.join(sorted(allowed))}"


class StackResource(NamedTuple):
    """What a stack rule needs of a resource: its type, URN and inputs."""

    type: str
    urn: str
    props: Mapping[str, Any]


def _job(props: Mapping[str, Any]) -> tuple[str, str, str] | None:
    """The job a resource names (team, project, job); None while any part is not known yet."""
    project, job = _string_at(props, "projectId"), _string_at(props, "jobId")
    if project is None or job is None:
        return None
    return (_string_at(props, "teamId") or "", project, job)


def _job_name(job: tuple[str, str, str]) -> str:
    team = f" of team '{job[0]}'" if job[0] else ""
    return f"job '{job[2]}' in project '{job[1]}'{team}"


def double_run_violations(resources: Iterable[StackResource]) -> list[tuple[str, str]]:
    """(URN, message) for each JobRun whose job's declared JobSettings let Northflank run the job
    itself when its source changes: the JobRun then runs it a second time."""
    resources = list(resources)
    auto_runs = {
        job: value
        for r in resources
        if r.type == JOB_SETTINGS
        and (job := _job(r.props)) is not None
        and (value := _string_at(r.props, "runOnSourceChange")) not in (None, "never")
    }
    out = []
    for r in resources:
        job = _job(r.props) if r.type == JOB_RUN else None
        if job is not None and job in auto_runs:
            out.append(
                (
                    r.urn,
                    f"{_job_name(job)} has run_on_source_change={auto_runs[job]!r}: Northflank "
                    "runs it when its deployment changes, and this JobRun runs it again. Set "
                    "run_on_source_change='never' in its JobSettings.",
                )
            )
    return out


def undeclared_settings_violations(resources: Iterable[StackResource]) -> list[tuple[str, str]]:
    """(URN, message) for each JobRun whose job has no JobSettings in the stack: nothing says
    Northflank will not run the job itself as well."""
    resources = list(resources)
    declared = {job for r in resources if r.type == JOB_SETTINGS and (job := _job(r.props))}
    out = []
    for r in resources:
        job = _job(r.props) if r.type == JOB_RUN else None
        if job is not None and job not in declared:
            out.append(
                (
                    r.urn,
                    f"{_job_name(job)} has no JobSettings in this stack, so nothing says "
                    "Northflank will not run it itself when its deployment changes (its "
                    "runOnSourceChange setting). Declare "
                    "northflank.JobSettings(..., run_on_source_change='never') for it.",
                )
            )
    return out


def _stack_resources(args: StackValidationArgs) -> list[StackResource]:
    return [StackResource(r.resource_type, r.urn, r.props) for r in args.resources]


def _validate_no_double_runs(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    for urn, message in double_run_violations(_stack_resources(args)):
        report_violation(message, urn)


def _validate_settings_declared(
    args: StackValidationArgs, report_violation: ReportViolation
) -> None:
    for urn, message in undeclared_settings_violations(_stack_resources(args)):
        report_violation(message, urn)


def _validate_image_pinned(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type == JOB_DEPLOYMENT:
        message = image_pin_violation(args.props, str(args.get_config().get("require", "tag")))
        if message:
            report_violation(message, None)


def _validate_allowed_credentials(
    args: ResourceValidationArgs, report_violation: ReportViolation
) -> None:
    if args.resource_type == JOB_DEPLOYMENT:
        allowed = [str(item) for item in args.get_config().get("allowedCredentials", [])]
        message = credentials_violation(args.props, allowed)
        if message:
            report_violation(message, None)


IMAGE_PINNED = ResourceValidationPolicy(
    name="northflank-image-pinned",
    description="Jobs run images pinned by digest, or at least by a tag other than latest.",
    enforcement_level=EnforcementLevel.ADVISORY,
    config_schema=PolicyConfigSchema(
        properties={
            "require": {
                "type": "string",
                "enum": ["digest", "tag"],
                "default": "tag",
                "description": "digest: only image@sha256:...; tag: a digest or any tag but latest",
            }
        }
    ),
    validate=_validate_image_pinned,
)

ALLOWED_CREDENTIALS = ResourceValidationPolicy(
    name="northflank-allowed-credentials",
    description="Jobs pull images only with saved registry credentials from the allowed list.",
    enforcement_level=EnforcementLevel.ADVISORY,
    config_schema=PolicyConfigSchema(
        properties={
            "allowedCredentials": {
                "type": "array",
                "items": {"type": "string"},
                "default": [],
                "description": "IDs of saved registry credentials (Northflank) that jobs may use",
            }
        }
    ),
    validate=_validate_allowed_credentials,
)

NO_DOUBLE_RUNS = StackValidationPolicy(
    name="northflank-no-double-runs",
    description="A job that a JobRun starts is not also run by Northflank when its source changes.",
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=_validate_no_double_runs,
)

RUN_SETTINGS_DECLARED = StackValidationPolicy(
    name="northflank-job-run-settings-declared",
    description="A job that a JobRun starts has its JobSettings (runOnSourceChange) in the stack.",
    enforcement_level=EnforcementLevel.ADVISORY,
    validate=_validate_settings_declared,
)

POLICIES: list[Policy] = [IMAGE_PINNED, ALLOWED_CREDENTIALS, NO_DOUBLE_RUNS, RUN_SETTINGS_DECLARED]

if __name__ == "__main__":  # as the policy engine runs the pack (tests import the policies)
    PolicyPack(name="northflank", policies=POLICIES, enforcement_level=EnforcementLevel.ADVISORY)
