"""The machine, the targets (PASS/MISS), the printed table, the JSON and the plot."""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

from .http_counts import FLOOR
from .run_requests import TARGET_REQUESTS, TARGET_SECONDS

APPLY_RATIO_TARGET, APPLY_RATIO_AT = 1.3, 100
PREVIEW_RATIO_TARGET = 2.0
PROVIDER_BYTES_TARGET = 256
STARTUP_RATIO_TARGET = 1.2
GROWTH_MB_TARGET = 5.0
PEER_MIN_N = 10


def machine() -> dict[str, Any]:
    cpu = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    node = shutil.which("node")
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "cores_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "python": platform.python_version(),
        "os": platform.platform(),
        "pulumi": metadata.version("pulumi"),
        "grpcio": metadata.version("grpcio"),
        "requests": metadata.version("requests"),
        "node": _output([node, "--version"]) if node else None,
    }


def _output(command: list[str]) -> str | None:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=30, check=False)  # noqa: S603
    except OSError:
        return None
    return done.stdout.strip() or None


# --- targets -------------------------------------------------------------------------------------


def _target(name: str, passed: bool | None, detail: str) -> dict[str, Any]:
    status = "SKIP" if passed is None else "PASS" if passed else "MISS"
    return {"target": name, "status": status, "detail": detail}


def _with_bare(ratios: dict[str, float], mine: str, bare: str, to_bare: str) -> str:
    return (
        f"{ratios[mine]:.2f} (bare dynamic provider: {ratios[bare]:.2f}; "
        f"provider/bare {ratios[to_bare]:.2f})"
    )


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    rows = results["throughput"]
    counts = results["http_requests"]
    seen = "/".join(str(counts[op]["requests"]) for op in FLOOR)
    floor = "/".join(str(n) for n in FLOOR.values())
    out = [
        _target(
            f"HTTP requests per create/update/preview/refresh/delete = {floor}",
            all(counts[op]["requests"] == n for op, n in FLOOR.items()),
            f"measured {seen}",
        )
    ]
    at = [r for r in rows if r["n"] == APPLY_RATIO_AT]
    out.append(
        _target(
            f"apply/floor <= {APPLY_RATIO_TARGET} at N = {APPLY_RATIO_AT}",
            at[0]["ratios"]["apply_to_floor"] <= APPLY_RATIO_TARGET if at else None,
            _with_bare(at[0]["ratios"], "apply_to_floor", "bare_apply_to_floor", "apply_to_bare")
            if at
            else f"N = {APPLY_RATIO_AT} not run",
        )
    )
    previews = [r["ratios"]["preview_to_grpc"] for r in rows]
    out.append(
        _target(
            f"preview <= {PREVIEW_RATIO_TARGET:g}x a bare gRPC round trip per resource, every N",
            max(previews) <= PREVIEW_RATIO_TARGET,
            "; ".join(
                f"N={r['n']}: "
                + _with_bare(
                    r["ratios"], "preview_to_grpc", "bare_preview_to_grpc", "preview_to_bare"
                )
                for r in rows
            ),
        )
    )
    size = results["provider_bytes"]["job_deployment"]
    out.append(
        _target(
            f"serialized provider <= {PROVIDER_BYTES_TARGET} bytes per resource",
            size <= PROVIDER_BYTES_TARGET,
            f"{size} bytes",
        )
    )
    startup = results["startup"]["ratio"]
    out.append(
        _target(
            f"plugin start-up <= {STARTUP_RATIO_TARGET}x a trivial provider's",
            startup <= STARTUP_RATIO_TARGET,
            f"{startup:.2f}x",
        )
    )
    memory = results["memory"]
    out.append(
        _target(
            f"RSS growth between operation {memory['checkpoint']} and {memory['operations']} "
            f"<= {GROWTH_MB_TARGET:g} MB",
            memory["growth_mb"] <= GROWTH_MB_TARGET,
            f"{memory['growth_mb']:+.2f} MB",
        )
    )
    runs = results["run_requests"]
    at = [c for c in runs["computed"] if c["seconds"] == TARGET_SECONDS]
    out.append(
        _target(
            f"requests per job run <= {TARGET_REQUESTS} for a {TARGET_SECONDS / 60:g}-minute run",
            at[0]["requests"] <= TARGET_REQUESTS
            and runs["measured"]["polls"] == runs["measured"]["expected_polls"],
            f"{at[0]['requests']} (computed from the schedule; the measured "
            f"{runs['measured']['seconds']:g} s run took {runs['measured']['requests']} requests, "
            f"{runs['measured']['polls']} of them polls, as the schedule says: "
            f"{runs['measured']['expected_polls']})",
        )
    )
    for peer in results["peers"]:
        measured = [
            (r["n"], r["peers"][peer["name"]])
            for r in rows
            if r["n"] >= PEER_MIN_N and "ratio_to_apply" in r["peers"][peer["name"]]
        ]
        name = f"faster than peer {peer['name']} at every N >= {PEER_MIN_N}"
        if peer["skipped"] or not measured:
            out.append(_target(name, None, f"peer skipped: {peer['skipped'] or 'not run'}"))
            continue
        out.append(
            _target(
                name,
                all(p["ratio_to_apply"] > 1 for _, p in measured),
                ", ".join(f"N={n}: peer takes {p['ratio_to_apply']:.2f}x" for n, p in measured),
            )
        )
    return out


