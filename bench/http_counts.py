"""HTTP requests per operation, as the emulator counts them, for one resource's whole life."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from northflank_devtools.engine_driver import Engine, Plugin

from .emulator import EmulatorProcess
from .workload import PROJECT, body, inputs

#: The minimum each operation needs: create and update POST the deployment, preview and delete
#: need nothing, refresh needs one GET .../deployment (the only endpoint that returns the source).
FLOOR = {"create": 1, "update": 1, "preview": 0, "refresh": 1, "delete": 0}


def count(plugin: Plugin, emulator: EmulatorProcess, job_id: str) -> dict[str, Any]:
    """Requests made by create, update, preview, refresh and delete of one resource, and a check
    that the body the provider sent is the one the floor and the peers send."""
    engine = Engine(plugin)
    emulator.add_jobs(PROJECT, [job_id])
    seen: dict[str, list[dict[str, Any]]] = {}

    def during(operation: str, action: Callable[[], Any]) -> Any:
        emulator.clear()
        result = action()
        seen[operation] = emulator.recorded()
        return result

    created = during("create", lambda: engine.up(job_id, inputs(job_id, 1)))
    updated = during("update", lambda: engine.up(job_id, inputs(job_id, 2), created))
    during("preview", lambda: engine.preview(job_id, inputs(job_id, 3), updated))
    refreshed = during("refresh", lambda: engine.refresh(updated))
    during("delete", lambda: engine.destroy(refreshed or updated))

    sent = seen["create"][0]["body"] if seen["create"] else None
    if sent != body(job_id, 1):
        raise RuntimeError(f"the provider sent {sent!r}, the floor sends {body(job_id, 1)!r}")
    return {
        operation: {
            "requests": len(calls),
            "floor": FLOOR[operation],
            "calls": [f"{c['method']} {c['path']} -> {c['status']}" for c in calls],
        }
        for operation, calls in seen.items()
    }
