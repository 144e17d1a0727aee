"""Attacks on a real server (issue #11), each from one anonymous client on loopback, with
bounded loops. A probe asks `/health` and `ASK {}` while the attack runs: the service must
keep answering (each probe within a generous liveness timeout, not a performance target).
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import os
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from ibigraph.config import Settings
from ibigraph.graph.build import build_store, with_union_default_graph
from ibigraph.graph.load import data_files, parse_file
from ibigraph.sparql.request import blank, inspect_query
from ibigraph.store import write_store

from ..server import Server, start_server

LIVENESS = 5.0  # seconds a probe may wait before the service counts as down


def _serve_shipped(tmp: Path, **env: str) -> contextlib.AbstractContextManager[Server]:
    """The shipped data built in `tmp` and served as in public: 2 workers, plus `env`."""
    from ..conftest import ROOT

    settings = Settings(
        store_path=tmp / "store",
        data_dir=ROOT / "data",
        ontology_dir=ROOT / "ontology",
        articles_dir=tmp / "none",
    )
    build_store(settings)
    full = {"IBIGRAPH_STORE": str(settings.store_path), "IBIGRAPH_WORKERS": "2", **env}
    return start_server(full, tmp / "server.log")


@pytest.fixture(scope="module")
def public(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The default limits (but 2 s to send a request head, not 10)."""
    tmp = tmp_path_factory.mktemp("public")
    with _serve_shipped(tmp, IBIGRAPH_HEADER_TIMEOUT="2") as server:
        yield server


def probe_while(base: str, attack: Callable[[], object], rounds: int = 3) -> list[str]:
    """Run `attack` `rounds` times on threads while probing; return the probe failures."""
    failures: list[str] = []
    stop = threading.Event()

    def probe() -> None:
        while not stop.is_set():
            for path, params in (("/health", None), ("/sparql", {"query": "ASK {}"})):
                try:
                    r = httpx.get(base + path, params=params, timeout=LIVENESS)
                    if r.status_code != 200:
                        failures.append(f"{path}: {r.status_code}")
                except httpx.HTTPError as e:
                    failures.append(f"{path}: {type(e).__name__}")
            time.sleep(0.05)

    prober = threading.Thread(target=probe)
    prober.start()
    try:
        with concurrent.futures.ThreadPoolExecutor(rounds) as pool:
            for f in [pool.submit(attack) for _ in range(rounds)]:
                f.result()
    finally:
        stop.set()
        prober.join()
    return failures


# -- H1: request inspection in linear time ------------------------------------------------------


def _unclosed(n: int) -> str:
    return "SELECT * WHERE {" + '"a\\' * n


@pytest.mark.parametrize("piece", ['"a\\', "'a\\", '"""a\\', "'''a\\", '<a"', "# \\"])
def test_inspection_cpu_time_grows_linearly(piece: str) -> None:
    """CPU time (not wall-clock) of inspecting 16x the input stays well under the 256x of
    quadratic growth; the minimum of 3 runs each, on inputs of 30 KB and 480 KB."""

    def cost(n: int) -> float:
        text = "SELECT * WHERE {" + piece * n
        best = float("inf")
        for _ in range(3):
            t = time.process_time()
            blank(text)
            best = min(best, time.process_time() - t)
        return max(best, 1e-4)

    assert cost(160_000) / cost(10_000) < 64


def test_unclosed_strings_are_inspected_and_still_refuse_service() -> None:
    assert inspect_query(_unclosed(100)) == "SELECT"
    with pytest.raises(Exception, match="SERVICE"):
        inspect_query('SELECT * { SERVICE <http://x/> { ?s ?p ?o } } # "unclosed')


def test_h1_unclosed_quotes_do_not_stall_the_service(public: Server) -> None:
    body = _unclosed(16_000)  # 48 KB: 9.7 s of inspection on the event loop before the fix

    def attack() -> object:
        r = httpx.post(public.base + "/sparql", data={"query": body}, timeout=60)
        assert r.status_code == 400  # the store's parser finds the unclosed string
        return r

    assert probe_while(public.base, attack) == []


