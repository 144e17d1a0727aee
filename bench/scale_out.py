"""Scale-out, measured: N stateless `ibigraph serve` processes over one Virtuoso, on this machine.

    .venv/bin/python bench/scale_out.py --size 100k [--max-n 3] [--duration 5] [--rounds 2]
        [--queries ask,two_hop,optional] [--concurrency 8]

Loads the benchmark data into Virtuoso (as bench/run.py does), then, for N = 1 … max-n, starts
N `ibigraph serve --workers 1 --no-cache` processes with the remote backend (the settings of
deploy/remote.env.example), each on its own loopback port, and drives all of them at once with
one wrk each (the connections split between them), query kind by query kind, `--rounds` times
(the medians are reported). Reports the summed req/s per N, its ratio to N = 1, and the CPU
that Virtuoso and the API processes took, as Markdown on stdout. Loopback only; every process
it starts is stopped on exit.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import generate  # noqa: E402
import run  # noqa: E402

import queries as querymix  # noqa: E402


def _servers(n: int, virtuoso: run.System, run_dir: Path, stack: contextlib.ExitStack) -> list:
    split = urllib.parse.urlsplit(virtuoso.base + virtuoso.path)
    graph = urllib.parse.parse_qs(split.query)["default-graph-uri"][0]
    env = {  # deploy/remote.env.example, with this run's Virtuoso
        "IBIGRAPH_BACKEND": "remote",
        "IBIGRAPH_REMOTE_QUERY_URL": f"{split.scheme}://{split.netloc}{split.path}",
        "IBIGRAPH_REMOTE_DEFAULT_GRAPH": graph,
        "IBIGRAPH_QUERY_CACHE_BYTES": "0",
    }
    servers = []
    for i in range(n):
        s = run.System(f"ibigraph-{i + 1}", log_path=run_dir / f"n{n}-{i}.log")
        stack.callback(lambda s=s: s.stop())
        port = run.free_port()
        cmd = [str(run.VENV_BIN / "ibigraph"), "serve", "--host", run.HOST, "--port", str(port),
               "--workers", "1", "--no-cache"]  # fmt: skip
        run._serve(s, cmd, env, port, "/health", 120)
        servers.append(s)
    return servers


def _drive(servers: list, paths: list[str], args: argparse.Namespace, tmp: Path) -> float:
    """All servers under load at once, one wrk each; the summed req/s."""
    per = max(1, args.concurrency // len(servers))
    results: list[run.LoadResult] = []

    def one(i: int, s: run.System) -> None:
        d = tmp / f"wrk-{i}"
        d.mkdir(exist_ok=True)
        results.append(run.run_wrk(s, paths, args.duration, per, d, 60, offset=i * 37))

    threads = [threading.Thread(target=one, args=(i, s)) for i, s in enumerate(servers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(r.rps for r in results if not r.errors)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", choices=list(generate.SIZES), default="100k")
    ap.add_argument("--max-n", type=int, default=3)
    ap.add_argument("--duration", type=float, default=5.0)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--queries", default="ask,two_hop,optional")
    args = ap.parse_args(argv)
    nq = generate.ensure_data(args.size, log=run.log)
    kinds = [k for k in querymix.build(args.size) if k.name in args.queries.split(",")]
    run_dir = Path(tempfile.mkdtemp(prefix=f"scale-{args.size}-", dir=generate.DATA_DIR))
    rps: dict[tuple[str, int], list[float]] = {}
    cpu: dict[int, tuple[float, float]] = {}
    with contextlib.ExitStack() as stack:
        virtuoso = run.System("virtuoso", log_path=run_dir / "virtuoso.log")
        run.start_virtuoso(virtuoso, nq, run_dir, args, stack)
        run.settle(virtuoso)
        for n in range(1, args.max_n + 1):
            with contextlib.ExitStack() as group:
                servers = _servers(n, virtuoso, run_dir, group)
                for s in servers:
                    run.settle(s)
                v0 = run.tree_cpu_seconds(virtuoso.pid) if virtuoso.pid else 0.0
                a0 = sum(run.tree_cpu_seconds(s.pid) for s in servers if s.pid)
                t0 = time.perf_counter()
                for _ in range(args.rounds):
                    for k in kinds:
                        paths = [servers[0].query_path(v.query) for v in k.variants]
                        got = _drive(servers, paths, args, run_dir)
                        rps.setdefault((k.name, n), []).append(got)
                        run.log(f"N={n} {k.name:10s} {got:9.1f} req/s")
                elapsed = time.perf_counter() - t0
                v = (run.tree_cpu_seconds(virtuoso.pid) if virtuoso.pid else 0.0) - v0
                a = sum(run.tree_cpu_seconds(s.pid) for s in servers if s.pid) - a0
                cpu[n] = (100 * v / elapsed, 100 * a / elapsed)
    ns = list(range(1, args.max_n + 1))
    lines = [
        f"Command: `.venv/bin/python bench/scale_out.py {' '.join(sys.argv[1:])}`",
        "",
        "| query | " + " | ".join(f"N={n} req/s" for n in ns) + " | " + " | ".join(
            f"N={n}/N=1" for n in ns[1:]) + " |",
        "|---|" + "---:|" * (2 * len(ns) - 1),
    ]  # fmt: skip
    for k in kinds:
        med = {n: statistics.median(rps[(k.name, n)]) for n in ns}
        lines.append(
            f"| {k.name} | " + " | ".join(f"{med[n]:.0f}" for n in ns) + " | "
            + " | ".join(f"{med[n] / med[1]:.2f}" for n in ns[1:]) + " |"
        )  # fmt: skip
    lines += ["", "| N | Virtuoso CPU % | API processes CPU % |", "|---:|---:|---:|"]
    lines += [f"| {n} | {cpu[n][0]:.0f} | {cpu[n][1]:.0f} |" for n in ns]
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
