"""Latency of a small curated write on a large store (issue #5), against a bare peer.

    .venv/bin/python bench/write_bench.py [--size 1m] [--rounds 20]

Builds (once, cached under bench/var/) an ibigraph store of the synthetic data with
`ibigraph load`, and a bare Oxigraph store of the same quads. Then, interleaving the systems
round by round on the same machine:

- **ibigraph, HTTP**: `POST /update` with a curator token on a running `ibigraph serve` (one
  worker): parse, evaluate into a change set, materialize, SHACL-check the neighbourhood,
  record PROV-O, checkpoint a new store generation, swap, answer;
- **ibigraph, core**: the same write through the same functions, in process (no HTTP);
- **bare**: `Store.extend(quads)` + `flush()` of the same quads on a writable bare store, the
  least any Oxigraph-backed service must do (no validation, no audit, no generation).

Each write adds a new consortium with a name, description and website in a new, described
source graph (9 triples plus their materialized types and union copies). Prints a Markdown
table: median and p90 per system, and ibigraph/bare ratios.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pyoxigraph as ox

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import ensure_data  # noqa: E402
from bench.load_store import load  # noqa: E402
from ibigraph.auth import add_token  # noqa: E402
from ibigraph.config import Settings  # noqa: E402
from ibigraph.graph.writes import Principal, Vocabulary, commit_change, update_change  # noqa: E402
from ibigraph.sparql.update import UpdateRequest  # noqa: E402
from ibigraph.store import StoreWriter  # noqa: E402
from tests.server import start_server  # noqa: E402

PREFIXES = """PREFIX id: <https://w3id.org/ibigraph/id/>
PREFIX schema: <https://schema.org/>
PREFIX ibi: <https://w3id.org/ibigraph/ontology#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""


def update(tag: str) -> str:
    g = f"<https://w3id.org/ibigraph/source/bench-{tag}>"
    return f"""{PREFIXES}INSERT DATA {{
      GRAPH {g} {{
        id:bench-{tag} a ibi:Consortium ; schema:name "Bench consortium {tag}"@en ;
          schema:description "A consortium written by the write benchmark."@en ;
          schema:url <https://example.org/{tag}> .
      }}
      {g} a ibi:SourceGraph ; dcterms:source <https://example.org/{tag}/about> ;
        dcterms:title "About {tag}"@en ; dcterms:publisher "Bench" ;
        dcterms:date "2026-11-26"^^xsd:date .
    }}"""


def bare_quads(tag: str) -> list[ox.Quad]:
    store = ox.Store()
    store.update(update(tag))
    return list(store)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", default="1m")
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--store", type=Path, help="an ibigraph store of the data, loaded already")
    args = ap.parse_args()
    var = ROOT / "bench" / "var" / f"write-{args.size}"
    var.mkdir(parents=True, exist_ok=True)
    nq = ensure_data(args.size)
    store = args.store or var / "ibigraph-store"
    if not store.exists():
        t0 = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "ibigraph",
                "load",
                "--no-validate",
                str(nq),
                "--store",
                str(store),
            ],
            check=True,
        )
        print(f"ibigraph load: {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    bare_dir = var / "bare-store"
    if not bare_dir.exists():
        if args.size in ("10k", "100k", "1m"):
            load(bare_dir, nq)
        else:  # too large to hold in memory as load_store does: the file alone, bulk-loaded
            ox.Store(str(bare_dir)).bulk_load(path=str(nq), format=ox.RdfFormat.N_QUADS)
    settings = Settings(store_path=store, ontology_dir=ROOT / "ontology")
    tokens = var / "tokens.json"
    tokens.unlink(missing_ok=True)
    token = add_token(tokens, "bench", "curator")
    vocab = Vocabulary(settings)
    _ = vocab.sources  # parse the ontology once, as a running server has
    bare = ox.Store(str(bare_dir))
    run_id = time.strftime("%H%M%S")
    times: dict[str, list[float]] = {"ibigraph HTTP": [], "ibigraph core": [], "bare": []}
    env = {
        "IBIGRAPH_STORE": str(store),
        "IBIGRAPH_TOKENS_FILE": str(tokens),
        "IBIGRAPH_ONTOLOGY_DIR": str(ROOT / "ontology"),
        "IBIGRAPH_WORKERS": "1",
    }
    with start_server(env, var / "server.log", wait=300) as server:
        for i in range(args.rounds):
            tag = f"{run_id}-{i}"
            t0 = time.perf_counter()
            r = httpx.post(
                server.base + "/update",
                content=update(tag + "h").encode(),
                headers={
                    "content-type": "application/sparql-update",
                    "authorization": f"Bearer {token}",
                },
                timeout=120,
            )
            times["ibigraph HTTP"].append(time.perf_counter() - t0)
            assert r.status_code == 200, r.text
            t0 = time.perf_counter()
            text = update(tag + "c")
            commit_change(
                StoreWriter(store),
                lambda changes, text=text: update_change(changes, UpdateRequest(text), vocab),
                principal=Principal("bench", "curator"),
                request_text=text,
                reason=None,
                vocab=vocab,
            )
            times["ibigraph core"].append(time.perf_counter() - t0)
            quads = bare_quads(tag + "b")
            t0 = time.perf_counter()
            bare.extend(quads)
            bare.flush()
            times["bare"].append(time.perf_counter() - t0)
    quads_in_store = sum(1 for _ in ox.Store.read_only(str(store.resolve())))
    print(
        f"\nWrite of one new entity ({args.size} store, {quads_in_store} quads after), "
        f"{args.rounds} rounds, interleaved\n"
    )
    print("| system | median ms | p90 ms | median / bare |")
    print("|---|---:|---:|---:|")
    base = statistics.median(times["bare"])
    for name, ts in times.items():
        ts = sorted(ts)
        med, p90 = statistics.median(ts), ts[int(0.9 * (len(ts) - 1))]
        print(f"| {name} | {med * 1000:.0f} | {p90 * 1000:.0f} | {med / base:.1f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