# -- low: percent-decoding ------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/sparql?query=ASK%20%7B%7D%ff", "/api/entities?q=%ff"])
def test_percent_encoded_bytes_that_are_not_utf8_are_400(public: Server, path: str) -> None:
    r = httpx.get(public.base + path, headers={"accept": "application/problem+json"})
    assert r.status_code == 400
    assert "not UTF-8" in r.json()["detail"]


def test_form_body_with_bytes_that_are_not_utf8_is_400(public: Server) -> None:
    r = httpx.post(
        public.base + "/sparql",
        content=b"query=ASK%20%7B%7D%ff",
        headers={
            "content-type": "application/x-www-form-urlencoded",
            "accept": "application/problem+json",
        },
    )
    assert r.status_code == 400 and "not UTF-8" in r.json()["detail"]


# -- M2: nothing unsafe is rendered ---------------------------------------------------------------

JS = "javascript:alert(document.domain)//"
IBI = "https://w3id.org/ibigraph/id/international-brain-initiative"
SOURCE = "https://w3id.org/ibigraph/source/ibi-about-us"
SEE_ALSO = "http://www.w3.org/2000/01/rdf-schema#seeAlso"
SPARQL_UPDATE = "application/sparql-update"


@pytest.mark.anyio
async def test_m2_javascript_iris_are_refused_by_the_shapes(settings: Settings) -> None:
    from ..conftest import built_with_tokens, in_process

    settings, tokens = built_with_tokens(
        settings.with_(articles_dir=settings.store_path / "none"), mallory="curator"
    )
    auth = {"authorization": f"Bearer {tokens['mallory']}", "content-type": SPARQL_UPDATE}
    async with in_process(settings) as client:
        before = (await client.get("/dumps/ibigraph.nq")).content
        for triple in (
            f"<{IBI}> <{SEE_ALSO}> <{JS}>",
            f"<{JS}> <https://schema.org/memberOf> <{IBI}>",
            f"<{IBI}> <{JS}> 'x'",
        ):
            update = f"INSERT DATA {{ GRAPH <{SOURCE}> {{ {triple} }} }}"
            r = await client.post("/update", content=update, headers=auth)
            assert r.status_code == 422, (update, r.text)
            assert "javascript:" in r.text
        assert (await client.get("/dumps/ibigraph.nq")).content == before


@pytest.mark.anyio
async def test_m2_javascript_iris_loaded_without_validation_are_shown_as_text(
    settings: Settings, tmp_path: Path
) -> None:
    from ..conftest import in_process

    bad = tmp_path / "bad.trig"
    bad.write_text(
        f"<{SOURCE}> {{ <{IBI}> <{SEE_ALSO}> <{JS}> . "
        f"<{JS}> <https://schema.org/memberOf> <{IBI}> ; <https://schema.org/name> 'x'@en }}"
    )
    quads = [q for f in data_files([settings.data_dir, bad]) for q in parse_file(f, settings.base)]
    write_store(settings.store_path, with_union_default_graph(quads, settings.in_union))
    async with in_process(settings) as client:
        pages = [
            await client.get(path, headers={"accept": "text/html"})
            for path in ("/", "/id/international-brain-initiative")
        ]
        json_api = await client.get("/api/entities")
    for page in pages:
        assert page.status_code == 200
        assert 'href="javascript' not in page.text.lower()
        csp = page.headers["content-security-policy"]
        # scripts only from the service's own files: no inline script, no eval
        assert "default-src 'none'" in csp and "script-src 'self';" in csp
        assert "unsafe-inline" not in csp.split("script-src", 1)[1].split(";", 1)[0]
        assert "unsafe-eval" not in csp
        assert page.headers["x-content-type-options"] == "nosniff"
    assert ">See also<" in pages[1].text  # the fact (rdfs:seeAlso) is shown, as text
    assert json_api.headers["x-content-type-options"] == "nosniff"


# -- M3: one malformed claim breaks nothing -------------------------------------------------------


