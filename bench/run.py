"""Run the ibigraph benchmark: same data, same queries, several SPARQL servers side by side.

    .venv/bin/python bench/run.py --size 100k [--duration 10] [--concurrency 8] [--rounds 3]
        [--systems ibigraph,bare-memory,bare,hello,rdflib-endpoint,virtuoso] [--workers N]
        [--cache] [--no-pin]

Steps: generate (or reuse) the synthetic N-Quads file; build each system's store and start
each system as a real server process on a free loopback port; check that all systems return
the same rows for a sample of every query's variants; pin the servers and the load client to
separate cores; then, query kind by query kind, measure each system in turn, round after round
(A/B/C, B/C/A, …), driving it with a bounded load client (wrk, else a built-in asyncio client)
at fixed concurrency; report throughput, latency, errors, ratios with their spread over the
rounds, load time and memory as Markdown on stdout and in bench/results-<size>-<timestamp>.md.

All traffic goes to 127.0.0.1 only; every load run is bounded in time (and by a subprocess
time-out); every server this script starts is stopped by its own process id on exit.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import importlib.util
import json
import math
import os
import platform
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

import generate  # noqa: E402

import queries as querymix  # noqa: E402

VENV_BIN = ROOT / ".venv" / "bin"
PEERS_BIN = BENCH / ".venv-peers" / "bin"
PEER_PACKAGES = ["rdflib-endpoint==0.6.3", "uvicorn"]
ALL_SYSTEMS = ["ibigraph", "bare-memory", "bare", "hello", "rdflib-endpoint", "virtuoso"]
JSON_MT = "application/sparql-results+json"
XSD = "http://www.w3.org/2001/XMLSchema#"
HOST = "127.0.0.1"  # the only address this script ever talks to
NOISY_CPU = 25  # percent of a core used by other processes during a run


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# --- processes and memory -------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = collections.defaultdict(list)
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                stat = Path(f"/proc/{d}/stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            kids[ppid].append(int(d))
    return kids


def process_tree(pid: int) -> list[int]:
    kids = _children()
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, []))
    return out


def tree_memory(pid: int) -> tuple[float, float]:
    """(RSS, peak RSS) of a process and all its descendants, in MiB."""
    rss = hwm = 0
    for p in process_tree(pid):
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    rss += int(line.split()[1])
                elif line.startswith("VmHWM:"):
                    hwm += int(line.split()[1])
        except OSError:
            pass
    return rss / 1024, hwm / 1024


def tree_cpu_seconds(pid: int) -> float:
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for p in process_tree(pid):
        try:
            f = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(f[11]) + int(f[12])  # utime, stime
        except (OSError, IndexError, ValueError):
            pass
    return total / tick


def machine_busy_seconds() -> float:
    """CPU seconds spent by the whole machine (all cores, all processes) outside idle."""
    f = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in f[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def own_cpu_seconds() -> float:
    """CPU seconds of this script and its finished children (the load client)."""
    a, b = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return a.ru_utime + a.ru_stime + b.ru_utime + b.ru_stime


def http_get(url: str, timeout: float = 120, accept: str = JSON_MT) -> tuple[int, bytes]:
    assert urllib.parse.urlsplit(url).hostname == HOST, url
    req = urllib.request.Request(url, headers={"Accept": accept})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


# --- systems --------------------------------------------------------------------------------


@dataclass
class System:
    name: str
    desc: str = ""
    base: str = ""  # http://127.0.0.1:PORT
    path: str = "/sparql"  # may carry fixed parameters, e.g. "/sparql?default-graph-uri=..."
    pid: int | None = None
    load_s: float | None = None  # building the store (or loading data into the server)
    ready_s: float | None = None  # from server start until it answers
    rss_loaded: float | None = None
    rss_end: float | None = None
    peak_rss: float | None = None
    check: dict[str, str] = field(default_factory=dict)
    stop: Callable[[], None] = lambda: None
    log_path: Path | None = None
    died: str | None = None  # why it stopped answering, if it did
    slowest: dict[str, float] = field(default_factory=dict)  # kind -> slowest checked request, s
    backlog: list[str] = field(default_factory=list)  # runs after which it stayed busy

    def drain_limit(self, kind: str, args: argparse.Namespace) -> float:
        """How long to wait for the requests a run leaves in flight (a server that cannot
        cancel them works through all of them): about `concurrency` times its slowest
        checked request for that kind, at least --timeout + 30 s, at most 15 minutes."""
        guess = 1.5 * args.concurrency * self.slowest.get(kind, 0.0) + 10
        return min(900.0, max(args.timeout + 30, guess))

    def settle_after(self, kind: str, args: argparse.Namespace) -> float:
        limit = self.drain_limit(kind, args)
        waited = settle(self, limit=limit, window=0.5)
        if waited >= limit:
            self.backlog.append(kind)
            log(f"{self.name}: still busy {waited:.0f} s after the `{kind}` run")
        elif waited > 2:
            log(f"{self.name}: busy for {waited:.0f} s after the run (requests left in flight)")
        return waited

    def alive(self) -> bool:
        if not self.pid:
            return True
        try:
            return Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
        except OSError:
            return False

    def log_tail(self, n: int = 15) -> str:
        if not self.log_path or not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])

    def query_path(self, query: str) -> str:
        sep = "&" if "?" in self.path else "?"
        return f"{self.path}{sep}query={urllib.parse.quote(query, safe='')}"

    def url(self, query: str) -> str:
        return self.base + self.query_path(query)


def _popen(cmd: list[str], logf: Path, env: dict[str, str] | None = None) -> subprocess.Popen:
    out = open(logf, "ab")  # noqa: SIM115 - the child owns it
    return subprocess.Popen(
        cmd,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=out,
        stderr=subprocess.STDOUT,
        env={**os.environ, **(env or {})},
        start_new_session=True,
    )


def _stopper(proc: subprocess.Popen) -> Callable[[], None]:
    def stop() -> None:
        if proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)  # its own session: the server and its workers
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)

    return stop


def _wait_ready(sys_: System, proc: subprocess.Popen, check_url: str, timeout: float) -> None:
    t0 = time.perf_counter()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = sys_.log_path.read_text(errors="replace")[-3000:] if sys_.log_path else ""
            raise RuntimeError(f"{sys_.name} exited with code {proc.returncode}:\n{tail}")
        try:
            status, _ = http_get(check_url, timeout=5, accept="*/*")
            if status == 200:
                return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.1 if time.perf_counter() - t0 < 5 else 0.5)
    raise RuntimeError(f"{sys_.name} did not answer {check_url} within {timeout:.0f} s")


def _serve(
    sys_: System,
    cmd: list[str],
    env: dict[str, str] | None,
    port: int,
    ready_path: str,
    timeout: float,
) -> None:
    sys_.base = f"http://{HOST}:{port}"
    t0 = time.perf_counter()
    proc = _popen(cmd, sys_.log_path, env)  # type: ignore[arg-type]
    sys_.pid = proc.pid
    sys_.stop = _stopper(proc)
    _wait_ready(sys_, proc, sys_.base + ready_path, timeout)
    sys_.ready_s = time.perf_counter() - t0


def _has_command(*args: str) -> tuple[bool, str]:
    r = subprocess.run(
        [str(VENV_BIN / "ibigraph"), *args, "--help"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    return r.returncode == 0, r.stdout


def _stand_in_load(store: Path, nq: Path, logf: Path) -> None:
    with open(logf, "ab") as out:
        subprocess.run(
            [str(VENV_BIN / "python"), str(BENCH / "load_store.py"), str(store), str(nq)],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            check=True,
            timeout=3600,
        )


def start_ibigraph(s: System, nq: Path, run_dir: Path, args: argparse.Namespace) -> None:
    store = run_dir / "ibigraph-store"
    has_load, _ = _has_command("load")
    has_serve, serve_help = _has_command("serve")
    if not has_serve:
        raise RuntimeError("`ibigraph serve` does not exist yet")
    t0 = time.perf_counter()
    if has_load:
        with open(s.log_path, "ab") as out:  # type: ignore[arg-type]
            subprocess.run(
                [
                    str(VENV_BIN / "ibigraph"),
                    "load",
                    "--no-validate",
                    "--no-materialize",  # the same quads as the peers hold
                    "--store",
                    str(store),
                    str(nq),
                ],
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                check=True,
                timeout=3600,
            )
        s.desc = "`ibigraph load` + `ibigraph serve`"
    else:
        log("ibigraph: `ibigraph load` is missing; using the stand-in bench/load_store.py")
        _stand_in_load(store, nq, s.log_path)  # type: ignore[arg-type]
        s.desc = "stand-in load (bench/load_store.py) + `ibigraph serve`"
    s.load_s = time.perf_counter() - t0
    port = free_port()
    cmd = [str(VENV_BIN / "ibigraph"), "serve", "--host", HOST, "--port", str(port)]
    if "--workers" in serve_help:
        cmd += ["--workers", str(args.workers)]
    cache_flag = "--cache" if args.cache else "--no-cache"
    if cache_flag in serve_help:
        cmd.append(cache_flag)
        s.desc += f" `{cache_flag}`"
        args.cache_note = f"`ibigraph serve {cache_flag}`"
    elif "cache" in serve_help:
        log("ibigraph serve mentions a cache but has no --cache/--no-cache flag; default used")
        args.cache_note = f"asked for {cache_flag}, but `serve` has no such flag: its default"
    else:
        args.cache_note = f"asked for {cache_flag}; `ibigraph serve` has no cache option"
    s.desc += f", `--workers {args.workers}`"
    _serve(s, cmd, {"IBIGRAPH_STORE": str(store)}, port, "/health", 600)


def start_bare(s: System, nq: Path, run_dir: Path, args: argparse.Namespace) -> None:
    store = run_dir / "bare-store"
    t0 = time.perf_counter()
    if not store.exists():  # bare and bare-memory serve the same store
        _stand_in_load(store, nq, s.log_path)  # type: ignore[arg-type]
    s.load_s = time.perf_counter() - t0
    port = free_port()
    memory = s.name == "bare-memory"
    where = "in-memory copy per worker" if memory else "read-only on-disk store"
    s.desc = f"bench/bare_app.py ({where}), uvicorn --workers {args.workers}, `def` endpoint"
    cmd = [
        str(VENV_BIN / "python"),
        "-m",
        "uvicorn",
        "bench.bare_app:app",
        "--host",
        HOST,
        "--port",
        str(port),
        "--workers",
        str(args.workers),
        "--no-access-log",
        "--log-level",
        "warning",
        # a worker copying a large store into memory answers no health check meanwhile: by
        # default uvicorn's supervisor would restart it after 5 s, again and again
        "--timeout-worker-healthcheck",
        "600",
    ]
    env = {"BARE_STORE": str(store), **({"BARE_MEMORY": "1"} if memory else {})}
    _serve(s, cmd, env, port, "/health", 600)


def start_hello(s: System, nq: Path, run_dir: Path, args: argparse.Namespace) -> None:
    port = free_port()
    s.desc = f"bench/hello_app.py, uvicorn --workers {args.workers}, constant JSON"
    cmd = [
        str(VENV_BIN / "python"),
        "-m",
        "uvicorn",
        "bench.hello_app:app",
        "--host",
        HOST,
        "--port",
        str(port),
        "--workers",
        str(args.workers),
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    _serve(s, cmd, None, port, "/health", 120)


def start_rdflib(s: System, nq: Path, run_dir: Path, args: argparse.Namespace) -> None:
    py = PEERS_BIN / "python"
    if not py.exists():  # its own venv, so that it never touches the project's dependencies
        log(f"creating bench/.venv-peers with {' '.join(PEER_PACKAGES)} (pip) …")
        subprocess.run([sys.executable, "-m", "venv", str(PEERS_BIN.parent)], check=True,
                       timeout=300)  # fmt: skip
        subprocess.run([str(PEERS_BIN / "pip"), "install", "-q", *PEER_PACKAGES], check=True,
                       timeout=900)  # fmt: skip
    ver = subprocess.run(
        [
            str(py),
            "-c",
            "import importlib.metadata as m; "
            "print(m.version('rdflib-endpoint'), m.version('rdflib'))",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.split()
    s.desc = f"rdflib-endpoint {ver[0]} (rdflib {ver[1]}), Dataset(default_union=True), 1 process"
    port = free_port()
    cmd = [str(py), str(BENCH / "rdflib_endpoint_app.py"), str(nq), str(port)]
    _serve(s, cmd, None, port, "/health", 3600)
    s.load_s = s.ready_s  # it parses the file at start-up


def _union_nquads(nq: Path) -> Path:
    """The N-Quads file plus every distinct triple once more without a graph: Virtuoso loads
    those into its default graph, which then holds the RDF merge, as ibigraph's store does."""
    out = nq.with_suffix(".union.nq")
    if out.exists():
        return out
    seen: set[str] = set()
    tmp = out.with_suffix(".tmp")
    with nq.open(encoding="utf-8") as f, tmp.open("w", encoding="utf-8") as w:
        for line in f:
            w.write(line)
            triple = line.rstrip().rsplit(" ", 2)[0]  # drop "<graph> ."
            seen.add(triple)
        for t in sorted(seen):
            w.write(f"{t} .\n")
    tmp.replace(out)
    return out


