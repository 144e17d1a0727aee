"""Validation of a large store: time, memory, and the pySHACL peers.

    .venv/bin/python bench/validate_bench.py --store DIR [--method compiled|partitions]
        [--jobs 2] [--seconds 600] [--whole]

`--method compiled` (the default; what `ibigraph validate --store` and `ibigraph load` run) runs
the shapes compiled to SPARQL; `--method partitions` runs pySHACL in partitions (the fallback).
Either runs for at most --seconds, then reports the work done, the rate, the time the whole
store would take at that rate, and the peak resident memory of all its processes (sampled from
/proc). With --whole, also runs whole-graph validation (`validate_store`: the store's data in
one pySHACL run) on the same store, and compares its results with the first run's.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

from load_bench import peak_rss  # noqa: E402

from ibigraph.config import Settings  # noqa: E402
from ibigraph.graph.build import validate_store  # noqa: E402
from ibigraph.graph.compiled import validate_compiled  # noqa: E402
from ibigraph.graph.partitions import validate_in_partitions  # noqa: E402


class _Enough(Exception):
    pass


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", type=Path, required=True)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--method", choices=("compiled", "partitions"), default="compiled")
    ap.add_argument(
        "--size", type=int, default=2000, help="quads per partition, or focus nodes per query"
    )
    ap.add_argument("--seconds", type=float, default=600.0)
    ap.add_argument("--whole", action="store_true")
    args = ap.parse_args()
    settings = Settings(store_path=args.store, ontology_dir=ROOT / "ontology")
    seen = {"done": 0, "total": 0}
    t0 = time.perf_counter()

    def progress(done: int, total: int) -> None:
        seen["done"], seen["total"] = done, total
        if time.perf_counter() - t0 > args.seconds:
            raise _Enough

    finished, report = True, None
    validate = validate_compiled if args.method == "compiled" else validate_in_partitions
    with peak_rss(os.getpid()) as peak:
        try:
            report = validate(
                args.store.resolve(), settings, size=args.size, jobs=args.jobs, progress=progress
            )
        except _Enough:
            finished = False
    took = time.perf_counter() - t0
    rate = seen["done"] / took
    unit = "quads" if args.method == "partitions" else "focus nodes x checks"
    print(f"\n{args.store}: {seen['total']:,} {unit} to validate\n")
    print(f"| run | {unit} done | time (s) | per s | whole store at this rate | RSS MiB |")
    print("|---|---:|---:|---:|---:|---:|")
    whole_h = seen["total"] / rate / 3600 if rate else float("inf")
    run = (
        f"shapes compiled to SPARQL, batches of {args.size}, {args.jobs} processes"
        if args.method == "compiled"
        else f"pySHACL in partitions of {args.size}, {args.jobs} processes"
    )
    print(
        f"| {run}{'' if finished else ' (stopped at the time budget)'} | {seen['done']:,}"
        f" | {took:.0f} | {rate:,.0f} | {whole_h:.2f} h | {peak[0] / 2**20:.0f} |"
    )
    if report is not None:
        print(f"\n{len(report.results)} results")
    if args.whole:
        t0 = time.perf_counter()
        with peak_rss(os.getpid()) as peak:
            whole = validate_store(settings)
        took = time.perf_counter() - t0
        print(
            f"| whole graph, 1 process | {seen['total']:,} | {took:.0f} |"
            f" {seen['total'] / took:,.0f} | {took / 3600:.1f} h | {peak[0] / 2**20:.0f} |"
        )
        print(f"\n{len(whole.results)} results")
        if report is not None:
            print(f"the same results as the first run: {report.results == whole.results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