@pytest.mark.anyio
async def test_m3_a_malformed_claim_neither_breaks_pages_nor_hangs_writes(
    fixture_settings: Settings,
) -> None:
    from ..conftest import built_with_tokens, in_process

    settings, tokens = built_with_tokens(fixture_settings, mallory="curator")
    token = tokens["mallory"]
    art = "https://w3id.org/ibigraph/article/evil"
    ent = "https://w3id.org/ibigraph/id/test-alliance"
    ibi, oa = "https://w3id.org/ibigraph/ontology#", "http://www.w3.org/ns/oa#"
    rdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
    claim = (
        f"INSERT DATA {{ GRAPH <{art}> {{ <{art}#c> a <{ibi}Claim> ; <{rdf}subject> <{ent}> ; "
        f"<{rdf}predicate> <https://schema.org/name> ; <{rdf}object> 'x' ; "
        f"<{ibi}verdict> <{ibi}supported> ; <{oa}hasTarget> <{art}#t> . "
        f"<{art}#t> <{oa}hasSelector> <{art}#odd> , <{art}#t-position> . "
        f"<{art}#t-position> <{oa}start> 'not-a-number' ; <{oa}end> 'nor this' . }} }}"
    )
    auth = {"authorization": f"Bearer {token}", "content-type": "application/sparql-update"}
    async with in_process(settings) as client:
        refused = await client.post("/update", content=claim, headers=auth)
        assert refused.status_code == 422, refused.text
        assert {"position-start", "position-end", "target-selector"} <= {
            (r["shape"] or "").rsplit("#")[-1] for r in refused.json()["violations"]
        }
        r = await client.get("/api/claims", params={"entity": "test-alliance"})
        assert r.status_code == 200, r.text
        page = await client.get("/id/test-alliance", headers={"accept": "text/html"})
        assert page.status_code == 200
        later = await client.post(
            "/update",
            content=f"INSERT DATA {{ GRAPH <https://w3id.org/ibigraph/source/test-about> "
            f"{{ <{ent}> <https://schema.org/alternateName> 'TA-later'@en }} }}",
            headers=auth,
            timeout=60,
        )
        assert later.status_code == 200, later.text


# -- M5: dumps are written once per store generation, off the event loop -------------------------


def test_m5_concurrent_dumps_do_not_stall_queries(public: Server) -> None:
    def attack() -> object:
        with httpx.Client(timeout=60) as client:
            for ext in ("nq", "trig", "ttl", "jsonld") * 2:
                r = client.get(public.base + f"/dumps/ibigraph.{ext}")
                assert r.status_code == 200
        return None

    assert probe_while(public.base, attack, rounds=10) == []
    first = httpx.get(public.base + "/dumps/ibigraph.nq")
    again = httpx.get(public.base + "/dumps/ibigraph.nq")
    assert first.headers["etag"] == again.headers["etag"]  # the same file, not rebuilt
    assert first.content == again.content


# -- low: headers, Host, configuration errors ------------------------------------------------


def test_oversized_or_too_many_headers_are_431_at_once(public: Server) -> None:
    big = httpx.get(public.base + "/sparql?query=ASK{}", headers={"accept": "a/b," * 100_000})
    assert big.status_code == 431
    many = httpx.get(public.base + "/health", headers={f"x-h{i}": "1" for i in range(150)})
    assert many.status_code == 431


def _raw(base: str) -> socket.socket:
    host, port = base.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=8)
    return sock


def _reply(sock: socket.socket) -> bytes:
    """All the server sends until it closes the connection (bounded by the socket timeout)."""
    data = b""
    with contextlib.suppress(ConnectionResetError):
        while chunk := sock.recv(65536):
            data += chunk
    return data


def test_the_server_stops_reading_a_huge_head_at_the_limit(public: Server) -> None:
    """A 64 MiB header field: the server answers 431 after the first 16 KiB and closes the
    connection; the client cannot send the rest."""
    with _raw(public.base) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ")
        sent, chunk = 0, b"a" * 65536
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            while sent < 64 * 2**20:
                sock.sendall(chunk)
                sent += len(chunk)
        assert sent < 64 * 2**20  # refused before the end
        reply = _reply(sock)
    assert reply.startswith(b"HTTP/1.1 431 ")
    assert httpx.get(public.base + "/health").status_code == 200


def test_a_huge_request_target_is_414(public: Server) -> None:
    r = httpx.get(public.base + "/sparql", params={"query": "ASK {}" + " " * 40_000})
    assert r.status_code == 414


