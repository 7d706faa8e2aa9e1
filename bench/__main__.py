"""``python -m bench [--smoke | --quick] [--ns 10,100,500] [--runs 5] ...`` from the repo root.

Exits non-zero only when the benchmark itself is broken; a missed target is reported, not fatal.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import report
from .runner import Runner, Settings, progress

BENCH_DIR = Path(__file__).resolve().parent


def _ns(text: str) -> list[int]:
    try:
        ns = sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError:
        raise argparse.ArgumentTypeError("a comma-separated list of numbers, e.g. 10,100") from None
    if not ns or ns[0] < 1:
        raise argparse.ArgumentTypeError("at least one N, each >= 1")
    return ns


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Benchmark the JobDeployment provider through the real plugin process against "
        "a loopback Northflank API emulator, beside a plain-HTTP floor and Northflank's own "
        "Python client and CLI. Run from the repository root.",
        epilog="Exits non-zero only if the benchmark itself is broken; missed targets are "
        "reported as MISS.",
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--smoke", action="store_true", help="CI: N=10, one run (well under 2 min)")
    mode.add_argument("--quick", action="store_true", help="N=10,100, three runs")
    parser.add_argument("--ns", type=_ns, help="the Ns to measure (default 10,100,500)")
    parser.add_argument("--runs", type=int, help="runs per figure (default 5)")
    parser.add_argument("--cli-runs", type=int, default=1, help="runs of the CLI peer (default 1)")
    parser.add_argument("--spawns", type=int, help="plugin start-ups each way (default 5)")
    parser.add_argument("--operations", type=int, default=1000, help="for memory (default 1000)")
    parser.add_argument("--no-peers", action="store_true", help="skip the peers (reported)")
    parser.add_argument(
        "--latency-ms",
        type=float,
        default=0,
        help="delay every API answer by this much, as a remote API would (default 0: loopback)",
    )
    parser.add_argument("--json", type=Path, default=BENCH_DIR / "results.json", help="results")
    parser.add_argument("--png", type=Path, default=BENCH_DIR / "results.png", help="the plot")
    args = parser.parse_args(argv)
    defaults = (
        ([10], 1, 2) if args.smoke else ([10, 100], 3, 3) if args.quick else ([10, 100, 500], 5, 5)
    )
    args.ns = args.ns or defaults[0]
    args.runs = args.runs or defaults[1]
    args.spawns = args.spawns or defaults[2]
    if args.operations < 5 or args.operations % 5:
        parser.error("--operations must be a multiple of 5")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    settings = Settings(
        ns=args.ns,
        runs=args.runs,
        cli_runs=min(args.cli_runs, args.runs),
        spawns=args.spawns,
        operations=args.operations,
        peers=not args.no_peers,
        latency_ms=args.latency_ms,
    )
    results = Runner(settings).run()
    results["mode"] = "smoke" if args.smoke else "quick" if args.quick else "full"
    results["targets"] = report.targets(results)
    print(report.table(results))
    report.write_json(results, args.json)
    progress(f"wrote {args.json}")
    why_not = report.plot(results, args.png)
    progress(f"plot not drawn: {why_not}" if why_not else f"wrote {args.png}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
