"""Shared fixtures: settings pointing at the real ontology, test data in temp dirs, a real store."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from ibigraph.config import Settings

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


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
    """The shipped data built once into a real on-disk store, shared by read-only tests."""
    from ibigraph.build import build_store

    s = Settings(
        store_path=tmp_path_factory.mktemp("built") / "store",
        data_dir=ROOT / "data",
        ontology_dir=ROOT / "ontology",
    )
    build_store(s)
    return s


# --- HTTP service over both backends ------------------------------------------------------------

W3C = ROOT.parent / "shared" / "w3c-sparql11"
KASEI = "http://kasei.us/2009/09/sparql/data/"


def protocol_dataset(tmp: Path) -> Path:
    """The fixture graph (built as `build` does) plus the W3C protocol test graphs
    (data1.nt … as <http://kasei.us/2009/09/sparql/data/data1.rdf> …, as the manifest labels
    them), written as N-Quads with the union in the default graph."""
    import pyoxigraph as ox

    from ibigraph.build import check, with_union_default_graph

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


@pytest.fixture(scope="session", params=["oxigraph", "virtuoso"])
def endpoint(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """Base URL of a real `ibigraph serve` process over the protocol dataset, on each backend."""
    import os

    from ibigraph.load import parse_file
    from ibigraph.store import write_store

    from .server import run_server

    tmp = tmp_path_factory.mktemp(f"endpoint-{request.param}")
    nquads = protocol_dataset(tmp)
    limits = {
        "IBIGRAPH_QUERY_TIMEOUT": "5",
        "IBIGRAPH_MAX_ROWS": "500",
        "IBIGRAPH_MAX_BODY_BYTES": str(64 * 1024),
        "IBIGRAPH_WORKERS": "2",
    }
    if request.param == "oxigraph":
        store = tmp / "store"
        write_store(store, parse_file(nquads))
        with run_server({"IBIGRAPH_STORE": str(store), **limits}, tmp / "server.log") as base:
            yield base
        return
    from .virtuoso import find_virtuoso, run_virtuoso

    if find_virtuoso() is None:
        if os.environ.get("CI"):
            pytest.fail("Virtuoso is not installed (.ci/install-virtuoso); CI requires it")
        pytest.skip("Virtuoso is not installed; run .ci/install-virtuoso")
    with run_virtuoso(tmp / "virtuoso", nquads=nquads, default_graph=UNION_GRAPH) as v:
        env = {
            "IBIGRAPH_BACKEND": "remote",
            "IBIGRAPH_REMOTE_QUERY_URL": v.query_url,
            "IBIGRAPH_REMOTE_DEFAULT_GRAPH": UNION_GRAPH,
            **limits,
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
