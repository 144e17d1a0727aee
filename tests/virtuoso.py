"""Run a real, throw-away OpenLink Virtuoso as a SPARQL 1.1 backend for tests.

Install it with ``.ci/install-virtuoso`` (Debian's ``virtuoso-opensource-7-bin``:
``virtuoso-t`` and ``isql-vt``). This is a helper module, not a conftest: tests import
``find_virtuoso`` and ``run_virtuoso`` and decide themselves whether a missing server
skips or fails.

    with run_virtuoso(tmp_path, nquads=path) as v:
        SPARQLWrapper(v.query_url) ...

What ``run_virtuoso`` does:

* writes ``virtuoso.ini`` into ``tmp_dir`` with every database, log and lock file there;
  the ISQL port and the HTTP port are free loopback ports picked at run time (both bound
  to 127.0.0.1 only; if one was taken in the meantime the start is retried with new
  ports); small buffers (``NumberOfBuffers`` 85000, i.e. at most ~700 MB of page cache);
  no server-side SPARQL timeout, so no silently truncated "anytime" answers (clients set
  their own timeouts); ``DirsAllowed`` is the temp dir only;
* no outbound fetching: the anonymous ``SPARQL`` user has no ``SPARQL_SPONGE`` or
  ``SPARQL_UPDATE`` (so no ``LOAD <http://...>``, no ``get:soft`` sponging, and ``SERVICE``
  is refused to it), and all of the server's own HTTP client traffic (what ``dba``'s
  ``LOAD``/``SERVICE`` would send) goes to a dead proxy on 127.0.0.1:1, except to
  127.0.0.1/localhost;
* starts ``virtuoso-t +foreground`` as a child process, waits (60 s by default) until
  ``ASK {}`` on ``/sparql`` answers and the ISQL port accepts connections, else raises
  ``VirtuosoError`` with the tail of the log;
* runs a start-up SQL script through ISQL: defines ``/sparql-auth-basic`` (see below) and,
  with ``anonymous_update=True``, grants ``SPARQL_UPDATE`` to the anonymous ``SPARQL`` user;
* optionally bulk loads an N-Quads file (see below);
* runs it under ``setpriv --pdeathsig TERM`` so it dies with the test process;
* on exit sends SIGTERM (Virtuoso's "quick shutdown": clean, no final checkpoint, which a
  throw-away database doesn't need) and SIGKILLs it if it is not gone after 30 s.

Endpoints (``VirtuosoServer``):

* ``query_url`` = ``http://127.0.0.1:PORT/sparql``: anonymous, read only (user ``SPARQL``
  has the ``SPARQL_SELECT`` role only).
* ``update_url`` = ``http://127.0.0.1:PORT/sparql-auth``: Virtuoso's own authenticated
  endpoint, HTTP **Digest** auth (realm ``SPARQL``) as ``dba``/``dba``; ``dba`` has every
  right, so SPARQL Update works there with no extra grant. Updates work as the
  ``update=`` form parameter and as a direct ``application/sparql-update`` POST.
* ``update_url_basic`` = ``http://127.0.0.1:PORT/sparql-auth-basic``: the same endpoint
  with HTTP **Basic** auth, defined at start-up, for clients that only do Basic (rdflib's
  ``SPARQLUpdateStore``, plain ``urllib``). SPARQLWrapper, requests and httpx do Digest.
* ``graph_store_url`` = ``/sparql-graph-crud-auth`` (Graph Store protocol, Digest auth).

Loading N-Quads: through ISQL with Virtuoso's bulk loader, ``ld_dir`` + ``rdf_loader_run()``
+ ``checkpoint``. The file is hard-linked (or copied) into ``tmp_dir/load/`` as
``data-N.nq`` (``.nq.gz`` if gzipped) so that it is inside ``DirsAllowed`` and its name
can't be misread as a ``LIKE`` mask; for ``*.nq`` the loader calls ``DB.DBA.TTLP_MT``
with the N-Quads flag, which keeps each quad's graph and puts triples without a graph
into ``default_graph``. Then ``DB.DBA.LOAD_LIST`` is checked: the bulk loader records a
parse error there and carries on, so any file not in state 2 or with an error raises
``VirtuosoError``. Why not HTTP: the Graph Store protocol takes one graph per request
(N-Quads would have to be split client side), and ``INSERT DATA`` bodies would have to
be chunked; the bulk loader is Virtuoso's documented and fastest way (~16 s for 1M quads
on this 2-core machine), it handles gzip, and it reports parse errors per file.

Semantics worth knowing (Virtuoso 7.2.5, measured): with no ``FROM`` and no
``default-graph-uri`` the default graph is *every* graph, as a bag: a triple stored in two
graphs matches twice, and Virtuoso's own system graphs (``virtrdf#``, ~2500 triples) are
in it. ``FROM A FROM B`` (or two ``default-graph-uri``) also gives a bag, not the RDF
merge the spec asks for; ``FROM`` in the query and ``default-graph-uri`` are combined
(the spec says the protocol one wins); a ``FROM`` or ``default-graph-uri`` without a
``FROM NAMED`` leaves ``GRAPH ?g`` ranging over every graph. See
``tests/system/test_virtuoso_fixture.py``. Client gotchas: a query POSTed directly as
``application/sparql-query`` never gets an answer (upstream issue #842; use a form POST
or GET); blank nodes come back as ``nodeID://b10000``, which Oxigraph's result parsers
reject; ``"true"^^xsd:boolean`` comes back as ``"1"``, numbers in canonical form, language
tags lower-cased; ``GRAPH ?g {}`` yields one row with ``?g`` unbound.
"""

