"""Validation in partitions on a large store: throughput, memory, and the whole-graph peer.

    .venv/bin/python bench/validate_bench.py --store DIR [--jobs 2] [--seconds 600]

Runs `validate_in_partitions` (what `ibigraph validate --store` and `ibigraph load` run) on the
store for at most --seconds, then reports the quads validated, the rate, the time the whole
store would take at that rate, and the peak resident memory of all its processes (sampled from
/proc). With --whole, also runs whole-graph validation (`validate_store`: the store's data in
one pySHACL run, as before partitions) on the same store, for the memory it needs.
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
from ibigraph.graph.partitions import validate_in_partitions  # noqa: E402


class _Enough(Exception):
    pass


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", type=Path, required=True)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--size", type=int, default=2000, help="quads per partition")
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

    finished = True
    with peak_rss(os.getpid()) as peak:
        try:
            report = validate_in_partitions(
                args.store.resolve(), settings, size=args.size, jobs=args.jobs, progress=progress
            )
            results = len(report.results)
        except _Enough:
            finished, results = False, -1
    took = time.perf_counter() - t0
    rate = seen["done"] / took
    print(f"\n{args.store}: {seen['total']:,} quads to validate (the default graph, the union)\n")
    print("| run | quads validated | time (s) | quads/s | whole store at this rate | RSS MiB |")
    print("|---|---:|---:|---:|---:|---:|")
    whole_h = seen["total"] / rate / 3600 if rate else float("inf")
    print(
        f"| partitions of {args.size}, {args.jobs} processes"
        f"{'' if finished else ' (stopped at the time budget)'} | {seen['done']:,} | {took:.0f}"
        f" | {rate:,.0f} | {whole_h:.1f} h | {peak[0] / 2**20:.0f} |"
    )
    if finished:
        print(f"\n{results} results")
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
