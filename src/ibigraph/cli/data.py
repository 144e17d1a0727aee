"""Commands over the data and the store: validate, build, load, backup, restore, export, stats."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import pyoxigraph as ox
import typer
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from ..config import Settings
from ..errors import StoreHasWrites
from ..graph.build import (
    article_files,
    build_store,
    check,
    load_files,
    validate_stored,
)
from ..graph.load import data_files
from ..graph.quality import quality_report
from ..graph.releases import changes_since, make_release
from ..graph.stats import store_select, store_stats
from ..queries import internal_text
from ..rdf.vocab import compact, prefixes
from ..store import open_store
from ..store.maintenance import backup_store, restore_store
from .common import (
    GRAPH_FORMATS,
    PathsArg,
    ReportFormat,
    StoreOpt,
    err,
    handles_errors,
    load_settings,
    out,
    print_report,
    print_results,
)

__all__ = ["backup", "build", "export", "load", "release", "restore", "stats", "validate"]


class ExportFormat(StrEnum):
    ttl = "ttl"
    trig = "trig"
    nq = "nq"
    nt = "nt"
    jsonld = "jsonld"


JobsOpt = Annotated[
    int,
    typer.Option(
        "--jobs",
        "-j",
        min=0,
        help="Processes that validate the store (0: one per CPU core)",
    ),
]
PartitionOpt = Annotated[
    int,
    typer.Option(
        "--partition-size",
        min=1,
        help="With pySHACL: quads per partition (the memory one process needs grows with it)",
    ),
]


@handles_errors
def validate(
    paths: PathsArg = None,
    fmt: Annotated[ReportFormat, typer.Option("--format", "-f")] = ReportFormat.text,
    in_store: Annotated[
        bool,
        typer.Option(
            "--store/--files",
            help="Validate what the store holds now (with HTTP writes) instead of the files:"
            " the shapes compiled to SPARQL queries that the engine runs over the store, with"
            " the results pySHACL gives on the whole graph",
        ),
    ] = False,
    pyshacl: Annotated[
        bool,
        typer.Option(
            "--pyshacl",
            help="With --store: validate with pySHACL in partitions instead (slower; the"
            " reference the compiled queries are tested against)",
        ),
    ] = False,
    jobs: JobsOpt = 0,
    partition_size: PartitionOpt = 2000,
    max_violations: Annotated[
        int,
        typer.Option(
            "--max-violations",
            min=0,
            help="With --store: stop once this many violations are found (0: find them all;"
            " the results of a store that breaks the shapes everywhere take memory)",
        ),
    ] = 0,
) -> None:
    """Check the data against the SHACL shapes (exit 1 on violations)."""
    settings = load_settings()
    if in_store:
        open_store(settings.store_path)  # a clear error if there is none
        with _validation_bar() as progress:
            report = validate_stored(
                settings.store_path.resolve(),
                settings,
                jobs=_jobs(jobs),
                partition_size=partition_size,
                progress=progress,
                pyshacl=pyshacl,
                stop_after=max_violations or None,
            )
    else:
        _, _, report = check(settings, paths or None)
    print_report(report, fmt, settings)
    if not report.conforms:
        raise typer.Exit(1)


def _jobs(jobs: int) -> int:
    return jobs or os.cpu_count() or 1


@contextmanager
def _validation_bar() -> Iterator[Callable[[int, int], None]]:
    """A progress bar on stderr for a validation of a store (steps done of all)."""
    with Progress(
        TextColumn("validating"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
    ) as bar:
        task = bar.add_task("validate", total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield advance


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
    settings = load_settings(store)
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
    print_results(result.report.warnings, settings)
    out.print(
        f"built {settings.store_path} ({result.quads} quads"
        + (f", {w} warning{'s' * (w != 1)} above" if w else ", no warnings")
        + ")"
    )


@handles_errors
def load(
    paths: Annotated[list[Path], typer.Argument(help="RDF files (nq, trig, nt, ttl, rdf, jsonld)")],
    store: StoreOpt = None,
    validate: Annotated[
        bool,
        typer.Option(
            "--validate/--no-validate",
            help="Validate the new store against the shapes before it replaces the old one",
        ),
    ] = True,
    materialize: Annotated[
        bool,
        typer.Option(
            "--materialize/--no-materialize",
            help="Add the super-classes, super-properties and labels the ontology implies (off:"
            " the files' quads as they are, e.g. a dump of a store, which has them already)",
        ),
    ] = True,
    jobs: JobsOpt = 0,
    partition_size: PartitionOpt = 2000,
) -> None:
    """Stream RDF files of any size into a new store, then validate it; invalid
    data leaves the old store untouched (the first 100 violations are shown).

    The data is materialized as `build` does it (super-classes, super-properties, labels).
    Triples of Turtle/N-Triples files go to the default graph; the default graph also gets one
    copy of every named-graph triple. Articles are not ingested (that is `build`).
    """
    settings = load_settings(store)
    files = data_files(paths)
    started = time.perf_counter()
    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), console=err, transient=True
    ) as spinner:
        reading = spinner.add_task(f"loading {len(files)} file{'s' * (len(files) != 1)}")

        def loaded(n: int) -> None:
            spinner.update(reading, description=f"loaded {n:,} quads")

        with _validation_bar() as progress:
            result = load_files(
                settings,
                files,
                validate=validate,
                materialize=materialize,
                jobs=_jobs(jobs),
                partition_size=partition_size,
                loaded=loaded,
                progress=progress,
            )
    took = time.perf_counter() - started
    verdict = (
        f", valid ({len(result.report.warnings)} warnings)"
        if result.report is not None
        else ", not validated"
    )
    out.print(
        f"loaded {settings.store_path} ({result.quads:,} quads from {len(files)} files"
        f"{verdict}) in {took:.1f} s"
    )


@handles_errors
def backup(
    target: Annotated[Path, typer.Argument(help="N-Quads file to write (all graphs)")],
    store: StoreOpt = None,
) -> None:
    """Write every quad of the store (all graphs, the audit graph too) to an N-Quads file."""
    settings = load_settings(store)
    n = backup_store(settings.store_path, target)
    out.print(f"backed up {n} quads to {target}")


@handles_errors
def restore(
    source: Annotated[Path, typer.Argument(help="N-Quads file written by `ibigraph backup`")],
    store: StoreOpt = None,
) -> None:
    """Replace the store with the quads of a backup (as a new generation; readers move to it)."""
    settings = load_settings(store)
    n = restore_store(settings.store_path, source)
    out.print(f"restored {n} quads into {settings.store_path}")


@handles_errors
def export(
    fmt: Annotated[ExportFormat, typer.Option("--format", "-f")] = ExportFormat.trig,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File (default stdout)")
    ] = None,
    store: StoreOpt = None,
) -> None:
    """Write every graph of the store (ttl and nt write the union of the source graphs)."""
    settings = load_settings(store)
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
            format=GRAPH_FORMATS[fmt.value],
            prefixes=prefixes(settings.base) if fmt is ExportFormat.ttl else None,
        )
    else:
        kw: dict[str, Any] = (
            {"prefixes": prefixes(settings.base)}
            if fmt in (ExportFormat.trig, ExportFormat.jsonld)
            else {}
        )
        data = ox.serialize(quads, format=GRAPH_FORMATS[fmt.value], **kw)
    assert data is not None  # no output file: the bytes
    if output is None:
        sys.stdout.buffer.write(data)
    else:
        output.write_bytes(data)
        err.print(f"wrote {len(quads)} quads to {output}")


@handles_errors
def stats(
    fmt: Annotated[ReportFormat, typer.Option("--format", "-f")] = ReportFormat.text,
    quality: Annotated[
        bool, typer.Option("--quality", help="Data quality: coverage, sources per fact, leads")
    ] = False,
    store: StoreOpt = None,
) -> None:
    """Triples, graphs and entities per class in the store (--quality: how good the data is)."""
    settings = load_settings(store)
    if quality:
        _quality(settings, fmt)
        return
    s = store_stats(open_store(settings.store_path), settings)
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
    report = quality_report(store_select(open_store(settings.store_path)), settings)
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


@handles_errors
def release(
    version: Annotated[str, typer.Argument(help="The release's version, e.g. 2026.12")],
    store: StoreOpt = None,
) -> None:
    """Freeze the store as an immutable, numbered release (dumps with checksums, DCAT, a diff
    and a changelog from the previous release) in IBIGRAPH_RELEASES_DIR."""
    settings = load_settings(store)
    st = open_store(settings.store_path)
    audit = {"audit": settings.audit_graph}
    select = store_select(st)
    rows = select(internal_text("feed", prefixes(settings.base), audit))
    folder = settings.releases_folder
    made = make_release(list(st.quads()), changes_since(rows, folder), settings, folder, version)
    out.print(f"released {version} in {made.folder} (issued {made.issued})")