def start_virtuoso(
    s: System, nq: Path, run_dir: Path, args: argparse.Namespace, stack: contextlib.ExitStack
) -> None:
    helper = ROOT / "tests" / "virtuoso.py"
    if not helper.exists():
        raise RuntimeError("tests/virtuoso.py does not exist")
    spec = importlib.util.spec_from_file_location("ibigraph_bench_virtuoso", helper)
    mod = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules[spec.name] = mod  # type: ignore[union-attr]
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    if mod.find_virtuoso() is None:
        raise RuntimeError("virtuoso-t not installed (run .ci/install-virtuoso)")
    union = _union_nquads(nq)
    graph = getattr(mod, "DEFAULT_GRAPH", "urn:x-ibigraph:default")
    t0 = time.perf_counter()
    v = stack.enter_context(
        mod.run_virtuoso(
            run_dir / "virtuoso", nquads=union, default_graph=graph, startup_timeout=120
        )
    )
    s.load_s = s.ready_s = time.perf_counter() - t0
    s.pid = v.pid
    u = urllib.parse.urlsplit(v.query_url)
    if u.hostname != HOST:
        raise RuntimeError(f"virtuoso is not on {HOST}: {v.query_url}")
    s.base = f"{u.scheme}://{u.netloc}"
    s.path = f"{u.path}?default-graph-uri={urllib.parse.quote(graph, safe='')}"
    ver = subprocess.run(
        ["dpkg-query", "-W", "-f=${Version}", "virtuoso-opensource-7-bin"],
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    ).stdout
    s.desc = (
        f"Virtuoso {ver or '?'} via tests/virtuoso.py; default-graph-uri = a graph "
        "holding the union (each triple once)"
    )


