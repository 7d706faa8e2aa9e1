"""What the provider costs besides its calls: state size, plugin start-up, memory."""

from __future__ import annotations

import base64
import statistics
import time
from pathlib import Path
from typing import Any

from pulumi.dynamic.dynamic import serialize_provider
from pulumi.runtime import proto

from northflank_devtools.engine_driver import PROVIDER, State, to_struct, urn

from .trivial_provider import TrivialProvider
from .workload import PROJECT, inputs, start_plugin

TRIVIAL_PROVIDER = serialize_provider(TrivialProvider())


def provider_bytes(serialized: str = PROVIDER) -> int:
    """Bytes of the decoded ``__provider`` pickle that every resource's state carries."""
    return len(base64.b64decode(serialized))


def _first_check_seconds(api_url: str, token: str, provider: str) -> float:
    """From spawning the plugin to its answer to the first Check (Configure included)."""
    news = to_struct({**inputs("startup"), "__provider": provider})
    request = proto.CheckRequest(urn=urn("startup"), olds=to_struct({}), news=news)
    start = time.perf_counter()
    plugin = start_plugin(api_url, token)
    try:
        plugin.stub.Check(request)
        return time.perf_counter() - start
    finally:
        plugin.close()


def startup(api_url: str, token: str, spawns: int) -> dict[str, Any]:
    """Median start-up with this provider and with a trivial one, spawns alternating."""
    real: list[float] = []
    trivial: list[float] = []
    for _ in range(spawns):
        real.append(_first_check_seconds(api_url, token, PROVIDER))
        trivial.append(_first_check_seconds(api_url, token, TRIVIAL_PROVIDER))
    return {
        "spawns": spawns,
        "provider_s": round(statistics.median(real), 4),
        "trivial_s": round(statistics.median(trivial), 4),
        "ratio": round(statistics.median(real) / statistics.median(trivial), 3),
        "provider_all_s": [round(s, 4) for s in real],
        "trivial_all_s": [round(s, 4) for s in trivial],
    }


def _status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/{pid}/status")


def memory(api_url: str, token: str, job_ids: list[str], operations: int) -> dict[str, Any]:
    """One plugin, ``operations`` calls cycling Check, Create, Diff, Update, Read over the jobs
    (five per job, so ``operations // 5`` jobs are needed): RSS after a fifth of the operations and
    at the end, and the peak (VmHWM)."""
    plugin = start_plugin(api_url, token)
    pid = plugin.child.pid
    samples: dict[int, int] = {}
    checkpoint = operations // 5
    try:
        done = 0
        for job_id in job_ids:
            news = inputs(job_id, 1)
            checked, _ = plugin.check(job_id, news)
            state = plugin.create(job_id, checked)
            plugin.diff(state, {**checked, **inputs(job_id, 2)})
            outputs = plugin.update(state, {**checked, **inputs(job_id, 2)})
            plugin.read(State(job_id, state.id, checked, outputs))
            done += 5
            if done in (checkpoint, operations):
                samples[done] = _status_kb(pid, "VmRSS")
            if done >= operations:
                break
        peak_kb = _status_kb(pid, "VmHWM")
    finally:
        plugin.close()
    if done < operations:
        raise RuntimeError(f"only {done} operations for {operations}: give more jobs")
    growth_kb = samples[operations] - samples[checkpoint]
    return {
        "operations": operations,
        "project": PROJECT,
        f"rss_at_{checkpoint}_mb": round(samples[checkpoint] / 1024, 2),
        f"rss_at_{operations}_mb": round(samples[operations] / 1024, 2),
        "peak_rss_mb": round(peak_kb / 1024, 2),
        "growth_mb": round(growth_kb / 1024, 2),
        "checkpoint": checkpoint,
    }