from __future__ import annotations

import contextlib
import gzip
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_GRAPH = "urn:x-ibigraph:default"
# Graphs a fresh Virtuoso 7 database already holds (~2500 triples): they show up in
# ``GRAPH ?g`` and in the no-FROM default graph. Compare with ``is_system_graph``.
SYSTEM_GRAPH_PREFIXES = (
    "http://www.openlinksw.com/schemas/virtrdf#",
    "http://www.w3.org/ns/ldp#",
    "http://localuriqaserver/",
)
USER = "dba"
PASSWORD = "dba"

# Where the upstream installers put it, after PATH (Debian: /usr/bin/virtuoso-t).
_CANDIDATES = (
    "/usr/bin/virtuoso-t",
    "/usr/local/bin/virtuoso-t",
    "/usr/local/virtuoso-opensource/bin/virtuoso-t",
    "/opt/virtuoso-opensource/bin/virtuoso-t",
)


class VirtuosoError(RuntimeError):
    """Virtuoso is missing, did not start, or an ISQL command or a load failed."""


def is_system_graph(iri: str) -> bool:
    """True for the graphs Virtuoso creates itself (see ``SYSTEM_GRAPH_PREFIXES``)."""
    return iri.startswith(SYSTEM_GRAPH_PREFIXES)


def find_virtuoso() -> str | None:
    """Path of the ``virtuoso-t`` server binary: ``$VIRTUOSO_T``, then PATH, then the usual
    install locations; None if there is none."""
    env = os.environ.get("VIRTUOSO_T")
    if env:
        return env if os.access(env, os.X_OK) else None
    found = shutil.which("virtuoso-t")
    if found:
        return found
    return next((c for c in _CANDIDATES if os.access(c, os.X_OK)), None)


def find_isql(virtuoso_t: str | None = None) -> str | None:
    """Path of Virtuoso's ISQL client: ``isql-vt`` (Debian's name), or ``isql`` beside
    ``virtuoso-t`` (upstream builds; a bare ``isql`` on PATH is unixODBC's, not ours)."""
    env = os.environ.get("VIRTUOSO_ISQL")
    if env:
        return env if os.access(env, os.X_OK) else None
    server = virtuoso_t or find_virtuoso()
    if server:
        for name in ("isql-vt", "isql"):
            candidate = Path(server).parent / name
            if os.access(candidate, os.X_OK):
                return str(candidate)
    return shutil.which("isql-vt")


