"""A result of a million rows, streamed: the server's memory while a slow client reads it.

    .venv/bin/python bench/stream_bench.py --store DIR [--rows 1000000] [--rate 20]

Starts `ibigraph serve` (one worker) over the store, asks for `--rows` rows of
`SELECT ?s ?p ?o WHERE { ?s ?p ?o }` as JSON, and reads them at about --rate MB/s. Samples the
resident memory of the server's process tree (workers and runners) from /proc before and during
the stream, and counts the rows received. The result is far past IBIGRAPH_MAX_ROWS (100,000),
so it streams; held whole it would take its size in memory at least.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import httpx

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

from load_bench import peak_rss  # noqa: E402
from run import tree_memory  # noqa: E402

from tests.server import start_server  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", type=Path, required=True)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--rate", type=float, default=20.0, help="MB/s the client reads at")
    args = ap.parse_args()
    env = {
        "IBIGRAPH_STORE": str(args.store),
        "IBIGRAPH_WORKERS": "1",
        "IBIGRAPH_QUERY_TIMEOUT": "600",
        "IBIGRAPH_MEMORY_REPLICA": "off",
    }
    query = f"SELECT ?s ?p ?o WHERE {{ ?s ?p ?o }} LIMIT {args.rows}"
    log = Path("/tmp/stream_bench.log")
    with start_server(env, log, wait=600) as server:
        httpx.get(server.base + "/sparql", params={"query": "ASK {}"}, timeout=60)
        before = tree_memory(server.proc.pid)[0] * 2**20
        received, chunks, t0 = 0, [], time.perf_counter()
        with peak_rss(server.proc.pid) as peak, httpx.stream(
            "GET", server.base + "/sparql", params={"query": query},
            headers={"Accept": "application/sparql-results+json"}, timeout=600,
        ) as r:  # fmt: skip
            assert r.status_code == 200, r.read()
            streamed = "content-length" not in r.headers
            for chunk in r.iter_bytes():
                received += len(chunk)
                chunks.append(chunk)
                ahead = received / (args.rate * 1e6) - (time.perf_counter() - t0)
                if ahead > 0:
                    time.sleep(ahead)
        took = time.perf_counter() - t0
    rows = len(json.loads(b"".join(chunks))["results"]["bindings"])
    print(f"\n{args.rows:,} rows asked of {args.store}\n")
    print("| rows received | bytes | time (s) | streamed | server RSS before (MiB) | peak (MiB) |")
    print("|---:|---:|---:|---|---:|---:|")
    print(
        f"| {rows:,} | {received / 2**20:.0f} MiB | {took:.1f} | {streamed} |"
        f" {before / 2**20:.0f} | {peak[0] / 2**20:.0f} |"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
