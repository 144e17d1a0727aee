"""Shared fixtures: settings pointing at the real ontology, test data in temp dirs, a real store."""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from ibigraph.config import Settings

from .optional import SEED, W3C, require, summary

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"

# Property tests run on loaded 2-core machines: no deadline, no "too slow" health check.
settings_profile = hypothesis_settings.register_profile(
    "ibigraph",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
hypothesis_settings.load_profile("ibigraph")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "needs(component): the test needs an optional component (tests/optional.py)"
    )


def pytest_runtest_setup(item: pytest.Item) -> None:
    for mark in item.iter_markers("needs"):
        for name in mark.args:
            require(name)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    reasons = []
    for report in terminalreporter.stats.get("skipped", []):
        longrepr = getattr(report, "longrepr", None)
        if isinstance(longrepr, tuple) and len(longrepr) == 3:
            reasons.append(str(longrepr[2]))
    lines = summary(reasons)
    if lines:
        terminalreporter.section("what was not tested")
        for line in lines:
            terminalreporter.write_line(line)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """The shipped ontology and data, with the store in a temp dir."""
    return Settings(
        store_path=tmp_path / "store",
        data_dir=ROOT / "data",
        ontology_dir=ROOT / "ontology",
    )


@pytest.fixture
def fixture_settings(tmp_path: Path) -> Settings:
    """The shipped ontology with the small valid test dataset as the only data."""
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(FIXTURES / "valid.trig", data / "valid.trig")
    return Settings(store_path=tmp_path / "store", data_dir=data, ontology_dir=ROOT / "ontology")


