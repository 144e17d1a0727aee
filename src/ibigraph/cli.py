"""The `ibigraph` command: a thin shell over load, validate, build and the store.

Exit codes: 0 ok, 1 the data violates the shapes, 2 bad input (unparsable file or query,
missing store, unknown option).
"""

from __future__ import annotations

import json
import logging
import socket
import sys
from collections.abc import Callable, Iterable
from enum import StrEnum
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ParamSpec, TypeVar, cast

import pyoxigraph as ox
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from . import __version__
from .auth import TokenFile, add_token, remove_token
from .config import Settings
from .errors import IbigraphError, StoreError, StoreHasWrites, ValidationFailed
from .graph.build import (
    article_files,
    build_store,
    check,
    validate_store,
    with_union_default_graph,
)
from .graph.load import data_files, parse_file
from .graph.quality import quality_report
from .graph.validate import ValidationReport, ValidationResult
from .rdf.formats import FORMAT_ALIASES, GRAPH_TYPES, RESULTS_TYPES
from .rdf.vocab import compact, prefixes
from .store import StoreWriter, open_store, write_store
from .store.maintenance import backup_store, restore_store

if TYPE_CHECKING:
    from .ingest import Article, IngestResult
    from .rdf.terms import Term
    from .sparql.changeset import ChangeSet

__all__ = ["app"]

