"""Search and reconciliation benchmark (issue 14): the text index against SQLite FTS5 with a
trigram tokenizer (the other engine a user could reach for in the standard library), and
against FILTER(REGEX()) on Oxigraph, on the curated graph and on the names of the 1M-quad
benchmark graph. Everything runs in process, the engines interleaved query by query.

    .venv/bin/python bench/search_bench.py [--store var/store] [--size 1m] [--rounds 3]

Prints a Markdown report (copy what is worth keeping into bench/RESULTS.md).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sqlite3
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pyoxigraph as ox  # noqa: E402

from bench.generate import build_model  # noqa: E402
from ibigraph.config import Settings  # noqa: E402
from ibigraph.rdf.vocab import RDF, SCHEMA  # noqa: E402
from ibigraph.search.index import Entity, Scope, SearchIndex, fold  # noqa: E402
from ibigraph.search.reconcile import Query, Vocabulary, candidates  # noqa: E402
from ibigraph.sparql.changeset import write_patch  # noqa: E402

NAME = ox.NamedNode(SCHEMA + "name")


def percentile(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(p / 100 * (len(xs) - 1)))]


def ms(xs: list[float]) -> str:
    return f"{statistics.median(xs) * 1000:.2f} / {percentile(xs, 99) * 1000:.2f}"


def typo(rng: random.Random, s: str) -> str:
    if len(s) < 5:
        return s
    i = rng.randrange(1, len(s) - 2)
    return s[:i] + s[i + 1] + s[i] + s[i + 2 :]


SCOPE = Scope("", frozenset({SCHEMA + "name", RDF + "type"}))
ORG = ox.NamedNode(SCHEMA + "Organization")


def facts(name: str) -> frozenset[tuple[str, str, str]]:
    n = ox.Literal(name)
    return frozenset({(SCHEMA + "name", str(n), name), (RDF + "type", str(ORG), ORG.value)})


def index_of(names: list[tuple[str, str]]) -> SearchIndex:
    return SearchIndex((Entity(iri, facts(name)) for iri, name in names), SCOPE)


def rename_patch(iri: str, old: str, new: str) -> str:
    """The RDF Patch of a write that renames one entity (the default graph's quads)."""
    e = ox.NamedNode(iri)
    return write_patch([ox.Quad(e, NAME, ox.Literal(old))], [ox.Quad(e, NAME, ox.Literal(new))])


def update_cost(names: list[tuple[str, str]], rng: random.Random) -> list[str]:
    """What bringing the index up to date costs per write: one renamed entity, with the overlay
    of earlier changes at several sizes, and the rebuild when the overlay is full."""
    from ibigraph.search import index as module

    index = index_of(names)
    out = ["| changed entities already in the overlay | one rename applied, p50 / p99 ms |",
           "|---|---|"]  # fmt: skip
    for held in (0, 100, module.COMPACT_AT // 2, module.COMPACT_AT - 1):
        patches = [rename_patch(i, n, n + " X") for i, n in names[:held]]
        base = index.applied(patches, ("", "")) if patches else index
        times = []
        for _ in range(20):
            iri, name = rng.choice(names[held:])
            p = rename_patch(iri, name, name + " Renamed")
            times.append(timed(lambda p=p, b=base: b.applied([p], ("", ""))))
        out.append(f"| {held} | {ms(times)} |")
    full = [rename_patch(i, n, n + " X") for i, n in names[: module.COMPACT_AT + 1]]
    t = timed(lambda: index.applied(full, ("", "")))
    out += ["", f"The rebuild when the overlay passes {module.COMPACT_AT} entities:"
            f" {t * 1000:.0f} ms.", ""]  # fmt: skip
    return out


def fts_of(names: list[tuple[str, str]]) -> sqlite3.Connection:
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE names USING fts5(iri UNINDEXED, name, tokenize='trigram')")
    db.executemany("INSERT INTO names VALUES (?, ?)", [(i, fold(n)) for i, n in names])
    return db


def fts_search(db: sqlite3.Connection, q: str) -> list[str]:
    q = fold(q)
    if len(q) < 3:
        return []
    # trigram tokens: a substring match, ranked by bm25 (no typo tolerance of its own)
    quoted = '"' + q.replace('"', '""') + '"'
    sql = "SELECT iri FROM names WHERE names MATCH ? ORDER BY bm25(names) LIMIT 10"
    return [r[0] for r in db.execute(sql, (quoted,))]


def regex_store(names: list[tuple[str, str]]) -> ox.Store:
    store = ox.Store()
    store.bulk_extend(ox.Quad(ox.NamedNode(i), NAME, ox.Literal(n)) for i, n in names)
    return store


def regex_search(store: ox.Store, q: str) -> list[str]:
    pattern = json.dumps(q.replace("\\", "\\\\"))
    query = f"SELECT ?e WHERE {{ ?e <{SCHEMA}name> ?n FILTER(REGEX(?n, {pattern}, 'i')) }} LIMIT 10"
    return [row["e"].value for row in store.query(query)]  # type: ignore[union-attr]


def timed(fn: Callable[[], object]) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def section(title: str, names: list[tuple[str, str]], rounds: int, rng: random.Random) -> list[str]:
    out = [f"### {title}: {len(names):,} names", ""]
    t = time.perf_counter()
    index = index_of(names)
    build_index = time.perf_counter() - t
    tracemalloc.start()  # memory measured apart: tracing slows the build several times
    index_of(names)
    index_mem = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    t = time.perf_counter()
    db = fts_of(names)
    build_fts = time.perf_counter() - t
    t = time.perf_counter()
    store = regex_store(names)
    build_store = time.perf_counter() - t
    sample = [n for _, n in rng.sample(names, min(200, len(names)))]
    mixes = {
        "exact name": sample,
        "prefix (first 6 letters)": [n[:6] for n in sample],
        "typo (two letters swapped)": [typo(rng, n) for n in sample],
    }
    out += [
        f"Build: index {build_index * 1000:.0f} ms ({index_mem / 1e6:.1f} MB peak),"
        f" FTS5 trigram {build_fts * 1000:.0f} ms,"
        f" Oxigraph in-memory store {build_store * 1000:.0f} ms",
        "",
        "| query mix | index p50 / p99 ms | top-1 right | FTS5 trigram p50 / p99 ms | top-1 right"
        " | FILTER(REGEX) p50 / p99 ms |",
        "|---|---|---|---|---|---|",
    ]
    iri_of = {n: i for i, n in names}
    for mix, queries in mixes.items():
        times: dict[str, list[float]] = {"index": [], "fts": [], "regex": []}
        right = {"index": 0, "fts": 0}
        for _ in range(rounds):
            for q, original in zip(queries, sample, strict=True):
                want = iri_of[original]
                t = time.perf_counter()
                hits = index.search(q)
                times["index"].append(time.perf_counter() - t)
                right["index"] += bool(hits) and hits[0].entity.iri == want
                t = time.perf_counter()
                found = fts_search(db, q)
                times["fts"].append(time.perf_counter() - t)
                right["fts"] += bool(found) and found[0] == want
                if mix != "typo (two letters swapped)":
                    t = time.perf_counter()
                    regex_search(store, q)
                    times["regex"].append(time.perf_counter() - t)
        n = rounds * len(queries)
        regex = ms(times["regex"]) if times["regex"] else "n/a (no typo tolerance)"
        out.append(
            f"| {mix} | {ms(times['index'])} | {right['index'] / n:.0%} | {ms(times['fts'])}"
            f" | {right['fts'] / n:.0%} | {regex} |"
        )
    suggest = [timed(lambda q=q: index.suggest(q[:4])) for q in sample * rounds]
    out += ["", f"Suggest (4 letters), index: p50 / p99 {ms(suggest)} ms", ""]
    return out


def reconcile_batch(index: SearchIndex, names: list[str], settings: Settings) -> float:
    vocab = Vocabulary(settings, {"schema": SCHEMA})
    queries = [Query(n, ("schema:Organization",), 3) for n in names]
    t = time.perf_counter()
    for q in queries:
        candidates(index, q, vocab)
    return time.perf_counter() - t


async def over_http(store: Path, rounds: int) -> list[str]:
    import httpx

    from ibigraph.api.app import create_app

    app = create_app(Settings(store_path=store))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://bench"
        ) as client,
    ):
        await client.get("/api/suggest", params={"prefix": "bra"})  # builds the index
        prefixes = ["bra", "hum", "nat", "eur", "kav", "jap", "cana", "inter"]
        suggest = []
        search = []
        for _ in range(rounds * 20):
            for p in prefixes:
                t = time.perf_counter()
                await client.get("/api/suggest", params={"prefix": p})
                suggest.append(time.perf_counter() - t)
                t = time.perf_counter()
                await client.get("/api/search", params={"q": p + "in initiative"})
                search.append(time.perf_counter() - t)
        batch = {
            f"q{i}": {"query": random.Random(i).choice(prefixes) + " brain"} for i in range(100)
        }
        t = time.perf_counter()
        r = await client.post("/reconcile", data={"queries": json.dumps(batch)})
        assert r.status_code == 200
        took = time.perf_counter() - t
    return [
        f"In process through the app (ASGI, no network), curated graph: /api/suggest p50 / p99"
        f" {ms(suggest)} ms, /api/search {ms(search)} ms; a 100-query /reconcile batch"
        f" {took * 1000:.0f} ms.",
        "",
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--store", type=Path, default=ROOT / "var" / "store")
    parser.add_argument("--size", default="1m")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    rng = random.Random(14)
    settings = Settings(store_path=args.store)
    out = ["## Search and reconciliation (issue 14)", ""]
    curated = ox.Store.read_only(str(args.store.resolve()))
    names = [
        (row["e"].value, row["n"].value)
        for row in curated.query(f"SELECT ?e ?n WHERE {{ ?e <{SCHEMA}name> ?n }}")  # type: ignore[union-attr]
        if row["e"].value.startswith(settings.entity_ns)
    ]
    out += section("Curated graph", names, args.rounds, rng)
    m = build_model(args.size)
    big = list(
        dict.fromkeys(
            [(f"urn:org:{i}", n) for i, n in enumerate(m.org_names)]
            + [(f"urn:person:{i}", n) for i, n in enumerate(m.person_names)]
            + [(f"urn:article:{i}", n) for i, n in enumerate(m.article_titles)]
        )
    )
    out += section(f"Names of the {args.size} benchmark graph", big, args.rounds, rng)
    out += [f"#### Keeping the index up to date, {len(big):,} names", ""]
    out += update_cost(big, rng)
    big_index = index_of(big)
    batch = reconcile_batch(big_index, [n for _, n in rng.sample(big, 100)], settings)
    out += [f"A batch of 100 reconciliation queries over {len(big):,} names, in process:"
            f" {batch * 1000:.0f} ms.", ""]  # fmt: skip
    out += asyncio.run(over_http(args.store, args.rounds))
    print("\n".join(out))


if __name__ == "__main__":
    main()
