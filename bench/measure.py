"""Timing helpers: a figure over several runs, and N calls made by ``CALLERS`` threads at once."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from .workload import CALLERS

T = TypeVar("T")
R = TypeVar("R")


@dataclass
class Stats:
    """Seconds taken by each run of one measurement."""

    runs: list[float] = field(default_factory=list)

    def add(self, seconds: float) -> None:
        self.runs.append(seconds)

    @property
    def median(self) -> float:
        return statistics.median(self.runs)

    def to_json(self) -> dict[str, Any]:
        return {
            "median_s": round(self.median, 6),
            "min_s": round(min(self.runs), 6),
            "max_s": round(max(self.runs), 6),
            "runs": len(self.runs),
            "all_s": [round(r, 6) for r in self.runs],
        }


def ratio(numerator: Stats, denominator: Stats) -> float:
    return numerator.median / denominator.median


def callers() -> ThreadPoolExecutor:
    """The ``CALLERS`` threads that make every call at once, kept for the whole benchmark so that
    their connections (gRPC channel, HTTP keep-alive sessions) are warm for every measurement."""
    return ThreadPoolExecutor(max_workers=CALLERS, thread_name_prefix="caller")


def timed_calls(
    pool: ThreadPoolExecutor, call: Callable[[T], R], items: Sequence[T]
) -> tuple[float, list[R]]:
    """Wall time to make ``call(item)`` for every item, the pool's threads at once; the results."""
    start = time.perf_counter()
    results = list(pool.map(call, items))
    return time.perf_counter() - start, results
