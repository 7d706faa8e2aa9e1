"""The JobSettings resource: a job's retries, time limit, schedule and ``runOnSourceChange``, its
declaration and its whole lifecycle.

Northflank endpoints: ``PATCH /v1/projects/{projectId}/jobs/{jobId}`` with ``{"settings": {...}}``
(only the declared settings, and on update only what changed) and ``GET`` on the same path to read
them back. Only declared settings are managed; deleting the resource changes nothing.

``JobSettingsProvider`` is pickled by reference as
``pulumi_northflank_provider.job_settings.JobSettingsProvider``: that path is part of the state.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from pulumi.dynamic import CreateResult, ReadResult, UpdateResult

from . import log
from .base_provider import NorthflankProvider
from .declaration import (
    Block,
    Body,
    Choice,
    Declaration,
    Field,
    Flag,
    Integer,
    Pattern,
    Stricter,
    Variant,
    enum_of,
)
from .errors import expected_failures_as_messages
from .http.errors import NotFound, UnexpectedAnswer
from .job_target import JOB_ID_LIMITS, JOB_PATH_PARAMS, JOB_READ_PERMISSION, JobTarget

# --- Declaration -----------------------------------------------------------------------------

RUN_ON_SOURCE_CHANGE = Choice(("never", "cd-promote", "always"), enum="RunOnSourceChange")
CONCURRENCY_POLICY = Choice(("allow", "forbid", "replace"), enum="ConcurrencyPolicy")
#: Five fields, as Kubernetes' CronJob (which runs Northflank's cron jobs) takes them.
CRON_SCHEDULE = Pattern(
    r"^\S+(\s+\S+){4}$",
    "a cron schedule of five fields (minute hour day-of-month month day-of-week), such as "
    "'*/30 * * * *'",
)
#: The longest deadline taken: a year. Northflank documents no maximum.
MAX_DEADLINE = 365 * 24 * 3600

BODY = Body(
    path_params=JOB_PATH_PARAMS,
    properties=(
        Integer(
            "backoffLimit",
            0,
            100,
            sent_as="backoffLimit",
            description="How many times a failed run is retried before it is marked failed.",
        ),
        Integer(
            "activeDeadlineSeconds",
            1,
            MAX_DEADLINE,
            sent_as="activeDeadlineSeconds",
            description="The longest a run may take, in seconds, before it is marked failed.",
        ),
        Field(
            "runOnSourceChange",
            rules=(RUN_ON_SOURCE_CHANGE,),
            sent_as="runOnSourceChange",
            description=(
                "Whether Northflank runs the job itself when its deployed source changes: "
                "`never`, `cd-promote` (on promotion) or `always`. A job that a `JobRun` starts "
                "wants `never`, or it runs twice."
            ),
        ),
    ),
    blocks=(
        Block(
            "cron",
            (
                Field(
                    "schedule",
                    rules=(CRON_SCHEDULE,),
                    description="When the job runs, as a cron expression of five fields.",
                ),
                Flag("suspended", description="Whether the schedule is paused."),
                Field(
                    "concurrencyPolicy",
                    rules=(CONCURRENCY_POLICY,),
                    description=(
                        "What a scheduled run does while the previous one still runs: `allow` "
                        "both, `forbid` the new one, or `replace` the old one."
                    ),
                ),
            ),
            type_name="CronSettings",
            description="The job's schedule, for a cron job.",
            type_description="A cron job's schedule.",
        ),
    ),
    # No source to choose between: the one variant allows the cron block.
    variants=(Variant("settings", None, frozenset({"cron"})),),
    stricter=Stricter(rules=JOB_ID_LIMITS, something_to_manage=True),
)

JOB_SETTINGS = Declaration(
    "JobSettings",
    BODY,
    # Changing these points the resource at another job: replace it, never update in place.
    identity=("teamId", "projectId", "jobId"),
    description=(
        "Declares a Northflank job's settings: retries, time limit, schedule and whether "
        "Northflank runs it when its source changes.\n\n"
        "Create and update call `PATCH /v1/projects/{{projectId}}/jobs/{{jobId}}` with the "
        "declared settings only (an update, only those that changed); refresh reads them back "
        "with `GET` on the same path. Settings not declared are left as they are. A removed "
        "{activeDeadlineSeconds} is reset to no limit and a removed `suspended` of {cron} to "
        "`false`; "
        "other removed settings keep their last value on Northflank, which has no default to "
        "reset them to. Deleting the resource changes nothing. The resource ID is "
        "`<projectId>/<jobId>`, or `<teamId>/<projectId>/<jobId>` with a {teamId}."
    ),
    example="""\
# A migration job that Northflank never runs by itself, with no retries and an hour's limit:
import pulumi_northflank as northflank

northflank.JobSettings("db-migrate-settings", project_id="shop", job_id="db-migrate",
    backoff_limit=0,
    active_deadline_seconds=3600,
    run_on_source_change="never")