# --- table ---------------------------------------------------------------------------------------


def _s(stats: dict[str, Any]) -> str:
    return f"{stats['median_s']:.3f}"


def _spread(stats: dict[str, Any]) -> str:
    return f"{stats['median_s']:.3f} [{stats['min_s']:.3f}-{stats['max_s']:.3f}]"


def _peer_cell(figure: dict[str, Any]) -> str:
    if "skipped" in figure:
        return "skipped"
    runs = f"{figure['runs']} run" + ("s" if figure["runs"] > 1 else "")
    return f"{figure['median_s']:.3f} ({runs}) {figure['ratio_to_apply']:.2f}x"


def _grid(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(c) for c in column) for column in zip(header, *rows, strict=True)]
    line = "  ".join("{:>%d}" % w for w in widths)  # noqa: UP031
    return [line.format(*header), line.format(*("-" * w for w in widths))] + [
        line.format(*row) for row in rows
    ]


#: (title, provider figure, reference figure and its heading, floor figure and its heading,
#: ratio to the floor, ratio to the reference)
PHASES = (
    ("pulumi up, N new resources: Check+Create", "apply", "floor_post", "floor: N POSTs",
     "apply_to_floor", "apply_to_bare"),
    ("pulumi preview, N changed resources: Check+Diff (no HTTP)", "preview", "grpc_round_trips",
     "floor: N GetPluginInfo", "preview_to_grpc", "preview_to_bare"),
    ("pulumi refresh, N resources: Read", "refresh", "floor_get", "floor: N GETs",
     "refresh_to_floor", "refresh_to_bare"),
)  # fmt: skip


def _throughput_tables(rows: list[dict[str, Any]]) -> list[str]:
    out: list[str] = []
    for title, figure, floor, floor_heading, to_floor, to_bare in PHASES:
        header = ["N", "provider", "bare provider", floor_heading, "provider/floor"]
        header += ["bare/floor", "provider/bare"]
        grid = [
            [
                str(r["n"]),
                _spread(r[figure]),
                _s(r[f"bare_{figure}"]),
                _spread(r[floor]),
                f"{r['ratios'][to_floor]:.2f}",
                f"{r[f'bare_{figure}']['median_s'] / r[floor]['median_s']:.2f}",
                f"{r['ratios'][to_bare]:.2f}",
            ]
            for r in rows
        ]
        out += ["", title, *_grid(header, grid)]
    updates = ", ".join(
        f"N={r['n']}: {_s(r['update'])} (bare {_s(r['bare_update'])})" for r in rows
    )
    natives = "; ".join(
        f"N={r['n']}: "
        + ", ".join(
            f"{f} {r['ratios'][f'native_{f}_to_dynamic']:.2f}"
            for f in ("apply", "update", "preview", "refresh")
        )
        for r in rows
    )
    out += [
        "",
        f"pulumi up, N changed resources (Check+Diff+Update): {updates}",
        "provider = this provider through the plugin process over gRPC; bare provider = "
        "bench/bare_provider.py",
        "(the same calls with nothing but requests.Session) in the same plugin; floor = the same "
        "requests with requests.Session, or bare gRPC round trips.",
        "Check+Diff is two gRPC round trips: a preview ratio of 2.00 would leave nothing for the "
        "plugin's own work.",
        "",
        f"native plugin / dynamic plugin, the same calls and the same core: {natives}",
    ]
    return out