# --- results and correctness ----------------------------------------------------------------


def _num(v: str) -> Decimal | str:
    try:
        d = Decimal(v.strip())
        return d.normalize() if d.is_finite() else v
    except InvalidOperation:
        return v


_NUMERIC = {
    XSD + t
    for t in (
        "integer",
        "int",
        "long",
        "short",
        "byte",
        "decimal",
        "double",
        "float",
        "nonNegativeInteger",
        "positiveInteger",
        "negativeInteger",
        "nonPositiveInteger",
        "unsignedInt",
        "unsignedLong",
        "unsignedShort",
        "unsignedByte",
    )
}


def norm_term(t: dict) -> tuple:
    kind = t.get("type")
    if kind == "uri":
        return ("uri", t["value"])
    if kind == "bnode":
        return ("bnode",)
    lang = t.get("xml:lang") or t.get("lang")
    if lang:
        return ("lit", t["value"], "@" + lang.lower())
    dt = t.get("datatype") or XSD + "string"
    if dt in _NUMERIC:
        return ("num", _num(t["value"]))
    return ("lit", t["value"], dt)


def parse_result(body: bytes) -> tuple[str, object]:
    """("ask", bool) or ("rows", [frozenset of (var, term)]) from a SPARQL JSON result."""
    doc = json.loads(body)
    if "boolean" in doc:
        return "ask", bool(doc["boolean"])
    rows = [
        frozenset((k, norm_term(v)) for k, v in b.items())
        for b in doc.get("results", {}).get("bindings", [])
    ]
    return "rows", rows


def _fetch(s: System, query: str) -> tuple[str, object]:
    status, body = http_get(s.url(query), timeout=300)
    if status != 200:
        return "error", f"HTTP {status}: {body[:300].decode(errors='replace')}"
    try:
        return parse_result(body)
    except (ValueError, KeyError) as e:
        return "error", f"unparsable result ({e}): {body[:200]!r}"


def _show(rows: collections.Counter, n: int = 3) -> str:
    return "; ".join(
        "{" + ", ".join(f"{k}={v[1] if len(v) > 1 else v[0]}" for k, v in sorted(r)) + "}"
        for r in list(rows.elements())[:n]
    )


def _diff(ref: object, got: object) -> str:
    if isinstance(ref, list) and isinstance(got, list):
        a, b = collections.Counter(ref), collections.Counter(got)
        if a == b:
            return "same rows, different order"
        return (
            f"{sum(b.values())} rows vs {sum(a.values())} expected; missing: "
            f"{_show(a - b)}; extra: {_show(b - a)}"
        )
    return f"got {str(got)[:200]}, expected {str(ref)[:200]}"


Answer = tuple  # ("rows", [...]) | ("ask", bool) | ("error", str)


def collect_answers(s: System, kinds: list, samples: int) -> dict[tuple[str, int], tuple]:
    """Each query kind's first `samples` variants, answered by `s`: (full answer, LIMIT
    answer or None). For `limited` kinds the full answer is the query without its LIMIT."""
    out: dict[tuple[str, int], tuple] = {}
    for k in kinds:
        for i, v in enumerate(k.variants[:samples]):
            t0 = time.perf_counter()
            full = _fetch(s, v.unlimited or v.query)
            took, lim = time.perf_counter() - t0, None
            if v.unlimited:  # the load runs send the LIMIT query: time that one
                t0 = time.perf_counter()
                lim = _fetch(s, v.query)
                took = time.perf_counter() - t0
            s.slowest[k.name] = max(s.slowest.get(k.name, 0.0), took)
            out[(k.name, i)] = (full, lim)
    return out