@pytest.mark.parametrize("trickle", [False, True], ids=["silent", "one-byte-at-a-time"])
def test_a_slow_or_silent_client_is_closed_after_the_head_timeout(
    public: Server, trickle: bool
) -> None:
    started = time.monotonic()
    with _raw(public.base) as sock:
        if trickle:
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                for byte in b"GET /health HTTP/1.1\r\nHost: x\r\n" + b"X-Slow: " + b"a" * 100:
                    sock.sendall(bytes([byte]))
                    time.sleep(0.1)
                    if time.monotonic() - started > 6:
                        break
        reply = _reply(sock)
    assert reply.startswith(b"HTTP/1.1 408 "), reply
    assert time.monotonic() - started < 6  # the 2 s limit, with room for a busy machine


def _answer(sock: socket.socket) -> bytes:
    """One whole response on a connection kept open (its head, then content-length bytes)."""
    data = b""
    while b"\r\n\r\n" not in data and (chunk := sock.recv(65536)):  # b"": closed
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(re.search(rb"content-length: *(\d+)", head, re.I).group(1))  # type: ignore[union-attr]
    while len(body) < length and (chunk := sock.recv(65536)):
        body += chunk
    return head + b"\r\n\r\n" + body


def test_connections_past_the_limit_get_503_and_the_others_are_served(
    tmp_path: Path,
) -> None:
    """A worker holds at most IBIGRAPH_MAX_CONNECTIONS open connections: one more gets 503 with
    Retry-After to its request and is closed; the open ones are served, and once one closes, a
    new connection is too."""
    request = b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
    env = {"IBIGRAPH_WORKERS": "1", "IBIGRAPH_MAX_CONNECTIONS": "2"}
    with _serve_shipped(tmp_path, **env) as server, contextlib.ExitStack() as held:
        kept = [held.enter_context(_raw(server.base)) for _ in range(2)]
        for sock in kept:  # keep-alive: each connection stays open after its answer
            sock.sendall(request)
            assert _answer(sock).startswith(b"HTTP/1.1 200 ")
        with _raw(server.base) as extra:
            extra.sendall(request)
            refused = _reply(extra)
        assert refused.startswith(b"HTTP/1.1 503 "), refused
        assert b"retry-after: 1" in refused.lower()
        kept[0].sendall(request)  # the open ones are still served
        assert _answer(kept[0]).startswith(b"HTTP/1.1 200 ")
        kept.pop().close()
        time.sleep(0.2)  # the server sees the close
        assert httpx.get(server.base + "/health").status_code == 200


def test_documents_never_take_the_host_header_a_client_sends(public: Server) -> None:
    evil = {"host": "evil.example"}
    for path, accept in (
        ("/void", "text/turtle"),
        ("/sparql", "text/turtle"),
        ("/id/brain-minds", "application/ld+json"),
        ("/api/entities", "application/ld+json"),
    ):
        r = httpx.get(public.base + path, headers={**evil, "accept": accept})
        assert r.status_code == 200, path
        assert "evil.example" not in r.text, path
        assert public.base in r.text, path  # the configured URL (ibigraph serve sets it)


def test_an_unreadable_tokens_file_is_not_shown_to_clients(tmp_path: Path) -> None:
    from ..conftest import FIXTURES

    data = tmp_path / "data"
    data.mkdir()
    (data / "valid.trig").write_bytes((FIXTURES / "valid.trig").read_bytes())
    store = tmp_path / "store"
    build_store(Settings(store_path=store, data_dir=data, articles_dir=tmp_path / "none"))
    tokens = tmp_path / "secret-dir" / "tokens.json"
    tokens.parent.mkdir()
    tokens.write_text("{ not json")
    env = {
        "IBIGRAPH_STORE": str(store),
        "IBIGRAPH_WORKERS": "1",
        "IBIGRAPH_TOKENS_FILE": str(tokens),
        "IBIGRAPH_READ_ROLE": "reader",
    }
    with start_server(env, tmp_path / "server.log") as server:
        r = httpx.get(server.base + "/sparql", params={"query": "ASK {}"})
    assert r.status_code == 503 and "retry-after" in r.headers
    assert "secret-dir" not in r.text and "tokens.json" not in r.text
    assert "secret-dir" in (tmp_path / "server.log").read_text()  # the operator sees it


# -- H2, H3: runaway queries are stopped for sure, and never take the whole service ---------------

