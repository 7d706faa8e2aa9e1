"""What the program no longer declares is undone: a removed runtime block is reset to default.

Northflank's POST leaves an omitted block as it was, so without a reset the job would keep running
the old override after the program dropped it, and a refresh (which compares declared blocks only)
would never say so.
"""

from __future__ import annotations

from typing import Any

import pytest

from northflank_devtools.engine_driver import PROVIDER, Engine

from .conftest import ApiCalls, JobRef

MIGRATE_COMMAND = {"configType": "customCommand", "customCommand": "python migrate.py"}
IMAGE = {"imagePath": "ghcr.io/acme/migrate:1.4.2"}


def refresh_then_preview(engine: Engine, state: Any, declared: dict[str, Any]) -> str:
    refreshed = engine.refresh(state)
    assert refreshed is not None
    diff = engine.preview(
        state.name, {**state.inputs, **declared, "__provider": PROVIDER}, refreshed
    )
    assert diff is not None
    return diff.changes


@pytest.mark.parametrize(
    ("source", "block", "override"),
    [
        ({"external": IMAGE}, "docker", MIGRATE_COMMAND),
        (
            {"internal": {"id": "report-builder", "branch": "main"}},
            "buildpack",
            {"configType": "customProcess", "customProcess": "worker"},
        ),
    ],
    ids=["docker", "buildpack"],
)
def test_a_removed_runtime_block_is_reset_and_shows_no_drift_after(
    engine: Engine,
    job: JobRef,
    api_calls: ApiCalls,
    source: dict[str, Any],
    block: str,
    override: dict[str, Any],
) -> None:
    state = engine.up("app", {**job.inputs, **source, block: override})
    assert job.live()[block]["configType"] == override["configType"]

    # the program drops the block: the preview shows a change ...
    diff = engine.preview("app", {**job.inputs, **source}, state)
    assert diff is not None and (diff.changes, diff.replaces) == ("DIFF_SOME", [])
    # ... and `up` sends it as "default", so the job is back to its own entrypoint and command
    state = engine.up("app", {**job.inputs, **source}, state)
    assert api_calls.bodies()[-1] == {**source, block: {"configType": "default"}}
    assert job.live()[block]["configType"] == "default"
    assert block not in state.outputs  # no longer declared, so no longer managed
    assert f"{block} reset to default (removed from the program)" in engine.plugin.output

    # the refresh after it finds nothing to report, and the next up sends nothing
    assert refresh_then_preview(engine, state, source) == "DIFF_NONE"
    calls = api_calls.count()
    engine.up("app", {**job.inputs, **source}, state)
    assert api_calls.count() == calls


def test_a_block_that_was_never_declared_stays_unmanaged(
    engine: Engine, job: JobRef, api_calls: ApiCalls
) -> None:
    job.change_out_of_band({"docker": MIGRATE_COMMAND})  # set by someone else, on purpose
    state = engine.up("app", {**job.inputs, "external": IMAGE})
    engine.up("app", {**job.inputs, "external": {"imagePath": "ghcr.io/acme/migrate:1.5.0"}}, state)
    assert api_calls.bodies() == [
        {"external": IMAGE},
        {"external": {"imagePath": "ghcr.io/acme/migrate:1.5.0"}},
    ]
    assert job.live()["docker"] == MIGRATE_COMMAND


def test_buildpack_settings_are_not_sent_with_an_image_they_cannot_apply_to(
    engine: Engine, job: JobRef, api_calls: ApiCalls
) -> None:
    build = {"internal": {"id": "report-builder"}, "buildpack": {"configType": "default"}}
    state = engine.up("app", {**job.inputs, **build})
    engine.up("app", {**job.inputs, "external": IMAGE}, state)
    assert api_calls.bodies()[-1] == {"external": IMAGE}  # the schema forbids buildpack here