""",
    import_id="<projectId>/<jobId>, or <teamId>/<projectId>/<jobId>",
)

UPDATE_PERMISSION = "'Project > Jobs > General > Update'"
READ_PERMISSION = JOB_READ_PERMISSION

#: What undoes a removed setting, where Northflank has a value that means "none".
#: UNCONFIRMED that PATCH takes null for "no limit" (the GET answer types it as a number).
RESETS: dict[str, Any] = {"activeDeadlineSeconds": None, "cron.suspended": False}

# --- Lifecycle -----------------------------------------------------------------------------------


class JobSettingsProvider(NorthflankProvider):
    """Sets a Northflank job's settings."""

    declaration = JOB_SETTINGS
    # The ID is the job's: the replacement and the old resource are the same job, and deleting
    # the old one sends nothing, so it goes first.
    replace_deletes_first = True

    @expected_failures_as_messages
    def create(self, props: dict[str, Any]) -> CreateResult:
        inputs = BODY.inputs_of(props)
        self._patch(inputs, settings_to_send(inputs, None))
        return CreateResult(JobTarget.declared(inputs).resource_id, inputs)

    @expected_failures_as_messages
    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        inputs = BODY.inputs_of(news)
        changed = settings_to_send(inputs, BODY.inputs_of(olds))
        if changed:
            self._patch(inputs, changed)
        return UpdateResult(inputs)

    @expected_failures_as_messages
    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        declared, adopting = self.adopted(id_, props)  # import sends only the ID
        target = self._target(declared)
        call = target.call("GET", target.job_path, "read the settings", READ_PERMISSION)
        try:
            job = self._client.send(call)
        except NotFound:
            return self._drop_from_stack_if_gone(
                str(target), target, [target.project_call()], adopting
            )
        live = job.get("settings") if isinstance(job, Mapping) else None
        if not isinstance(live, Mapping):
            raise UnexpectedAnswer.instead_of("a job with settings", call, job)
        outs = {**declared, **declarable(live)} if adopting else read_back(declared, live)
        return ReadResult(JobTarget.declared(declared).resource_id, outs, outs)

    @expected_failures_as_messages
    def delete(self, _id: str, props: dict[str, Any]) -> None:
        log.info(
            f"No longer managing the settings of {JobTarget.declared(props)}; the job keeps them "
            "as they are."
        )

    def _patch(self, inputs: Mapping[str, Any], settings: dict[str, Any]) -> None:
        target = self._target(inputs)
        call = target.call("PATCH", target.job_path, "set the settings", UPDATE_PERMISSION)
        log.debug(f"PATCH {target.job_path} body: {json.dumps({'settings': settings})}")
        self._client.send(call, {"settings": settings})
        log.info(f"Settings of {target} set: {describe(settings)}.")

    def _target(self, props: Mapping[str, Any]) -> JobTarget:
        return JobTarget.declared(props).with_default_team(self._client.team_id)


def settings_to_send(
    inputs: Mapping[str, Any], previous: Mapping[str, Any] | None
) -> dict[str, Any]:
    """The ``settings`` of the PATCH body: every declared setting on create; on update, those
    that changed, and the resets of those removed (see ``RESETS``)."""
    now, before = _flat(inputs), _flat(previous or {})
    out: dict[str, Any] = {}
    for key, value in now.items():
        if previous is None or before.get(key) != value:
            _put(out, key, value)
    for key in before.keys() - now.keys():
        if key in RESETS:
            _put(out, key, RESETS[key])
        else:
            log.info(
                f"{key} was removed from the program: Northflank keeps its current value "
                f"({before[key]!r}), since it has no default to reset it to."
            )
    return out


def read_back(declared: Mapping[str, Any], live: Mapping[str, Any]) -> dict[str, Any]:
    """The declared settings as Northflank reports them. A setting the answer does not carry
    (``runOnSourceChange`` is not in GET job's type) keeps its last applied value: never false
    drift. ``concurrencyPolicy`` comes back capitalised (``Forbid``): equal to ``forbid``."""
    outs = dict(declared)
    flat_live = _flat(live)
    for key, value in _flat(declared).items():
        if key not in flat_live:
            continue
        reported = flat_live[key]
        if (
            isinstance(value, str)
            and isinstance(reported, str)
            and reported.lower() == value.lower()
        ):
            reported = value
        _put(outs, key, reported)
    return {k: v for k, v in outs.items() if v is not None}


def declarable(live: Mapping[str, Any]) -> dict[str, Any]:
    """The settings of a live job that this resource declares, as it would declare them (an
    imported job's): unset ones (null) left out, and a closed set's value in its declared
    spelling (Northflank answers ``Forbid`` for ``forbid``)."""
    fields = {p.key: p for p in BODY.properties} | {
        f"{block.key}.{f.key}": f for block in BODY.blocks for f in block.fields
    }
    out: dict[str, Any] = {}
    for key, reported in _flat(live).items():
        if key not in fields or reported is None:
            continue
        choice = enum_of(getattr(fields[key], "rules", ()))
        spelled = {v.lower(): v for v in choice.values} if choice else {}
        _put(out, key, spelled.get(str(reported).lower(), reported))
    return out


def describe(settings: Mapping[str, Any]) -> str:
    return ", ".join(f"{key} {value!r}" for key, value in _flat(settings).items()) or "nothing"


def _flat(bag: Mapping[str, Any]) -> dict[str, Any]:
    """Settings as ``key`` / ``cron.key`` pairs; whole numbers as ints (they travel as floats)."""
    out: dict[str, Any] = {}
    keys = {p.key for p in BODY.properties}
    for key, value in bag.items():
        if key in keys:
            out[key] = _number(value)
        elif key == "cron" and isinstance(value, Mapping):
            out.update({f"cron.{k}": _number(v) for k, v in value.items()})
    return out


def _number(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _put(bag: dict[str, Any], key: str, value: Any) -> None:
    if key.startswith("cron."):
        bag["cron"] = {**bag.get("cron", {}), key.removeprefix("cron."): value}
    else:
        bag[key] = value