def table(results: dict[str, Any]) -> str:
    m, settings = results["machine"], results["settings"]
    out = [
        "pulumi-northflank benchmark",
        f"machine: {m['cpu']}, {m['cores']} cores, Python {m['python']}, {m['os']}",
        f"emulator: {results['emulator']['where']}, "
        f"{results['emulator']['latency_ms']:g} ms added to every API answer",
        f"{settings['callers']} callers at once; seconds, median of {settings['runs']} runs "
        "[min-max]; every figure for fresh jobs",
    ]
    out += _throughput_tables(results["throughput"])
    out += [
        "",
        "Peers: the same N deployment updates (seconds; x = peer time / provider apply time, "
        "above 1 = the provider is faster)",
    ]
    peer_rows = []
    for r in results["throughput"]:
        row = [str(r["n"]), _s(r["apply"])]
        row += [_peer_cell(r["peers"][peer["name"]]) for peer in results["peers"]]
        peer_rows.append(row)
    out += _grid(["N", "provider apply", *[p["name"] for p in results["peers"]]], peer_rows)
    for peer in results["peers"]:
        version = f" {peer['version']}" if peer["version"] else ""
        status = f": skipped, {peer['skipped']}" if peer["skipped"] else ""
        out.append(f"  {peer['name']}: {peer['label']}{version}{status}")
        whole = [
            f"N={r['n']}: {r['peers'][peer['name']]['process_incl_startup']['median_s']:.3f}"
            for r in results["throughput"]
            if "process_incl_startup" in r["peers"][peer["name"]]
        ]
        if whole:
            out.append(
                "    whole process (interpreter start-up and import included): " + ", ".join(whole)
            )
    counts = results["http_requests"]
    startup, memory = results["startup"], results["memory"]
    early, late = memory["checkpoint"], memory["operations"]
    out += [
        "",
        "HTTP requests per operation (emulator count, floor in brackets): "
        + ", ".join(f"{op} {counts[op]['requests']} ({counts[op]['floor']})" for op in FLOOR),
        "  refresh sends: " + "; ".join(counts["refresh"]["calls"]),
        _run_requests_line(results["run_requests"]),
        f"Serialized provider per resource: {results['provider_bytes']['job_deployment']} bytes "
        f"(trivial provider: {results['provider_bytes']['trivial']} bytes)",
        f"Plugin start-up to first Check (Configure included): {startup['provider_s']:.3f} s, "
        f"trivial provider {startup['trivial_s']:.3f} s, ratio {startup['ratio']:.2f} "
        f"(median of {startup['spawns']} spawns each)",
        f"Plugin memory over {late} operations: peak RSS {memory['peak_rss_mb']:.1f} MB; RSS "
        f"{memory[f'rss_at_{early}_mb']:.1f} MB at operation {early}, "
        f"{memory[f'rss_at_{late}_mb']:.1f} MB at {late} (growth {memory['growth_mb']:+.2f} MB)",
        "",
        "Targets:",
    ]
    out += [f"  {t['status']:<4}  {t['target']}: {t['detail']}" for t in results["targets"]]
    out.append(f"\nTotal time: {results['elapsed_s']:.0f} s")
    return "\n".join(out)


def _run_requests_line(runs: dict[str, Any]) -> str:
    measured = runs["measured"]
    computed = ", ".join(f"{c['seconds'] / 60:g} min {c['requests']}" for c in runs["computed"])
    return (
        f"Requests per job run ({runs['schedule']}): measured for a {measured['seconds']:g} s "
        f"run {measured['requests']}; computed {computed}"
    )


# --- files ---------------------------------------------------------------------------------------


def write_json(results: dict[str, Any], path: Path) -> None:
    path.write_text(json.dumps(results, indent=2) + "\n")


def plot(results: dict[str, Any], path: Path) -> str | None:
    """Wall time against N for the provider, the floor and each peer; ``None`` when drawn, or
    why it was not."""
    try:
        import matplotlib  # type: ignore[import-not-found,unused-ignore]  # noqa: PLC0415

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt  # type: ignore[import-not-found,unused-ignore]  # noqa: PLC0415
    except ImportError:
        return "matplotlib is not installed (pip install -e '.[bench]')"
    rows = results["throughput"]
    ns = [r["n"] for r in rows]
    figure, axes = plt.subplots(figsize=(8, 5))
    lines = {
        "provider apply (Check+Create)": [r["apply"]["median_s"] for r in rows],
        "provider update (Check+Diff+Update)": [r["update"]["median_s"] for r in rows],
        "bare dynamic provider apply (reference)": [r["bare_apply"]["median_s"] for r in rows],
        "floor: requests.Session POSTs": [r["floor_post"]["median_s"] for r in rows],
    }
    for peer in results["peers"]:
        points = [r["peers"][peer["name"]].get("median_s") for r in rows]
        if any(p is not None for p in points):
            lines[f"peer: {peer['label']}"] = points
    for label, values in lines.items():
        xs = [n for n, v in zip(ns, values, strict=True) if v is not None]
        style = "--" if "reference" in label else "-"
        axes.plot(xs, [v for v in values if v is not None], style, marker="o", label=label)
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel(f"N job deployments ({results['settings']['callers']} callers at once)")
    axes.set_ylabel("wall time, s (median)")
    m = results["machine"]
    latency = results["settings"]["latency_ms"]
    where = f"emulator +{latency:g} ms per answer" if latency else "emulator on loopback"
    axes.set_title(f"pulumi-northflank: {m['cpu']}, {m['cores']} cores; {where}", fontsize=10)
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)
    return None
