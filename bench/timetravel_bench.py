"""What the graph's history costs (issue 15): write latency with patches kept, storage per
change, and Memento latency (TimeGate redirect plus the rebuilt document) for an entity with
100 versions. In process over the app (ASGI), on the small fixture graph and on the curated one.

    .venv/bin/python bench/timetravel_bench.py [--writes 100]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import pyoxigraph as ox  # noqa: E402

from ibigraph.api.app import create_app  # noqa: E402
from ibigraph.auth import add_token  # noqa: E402
from ibigraph.config import Settings  # noqa: E402
from ibigraph.graph.build import build_store  # noqa: E402


def ms(xs: list[float]) -> str:
    xs = sorted(xs)
    return f"{statistics.median(xs) * 1000:.1f} / {xs[int(0.99 * (len(xs) - 1))] * 1000:.1f}"


async def run(data_dir: Path, writes: int, label: str) -> list[str]:
    tmp = Path(tempfile.mkdtemp())
    try:
        settings = Settings(store_path=tmp / "store", data_dir=data_dir,
                            articles_dir=tmp / "none", tokens_file=tmp / "tokens.json")  # fmt: skip
        build_store(settings)
        token = add_token(settings.tokens_file, "bench", "curator")  # type: ignore[arg-type]
        app = create_app(settings)
        auth = {"authorization": f"Bearer {token}", "content-type": "application/sparql-update"}
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://bench", timeout=120
            ) as client,
        ):
            slug = "international-brain-initiative" if label == "curated" else "test-alliance"
            graph = "src:ibi-about-us" if label == "curated" else "src:test-about"
            latencies, stamps = [], []
            for i in range(writes):
                fact = f'id:{slug} schema:alternateName "bench {i}"@en'
                body = f"INSERT DATA {{ GRAPH {graph} {{ {fact} }} }}"
                t = time.perf_counter()
                r = await client.post("/update", content=body, headers=auth)
                latencies.append(time.perf_counter() - t)
                assert r.status_code == 200, r.text
                stamps.append(datetime.now(UTC))
                await asyncio.sleep(0.01)
            store = ox.Store.read_only(str(settings.store_path.resolve()))
            patch = "<https://w3id.org/ibigraph/ontology#patch>"
            found = store.query(f"SELECT ?p WHERE {{ GRAPH ?g {{ ?c {patch} ?p }} }}")
            patches = [len(row["p"].value.encode()) for row in found]  # type: ignore[union-attr]
            cold, warm = [], []
            for when in stamps[:: max(1, len(stamps) // 10)]:
                header = format_datetime(when + timedelta(seconds=1), usegmt=True)
                for bucket in (cold, warm):  # the first builds the state, the second reads it
                    t = time.perf_counter()
                    gate = await client.get(
                        f"/id/{slug}", headers={"Accept": "text/turtle", "Accept-Datetime": header}
                    )
                    memento = await client.get(
                        gate.headers["location"], headers={"Accept": "text/turtle"}
                    )
                    bucket.append(time.perf_counter() - t)
                    assert memento.status_code == 200
            quads = len(store)
        return [
            f"| {label} ({quads:,} quads) | {ms(latencies)} | {statistics.mean(patches):.0f} B |"
            f" {ms(cold)} | {ms(warm)} |"
        ]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--writes", type=int, default=100)
    args = parser.parse_args()
    fixture = Path(tempfile.mkdtemp())
    shutil.copy(ROOT / "tests" / "fixtures" / "valid.trig", fixture / "valid.trig")
    rows = [
        f"{args.writes} writes to one entity, then Mementos of 10 of its versions (p50 / p99 ms):",
        "",
        "| graph | write | patch per change | TimeGate + Memento, first | same, again |",
        "|---|---|---|---|---|",
    ]
    rows += asyncio.run(run(fixture, args.writes, "fixture"))
    rows += asyncio.run(run(ROOT / "data", args.writes, "curated"))
    print("\n".join(rows))


if __name__ == "__main__":
    main()