CROSS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
SORT = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?c ?f ?i LIMIT 1"


def _nested_replace(depth: int = 6) -> str:
    expr = '"' + "a" * 1000 + '"'
    for _ in range(depth):
        expr = f'REPLACE({expr}, "a", "aaaaaaaaaa")'
    return f"SELECT (STRLEN({expr}) AS ?n) WHERE {{}}"


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A 10 s time limit and a 256 MiB memory budget per query."""
    with _serve_shipped(
        tmp_path_factory.mktemp("guarded"),
        IBIGRAPH_QUERY_TIMEOUT="10",
        IBIGRAPH_MAX_QUERY_MEMORY=str(256 * 2**20),
    ) as server:
        yield server


def _peak_rss(pgid: int, stop: threading.Event, peak: list[int]) -> None:
    """The largest resident size of any process of the server's group, sampled until stop."""
    while not stop.is_set():
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                if os.getpgid(int(pid)) != pgid:
                    continue
                with open(f"/proc/{pid}/status") as f:
                    rss = next((int(x.split()[1]) * 1024 for x in f if x.startswith("VmRSS")), 0)
            except (OSError, ProcessLookupError):
                continue
            peak[0] = max(peak[0], rss)
        time.sleep(0.05)


@pytest.mark.parametrize("query", [_nested_replace(), SORT], ids=["nested-replace", "sort"])
def test_h2_no_query_grows_a_process_past_its_memory_budget(guarded: Server, query: str) -> None:
    peak = [0]
    stop = threading.Event()
    watcher = threading.Thread(target=_peak_rss, args=(guarded.proc.pid, stop, peak))
    watcher.start()
    answers: list[httpx.Response] = []
    try:

        def attack() -> object:
            r = httpx.post(
                guarded.base + "/sparql",
                data={"query": query},
                headers={"accept": "application/json"},  # results, or problem+json
                timeout=60,
            )
            answers.append(r)
            return r

        failures = probe_while(guarded.base, attack, rounds=2)
    finally:
        stop.set()
        watcher.join()
    assert failures == []
    for r in answers:  # a clear refusal: over the memory budget, or past the time limit
        assert r.status_code in (400, 503), r.text
        detail = r.json()["detail"]
        assert "memory limit" in detail or "longer than" in detail
    assert peak[0] < 256 * 2**20 + 300 * 2**20, f"peak RSS {peak[0] / 2**20:.0f} MiB"


def test_h3_twelve_runaway_queries_leave_cheap_queries_answered(guarded: Server) -> None:
    statuses: list[int] = []

    def attack() -> object:
        r = httpx.get(guarded.base + "/sparql", params={"query": CROSS}, timeout=60)
        statuses.append(r.status_code)
        return r

    assert probe_while(guarded.base, attack, rounds=12) == []
    assert set(statuses) <= {503}  # each stopped at its limit or refused as busy
    metrics = httpx.get(guarded.base + "/metrics").text
    assert "ibigraph_query_runners_stopped_total" in metrics


# -- M4: emptying the dataset needs an admin ----------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("update", ["DROP ALL", "CLEAR ALL", "DROP DEFAULT", "CLEAR NAMED"])
async def test_m4_wholesale_drops_need_the_admin_role(
    fixture_settings: Settings, update: str
) -> None:
    from ..conftest import built_with_tokens, in_process

    settings, tokens = built_with_tokens(fixture_settings, carol="curator", ada="admin")
    curator, admin = tokens["carol"], tokens["ada"]
    count = "SELECT (COUNT(*) AS ?n) WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"
    headers = {"content-type": "application/sparql-update"}
    async with in_process(settings) as client:

        async def quads() -> int:
            r = await client.get(
                "/sparql", params={"query": count}, headers={"accept": "application/json"}
            )
            return int(r.json()["results"]["bindings"][0]["n"]["value"])

        before = await quads()
        r = await client.post(
            "/update", content=update, headers={**headers, "authorization": f"Bearer {curator}"}
        )
        assert r.status_code == 403 and "admin role" in r.text
        assert await quads() == before  # nothing removed
        r = await client.delete(
            "/graph-store?default", headers={"authorization": f"Bearer {curator}"}
        )
        assert r.status_code == 403
        r = await client.post(
            "/update", content=update, headers={**headers, "authorization": f"Bearer {admin}"}
        )
        assert r.status_code in (200, 422), r.text  # an admin may (the shapes still judge it)


