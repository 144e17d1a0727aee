"""Search over a real socket at scale (issue 14): `ibigraph serve` (one worker) over a loaded
store, an httpx client on loopback. Measures /api/suggest and /api/search latency, a batch of
100 reconciliation queries, the first index build, what a write adds to the next search
(the index catching up with the write's patch) against the same search when nothing changed,
and /health while other clients send batches of near names (ranking must not hold the
worker's event loop).

    .venv/bin/python bench/search_served.py [--size 1m] [--store DIR] [--rounds 3]

Without --store, the synthetic graph of --size is loaded (`ibigraph load`) into a temp dir.
Prints a Markdown report (copy what is worth keeping into bench/RESULTS.md).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import ensure_data  # noqa: E402
from bench.run import idle_wait  # noqa: E402
from ibigraph.auth import add_token  # noqa: E402

BIN = ROOT / ".venv" / "bin"
HOST = "127.0.0.1"
ASK = {"query": "ASK { ?s ?p ?o }"}


def ms(xs: list[float]) -> str:
    xs = sorted(xs)
    return f"{statistics.median(xs) * 1000:.2f} / {xs[round(0.99 * (len(xs) - 1))] * 1000:.2f}"


def timed(fn: Callable[[], httpx.Response]) -> float:
    t = time.perf_counter()
    r = fn()
    took = time.perf_counter() - t
    assert r.status_code == 200, r.text[:3000]
    return took


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        port: int = s.getsockname()[1]
        return port


def names_of(client: httpx.Client, n: int) -> list[tuple[str, str]]:
    # in order: without it the first n rows depend on the engine (an in-memory copy gave long
    # titles with thousands of hits where the store on disk gave people's names)
    query = (
        "SELECT ?e ?n WHERE { ?e schema:name ?n FILTER(STRSTARTS(STR(?e), STR(id:))) } ORDER BY ?e"
    )
    r = client.post("/sparql", data={"query": query + f" LIMIT {n}"},
                    headers={"accept": "application/sparql-results+json"})  # fmt: skip
    r.raise_for_status()
    rows = r.json()["results"]["bindings"]
    return [(b["e"]["value"], b["n"]["value"]) for b in rows]


def health_under_batches(
    base: str, names: list[str], rng: random.Random, clients: int = 4, seconds: float = 15.0
) -> list[float]:
    """/health latencies, asked every 50 ms while `clients` threads send reconciliation
    batches of 100 near names (two letters swapped: the dearest ranking) for `seconds`."""

    def near(n: str) -> str:
        i = rng.randrange(len(n) - 1)
        return n[:i] + n[i + 1] + n[i] + n[i + 2 :]

    batches = [
        json.dumps({f"q{i}": {"query": near(n)} for i, n in enumerate(rng.sample(names, 100))})
        for _ in range(8)
    ]
    stop = time.perf_counter() + seconds

    def send(k: int) -> None:
        with httpx.Client(base_url=base, timeout=300) as c:
            while time.perf_counter() < stop:
                body = {"queries": batches[k % len(batches)]}
                timed(lambda: c.post("/reconcile", data=body))  # noqa: B023 - called at once
                k += 1

    senders = [threading.Thread(target=send, args=(k,)) for k in range(clients)]
    for t in senders:
        t.start()
    latencies = []
    with httpx.Client(base_url=base, timeout=300) as c:
        time.sleep(0.5)
        while time.perf_counter() < stop:
            latencies.append(timed(lambda: c.get("/health")))
            time.sleep(0.05)
    for t in senders:
        t.join()
    return latencies


def run(store: Path, tmp: Path, rounds: int, rng: random.Random) -> list[str]:
    tokens = tmp / "tokens.json"
    token = add_token(tokens, "bench", "curator")
    port = free_port()
    env = {**os.environ, "IBIGRAPH_STORE": str(store), "IBIGRAPH_TOKENS_FILE": str(tokens)}
    env["IBIGRAPH_ARTICLES_DIR"] = str(tmp / "none")
    log = (tmp / "serve.log").open("wb")
    cmd = [str(BIN / "ibigraph"), "serve", "--host", HOST, "--port", str(port), "--workers", "1"]
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    base = f"http://{HOST}:{port}"
    try:
        with httpx.Client(base_url=base, timeout=120) as client:
            for _ in range(600):
                try:
                    if client.get("/health").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.2)
            # its runners' copies of the store are made in the background: measured after
            settled = idle_wait(proc.pid, limit=600)
            first = timed(lambda: client.get("/api/suggest", params={"prefix": "bra"}))
            names = names_of(client, 50_000)
            sample = [n for _, n in rng.sample(names, 200)]
            suggest, search = [], []
            for _ in range(rounds):
                for n in sample:
                    prefix = {"prefix": n[:4]}
                    suggest.append(timed(lambda p=prefix: client.get("/api/suggest", params=p)))
                    search.append(timed(lambda n=n: client.get("/api/search", params={"q": n})))
            batch = {f"q{i}": {"query": n} for i, n in enumerate(sample[:100])}
            reconcile = [
                timed(lambda: client.post("/reconcile", data={"queries": json.dumps(batch)}))
                for _ in range(rounds)
            ]
            # a write, then the first search (which brings the index up to date), then the
            # same search again (nothing to catch up)
            auth = {"authorization": f"Bearer {token}", "content-type": "application/sparql-update"}
            write, opened, after, steady = [], [], [], []
            for i in range(20 * rounds):
                name = f"Benchmark Consortium {i} of {rng.choice(names)[1]}"
                g = f"src:bench-{i}"  # a new source graph, described as every source is
                body = (f"INSERT DATA {{ GRAPH {g} {{ id:bench-{i} a ibi:Consortium ;"
                        f" schema:name {json.dumps(name)}@en ;"
                        ' schema:description "A consortium of the benchmark."@en }'
                        f" {g} a ibi:SourceGraph ; dcterms:source <https://example.org/{i}> ;"
                        f' dcterms:title "Bench {i}"@en ; dcterms:publisher "Bench" ;'
                        ' dcterms:date "2026-12-05"^^xsd:date }')  # fmt: skip
                write.append(timed(lambda b=body: client.post("/update", content=b, headers=auth)))
                # any first query on the new store generation opens it: measured apart
                opened.append(timed(lambda: client.post("/sparql", data=ASK)))
                q = {"q": name}
                after.append(timed(lambda q=q: client.get("/api/search", params=q)))
                steady.append(timed(lambda q=q: client.get("/api/search", params=q)))
            health = health_under_batches(base, [n for n in sample if len(n) > 3], rng)
    finally:
        proc.terminate()
        proc.wait(30)
    n = len(names)
    return [
        f"### Over a socket: `ibigraph serve --workers 1`, {n:,}+ names", "",
        f"Idle {settled:.0f} s after it first answered (the runners' copies made).", "",
        f"First request (builds the index from the store): {first * 1000:.0f} ms", "",
        "| request | p50 / p99 ms |", "|---|---|",
        f"| /api/suggest (4 letters) | {ms(suggest)} |",
        f"| /api/search (a whole name) | {ms(search)} |",
        f"| /reconcile, a batch of 100 names | {ms(reconcile)} |",
        f"| a write (INSERT DATA of a new entity: type, name, description) | {ms(write)} |",
        f"| the first query after it (an ASK: opens the new store generation) | {ms(opened)} |",
        f"| then the first /api/search (the index catches up) | {ms(after)} |",
        f"| the same search again | {ms(steady)} |",
        f"| /health, every 50 ms for 15 s, while 4 clients send batches of 100 near names"
        f" ({len(health)} answers; max {max(health) * 1000:.0f} ms) | {ms(health)} |",
        "",
        f"The index update a write causes: {statistics.median(after) * 1000 - statistics.median(steady) * 1000:.1f} ms"  # noqa: E501
        " (median of the first search after a write and an ASK, minus the median of the same"
        " search again).",
        "",
    ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", default="1m")
    parser.add_argument("--store", type=Path)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        store = args.store
        if store is None:
            store = tmp / "store"
            subprocess.run([str(BIN / "ibigraph"), "load", "--no-validate", "--store", str(store),
                            str(ensure_data(args.size))], check=True, cwd=ROOT)  # fmt: skip
        print("\n".join(run(store, tmp, args.rounds, random.Random(14))))


if __name__ == "__main__":
    main()