@dataclass(frozen=True)
class VirtuosoServer:
    """A running server started by ``run_virtuoso``."""

    port: int  # HTTP
    isql_port: int
    user: str
    password: str
    log_path: Path
    tmp_dir: Path
    pid: int
    default_graph: str
    isql_path: str = field(repr=False)
    query_url: str = ""
    update_url: str = ""
    update_url_basic: str = ""
    graph_store_url: str = ""

    def __post_init__(self) -> None:
        base = f"http://127.0.0.1:{self.port}"
        object.__setattr__(self, "query_url", f"{base}/sparql")
        object.__setattr__(self, "update_url", f"{base}/sparql-auth")
        object.__setattr__(self, "update_url_basic", f"{base}/sparql-auth-basic")
        object.__setattr__(self, "graph_store_url", f"{base}/sparql-graph-crud-auth")

    def isql(self, sql: str, timeout: float = 600) -> str:
        """Run SQL statements (each ending with ``;``) as dba; return ISQL's stdout.
        Raises ``VirtuosoError`` on any SQL error (ISQL itself exits 0 on those)."""
        return _isql(self.isql_path, self.isql_port, sql, timeout=timeout)

    def load_nquads(
        self, path: Path, default_graph: str | None = None, timeout: float = 1800
    ) -> None:
        """Bulk load an N-Quads file (gzipped allowed; ~16 s per million quads here);
        triples with no graph go to ``default_graph`` (default: the server's)."""
        _bulk_load(self, Path(path), default_graph or self.default_graph, timeout)