app = typer.Typer(
    help="ibigraph: a sourced knowledge graph about the International Brain Initiative.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

P = ParamSpec("P")
R = TypeVar("R")

StoreOpt = Annotated[
    Path | None, typer.Option("--store", help="Store directory [env IBIGRAPH_STORE; var/store]")
]
PathsArg = Annotated[
    list[Path] | None,
    typer.Argument(
        help="Data files or directories (default: the data directory)", show_default=False
    ),
]


class ReportFormat(StrEnum):
    text = "text"
    json = "json"


class QueryFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    tsv = "tsv"
    xml = "xml"
    ttl = "ttl"
    nt = "nt"
    jsonld = "jsonld"


class ExportFormat(StrEnum):
    ttl = "ttl"
    trig = "trig"
    nq = "nq"
    nt = "nt"
    jsonld = "jsonld"


# CLI format names -> pyoxigraph formats, through the service's own media-type tables
_RESULT_FORMATS = {k: RESULTS_TYPES[FORMAT_ALIASES[k]] for k in ("json", "csv", "tsv", "xml")}
_GRAPH_FORMATS = {k: GRAPH_TYPES[FORMAT_ALIASES[k]] for k in ("ttl", "nt", "jsonld", "trig", "nq")}


def _settings(store: Path | None = None) -> Settings:
    return Settings.from_env().with_(store_path=store)


def handles_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Turn our typed errors into one readable line and the documented exit code."""

    @wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except ValidationFailed as e:
            _print_report(e.report, ReportFormat.text, Settings.from_env())
            err.print(f"[red]error:[/red] {escape(e.detail)}; nothing was written")
            raise typer.Exit(1) from None
        except IbigraphError as e:
            err.print(f"[red]error:[/red] {escape(e.detail)}")
            raise typer.Exit(2) from None
        except ValueError as e:  # bad settings, e.g. a malformed IBIGRAPH_BASE
            err.print(f"[red]error:[/red] {escape(str(e))}")
            raise typer.Exit(2) from None

    return wrapper


def _print_report(report: ValidationReport, fmt: ReportFormat, settings: Settings) -> None:
    if fmt is ReportFormat.json:
        print(report.to_json())
        return
    _print_results(report.results, settings)
    n, w = len(report.violations), len(report.warnings)
    verdict = "[green]conforms[/green]" if report.conforms else "[red]does not conform[/red]"
    out.print(f"{verdict}: {n} violation{'s' * (n != 1)}, {w} warning{'s' * (w != 1)}")


def _print_results(results: Iterable[ValidationResult], settings: Settings) -> None:
    pm = prefixes(settings.base)

    def c(term: str | None) -> str:
        if term is None:
            return "-"
        return compact(term, pm) if term.startswith(("http://", "https://", "urn:")) else term

    colors = {"Violation": "red", "Warning": "yellow", "Info": "blue"}
    for r in results:
        color = colors[r.severity]
        out.print(
            f"[{color}]{r.severity}[/{color}] {escape(c(r.focus_node))}"
            f"  path={escape(c(r.path))}  value={escape(c(r.value))}"
        )
        out.print(f"    {escape(r.message)}  [dim]({r.constraint})[/dim]")


@app.callback(invoke_without_command=True)
def main(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log progress")] = False,
    version: Annotated[bool, typer.Option("--version", help="Print the version")] = False,
) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, stream=sys.stderr)
    if version:
        out.print(f"ibigraph {__version__}")
        raise typer.Exit()


@app.command()
@handles_errors
def validate(
    paths: PathsArg = None,
    fmt: Annotated[ReportFormat, typer.Option("--format", "-f")] = ReportFormat.text,
    in_store: Annotated[
        bool,
        typer.Option(
            "--store/--files",
            help="Validate what the store holds now (with HTTP writes) instead of the files",
        ),
    ] = False,
) -> None:
    """Check the data against the SHACL shapes (exit 1 on violations)."""
    settings = _settings()
    if in_store:
        report = validate_store(settings)
    else:
        _, _, report = check(settings, paths or None)
    _print_report(report, fmt, settings)
    if not report.conforms:
        raise typer.Exit(1)


@app.command()
@handles_errors
def build(
    paths: PathsArg = None,
    store: StoreOpt = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace a store that holds writes made over HTTP")
    ] = False,
    skip_if_written: Annotated[
        bool,
        typer.Option("--skip-if-written", help="Keep a store that holds HTTP writes (exit 0)"),
    ] = False,
) -> None:
    """Validate, then write the on-disk store; invalid data leaves the old store untouched.

    A store that has accepted writes over HTTP holds facts the files do not: it is replaced
    only with --force (save them first with `ibigraph backup`)."""
    settings = _settings(store)
    files = data_files(list(paths) if paths else [settings.data_dir])
    articles = article_files(settings)
    out.print(
        f"validating {len(files)} data file{'s' * (len(files) != 1)} against the shapes"
        + (
            f", ingesting {len(articles)} article{'s' * (len(articles) != 1)} from "
            f"{escape(str(settings.articles_dir))}"
            if articles
            else ""
        )
        + " …"
    )
    try:
        result = build_store(settings, paths or None, keep_writes=not force)
    except StoreHasWrites as e:
        if not skip_if_written:
            raise
        out.print(f"not rebuilt: {escape(e.detail)}")
        return
    w = len(result.report.warnings)
    _print_results(result.report.warnings, settings)
    out.print(
        f"built {settings.store_path} ({result.quads} quads"
        + (f", {w} warning{'s' * (w != 1)} above" if w else ", no warnings")
        + ")"
    )


@app.command()
@handles_errors
def load(
    paths: Annotated[list[Path], typer.Argument(help="RDF files (nq, trig, nt, ttl, rdf, jsonld)")],
    store: StoreOpt = None,
) -> None:
    """Bulk-load RDF files into a new store WITHOUT validation (benchmarks, imports).

    Triples of Turtle/N-Triples files go to the default graph; the default graph also gets one
    copy of every named-graph triple, as `build` does.
    """
    settings = _settings(store)
    quads = [q for f in data_files(paths) for q in parse_file(f, settings.base)]
    write_store(settings.store_path, with_union_default_graph(quads, settings.in_union))
    out.print(f"loaded {settings.store_path} ({len(quads)} quads from {len(paths)} files)")


@app.command()
@handles_errors
def backup(
    target: Annotated[Path, typer.Argument(help="N-Quads file to write (all graphs)")],
    store: StoreOpt = None,
) -> None:
    """Write every quad of the store (all graphs, the audit graph too) to an N-Quads file."""
    settings = _settings(store)
    n = backup_store(settings.store_path, target)
    out.print(f"backed up {n} quads to {target}")


@app.command()
@handles_errors
def restore(
    source: Annotated[Path, typer.Argument(help="N-Quads file written by `ibigraph backup`")],
    store: StoreOpt = None,
) -> None:
    """Replace the store with the quads of a backup (as a new generation; readers move to it)."""
    settings = _settings(store)
    n = restore_store(settings.store_path, source)
    out.print(f"restored {n} quads into {settings.store_path}")


@app.command()
@handles_errors
def ingest(
    articles: Annotated[list[Path], typer.Argument(help="LLMpedia article files (plain text)")],
    store: StoreOpt = None,
    reason: Annotated[str | None, typer.Option(help="Why, for the audit graph")] = None,
) -> None:
    """Ingest LLM-written articles: each replaces its own graph (claims, mentions, verdicts).

    Every file is read first; if one is not such an article, nothing is ingested."""
    import getpass

    from rich.progress import Progress

    from .graph.writes import Principal, Vocabulary, article_change, commit_change
    from .ingest import read_article

    settings = _settings(store)
    parsed = [read_article(p) for p in articles]
    vocab = Vocabulary(settings)
    principal = Principal(getpass.getuser(), "admin")
    with Progress(console=err, transient=True) as progress:
        task = progress.add_task(f"ingesting {len(parsed)} article(s)", total=len(parsed))
        for path, article in zip(articles, parsed, strict=True):
            results: list[IngestResult] = []

            def build(
                changes: ChangeSet,
                article: Article = article,
                results: list[IngestResult] = results,
                path: Path = path,
            ) -> str:
                results.append(article_change(changes, article, settings))
                return f"Article ingestion ({path.name})"

            commit_change(
                StoreWriter(settings.store_path),
                build,
                principal=principal,
                request_text=f"ibigraph ingest {path.name} (sha256 {article.sha256})",
                reason=reason,
                vocab=vocab,
            )
            summary = results[0].summary()
            out.print(
                f"{escape(path.name)}: {summary['claims']} claims ({summary['supported']} "
                f"supported, {summary['contradicted']} contradicted, {summary['unverifiable']} "
                f"unverifiable), {summary['entities']} entities linked, "
                f"{summary['candidates']} candidates -> {summary['graph']}"
            )
            progress.advance(task)


token_app = typer.Typer(
    help="Bearer tokens for writes (hashed in var/tokens.json, or IBIGRAPH_TOKENS_FILE)."
)
app.add_typer(token_app, name="token")

TokensOpt = Annotated[
    Path | None,
    typer.Option(
        "--tokens-file", help="Tokens file [env IBIGRAPH_TOKENS_FILE; tokens.json beside the store]"
    ),
]


def _tokens_file(path: Path | None) -> Path:
    path = path or Settings.from_env().tokens_file
    if path is None:  # pragma: no cover - from_env always names one
        raise StoreError("no tokens file: set IBIGRAPH_TOKENS_FILE or pass --tokens-file")
    return path


@token_app.command("add")
@handles_errors
def token_add(
    name: Annotated[str, typer.Argument(help="Who uses it; recorded as the agent of changes")],
    role: Annotated[str, typer.Option("--role", help="reader, curator or admin")] = "curator",
    tokens_file: TokensOpt = None,
) -> None:
    """Create a token and print it once (only its hash is stored)."""
    path = _tokens_file(tokens_file)
    token = add_token(path, name, role)
    err.print(
        f"token for {escape(name)} ({role}) added to {escape(str(path))}; a server reading "
        "that file accepts it at once. Shown once, store it now:"
    )
    print(token)


@token_app.command("list")
@handles_errors
def token_list(tokens_file: TokensOpt = None) -> None:
    """List token names and roles (never the tokens)."""
    table = Table("name", "role", "created")
    for e in TokenFile(_tokens_file(tokens_file)).entries():
        table.add_row(e.name, e.role, e.created)
    out.print(table)


@token_app.command("remove")
@handles_errors
def token_remove(name: str, tokens_file: TokensOpt = None) -> None:
    """Revoke a token (servers notice the file change on the next request)."""
    remove_token(_tokens_file(tokens_file), name)
    out.print(f"removed the token of {escape(name)}")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    workers: Annotated[
        int | None, typer.Option(help="HTTP worker processes [env IBIGRAPH_WORKERS; CPU count]")
    ] = None,
    timeout: Annotated[
        float | None,
        typer.Option(help="Query time limit, seconds [env IBIGRAPH_QUERY_TIMEOUT; 30]"),
    ] = None,
    store: StoreOpt = None,
    access_log: Annotated[
        bool,
        typer.Option(
            "--access-log", help="Log one line per request [env IBIGRAPH_ACCESS_LOG; off]"
        ),
    ] = False,
) -> None:
    """Serve the SPARQL endpoint (and API docs) with uvicorn.

    A supervisor runs the worker processes and replaces any that exits; each worker evaluates
    queries in runner processes, which are stopped at the time and memory limits.
    """
    import os
    import tempfile

    from uvicorn import Config
    from uvicorn.supervisors import Multiprocess

    from .api.protocol import GuardedHttpProtocol

    try:
        settings = Settings.from_env().with_(
            store_path=store, workers=workers, query_timeout=timeout
        )
        if settings.backend == "oxigraph" and not settings.store_path.exists():
            raise StoreError(f"no store at {settings.store_path}; run `ibigraph build` first")
    except (IbigraphError, ValueError) as e:
        err.print(f"[red]error:[/red] {escape(str(e))}")
        raise typer.Exit(2) from None
    # the worker processes read their settings from the environment
    if not settings.public_url and host not in ("0.0.0.0", "::", ""):
        # documents name this URL, never the Host header a client sends
        shown_host = f"[{host}]" if ":" in host else host
        os.environ["IBIGRAPH_PUBLIC_URL"] = f"http://{shown_host}:{port}"
    os.environ.update(
        IBIGRAPH_STORE=str(settings.store_path.absolute()),
        IBIGRAPH_WORKERS=str(settings.workers),
        IBIGRAPH_QUERY_TIMEOUT=str(settings.query_timeout),
    )
    os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="ibigraph-metrics-"))
    access_log = access_log or settings.access_log
    config = Config(
        "ibigraph.api.app:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=settings.workers,
        log_level="info" if access_log else "warning",
        access_log=access_log,  # method, path and status; never the Authorization header
        timeout_graceful_shutdown=10,
        http=GuardedHttpProtocol,  # limits on the request head and how long it may take
    )
    try:
        sock = _bind(host, port)
    except OSError as e:
        reason = e.strerror or str(e)
        err.print(
            f"[red]error:[/red] cannot listen on {escape(host)}:{port}: {escape(reason)}; is"
            " another server there? Choose another port: `make serve PORT=8001` or"
            " `ibigraph serve --port 8001`"
        )
        raise typer.Exit(2) from None
    shown = f"[{host}]" if ":" in host else host
    base = escape(f"http://{shown}:{sock.getsockname()[1]}")
    workers_text = f"{settings.workers} worker{'s' * (settings.workers != 1)}"
    tokens = settings.tokens_file
    writes = (
        f"with the tokens in {tokens}"
        if tokens and tokens.exists()
        else f"disabled until `ibigraph token add NAME` writes {tokens}"
    )
    out.print(
        f"ibigraph {__version__} is listening on {base} ({workers_text}, "
        f"{settings.backend} backend)\n"
        f"  SPARQL endpoint  {base}/sparql\n"
        f"  API docs         {base}/docs\n"
        f"  writes           {escape(writes)}\n"
        "Another port or interface: `make serve PORT=8001 HOST=0.0.0.0` (or --port, --host);"
        " Ctrl-C stops it."
    )
    Multiprocess(config, sockets=[sock]).run()


def _bind(host: str, port: int) -> socket.socket:
    """The listening socket, bound before the URL is printed (as uvicorn binds it)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


@app.command()
@handles_errors
def query(
    sparql: Annotated[str, typer.Argument(help="A SPARQL query, or - to read it from stdin")],
    fmt: Annotated[QueryFormat, typer.Option("--format", "-f")] = QueryFormat.table,
    store: StoreOpt = None,
) -> None:
    """Run a SPARQL query; the default graph is the union of all source graphs."""
    settings = _settings(store)
    text = sys.stdin.read() if sparql == "-" else sparql
    pm = prefixes(settings.base)
    # Declare the usual prefixes unless the query declares its own.
    header = "".join(
        f"PREFIX {p}: <{ns}>\n" for p, ns in pm.items() if f"{p}:" not in _declared(text)
    )
    result = open_store(settings.store_path).query(header + text)
    fmt_v = fmt.value
    if isinstance(result, ox.QueryBoolean):
        if fmt_v in _RESULT_FORMATS:
            sys.stdout.write(cast(bytes, result.serialize(format=_RESULT_FORMATS[fmt_v])).decode())
        else:
            out.print("true" if bool(result) else "false")
        return
    if isinstance(result, ox.QueryTriples):
        if fmt_v == "table":
            _print_table(
                ["subject", "predicate", "object"],
                ([t.subject, t.predicate, t.object] for t in result),
                pm,
            )
        elif fmt_v in _GRAPH_FORMATS and fmt_v not in ("trig", "nq"):
            sys.stdout.write(cast(bytes, result.serialize(format=_GRAPH_FORMATS[fmt_v])).decode())
        else:
            raise typer.BadParameter(
                f"a graph result cannot be written as {fmt_v}; use table, ttl, nt or jsonld"
            )
        return
    if fmt_v == "table":
        names = [v.value for v in result.variables]
        _print_table(names, ([row[n] for n in names] for row in result), pm)
    elif fmt_v in _RESULT_FORMATS:
        sys.stdout.write(cast(bytes, result.serialize(format=_RESULT_FORMATS[fmt_v])).decode())
    else:
        raise typer.BadParameter(
            f"a SELECT result cannot be written as {fmt_v}; use table, json, csv, tsv or xml"
        )


def _declared(text: str) -> str:
    """The prefix declarations of a query, lowercased (`prefix schema: <...>` -> `schema:`)."""
    return " ".join(
        line.split()[1]
        for line in text.splitlines()
        if line.strip().lower().startswith("prefix ") and len(line.split()) > 1
    )


def _term(t: ox.NamedNode | ox.BlankNode | ox.Literal | None, pm: dict[str, str]) -> str:
    if t is None:
        return ""
    if isinstance(t, ox.NamedNode):
        return compact(t.value, pm)
    if isinstance(t, ox.BlankNode):
        return f"_:{t.value}"
    if t.language:
        return f"{t.value} @{t.language}"
    return t.value


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


@app.command()
@handles_errors
def export(
    fmt: Annotated[ExportFormat, typer.Option("--format", "-f")] = ExportFormat.trig,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File (default stdout)")
    ] = None,
    store: StoreOpt = None,
) -> None:
    """Write every graph of the store (ttl and nt write the union of the source graphs)."""
    settings = _settings(store)
    st = open_store(settings.store_path)
    quads = list(st.quads())
    if fmt in (ExportFormat.ttl, ExportFormat.nt):
        err.print(
            "[yellow]note:[/yellow] Turtle and N-Triples hold one graph, so the source graphs"
            " are merged (the default graph; article and audit graphs are left out); use trig"
            " or nq to keep every graph"
        )
        data = ox.serialize(
            (
                ox.Triple(q.subject, q.predicate, q.object)
                for q in quads
                if isinstance(q.graph_name, ox.DefaultGraph)
            ),
            format=_GRAPH_FORMATS[fmt.value],
            prefixes=prefixes(settings.base) if fmt is ExportFormat.ttl else None,
        )
    else:
        kw: dict[str, Any] = (
            {"prefixes": prefixes(settings.base)}
            if fmt in (ExportFormat.trig, ExportFormat.jsonld)
            else {}
        )
        data = ox.serialize(quads, format=_GRAPH_FORMATS[fmt.value], **kw)
    assert data is not None  # no output file: the bytes
    if output is None:
        sys.stdout.buffer.write(data)
    else:
        output.write_bytes(data)
        err.print(f"wrote {len(quads)} quads to {output}")


