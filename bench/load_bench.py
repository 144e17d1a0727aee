"""Build, load and validate figures at a size: ibigraph against bare pyoxigraph and Virtuoso.

For the synthetic graph of --size (bench/generate.py), one after the other:

- `bare bulk_load`: `pyoxigraph.Store(dir).bulk_load(path=FILE.nq)`, the fastest way into an
  Oxigraph store (no union copies, no materialization);
- `ibigraph load --no-validate`: streamed, materialized, with the union default graph;
- `ibigraph validate --store -j J`: that store, validated in partitions;
- `Virtuoso bulk loader`: `ld_dir` + `rdf_loader_run` + `checkpoint` (tests/virtuoso.py), the
  file as it is.

Each gets its wall time, the peak resident memory of its process tree (sampled every 0.2 s from
/proc) and the size of what it wrote on disk. Prints a Markdown table.

    .venv/bin/python bench/load_bench.py --size 10m --jobs 2 [--skip virtuoso] [--validate-limit S]
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
VENV_BIN = ROOT / ".venv" / "bin"
sys.path.insert(0, str(BENCH))

from generate import ensure_data  # noqa: E402
from run import tree_memory  # noqa: E402


@contextlib.contextmanager
def peak_rss(pid: int) -> Iterator[list[int]]:
    """Samples the resident memory of the process tree of `pid` until the block ends; the peak
    (bytes) is in the list."""
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.2):
            peak[0] = max(peak[0], int(tree_memory(pid)[0] * 2**20))

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    try:
        yield peak
    finally:
        done.set()
        t.join()


def du(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


def run(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, int, str]:
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        cmd, env={**os.environ, **(env or {})}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    with peak_rss(proc.pid) as peak:
        out, _ = proc.communicate()
    took = time.perf_counter() - t0
    text = out.decode(errors="replace")
    if proc.returncode not in (0, 1):  # validate exits 1 on violations
        raise SystemExit(f"{cmd} failed ({proc.returncode}):\n{text[-2000:]}")
    return took, peak[0], text


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", default="10m")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument(
        "--skip", action="append", default=[], help="bare, ibigraph, validate, virtuoso"
    )
    ap.add_argument("--work", type=Path, default=None, help="directory for the stores")
    args = ap.parse_args()
    nq = ensure_data(args.size, log=lambda m: print(m, file=sys.stderr))
    work = args.work or Path(tempfile.mkdtemp(prefix=f"load-{args.size}-", dir=BENCH / "data"))
    rows: list[tuple[str, str, float, int, int, str]] = []
    py = str(VENV_BIN / "python")

    if "bare" not in args.skip:
        d = work / "bare"
        shutil.rmtree(d, ignore_errors=True)
        code = (
            "import sys, pyoxigraph as ox; s = ox.Store(sys.argv[1]);"
            " s.bulk_load(path=sys.argv[2], format=ox.RdfFormat.N_QUADS); s.flush();"
            " s.optimize(); print(len(s))"
        )
        took, peak, out = run([py, "-c", code, str(d), str(nq)])
        rows.append(("bare `bulk_load`", "the file", took, peak, du(d), out.strip() + " quads"))
        shutil.rmtree(d, ignore_errors=True)

    store = work / "ibigraph" / "store"
    if "ibigraph" not in args.skip:
        shutil.rmtree(store.parent, ignore_errors=True)
        store.parent.mkdir(parents=True)
        cmd = [str(VENV_BIN / "ibigraph"), "load", "--no-validate", "--store", str(store)]
        took, peak, out = run([*cmd, str(nq)])
        n = _count(store)
        rows.append(
            (
                "`ibigraph load --no-validate`",
                "+ materialized, + union",
                took,
                peak,
                du(store.resolve()),
                f"{n} quads",
            )
        )
    if "validate" not in args.skip:
        took, peak, out = run(
            [
                str(VENV_BIN / "ibigraph"),
                "validate",
                "--store",
                "-j",
                str(args.jobs),
                "--format",
                "json",
            ],
            env={"IBIGRAPH_STORE": str(store)},
        )
        found = out.count('"focus_node"')
        rows.append(
            (
                f"`ibigraph validate --store -j {args.jobs}`",
                "in partitions",
                took,
                peak,
                0,
                f"{found} results",
            )
        )

    if "virtuoso" not in args.skip:
        spec = importlib.util.spec_from_file_location(
            "bench_virtuoso", ROOT / "tests" / "virtuoso.py"
        )
        mod = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
        sys.modules[spec.name] = mod  # type: ignore[union-attr]
        spec.loader.exec_module(mod)  # type: ignore[union-attr]
        d = work / "virtuoso"
        shutil.rmtree(d, ignore_errors=True)
        with mod.run_virtuoso(d, startup_timeout=120) as v:
            t0 = time.perf_counter()
            with peak_rss(v.pid) as peak:
                v.load_nquads(nq, timeout=7200)
            took = time.perf_counter() - t0
            n = v.isql(
                "sparql select count(*) where { graph ?g { ?s ?p ?o }"
                ' filter(strstarts(str(?g), "https://w3id.org/")) };'
            )
            count = next((x for x in n.split() if x.isdigit()), "?")
        size = sum(f.stat().st_size for f in d.glob("virtuoso.db"))
        rows.append(("Virtuoso bulk loader", "the file", took, peak[0], size, f"{count} quads"))
        shutil.rmtree(d, ignore_errors=True)

    print(f"\n{args.size}: {nq.name}, {os.cpu_count()} cores\n")
    print("| system | what it stores | time (s) | peak RSS (MiB) | on disk (MiB) | result |")
    print("|---|---|---|---|---|---|")
    for name, what, took, peak, size, result in rows:
        disk = f"{size / 2**20:.0f}" if size else "-"
        print(f"| {name} | {what} | {took:.1f} | {peak / 2**20:.0f} | {disk} | {result} |")
    return 0


def _count(store: Path) -> int:
    import pyoxigraph as ox

    return len(ox.Store.read_only(str(store.resolve())))


if __name__ == "__main__":
    sys.exit(main())
