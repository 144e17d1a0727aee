"""What tests share besides fixtures: the graph's namespaces, the check of a problem response
(RFC 9457 `application/problem+json`), running the `ibigraph` command in process, and a store
of numbered values for the query service's tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pyoxigraph as ox
from typer.testing import CliRunner, Result

from ibigraph.cli import app
from ibigraph.config import Limits, Settings
from ibigraph.sparql.request import QueryRequest
from ibigraph.store.oxigraph import write_store

__all__ = [
    "EX",
    "ID",
    "ONTOLOGY",
    "SCHEMA",
    "SRC",
    "assert_problem",
    "cli_env",
    "csv_request",
    "invoke",
    "numbered_store",
]

ID = "https://w3id.org/ibigraph/id/"  # entities
SRC = "https://w3id.org/ibigraph/source/"  # source graphs
ONTOLOGY = "https://w3id.org/ibigraph/ontology#"
SCHEMA = "https://schema.org/"
EX = "http://example.org/"


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    """`response` is a problem of `status` with a title and a detail a person can read; its
    body, for further checks."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["title"] and body["detail"]
    return body


def cli_env(settings: Settings) -> dict[str, str]:
    """The environment that points `ibigraph` at `settings`' store, data and ontology."""
    return {
        "IBIGRAPH_STORE": str(settings.store_path),
        "IBIGRAPH_DATA_DIR": str(settings.data_dir),
        "IBIGRAPH_ONTOLOGY_DIR": str(settings.ontology_dir),
    }


def invoke(settings: Settings, *args: str, stdin: str | None = None) -> Result:
    """`ibigraph ARGS` in process over `settings` (stdout and stderr kept apart)."""
    return CliRunner().invoke(app, list(args), env=cli_env(settings), input=stdin)


def numbered_store(path: Path, n: int) -> Path:
    """A store at `path` of `n` triples `<EX s{i}> <EX p> i`."""
    p = ox.NamedNode(EX + "p")
    write_store(path, [ox.Quad(ox.NamedNode(f"{EX}s{i}"), p, ox.Literal(i)) for i in range(n)])
    return path


def csv_request(query: str) -> QueryRequest:
    """`query` for CSV results, under small limits (10 s, 10 rows, 10 kB)."""
    return QueryRequest(
        query, accept="text/csv", limits=Limits(timeout=10, max_rows=10, max_bytes=10_000)
    )
