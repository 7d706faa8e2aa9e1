"""One benchmark run: every measurement, side by side, against one emulator."""

from __future__ import annotations

import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from typing import Any

from pulumi.dynamic.dynamic import serialize_provider

from northflank_devtools.engine_driver import JOB_DEPLOYMENT, NATIVE_JOB_DEPLOYMENT, Kind, Plugin

from . import footprint, http_counts, run_requests
from .bare_provider import BareProvider
from .emulator import EmulatorProcess
from .measure import Stats, callers, ratio
from .peers import Peer, all_peers
from .report import machine
from .throughput import HttpFloor, PluginCalls
from .workload import CALLERS, PROJECT, fresh_jobs, new_token, start_plugin

BARE = Kind(JOB_DEPLOYMENT.type, serialize_provider(BareProvider()))


@dataclass
class Settings:
    ns: list[int]
    runs: int  # of every throughput figure, and of the Python client
    cli_runs: int  # the CLI takes ~0.3 s per job: 1 run of N = 500 is already minutes
    spawns: int  # plugin start-ups, each way
    operations: int  # for the memory figure
    peers: bool
    latency_ms: float = 0  # added by the emulator before every API answer


def progress(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


class Runner:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.token = new_token()

    def run(self) -> dict[str, Any]:
        started = time.perf_counter()
        results: dict[str, Any] = {
            "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "machine": machine(),
            "settings": {**asdict(self.settings), "callers": CALLERS},
        }
        peers = all_peers(self.settings.runs, self.settings.cli_runs)
        with EmulatorProcess(self.token, self.settings.latency_ms) as emulator, callers() as pool:
            results["emulator"] = {
                "where": "loopback, own process",
                "latency_ms": self.settings.latency_ms,
            }
            self._prepare_peers(peers, emulator)
            plugin = start_plugin(emulator.url, self.token)
            native = start_plugin(emulator.url, self.token, native=True)
            try:
                progress("HTTP requests per operation")
                job_id = fresh_jobs(1, "count")[0]
                results["http_requests"] = http_counts.count(plugin, emulator, job_id)
                progress(f"requests per job run ({run_requests.MEASURED_SECONDS:g} s run)")
                results["run_requests"] = {
                    "schedule": run_requests.schedule(),
                    "measured": run_requests.measure(plugin, emulator, "run-requests"),
                    "computed": run_requests.computed(),
                }
                results["throughput"] = self._throughput(plugin, native, emulator, pool, peers)
            finally:
                plugin.close()
                native.close()
                for peer in peers:
                    peer.close()
            results["peers"] = [_describe(peer) for peer in peers]
            results["provider_bytes"] = {
                "job_deployment": footprint.provider_bytes(),
                "trivial": footprint.provider_bytes(footprint.TRIVIAL_PROVIDER),
            }
            progress(f"plugin start-up, {self.settings.spawns} spawns each way")
            results["startup"] = footprint.startup(emulator.url, self.token, self.settings.spawns)
            progress(f"plugin memory over {self.settings.operations} operations")
            jobs = fresh_jobs(self.settings.operations // 5, "memory")
            emulator.add_jobs(PROJECT, jobs)
            results["memory"] = footprint.memory(
                emulator.url, self.token, jobs, self.settings.operations
            )
        results["elapsed_s"] = round(time.perf_counter() - started, 1)
        return results

    def _prepare_peers(self, peers: list[Peer], emulator: EmulatorProcess) -> None:
        for peer in peers:
            if not self.settings.peers or peer.runs == 0:
                peer.skipped = "not run (--no-peers)" if not self.settings.peers else "0 runs asked"
                continue
            progress(f"preparing peer {peer.name} (installs into bench/.peers on first use)")
            peer.prepare(emulator, self.token)

    def _throughput(
        self,
        plugin: Plugin,
        native: Plugin,
        emulator: EmulatorProcess,
        pool: ThreadPoolExecutor,
        peers: list[Peer],
    ) -> list[dict[str, Any]]:
        sides = _Sides(
            PluginCalls(plugin, pool),
            PluginCalls(plugin, pool, BARE),
            HttpFloor(emulator.url, self.token, pool),
            PluginCalls(native, pool, NATIVE_JOB_DEPLOYMENT),
        )
        # Warm up: HTTP sessions and connections, gRPC, unpickling and configuring the providers.
        sides.run(CALLERS, emulator, Figures())
        rows = []
        for n in self.settings.ns:
            figures = Figures()
            for run in range(self.settings.runs):
                progress(f"N={n}: run {run + 1} of {self.settings.runs}")
                sides.run(n, emulator, figures, floor_first=run % 2 == 1)
                for peer in (p for p in peers if run < p.runs):
                    self._run_peer(peer, n, emulator, figures)
            rows.append(_row(n, figures, peers))
        return rows

    def _run_peer(self, peer: Peer, n: int, emulator: EmulatorProcess, figures: Figures) -> None:
        theirs = fresh_jobs(n, peer.name)
        emulator.add_jobs(PROJECT, theirs)
        seconds = peer.run(emulator, self.token, theirs)
        if seconds is None:
            return
        figures.add(peer.name, seconds)
        if peer.last_process_seconds is not None:
            figures.add(f"{peer.name}:process", peer.last_process_seconds)


class Figures(dict[str, Stats]):
    def add(self, name: str, seconds: float) -> None:
        self.setdefault(name, Stats()).add(seconds)


@dataclass
class _Sides:
    """The provider, the bare reference provider, the HTTP floor and the native plugin, for
    fresh jobs each."""

    provider: PluginCalls
    bare: PluginCalls
    floor: HttpFloor
    native: PluginCalls

    def run(
        self, n: int, emulator: EmulatorProcess, figures: Figures, floor_first: bool = False
    ) -> None:
        """Every figure once; every other run, the floor and the bare provider go first."""
        mine, bare, floors = fresh_jobs(n, "up"), fresh_jobs(n, "bare"), fresh_jobs(n, "floor")
        natives = fresh_jobs(n, "native")
        emulator.add_jobs(PROJECT, mine + bare + floors + natives)
        emulator.clear()
        if floor_first:
            self._floor(figures, floors)
        self._plugin(figures, mine, bare, natives, others_first=floor_first)
        if not floor_first:
            self._floor(figures, floors)

    def _plugin(
        self,
        figures: Figures,
        mine: list[str],
        bare: list[str],
        natives: list[str],
        others_first: bool,
    ) -> None:
        sides = [("", self.provider, mine), ("bare_", self.bare, bare)]
        sides.append(("native_", self.native, natives))
        for prefix, calls, jobs in reversed(sides) if others_first else sides:
            seconds, resources = calls.create(jobs)
            figures.add(prefix + "apply", seconds)
            seconds, resources = calls.update(resources, version=2)
            figures.add(prefix + "update", seconds)
            figures.add(prefix + "preview", calls.preview(resources, version=3))
            figures.add(prefix + "refresh", calls.refresh(resources))
        figures.add("grpc_round_trips", self.provider.round_trips(len(mine)))

    def _floor(self, figures: Figures, floors: list[str]) -> None:
        figures.add("floor_post", self.floor.posts(floors))
        figures.add("floor_get", self.floor.gets(floors))


FIGURES = ("apply", "update", "preview", "refresh")
RATIOS = {  # name: (numerator, denominator)
    "apply_to_floor": ("apply", "floor_post"),
    "apply_to_bare": ("apply", "bare_apply"),
    "bare_apply_to_floor": ("bare_apply", "floor_post"),
    "update_to_bare": ("update", "bare_update"),
    "preview_to_grpc": ("preview", "grpc_round_trips"),
    "preview_to_bare": ("preview", "bare_preview"),
    "bare_preview_to_grpc": ("bare_preview", "grpc_round_trips"),
    "refresh_to_floor": ("refresh", "floor_get"),
    "refresh_to_bare": ("refresh", "bare_refresh"),
    "bare_refresh_to_floor": ("bare_refresh", "floor_get"),
    # The native plugin (every language's) against the dynamic one, on the same core.
    **{
        f"native_{f}_to_dynamic": (f"native_{f}", f)
        for f in ("apply", "update", "preview", "refresh")
    },
}


def _row(n: int, figures: Figures, peers: list[Peer]) -> dict[str, Any]:
    row: dict[str, Any] = {"n": n}
    names = [*FIGURES, *(f"{side}_{f}" for side in ("bare", "native") for f in FIGURES)]
    names.append("grpc_round_trips")
    for name in [*names, "floor_post", "floor_get"]:
        row[name] = figures[name].to_json()
    row["ratios"] = {
        name: round(ratio(figures[top], figures[bottom]), 3)
        for name, (top, bottom) in RATIOS.items()
    }
    row["peers"] = {}
    for peer in peers:
        if peer.name in figures and not peer.skipped:
            stats = figures[peer.name]
            row["peers"][peer.name] = {
                **stats.to_json(),
                "ratio_to_apply": round(ratio(stats, figures["apply"]), 3),
            }
            process = figures.get(f"{peer.name}:process")
            if process is not None:
                row["peers"][peer.name]["process_incl_startup"] = process.to_json()
        else:
            row["peers"][peer.name] = {"skipped": peer.skipped or "not run"}
    return row


def _describe(peer: Peer) -> dict[str, Any]:
    return {
        "name": peer.name,
        "label": peer.label,
        "version": peer.version or None,
        "runs": peer.runs,
        "skipped": peer.skipped,
    }