@contextlib.contextmanager
def run_virtuoso(
    tmp_dir: Path,
    nquads: Path | None = None,
    *,
    default_graph: str = DEFAULT_GRAPH,
    anonymous_update: bool = False,
    startup_timeout: float = 60.0,
) -> Iterator[VirtuosoServer]:
    """Start a fresh Virtuoso with its database in ``tmp_dir``, optionally bulk load
    ``nquads`` (graphs kept; graphless triples into ``default_graph``), yield it, stop it.

    ``anonymous_update=True`` also lets the anonymous ``/sparql`` endpoint run SPARQL
    Update (grant ``SPARQL_UPDATE`` to user ``SPARQL``); by default only ``update_url``
    (dba, Digest) and ``update_url_basic`` (dba, Basic) write.
    """
    server_bin = find_virtuoso()
    if server_bin is None:
        raise VirtuosoError("virtuoso-t not found: run .ci/install-virtuoso (as root)")
    isql_bin = find_isql(server_bin)
    if isql_bin is None:
        raise VirtuosoError("isql-vt not found beside virtuoso-t: run .ci/install-virtuoso")
    tmp_dir = Path(tmp_dir).resolve()
    tmp_dir.mkdir(parents=True, exist_ok=True)
    for ch in ",;\n":
        if ch in str(tmp_dir):
            raise VirtuosoError(f"tmp_dir must not contain {ch!r} (virtuoso.ini syntax)")

    proc: subprocess.Popen[bytes] | None = None
    try:
        for attempt in range(3):
            http_port, isql_port = _free_ports(2)
            ini = tmp_dir / "virtuoso.ini"
            ini.write_text(_ini(tmp_dir, http_port, isql_port))
            with open(tmp_dir / "virtuoso.out", "ab") as out:
                proc = subprocess.Popen(
                    [*_die_with_parent(), server_bin, "+foreground", "+configfile", str(ini)],
                    cwd=tmp_dir,
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            server = VirtuosoServer(
                port=http_port,
                isql_port=isql_port,
                user=USER,
                password=PASSWORD,
                log_path=tmp_dir / "virtuoso.log",
                tmp_dir=tmp_dir,
                pid=proc.pid,
                default_graph=default_graph,
                isql_path=isql_bin,
            )
            if _wait_ready(proc, server, startup_timeout):
                break
            # It exited during start-up. A port taken since we picked it: try new ones.
            if attempt < 2 and "listen" in _log_tail(tmp_dir).lower():
                continue
            raise VirtuosoError(
                f"virtuoso-t exited with code {proc.returncode} during start-up\n"
                + _log_tail(tmp_dir)
            )
        server.isql(_startup_sql(anonymous_update))
        if nquads is not None:
            server.load_nquads(nquads, default_graph)
        yield server
    finally:
        if proc is not None:
            _stop(proc)


# --- internals ---------------------------------------------------------------------------


def _die_with_parent() -> list[str]:
    """``setpriv --pdeathsig TERM`` (util-linux, always on Debian): the server gets SIGTERM
    if the test process dies without running its ``finally`` (SIGKILL, a crash), so no
    orphaned server is left. Linux ties this to the *thread* that started it: call
    ``run_virtuoso`` from a thread that outlives the server (pytest's main thread does)."""
    setpriv = shutil.which("setpriv")
    return [setpriv, "--pdeathsig", "TERM"] if setpriv else []


def _free_ports(n: int) -> list[int]:
    socks = []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def _ini(d: Path, http_port: int, isql_port: int) -> str:
    return f"""\
; Written by tests/virtuoso.py for a throw-away test server.
[Database]
DatabaseFile       = {d}/virtuoso.db
ErrorLogFile       = {d}/virtuoso.log
LockFile           = {d}/virtuoso.lck
TransactionFile    = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
ErrorLogLevel      = 7
FileExtend         = 200
MaxCheckpointRemap = 2000
Striping           = 0
TempStorage        = TempDatabase

[TempDatabase]
DatabaseFile       = {d}/virtuoso-temp.db
TransactionFile    = {d}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping           = 0

[Parameters]
ServerPort            = 127.0.0.1:{isql_port}
DisableUnixSocket     = 1
DisableTcpSocket      = 0
ServerThreads         = 20
CheckpointInterval    = 0
O_DIRECT              = 0
CaseMode              = 2
MaxStaticCursorRows   = 5000
AllowOSCalls          = 0
SchedulerInterval     = 10
DirsAllowed           = {d}
VADInstallDir         = {d}/vad
NumberOfBuffers       = 85000
MaxDirtyBuffers       = 65000
MaxQueryMem           = 1G
ThreadsPerQuery       = 2
AsyncQueueMaxThreads  = 4
ResourcesCleanupInterval = 0
ThreadCleanupInterval = 0

[HTTPServer]
ServerPort             = 127.0.0.1:{http_port}
ServerRoot             = {d}/vsp
ServerThreads          = 10
MaxClientConnections   = 10
DavRoot                = DAV
EnabledDavVSP          = 0
HTTPProxyEnabled       = 0
HTTPProxyServer        = 127.0.0.1:1
HTTPProxyExceptions    = 127.0.0.1:*, localhost:*
MaxKeepAlives          = 10
KeepAliveTimeout       = 10
HTTPThreadSize         = 280000
Charset                = UTF-8

[Client]
SQL_PREFETCH_ROWS  = 100
SQL_PREFETCH_BYTES = 16000
SQL_QUERY_TIMEOUT  = 0
SQL_TXN_TIMEOUT    = 0

[SPARQL]
ExternalQuerySource        = 0
ExternalXsltSource         = 0
MaxQueryExecutionTime      = 0
MaxQueryCostEstimationTime = 36000
"""


def _startup_sql(anonymous_update: bool) -> str:
    sql = """\
DB.DBA.VHOST_REMOVE (lpath=>'/sparql-auth-basic');
DB.DBA.VHOST_DEFINE (lpath=>'/sparql-auth-basic', ppath=>'/!sparql/', is_dav=>1,
  vsp_user=>'dba', opts=>vector ('noinherit', 1),
  auth_fn=>'DB.DBA.HP_AUTH_SPARQL_USER', realm=>'SPARQL', sec=>'basic');
"""
    if anonymous_update:
        sql += 'grant SPARQL_UPDATE to "SPARQL";\n'
    return sql


def _wait_ready(proc: subprocess.Popen[bytes], server: VirtuosoServer, timeout: float) -> bool:
    """True once /sparql answers ASK {} and the ISQL port accepts connections; False if
    the process exited; VirtuosoError (after killing it) on time-out."""
    ask = server.query_url + "?" + urllib.parse.urlencode({"query": "ASK {}"})
    req = urllib.request.Request(ask, headers={"Accept": "application/sparql-results+json"})
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(req, timeout=5) as resp:
                http_ok = resp.status == 200 and b"boolean" in resp.read()
        except (urllib.error.URLError, OSError):
            http_ok = False
        if http_ok:
            try:
                socket.create_connection(("127.0.0.1", server.isql_port), timeout=2).close()
                return True
            except OSError:
                pass
        time.sleep(0.2)
    _stop(proc)
    raise VirtuosoError(
        f"Virtuoso did not answer on {server.query_url} within {timeout:.0f} s\n"
        + _log_tail(server.tmp_dir)
    )


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=30)


