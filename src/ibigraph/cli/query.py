"""`ibigraph query`: a SPARQL query through the same query service and limits as HTTP."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterable
from enum import StrEnum
from typing import Annotated

import pyoxigraph as ox
import typer
from rich.markup import escape
from rich.table import Table

from ..config import Settings
from ..errors import StoreError
from ..rdf.formats import FORMAT_ALIASES
from ..rdf.terms import Term
from ..rdf.vocab import compact, prefixes
from ..sparql.render import Rendered
from ..sparql.request import QueryRequest, inspect_query
from ..store.service import open_query_service
from .common import StoreOpt, handles_errors, load_settings, out

__all__ = ["query"]


class QueryFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    tsv = "tsv"
    xml = "xml"
    ttl = "ttl"
    nt = "nt"
    jsonld = "jsonld"


_SOLUTION_FORMATS = ("table", "json", "csv", "tsv", "xml")
_GRAPH_FORMATS = ("table", "ttl", "nt", "jsonld")
# a table is drawn from SPARQL JSON results, or from N-Triples for a graph
_TABLE = "application/sparql-results+json, application/n-triples;q=0.9"


@handles_errors
def query(
    sparql: Annotated[str, typer.Argument(help="A SPARQL query, or - to read it from stdin")],
    fmt: Annotated[QueryFormat, typer.Option("--format", "-f")] = QueryFormat.table,
    store: StoreOpt = None,
) -> None:
    """Run a SPARQL query; the default graph is the union of all source graphs.

    It runs as the HTTP endpoint runs it: the same service (embedded or remote), the same
    predeclared prefixes, and the same time, row and size limits (IBIGRAPH_QUERY_TIMEOUT,
    IBIGRAPH_MAX_ROWS, IBIGRAPH_MAX_RESULT_BYTES)."""
    settings = load_settings(store)
    text = sys.stdin.read() if sparql == "-" else sparql
    form = inspect_query(text)
    graph = form in ("CONSTRUCT", "DESCRIBE")
    allowed = _GRAPH_FORMATS if graph else _SOLUTION_FORMATS
    if fmt.value not in allowed:
        kind = "graph" if graph else form
        raise typer.BadParameter(
            f"a {kind} result cannot be written as {fmt.value}; use {', '.join(allowed)}"
        )
    pm = prefixes(settings.base)
    accept = _TABLE if fmt is QueryFormat.table else FORMAT_ALIASES[fmt.value]
    reply = asyncio.run(
        _run(settings, QueryRequest(text, accept, prefixes=pm, limits=settings.limits))
    )
    if fmt is not QueryFormat.table:
        sys.stdout.buffer.write(reply.body)
        sys.stdout.flush()
    elif reply.media_type == "application/n-triples":
        triples = ox.parse(reply.body, format=ox.RdfFormat.N_TRIPLES)
        _print_table(
            ["subject", "predicate", "object"],
            ([t.subject, t.predicate, t.object] for t in triples),
            pm,
        )
    else:
        result = ox.parse_query_results(reply.body, format=ox.QueryResultsFormat.JSON)
        if isinstance(result, ox.QueryBoolean):
            out.print("true" if bool(result) else "false")
        else:
            names = [v.value for v in result.variables]
            _print_table(names, ([row[n] for n in names] for row in result), pm)


async def _run(settings: Settings, req: QueryRequest) -> Rendered:
    if settings.backend == "oxigraph" and not settings.store_path.exists():
        raise StoreError(f"no store at {settings.store_path}; run `ibigraph build` first")
    # one query, then gone: no in-memory copy of the store to make, no cache to fill
    one_shot = settings.with_(query_threads=1, memory_replica="off", query_cache_bytes=0)
    service = open_query_service(one_shot)
    await service.start()
    try:
        return await service.execute(req)
    finally:
        await service.close()


def _term(t: Term | None, pm: dict[str, str]) -> str:
    if t is None:
        return ""
    if isinstance(t, ox.NamedNode):
        return compact(t.value, pm)
    if isinstance(t, ox.BlankNode):
        return f"_:{t.value}"
    if isinstance(t, ox.Literal):
        return f"{t.value} @{t.language}" if t.language else t.value
    return str(t)


def _print_table(
    columns: list[str], rows: Iterable[Iterable[Term | None]], pm: dict[str, str]
) -> None:
    table = Table(*columns, show_lines=False)
    n = 0
    for row in rows:
        table.add_row(*(escape(_term(t, pm)) for t in row))
        n += 1
    out.print(table)
    out.print(f"[dim]{n} row{'s' * (n != 1)}[/dim]")