def compare_answers(ref: System, s: System, kinds: list, answers: dict) -> list[str]:
    """Compare `s` with the reference; set s.check[kind]; return the mismatches found."""
    notes: list[str] = []
    mine, theirs = answers[s.name], answers[ref.name]
    for k in kinds:
        s.check[k.name] = "reference" if s is ref else "ok"
        for (kind, i), (got, lim) in sorted(mine.items()):
            if kind != k.name:
                continue
            want = theirs[(kind, i)][0]
            problem = None
            if got[0] == "error":
                problem = str(got[1])
            elif s is not ref:
                if k.check == "ordered" or got[0] != "rows" or want[0] != "rows":
                    same = got == want
                else:
                    same = collections.Counter(got[1]) == collections.Counter(want[1])
                if not same:
                    problem = _diff(want[1], got[1])
            if problem is None and lim is not None and got[0] == "rows":
                v = k.variants[i]
                if lim[0] != "rows":
                    problem = f"LIMIT query: {lim[1]}"
                else:
                    have, whole = collections.Counter(lim[1]), collections.Counter(got[1])
                    expect = min(v.limit or 0, sum(whole.values()))
                    if have - whole or sum(have.values()) != expect:
                        problem = (
                            f"LIMIT {v.limit}: {sum(have.values())} rows (expected "
                            f"{expect}), {sum((have - whole).values())} not in the "
                            "full answer"
                        )
            if problem:
                s.check[k.name] = "ERROR" if s is ref else "MISMATCH"
                notes.append(f"{k.name} #{i} {s.name}: {problem}")
    return notes


def settle(s: System, limit: float = 120.0, window: float = 1.0) -> float:
    """Wait until the server is idle (< 5% of a core over `window` s): Virtuoso after a bulk
    load, or any server still working on requests a finished load run left in flight; at most
    `limit` seconds. Returns the seconds waited."""
    return idle_wait(s.pid, limit, window) if s.pid else 0.0


def idle_wait(pid: int, limit: float = 120.0, window: float = 1.0) -> float:
    """Wait until the process `pid` and its children are idle (see `settle`)."""
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < limit:
        c0 = tree_cpu_seconds(pid)
        time.sleep(window)
        if tree_cpu_seconds(pid) - c0 < 0.05 * window:
            break
    return time.perf_counter() - t0


# --- load clients ---------------------------------------------------------------------------

WRK_LUA = """
local paths = {%s}
local i = %d  -- start offset: the warm-up starts elsewhere than the measured run
local headers = {["Accept"] = "%s"}
request = function()
  i = i + 1
  if i > #paths then i = 1 end
  return wrk.format("GET", paths[i], headers)
end
done = function(summary, latency, requests)
  local e = summary.errors
  local f = io.open("%s", "w")
  f:write(string.format(
    '{"requests": %%d, "duration_us": %%d, "connect": %%d, "read": %%d, "write": %%d, ' ..
    '"status": %%d, "timeout": %%d, "p50_us": %%d, "p90_us": %%d, "p99_us": %%d, ' ..
    '"mean_us": %%f, "max_us": %%d}',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.mean, latency.max))
  f:close()
end
"""


@dataclass
class LoadResult:
    requests: int
    seconds: float
    errors: int
    p50_ms: float
    p99_ms: float
    server_cpu: float | None = None  # percent of one core, averaged over the run
    client_cpu: float | None = None  # the load client (and this script)
    other_cpu: float | None = None  # everything else on the machine: noise if large

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def rps_text(self) -> str:
        """req/s; with no request completed, the bound it is below."""
        if self.requests == 0:
            return f"< {1 / self.seconds:.2g}" if self.seconds else "0"
        return f"{self.rps:.1f}" if self.rps >= 10 else f"{self.rps:.2f}"

    def ms(self, x: float) -> str:
        return f"{x:.2f}" if self.requests else "-"


def run_wrk(
    s: System,
    paths: list[str],
    duration: float,
    concurrency: int,
    tmp: Path,
    timeout_s: float,
    offset: int = 0,
) -> LoadResult:
    out = tmp / "wrk-out.json"
    out.unlink(missing_ok=True)
    script = tmp / "wrk.lua"
    script.write_text(WRK_LUA % (", ".join(f'"{p}"' for p in paths), offset, JSON_MT, out))
    cmd = [
        "wrk",
        "-t1",
        f"-c{concurrency}",
        f"-d{max(1, round(duration))}s",
        f"--timeout={int(timeout_s)}s",
        "-s",
        str(script),
        s.base + "/",
    ]
    proc = subprocess.run(
        cmd, capture_output=True, text=True, check=False, timeout=duration + timeout_s + 60
    )
    if not out.exists():  # wrk could not run (e.g. the server is gone): nothing measured
        why = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
        log(f"wrk failed (exit {proc.returncode}): {why[0]}")
        return LoadResult(0, duration, 1, float("nan"), float("nan"))
    r = json.loads(out.read_text())
    errors = r["connect"] + r["read"] + r["write"] + r["status"] + r["timeout"]
    return LoadResult(
        r["requests"], r["duration_us"] / 1e6, errors, r["p50_us"] / 1000, r["p99_us"] / 1000
    )