@app.command()
@handles_errors
def stats(
    fmt: Annotated[ReportFormat, typer.Option("--format", "-f")] = ReportFormat.text,
    quality: Annotated[
        bool, typer.Option("--quality", help="Data quality: coverage, sources per fact, leads")
    ] = False,
    store: StoreOpt = None,
) -> None:
    """Triples, graphs and entities per class in the store (--quality: how good the data is)."""
    settings = _settings(store)
    if quality:
        _quality(settings, fmt)
        return
    s = open_store(settings.store_path).stats(settings.entity_ns)
    if fmt is ReportFormat.json:
        print(
            json.dumps(
                {
                    "quads": s.quads,
                    "triples": s.triples,
                    "entities": s.entities,
                    "graphs": s.graphs,
                    "classes": s.classes,
                },
                indent=2,
            )
        )
        return
    pm = prefixes(settings.base)
    out.print(
        f"{s.triples} distinct triples, {s.quads} quads in {len(s.graphs)} graphs,"
        f" {s.entities} entities"
    )
    t = Table("class", "entities")
    for c, n in s.classes.items():
        t.add_row(escape(compact(c, pm)), str(n))
    out.print(t)


def _quality(settings: Settings, fmt: ReportFormat) -> None:
    report = quality_report(open_store(settings.store_path), settings)
    if fmt is ReportFormat.json:
        print(json.dumps(report.to_json(), indent=2))
        return
    pm = prefixes(settings.base)
    f = report.facts_per_entity
    out.print(
        f"{report.entities} entities; facts per entity: min {f['min']}, median {f['median']:g},"
        f" max {f['max']}"
    )
    coverage = Table(f"of {report.organizations} organisations", "share")
    for label, share in report.coverage.items():
        coverage.add_row(escape(label), f"{share:.0%}")
    out.print(coverage)
    sources = Table("sources per fact", "facts")
    for k, n in report.sources_per_fact.items():
        sources.add_row(k, str(n))
    out.print(sources)
    out.print(
        f"{len(report.single_secondary)} facts rest on one source that is not the entity's own"
        " site (--format json lists them)"
    )
    claims = Table("unverifiable claim (a lead for curation)", "property", "value")
    for c in report.unverifiable_claims:
        claims.add_row(
            escape(c.get("text", "")),
            escape(compact(c["property"], pm)),
            escape(compact(c["value"], pm) if c["value"].startswith("http") else c["value"]),
        )
    out.print(claims)