@pytest.fixture(scope="session")
def built_store(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The shipped data built once into a real on-disk store, shared by read-only tests, with
    the seed article ingested (or, in a clone without ../shared, the fixture articles)."""
    from ibigraph.graph.build import build_store

    s = Settings(
        store_path=tmp_path_factory.mktemp("built") / "store",
        data_dir=ROOT / "data",
        ontology_dir=ROOT / "ontology",
        articles_dir=SEED.parent if SEED.exists() else FIXTURES / "articles",
    )
    build_store(s)
    return s


# --- HTTP service over both backends ------------------------------------------------------------

KASEI = "http://kasei.us/2009/09/sparql/data/"


def protocol_dataset(tmp: Path) -> Path:
    """The fixture graph (built as `build` does) plus the W3C protocol test graphs
    (data1.nt … as <http://kasei.us/2009/09/sparql/data/data1.rdf> …, as the manifest labels
    them), written as N-Quads with the union in the default graph."""
    import pyoxigraph as ox

    from ibigraph.graph.build import check, with_union_default_graph

    data = tmp / "data"
    data.mkdir()
    shutil.copy(FIXTURES / "valid.trig", data / "valid.trig")
    settings = Settings(store_path=tmp / "unused", data_dir=data, ontology_dir=ROOT / "ontology")
    sources, materialized, report = check(settings)
    assert report.conforms
    quads = [*sources.ontology, *materialized]
    for i in (1, 2, 3):
        nt = W3C / "protocol" / f"data{i}.nt"
        if nt.exists():
            g = ox.NamedNode(f"{KASEI}data{i}.rdf")
            quads += [ox.Quad(t.subject, t.predicate, t.object, g) for t in ox.parse(path=nt)]
    out = tmp / "protocol.nq"
    out.write_bytes(ox.serialize(with_union_default_graph(quads), format=ox.RdfFormat.N_QUADS))
    return out


ENDPOINT_LIMITS = {
    "IBIGRAPH_QUERY_TIMEOUT": "5",
    "IBIGRAPH_MAX_ROWS": "500",
    "IBIGRAPH_MAX_STREAM_ROWS": "2000",
    "IBIGRAPH_MAX_BODY_BYTES": str(64 * 1024),
    "IBIGRAPH_WORKERS": "2",
}


@pytest.fixture(scope="session")
def protocol_nquads(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The protocol dataset (fixture graph and W3C test graphs) as one N-Quads file."""
    return protocol_dataset(tmp_path_factory.mktemp("protocol-data"))


@pytest.fixture(scope="session")
def protocol_virtuoso(
    protocol_nquads: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A read-only Virtuoso holding the protocol dataset; its query URL (one per session)."""
    from .virtuoso import run_virtuoso

    require("virtuoso")
    tmp = tmp_path_factory.mktemp("protocol-virtuoso")
    with run_virtuoso(tmp, nquads=protocol_nquads, default_graph=UNION_GRAPH) as v:
        yield v.query_url


def _protocol_settings(
    backend: str, request: pytest.FixtureRequest, tmp: Path, nquads: Path
) -> Settings:
    """Settings over the protocol dataset on `backend`, with ENDPOINT_LIMITS."""
    limits = Settings(
        store_path=tmp / "store",
        ontology_dir=ROOT / "ontology",
        query_timeout=5,
        max_rows=500,
        max_stream_rows=2000,
        max_body_bytes=64 * 1024,
        workers=2,
        public_url=IN_PROCESS,
        tokens_file=tmp / "tokens.json",  # none there: writes disabled, as `serve` would say
    )
    if backend == "oxigraph":
        from ibigraph.graph.load import parse_file
        from ibigraph.store import write_store

        write_store(limits.store_path, parse_file(nquads))
        return limits
    query_url = request.getfixturevalue("protocol_virtuoso")
    return limits.with_(
        backend="remote", remote_query_url=query_url, remote_default_graph=UNION_GRAPH
    )


@pytest.fixture(scope="session", params=["oxigraph", "virtuoso"])
def endpoint(
    request: pytest.FixtureRequest, protocol_nquads: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """Base URL of a real `ibigraph serve` process over the protocol dataset, on each backend
    (for tests where the network is the point: the W3C protocol manifests)."""
    from .server import run_server

    tmp = tmp_path_factory.mktemp(f"endpoint-{request.param}")
    settings = _protocol_settings(request.param, request, tmp, protocol_nquads)
    env = {**ENDPOINT_LIMITS, **settings_env(settings)}
    with run_server(env, tmp / "server.log") as base:
        yield base


@pytest.fixture(scope="session", params=["oxigraph", "virtuoso"])
def api(
    request: pytest.FixtureRequest, protocol_nquads: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[httpx.Client]:
    """The real app in process over the protocol dataset, on each backend: a sync httpx client
    (Starlette's TestClient: the app's lifespan runs, requests go through ASGI)."""
    tmp = tmp_path_factory.mktemp(f"api-{request.param}")
    with in_process_client(_protocol_settings(request.param, request, tmp, protocol_nquads)) as c:
        yield c


IN_PROCESS = "http://ibigraph.test"


@contextlib.contextmanager
def in_process_client(settings: Settings) -> Iterator[httpx.Client]:
    """The real app over `settings`, lifespan run, as a sync httpx client at IN_PROCESS."""
    from fastapi.testclient import TestClient

    from ibigraph.api.app import create_app

    with TestClient(
        create_app(settings), base_url=IN_PROCESS, raise_server_exceptions=False
    ) as client:
        yield client


def settings_env(settings: Settings) -> dict[str, str]:
    """The environment variables that give `ibigraph serve` the store or remote of `settings`."""
    if settings.backend == "remote":
        assert settings.remote_query_url and settings.remote_default_graph
        return {
            "IBIGRAPH_BACKEND": "remote",
            "IBIGRAPH_REMOTE_QUERY_URL": settings.remote_query_url,
            "IBIGRAPH_REMOTE_DEFAULT_GRAPH": settings.remote_default_graph,
        }
    return {"IBIGRAPH_STORE": str(settings.store_path)}


@contextlib.contextmanager
def serve_protocol_dataset(
    backend: str, tmp: Path, env: dict[str, str], *, writes: bool = False
) -> Iterator[str]:
    """A real server over its own copy of the protocol dataset on `backend` ("oxigraph" or
    "virtuoso", which is started here); with `writes`, the remote backend gets Virtuoso's
    update endpoint."""

    from ibigraph.graph.load import parse_file
    from ibigraph.store import write_store

    from .server import run_server

    nquads = protocol_dataset(tmp)
    if backend == "oxigraph":
        store = tmp / "store"
        write_store(store, parse_file(nquads))
        with run_server({"IBIGRAPH_STORE": str(store), **env}, tmp / "server.log") as base:
            yield base
        return
    from .virtuoso import PASSWORD, USER, run_virtuoso

    require("virtuoso")
    with run_virtuoso(tmp / "virtuoso", nquads=nquads, default_graph=UNION_GRAPH) as v:
        env = {
            **env,
            "IBIGRAPH_BACKEND": "remote",
            "IBIGRAPH_REMOTE_QUERY_URL": v.query_url,
            "IBIGRAPH_REMOTE_DEFAULT_GRAPH": UNION_GRAPH,
        }
        if writes:
            env |= {
                "IBIGRAPH_REMOTE_UPDATE_URL": v.update_url_basic,
                "IBIGRAPH_REMOTE_USER": USER,
                "IBIGRAPH_REMOTE_PASSWORD": PASSWORD,
            }
        with run_server(env, tmp / "server.log") as base:
            yield base


UNION_GRAPH = "urn:x-ibigraph:union"


@pytest.fixture(scope="session")
def data_server(built_store: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real server over the shipped, built data."""
    from .server import run_server

    log = tmp_path_factory.mktemp("data-server") / "server.log"
    env = {
        "IBIGRAPH_STORE": str(built_store.store_path),
        "IBIGRAPH_WORKERS": "1",
        "IBIGRAPH_QUERIES_DIR": str(ROOT / "queries"),
    }
    with run_server(env, log) as base:
        yield base


@pytest.fixture(scope="session")
def site(built_store: Settings) -> Iterator[httpx.Client]:
    """The real app in process over the shipped, built data (named queries from queries/)."""
    settings = built_store.with_(public_url=IN_PROCESS, queries_dir=ROOT / "queries", workers=1)
    with in_process_client(settings) as client:
        yield client


def serve_env(settings: Settings, tokens_file: Path, **extra: str) -> dict[str, str]:
    """Environment for `ibigraph serve` (one worker) over `settings`' store, taking writes."""
    return {
        "IBIGRAPH_STORE": str(settings.store_path),
        "IBIGRAPH_TOKENS_FILE": str(tokens_file),
        "IBIGRAPH_ONTOLOGY_DIR": str(settings.ontology_dir),
        "IBIGRAPH_WORKERS": "1",
        **extra,
    }


# --- a writable server, with tokens, on each backend -------------------------------------------


@dataclass
class Writable:
    """A service that takes writes, reached through `client` (the app in process, or a real
    server at `base`); `tokens` maps a role to a token of that role."""

    client: httpx.Client
    base: str
    backend: str
    tokens: dict[str, str]

    def update(self, text: str, role: str | None = "curator", **headers: str) -> httpx.Response:
        h = {"content-type": "application/sparql-update", **headers}
        if role is not None:
            h["authorization"] = f"Bearer {self.tokens[role]}"
        return self.client.post("/update", content=text.encode(), headers=h)

    def ask(self, query: str) -> bool:
        r = self.client.post(
            "/sparql",
            data={"query": query},
            headers={"accept": "application/sparql-results+json"},
        )
        assert r.status_code == 200, r.text
        return bool(r.json()["boolean"])

    def auth(self, role: str = "curator") -> dict[str, str]:
        return {"authorization": f"Bearer {self.tokens[role]}"}


def _tokens(tmp: Path) -> tuple[Path, dict[str, str]]:
    from ibigraph.auth import ROLES, add_token

    tokens_file = tmp / "tokens.json"
    return tokens_file, {role: add_token(tokens_file, f"{role}-user", role) for role in ROLES}


@contextlib.contextmanager
def writable_settings(backend: str, tmp: Path) -> Iterator[Settings]:
    """Settings over a fresh copy of the protocol dataset on `backend` that take writes (for
    the remote backend, a Virtuoso of its own, started here, with its update endpoint)."""
    nquads = protocol_dataset(tmp)
    settings = Settings(
        store_path=tmp / "store",
        ontology_dir=ROOT / "ontology",
        query_timeout=20,
        max_body_bytes=64 * 1024,
        workers=2,
        public_url=IN_PROCESS,
        tokens_file=tmp / "tokens.json",
    )
    if backend == "oxigraph":
        from ibigraph.graph.load import parse_file
        from ibigraph.store import write_store

        write_store(settings.store_path, parse_file(nquads))
        yield settings
        return
    from .virtuoso import PASSWORD, USER, run_virtuoso

    require("virtuoso")
    with run_virtuoso(tmp / "virtuoso", nquads=nquads, default_graph=UNION_GRAPH) as v:
        yield settings.with_(
            backend="remote",
            remote_query_url=v.query_url,
            remote_default_graph=UNION_GRAPH,
            remote_update_url=v.update_url_basic,
            remote_user=USER,
            remote_password=PASSWORD,
        )


@pytest.fixture(scope="module", params=["oxigraph", "virtuoso"])
def writable(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Writable]:
    """The real app in process over the protocol dataset, taking writes, per backend (one per
    test module: modules may clear it)."""
    tmp = tmp_path_factory.mktemp(f"writable-{request.param}")
    _, tokens = _tokens(tmp)
    with writable_settings(request.param, tmp) as settings, in_process_client(settings) as c:
        yield Writable(c, IN_PROCESS, request.param, tokens)


@pytest.fixture(scope="module", params=["oxigraph", "virtuoso"])
def served_writable(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Writable]:
    """A real `ibigraph serve` over the protocol dataset that accepts writes, per backend
    (for the W3C protocol manifests, where the network is the point)."""
    tmp = tmp_path_factory.mktemp(f"served-writable-{request.param}")
    tokens_file, tokens = _tokens(tmp)
    env = {
        "IBIGRAPH_TOKENS_FILE": str(tokens_file),
        "IBIGRAPH_ONTOLOGY_DIR": str(ROOT / "ontology"),
        "IBIGRAPH_QUERY_TIMEOUT": "20",
        "IBIGRAPH_MAX_BODY_BYTES": str(64 * 1024),
        "IBIGRAPH_WORKERS": "2",
    }
    with (
        serve_protocol_dataset(request.param, tmp, env, writes=True) as base,
        httpx.Client(base_url=base, timeout=60) as client,
    ):
        yield Writable(client, base, request.param, tokens)


def built_with_tokens(settings: Settings, **roles: str) -> tuple[Settings, dict[str, str]]:
    """`settings` with a tokens file beside the store holding a token per `name=role`, and the
    store built; returns them and the tokens by name."""
    from ibigraph.auth import add_token
    from ibigraph.graph.build import build_store

    tokens_file = settings.store_path.parent / "tokens.json"
    tokens = {name: add_token(tokens_file, name, role) for name, role in roles.items()}
    settings = settings.with_(tokens_file=tokens_file)
    build_store(settings)
    return settings, tokens


# --- the real app in process (httpx over ASGI) -------------------------------------------------


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@contextlib.asynccontextmanager
async def in_process(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The real app over `settings`' store, lifespan run, reached through httpx's ASGI transport."""
    from ibigraph.api.app import create_app

    app = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://ibigraph.test"
        ) as client,
    ):
        yield client