@pytest.mark.anyio
async def test_m4_a_large_removal_needs_an_admin_and_every_change_can_be_undone(
    settings: Settings,
) -> None:
    from ..conftest import built_with_tokens, in_process

    settings, tokens = built_with_tokens(
        settings.with_(articles_dir=settings.store_path / "none", max_removed_percent=5),
        carol="curator",
        ada="admin",
    )
    slip = (  # every alternate name, home page and founding date (with union copies: > 1,000)
        "DELETE { GRAPH ?g { ?s ?p ?o } } WHERE { GRAPH ?g { ?s ?p ?o } "
        "VALUES ?p { <https://schema.org/alternateName> <https://schema.org/url> "
        "<https://schema.org/foundingDate> } "
        f'FILTER(STRSTARTS(STR(?g), "{settings.source_ns}")) }}'
    )
    headers = {"content-type": SPARQL_UPDATE}
    audit = settings.audit_graph

    def public(dump: bytes) -> list[bytes]:  # the data without the audit records
        return sorted(line for line in dump.splitlines() if audit.encode() not in line)

    async with in_process(settings) as client:
        before = public((await client.get("/dumps/ibigraph.nq")).content)
        r = await client.post(
            "/update",
            content=slip,
            headers={**headers, "authorization": f"Bearer {tokens['carol']}"},
        )
        assert r.status_code == 403, r.text
        assert "IBIGRAPH_MAX_REMOVED_PERCENT" in r.text
        assert public((await client.get("/dumps/ibigraph.nq")).content) == before
        r = await client.post(
            "/update", content=slip, headers={**headers, "authorization": f"Bearer {tokens['ada']}"}
        )
        assert r.status_code == 200, r.text
        change = r.json()["change"]
        assert r.json()["quadsRemoved"] > 1000
        after = public((await client.get("/dumps/ibigraph.nq")).content)
        assert len(after) == len(before) - r.json()["quadsRemoved"]
        # what it removed is kept with its record, as an RDF Patch
        ns = settings.ontology_ns
        patch = await client.get(
            "/sparql",
            params={"query": f"SELECT ?p {{ GRAPH ?g {{ <{change}> <{ns}patch> ?p }} }}"},
            headers={"accept": "application/sparql-results+json"},
        )
        rows = patch.json()["results"]["bindings"][0]["p"]["value"].splitlines()
        assert rows[0] == "TX ." and rows[-1] == "TC ."
        assert sum(row.startswith("D ") for row in rows) == r.json()["quadsRemoved"]
        # a curator may undo it (putting back is not removing); the data is as it was
        r = await client.post(
            "/api/changes/undo",
            params={"change": change},
            headers={"authorization": f"Bearer {tokens['carol']}"},
        )
        assert r.status_code == 200, r.text
        assert r.json()["operation"] == f"Undo <{change}>"
        assert public((await client.get("/dumps/ibigraph.nq")).content) == before
        for bad, status in ((change + "-nothing", 404), ("not an IRI", 400)):
            r = await client.post(
                "/api/changes/undo",
                params={"change": bad},
                headers={"authorization": f"Bearer {tokens['carol']}"},
            )
            assert r.status_code == status, r.text
        r = await client.post("/api/changes/undo", params={"change": change})
        assert r.status_code == 401


def _stopped(base: str) -> float:
    for line in httpx.get(base + "/metrics").text.splitlines():
        if line.startswith("ibigraph_query_runners_stopped_total"):
            return float(line.split()[-1])
    return 0.0


def test_h2_a_client_that_goes_away_stops_its_query(guarded: Server) -> None:
    before = _stopped(guarded.base)
    query = CROSS.replace("?i }", "?i . ?j ?k ?l }")  # a text not yet known as expensive
    with pytest.raises(httpx.ReadTimeout):
        httpx.get(guarded.base + "/sparql", params={"query": query}, timeout=1.0)
    deadline = time.monotonic() + 8  # well before the 10 s time limit would stop it
    while _stopped(guarded.base) <= before:
        assert time.monotonic() < deadline, "the query ran on after its client left"
        time.sleep(0.1)