async def _client(
    s: System,
    paths: list[str],
    duration: float,
    concurrency: int,
    timeout_s: float,
    offset: int = 0,
) -> LoadResult:
    """A minimal keep-alive HTTP/1.1 GET client (stdlib only), used when wrk is missing."""
    u = urllib.parse.urlsplit(s.base)
    assert u.hostname == HOST
    lat: list[float] = []
    errors = 0
    counter = iter(range(offset, 10**9))
    t_end = time.perf_counter() + duration

    async def conn() -> None:
        nonlocal errors
        reader = writer = None
        while time.perf_counter() < t_end:
            p = paths[next(counter) % len(paths)]
            t0 = time.perf_counter()
            try:
                if writer is None:
                    reader, writer = await asyncio.open_connection(HOST, u.port)
                writer.write(
                    f"GET {p} HTTP/1.1\r\nHost: {u.netloc}\r\nAccept: {JSON_MT}\r\n\r\n".encode()
                )
                status, close = await asyncio.wait_for(_read_response(reader), timeout_s)
                lat.append(time.perf_counter() - t0)
                if not 200 <= status < 400:
                    errors += 1
                if close:
                    writer.close()
                    reader = writer = None
            except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
                errors += 1
                if writer is not None:
                    writer.close()
                reader = writer = None
        if writer is not None:
            writer.close()

    t0 = time.perf_counter()
    await asyncio.gather(*(conn() for _ in range(concurrency)))
    secs = time.perf_counter() - t0
    lat.sort()

    def pct(q: float) -> float:
        return lat[min(len(lat) - 1, int(q * len(lat)))] * 1000 if lat else float("nan")

    return LoadResult(len(lat), secs, errors, pct(0.50), pct(0.99))


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    hdrs = {k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:] if x)}
    if "content-length" in hdrs:
        await reader.readexactly(int(hdrs["content-length"]))
    elif hdrs.get("transfer-encoding", "").lower() == "chunked":
        while True:
            size = int((await reader.readline()).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    else:
        await reader.read()
        return status, True
    return status, hdrs.get("connection", "").lower() == "close"


def load_run(
    s: System,
    paths: list[str],
    duration: float,
    concurrency: int,
    tmp: Path,
    client: str,
    timeout_s: float,
    offset: int = 0,
) -> LoadResult:
    cpu0, t0 = tree_cpu_seconds(s.pid) if s.pid else 0.0, time.perf_counter()
    busy0, own0 = machine_busy_seconds(), own_cpu_seconds()
    if client == "wrk":
        r = run_wrk(s, paths, duration, concurrency, tmp, timeout_s, offset)
    else:
        r = asyncio.run(_client(s, paths, duration, concurrency, timeout_s, offset))
    elapsed = time.perf_counter() - t0
    busy, own = machine_busy_seconds() - busy0, own_cpu_seconds() - own0
    r.client_cpu = 100 * own / elapsed
    if s.pid:
        server = tree_cpu_seconds(s.pid) - cpu0
        if server >= 0:  # negative: processes of the tree died
            r.server_cpu = 100 * server / elapsed
            r.other_cpu = max(0.0, 100 * (busy - server - own) / elapsed)
    return r


def wait_quiet(s: System, limit: float) -> float:
    """Wait until the rest of the machine is quiet (< 15% of a core over 1 s besides the
    server and this script), at most `limit` s. Returns the seconds waited."""
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < limit:
        busy0, own0 = machine_busy_seconds(), own_cpu_seconds()
        srv0 = tree_cpu_seconds(s.pid) if s.pid else 0.0
        time.sleep(1.0)
        srv = (tree_cpu_seconds(s.pid) if s.pid else 0.0) - srv0
        if machine_busy_seconds() - busy0 - (own_cpu_seconds() - own0) - srv < 0.15:
            break
    return time.perf_counter() - t0


def measure(
    s: System, kind: str, paths: list[str], args: argparse.Namespace, tmp: Path, client: str
) -> LoadResult:
    """One measured run, after waiting for a quiet machine; again for --max-duration if it
    completed too few requests; again (up to --retries times) if other processes took more
    than NOISY_CPU% of a core during it."""
    duration = args.duration
    r = LoadResult(0, 0.0, 0, float("nan"), float("nan"))
    for attempt in range(args.retries + 1):
        waited = wait_quiet(s, args.quiet_wait)
        if waited > 3:
            log(f"waited {waited:.0f} s for other processes to quiet down")
        r = load_run(s, paths, duration, args.concurrency, tmp, client, args.timeout)
        s.settle_after(kind, args)
        if r.requests < args.min_requests and duration < args.max_duration:
            log(
                f"{kind} {s.name}: only {r.requests} requests in {duration:g} s; "
                f"measuring again for {args.max_duration:g} s"
            )
            duration = args.max_duration
            r = load_run(s, paths, duration, args.concurrency, tmp, client, args.timeout)
            s.settle_after(kind, args)
        if (r.other_cpu or 0) <= NOISY_CPU or not s.alive() or attempt == args.retries:
            break
        log(
            f"{kind} {s.name}: other processes used {r.other_cpu:.0f}% of a core during the "
            f"run ({r.rps_text()} req/s); measuring again"
        )
    return r


# --- report ---------------------------------------------------------------------------------


def _f(x: float | None, fmt: str = "{:.1f}") -> str:
    return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else fmt.format(x)


def _ratio(a: LoadResult | None, b: LoadResult | None) -> tuple[float, str] | None:
    """a's req/s over b's, and its text; if b completed nothing in its run, a lower bound
    (b's rate was below 1 request per run)."""
    if a is None or b is None or not a.rps:
        return None
    if b.requests == 0:
        r = a.rps * b.seconds
        return r, f"> {r:.0f}" if r >= 100 else f"> {r:.2f}"
    r = a.rps / b.rps
    return r, f"{r:.2f}"


def _geomean(xs: list[float]) -> float | None:
    xs = [x for x in xs if x]
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else None


def machine_info() -> list[str]:
    cpu = "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = "?"
    with contextlib.suppress(OSError):
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{kb / 1024 / 1024:.0f} GiB"
    import pyoxigraph

    wrk = shutil.which("wrk")
    wrk_v = ""
    if wrk:
        wrk_v = (
            subprocess.run([wrk, "-v"], capture_output=True, text=True, check=False)
            .stdout.split("Copyright")[0]
            .strip()
        )
    return [
        f"- machine: {os.cpu_count()} cores (nproc), {cpu}, {mem} RAM, "
        f"{platform.system()} {platform.release()}",
        f"- Python {platform.python_version()}, pyoxigraph {pyoxigraph.__version__}"
        + (f", {wrk_v}" if wrk_v else ""),
    ]


def report(
    args: argparse.Namespace,
    systems: list[System],
    kinds: list,
    client: str,
    meta: dict,
    results: dict[tuple[str, str], LoadResult],
    notes: list[str],
    skipped: dict[str, str],
    started: str,
    answers: dict[str, dict],
    rounds: dict[tuple[str, str], list[LoadResult]] | None = None,
) -> str:
    names = [s.name for s in systems]
    L: list[str] = [
        f"# ibigraph benchmark: {args.size} ({started})",
        "",
        *machine_info(),
        f"- data: `{meta['file']}`, {meta['quads']} quads in {meta['graphs']} named graphs "
        f"(seed {meta['seed']}); the default graph is their union, each triple once",
        f"- load: {client}, 1 client thread, {args.concurrency} connections, "
        f"{args.duration:g} s per query per system after {args.warmup:g} s warm-up; "
        f"{querymix.VARIANTS} variants per query, cycled; a run that completes fewer than "
        f"{args.min_requests} requests is measured again for {args.max_duration:g} s, and one "
        f"during which other processes took > {NOISY_CPU}% of a core up to {args.retries} more "
        f"times; all servers run, idle but one, and each query is measured {args.rounds} times "
        f"on each system, the systems alternating within each round; {args.pin_note}",
        f"- ibigraph result cache: {getattr(args, 'cache_note', 'n/a')}; workers: "
        f"{args.workers} (`ibigraph serve --workers` = uvicorn `--workers` of bare and hello)",
        f"- command: `.venv/bin/python bench/run.py {' '.join(sys.argv[1:])}`",
        "",
        "## Systems",
        "",
        "| system | how | load s | ready s | RSS loaded MiB | RSS end MiB | peak RSS MiB | check |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for s in systems:
        bad = [k for k, v in s.check.items() if v in ("MISMATCH", "ERROR")]
        chk = (
            f"**{s.died}**"
            if s.died
            else "n/a"
            if s.name == "hello"
            else ("**MISMATCH: " + ", ".join(bad) + "**")
            if bad
            else ("reference" if set(s.check.values()) == {"reference"} else "ok")
        )
        L.append(
            f"| {s.name} | {s.desc} | {_f(s.load_s)} | {_f(s.ready_s)} | "
            f"{_f(s.rss_loaded, '{:.0f}')} | {_f(s.rss_end, '{:.0f}')} | "
            f"{_f(s.peak_rss, '{:.0f}')} | {chk} |"
        )
    for name, why in skipped.items():
        L.append(f"| {name} | **skipped**: {why} | | | | | | |")
    L += [
        "",
        "## Queries",
        "",
        "Rows: the reference's answer sizes on the checked variants (for LIMIT queries, the "
        "full answer without LIMIT).",
        "",
    ]
    ref_answers = answers.get("bare") or next(iter(answers.values()), {})
    for k in kinds:
        sizes = [
            a[0][1] if a[0][0] == "ask" else (len(a[0][1]) if a[0][0] == "rows" else "err")
            for (kind, _), a in sorted(ref_answers.items())
            if kind == k.name
        ]
        L.append(f"- `{k.name}`: {k.description} (rows: {', '.join(map(str, sizes))})")
    L += [
        "",
        "## Throughput and latency",
        "",
        "| query | system | req/s | p50 ms | p99 ms | errors | completed | CPU % server "
        "/ client / other |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for k in kinds:
        for n in names:
            r = results.get((k.name, n))
            if r is None:
                continue
            L.append(
                f"| {k.name} | {n} | {r.rps_text()} | {r.ms(r.p50_ms)} | {r.ms(r.p99_ms)} | "
                f"{r.errors} | {r.requests} in {r.seconds:.0f} s | {_f(r.server_cpu, '{:.0f}')} "
                f"/ {_f(r.client_cpu, '{:.0f}')} / {_f(r.other_cpu, '{:.0f}')} |"
            )
    noisy = sorted({f"{k}/{n}" for (k, n), r in results.items() if (r.other_cpu or 0) > NOISY_CPU})
    L += [
        "",
        "CPU: 100% = one core, averaged over the run; `other` is the rest of the machine "
        "(processes of other users, say): large values mean the run was disturbed."
        + (f" **Disturbed (other > {NOISY_CPU}%): {', '.join(noisy)}.**" if noisy else ""),
    ]
    L += [
        "",
        "## req/s by query",
        "",
        "| query | " + " | ".join(names) + " |",
        "|---|" + "---:|" * len(names),
    ]
    for k in kinds:
        L.append(
            f"| {k.name} | "
            + " | ".join(
                results[(k.name, n)].rps_text() if (k.name, n) in results else "-" for n in names
            )
            + " |"
        )
    if "ibigraph" in names and len(names) > 1:
        peers = [
            (p, f"ibigraph/{p}")
            for p in ("bare-memory", "bare", "rdflib-endpoint", "virtuoso", "hello")
            if p in names
        ]
        L += [
            "",
            "## Ratios (ibigraph req/s ÷ other req/s)",
            "",
            "| query | " + " | ".join(h for _, h in peers) + " |",
            "|---|" + "---:|" * len(peers),
        ]
        per: dict[str, list[float]] = collections.defaultdict(list)
        bounded: set[str] = set()  # a ratio in the mean is only a lower bound
        for k in kinds:
            cells = []
            for p, _ in peers:
                if p == "hello" and not k.cheap:
                    cells.append("")
                    continue
                rt = _ratio(results.get((k.name, "ibigraph")), results.get((k.name, p)))
                if rt is None:
                    cells.append("-")
                    continue
                r, cell = rt
                per[p].append(r)
                if cell.startswith(">"):
                    bounded.add(p)
                if p in ("bare", "bare-memory") and r < 0.9:
                    cell = f"**{cell}**"
                cells.append(cell)
            L.append(f"| {k.name} | " + " | ".join(cells) + " |")
        L.append(
            "| **geometric mean** | "
            + " | ".join(
                ("≥ " if p in bounded else "") + _f(_geomean(per[p]), "{:.2f}") for p, _ in peers
            )
            + " |"
        )
        for ref in ("bare-memory", "bare"):
            if ref not in names:
                continue
            low = [
                k.name
                for k in kinds
                if (rt := _ratio(results.get((k.name, "ibigraph")), results.get((k.name, ref))))
                is not None
                and rt[0] < 0.9
            ]
            L += [
                "",
                f"ibigraph reaches ≥ 90% of {ref} on every query."
                if not low
                else f"ibigraph is **below 90% of {ref}** on: {', '.join(low)}.",
            ]
    L += interleaved_section(kinds, systems, rounds or {})
    for s in systems:
        if s.backlog:
            L += [
                "",
                f"**{s.name}** was still working through requests left in flight after "
                f"`{'`, `'.join(s.backlog)}` when the next run started: its next numbers are low.",
            ]
        if s.died:
            tail = s.log_tail().replace("\n", "\n    ")
            L += ["", f"**{s.name} {s.died}**; the last lines of its log:", "", f"    {tail}"]
    if notes:
        L += ["", "## Correctness mismatches", ""] + [f"- {n}" for n in notes[:60]]
        if len(notes) > 60:
            L.append(f"- … and {len(notes) - 60} more")
    else:
        L += [
            "",
            f"Correctness: all checked systems returned the same rows on the first "
            f"{args.check_samples} variants of every query.",
        ]
    return "\n".join(L) + "\n"


def _median(xs: list[float]) -> float:
    xs = sorted(xs)
    n = len(xs)
    return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2


def interleaved_section(
    kinds: list, systems: list[System], rounds: dict[tuple[str, str], list[LoadResult]]
) -> list[str]:
    """Each system's req/s over the interleaved rounds (median, min to max), and ibigraph's ratio
    to each reference round by round: the two were measured one right after the other, so the
    machine's drift between rounds cancels out of each ratio."""
    names = [s.name for s in systems]
    n = max((len(v) for v in rounds.values()), default=0)
    if n < 2 or "ibigraph" not in names:
        return []
    L = [
        "",
        f"## Interleaved rounds ({n} per query; systems alternate within each round)",
        "",
        "req/s, median [min, max] over the rounds:",
        "",
        "| query | " + " | ".join(names) + " |",
        "|---|" + "---:|" * len(names),
    ]
    for k in kinds:
        cells = []
        for name in names:
            rps = [r.rps for r in rounds.get((k.name, name), [])]
            cells.append(f"{_median(rps):.1f} [{min(rps):.0f}, {max(rps):.0f}]" if rps else "-")
        L.append(f"| {k.name} | " + " | ".join(cells) + " |")
    refs = [p for p in ("bare-memory", "bare", "virtuoso", "hello") if p in names]
    L += [
        "",
        "ibigraph ÷ reference, the median [min, max] of the per-round ratios:",
        "",
        "| query | " + " | ".join(f"ibigraph/{p}" for p in refs) + " |",
        "|---|" + "---:|" * len(refs),
    ]
    medians: dict[str, list[float]] = collections.defaultdict(list)
    for k in kinds:
        cells = []
        for p in refs:
            ours, theirs = rounds.get((k.name, "ibigraph"), []), rounds.get((k.name, p), [])
            ratios = [a.rps / b.rps for a, b in zip(ours, theirs, strict=False) if b.rps > 0]
            if (p == "hello" and not k.cheap) or not ratios:
                cells.append("")
                continue
            m = _median(ratios)
            medians[p].append(m)
            cells.append(f"{m:.2f} [{min(ratios):.2f}, {max(ratios):.2f}]")
        L.append(f"| {k.name} | " + " | ".join(cells) + " |")
    L.append(
        "| **geometric mean** | "
        + " | ".join(_f(_geomean(medians[p]), "{:.2f}") for p in refs)
        + " |"
    )
    return L


def pin(systems: list[System], server_cores: set[int], client_cores: set[int]) -> str:
    """Pin every server's processes (and so the runners they start later) to `server_cores`,
    and this script with its load client to `client_cores`."""
    for s in systems:
        for pid in process_tree(s.pid) if s.pid else []:
            # every thread: a process's threads that already run keep their own affinity
            for tid in os.listdir(f"/proc/{pid}/task") if os.path.isdir(f"/proc/{pid}") else []:
                with contextlib.suppress(OSError):
                    os.sched_setaffinity(int(tid), server_cores)
    os.sched_setaffinity(0, client_cores)
    return f"servers on CPU {sorted(server_cores)}, load client on CPU {sorted(client_cores)}"


# --- main -----------------------------------------------------------------------------------


def _terminate(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)  # unwinds: every server started is stopped


def main(argv: list[str] | None = None) -> int:
    signal.signal(signal.SIGTERM, _terminate)
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", choices=list(generate.SIZES), default="10k")
    ap.add_argument("--duration", type=float, default=10.0, help="seconds per query per system")
    ap.add_argument("--warmup", type=float, default=2.0, help="warm-up seconds before each run")
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument(
        "--systems",
        default=",".join(ALL_SYSTEMS),
        help=f"comma-separated subset of {','.join(ALL_SYSTEMS)}",
    )
    ap.add_argument("--queries", default="", help="comma-separated subset of query kinds")
    ap.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 2,
        help="ibigraph query worker processes = uvicorn workers of bare/hello",
    )
    ap.add_argument(
        "--cache", dest="cache", action="store_true", help="let ibigraph use its result cache"
    )
    ap.add_argument(
        "--no-cache",
        dest="cache",
        action="store_false",
        help="(default) ibigraph without result cache",
    )
    ap.add_argument(
        "--rounds", type=int, default=3, help="measurements of each query on each system, "
        "the systems alternating within each round (medians and spreads are reported)",
    )  # fmt: skip
    ap.add_argument(
        "--pin", action=argparse.BooleanOptionalAction, default=True,
        help="servers on all CPUs but the last, this script and its load client on the last",
    )  # fmt: skip
    ap.add_argument("--check-samples", type=int, default=5)
    ap.add_argument(
        "--min-requests",
        type=int,
        default=10,
        help="a run that completes fewer requests is measured again for --max-duration",
    )
    ap.add_argument("--max-duration", type=float, default=60.0, help="see --min-requests")
    ap.add_argument(
        "--retries",
        type=int,
        default=2,
        help=f"measure again when other processes took > {NOISY_CPU}%% of a core",
    )
    ap.add_argument(
        "--quiet-wait",
        type=float,
        default=120.0,
        help="at most this long, wait before each run for the rest of the machine to be idle",
    )
    ap.add_argument("--timeout", type=float, default=60.0, help="per-request time-out, s")
    ap.add_argument("--client", choices=["auto", "wrk", "python"], default="auto")
    ap.add_argument("--keep", action="store_true", help="keep the run directory (stores, logs)")
    ap.set_defaults(cache=False, pin_note="not pinned")
    args = ap.parse_args(argv)
    wanted = [x.strip() for x in args.systems.split(",") if x.strip()]
    unknown = set(wanted) - set(ALL_SYSTEMS)
    if unknown:
        ap.error(f"unknown systems: {', '.join(sorted(unknown))}")
    if not 0 < args.duration <= 600 or not 1 <= args.concurrency <= 256:
        ap.error("--duration must be in (0, 600] and --concurrency in [1, 256]")
    client = ("wrk" if shutil.which("wrk") else "python") if args.client == "auto" else args.client
    if client == "wrk" and not shutil.which("wrk"):
        ap.error("wrk is not installed (apt-get install wrk)")
    started = time.strftime("%Y-%m-%d %H:%M:%S")
    stamp = time.strftime("%Y%m%d-%H%M%S")

    nq = generate.ensure_data(args.size, log=log)
    meta = json.loads(nq.with_suffix(".json").read_text())
    meta["file"] = str(nq.relative_to(ROOT))
    kinds = querymix.build(args.size)
    if args.queries:
        sel = {q.strip() for q in args.queries.split(",")}
        kinds = [k for k in kinds if k.name in sel]

    run_dir = Path(tempfile.mkdtemp(prefix=f"run-{args.size}-", dir=generate.DATA_DIR))
    starters = {
        "ibigraph": start_ibigraph,
        "bare": start_bare,
        "bare-memory": start_bare,
        "hello": start_hello,
        "rdflib-endpoint": start_rdflib,
    }
    systems: list[System] = []
    skipped: dict[str, str] = {}
    results: dict[tuple[str, str], LoadResult] = {}
    answers: dict[str, dict] = {}
    tmp = run_dir / "client"
    tmp.mkdir()
    rounds: dict[tuple[str, str], list[LoadResult]] = collections.defaultdict(list)
    try:
        with contextlib.ExitStack() as stack:
            # every system up, settled and checked first; then each query measured on each
            # system in turn, round after round (the order rotating), so that the drift of
            # this shared machine falls on all of them alike
            for name in wanted:
                s = System(name, log_path=run_dir / f"{name}.log")
                log(f"starting {name} …")
                stack.callback(lambda s=s: s.stop())
                try:
                    if name == "virtuoso":
                        start_virtuoso(s, nq, run_dir, args, stack)
                    else:
                        starters[name](s, nq, run_dir, args)
                except Exception as e:  # a system that cannot run is skipped, with the reason
                    why = str(e).strip().splitlines()[0][:300] if str(e).strip() else repr(e)
                    log(f"SKIPPING {name}: {e}")
                    skipped[name] = why
                    continue
                # idle: Virtuoso after its bulk load, ibigraph once its runners' copies are made
                waited = settle(s, limit=600)
                if s.pid:
                    s.rss_loaded = tree_memory(s.pid)[0]
                log(
                    f"{name} ready at {s.base} (load {_f(s.load_s)} s, ready {_f(s.ready_s)} s,"
                    f" settled after {waited:.0f} s, RSS {_f(s.rss_loaded, '{:.0f}')} MiB)"
                )
                systems.append(s)
                if name != "hello":
                    log(f"{name}: collecting answers for the correctness check …")
                    answers[name] = collect_answers(s, kinds, args.check_samples)
                    ref = "bare" if "bare" in answers else next(iter(answers))
                    if ref != name:
                        for n in compare_answers(
                            next(x for x in systems if x.name == ref), s, kinds, answers
                        ):
                            log("MISMATCH " + n)
            cores = sorted(os.sched_getaffinity(0))
            if args.pin and len(cores) >= 2:
                args.pin_note = pin(systems, set(cores[:-1]), {cores[-1]})
                log(args.pin_note)
            for k in kinds:
                for rnd in range(args.rounds):
                    shift = rnd % len(systems)
                    for s in systems[shift:] + systems[:shift]:
                        if s.died:
                            continue
                        paths = [s.query_path(v.query) for v in k.variants]
                        if rnd == 0 and args.warmup > 0:
                            load_run(
                                s, paths, args.warmup, args.concurrency, tmp, client,
                                args.timeout, offset=len(paths) // 2,
                            )  # fmt: skip
                            s.settle_after(k.name, args)
                        r = measure(s, k.name, paths, args, tmp, client)
                        rounds[(k.name, s.name)].append(r)
                        if not s.alive():
                            s.died = f"died during `{k.name}`"
                            log(f"{s.name} DIED during {k.name}; its log:\n{s.log_tail()}")
                        log(
                            f"{k.name:10s} {s.name:12s} round {rnd + 1}/{args.rounds} "
                            f"{r.rps_text():>9s} req/s  p50 {r.p50_ms:8.2f} ms  "
                            f"p99 {r.p99_ms:8.2f} ms  errors {r.errors}  "
                            f"CPU server {_f(r.server_cpu, '{:.0f}')}% client "
                            f"{_f(r.client_cpu, '{:.0f}')}% other {_f(r.other_cpu, '{:.0f}')}%"
                        )
                for s in systems:  # the round with the median throughput stands for the query
                    done = sorted(rounds.get((k.name, s.name), []), key=lambda r: r.rps)
                    if done:
                        results[(k.name, s.name)] = done[len(done) // 2]
            for s in systems:
                if s.pid and not s.died:
                    s.rss_end, s.peak_rss = tree_memory(s.pid)
            log("stopping every system")
    finally:
        if not args.keep:
            shutil.rmtree(run_dir, ignore_errors=True)
    if not systems:
        log("no system could be started")
        return 1
    notes: list[str] = []
    checked = [s for s in systems if s.name in answers]
    if len(checked) >= 2:
        ref_s = next((s for s in checked if s.name == "bare"), checked[0])
        for s in checked:
            notes += compare_answers(ref_s, s, kinds, answers)
    else:
        for s in checked:
            s.check = {k.name: "alone" for k in kinds}
    text = report(
        args, systems, kinds, client, meta, results, notes, skipped, started, answers, rounds
    )
    out = BENCH / f"results-{args.size}-{stamp}.md"
    out.write_text(text)
    print(text)
    log(f"wrote {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
