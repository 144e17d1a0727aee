"""Bulk-load an N-Quads file into a new on-disk Oxigraph store, no validation.

The store is laid out as ibigraph's: every quad in its named graph, plus one copy of every
triple in the default graph (the union of all graphs, each triple once).  Used for the `bare`
reference app, and as a stand-in for `ibigraph load` while that command does not exist.

    .venv/bin/python bench/load_store.py STORE_DIR FILE.nq
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pyoxigraph as ox


def load(store_dir: Path, nquads: Path) -> int:
    if store_dir.exists() and any(store_dir.iterdir()):
        raise SystemExit(f"{store_dir} exists and is not empty")
    quads = list(ox.parse(path=str(nquads), format=ox.RdfFormat.N_QUADS))
    default = ox.DefaultGraph()
    union = {ox.Triple(q.subject, q.predicate, q.object) for q in quads}
    store = ox.Store(str(store_dir))
    store.bulk_extend(quads)
    store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object, default) for t in union)
    store.flush()
    store.optimize()
    return len(quads) + len(union)


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    n = load(Path(sys.argv[1]), Path(sys.argv[2]))
    print(f"loaded {n} quads into {sys.argv[1]} in {time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