def _log_tail(d: Path, lines: int = 40) -> str:
    parts = []
    for name in ("virtuoso.log", "virtuoso.out"):
        p = d / name
        if p.exists():
            tail = p.read_text(errors="replace").splitlines()[-lines:]
            parts.append(f"--- last lines of {p} ---\n" + "\n".join(tail))
    return "\n".join(parts) or f"(no log in {d})"


def _isql(isql_bin: str, port: int, sql: str, timeout: float) -> str:
    cmd = [
        isql_bin, f"127.0.0.1:{port}", USER, PASSWORD,
        "VERBOSE=OFF", "BANNER=OFF", "PROMPT=OFF", "ERRORS=STDERR", "BLOBS=ON",
    ]  # fmt: skip
    try:
        res = subprocess.run(
            cmd, input=sql.encode(), capture_output=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired as e:
        raise VirtuosoError(f"isql timed out after {timeout} s running:\n{sql}") from e
    out = res.stdout.decode(errors="replace")
    err = res.stderr.decode(errors="replace")
    if res.returncode != 0 or "*** Error" in err:  # ERRORS=STDERR: results can't fake one
        raise VirtuosoError(f"isql failed (exit {res.returncode}) running:\n{sql}\n{err}{out}")
    return out


def _sql_str(s: str) -> str:
    return "'" + s.replace("\\", "\\\\").replace("'", "''") + "'"


def _bulk_load(server: VirtuosoServer, src: Path, graph: str, timeout: float) -> None:
    if not src.is_file():
        raise VirtuosoError(f"no such N-Quads file: {src}")
    load_dir = server.tmp_dir / "load"
    load_dir.mkdir(exist_ok=True)
    with open(src, "rb") as f:
        gz = f.read(2) == b"\x1f\x8b"
    n = len(list(load_dir.iterdir())) + 1
    name = f"data-{n}.nq" + (".gz" if gz else "")
    dst = load_dir / name
    try:
        os.link(src, dst)
    except OSError:
        shutil.copyfile(src, dst)
    if gz:  # fail early on a corrupt archive instead of a half-loaded graph
        with gzip.open(dst) as f:
            f.read(1)
    out = server.isql(
        f"ld_dir ({_sql_str(str(load_dir))}, {_sql_str(name)}, {_sql_str(graph)});\n"
        "rdf_loader_run ();\n"
        "checkpoint;\n"
        "select 'LOADED', ll_state, ll_error from DB.DBA.LOAD_LIST"
        f" where ll_file = {_sql_str(str(dst))};\n",
        timeout=timeout,
    )
    rows = [line for line in out.splitlines() if line.startswith("LOADED")]
    if len(rows) != 1 or rows[0].split()[1:] != ["2", "NULL"]:
        raise VirtuosoError(
            f"bulk load of {src} failed: {rows or out!r}\n{_log_tail(server.tmp_dir)}"
        )
