"""The build: read ontology + data, materialize, validate, and only then write the store."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import chain
from pathlib import Path

import pyoxigraph as ox

from ..config import Settings
from ..errors import StoreHasWrites, ValidationFailed
from ..ingest import ingest_article, read_article
from ..rdf.terms import date_time
from ..rdf.vocab import PROV, RDF, SCHEMA
from ..store import open_store, write_store
from ..store.maintenance import count_changes
from .compiled import validate_compiled
from .load import Sources, materialize, materialized, read_sources, stream_file
from .partitions import data_of, protected_graphs, validate_in_partitions
from .shacl_sparql import NotCompilable
from .validate import Progress, ValidationReport, validate_quads

log = logging.getLogger(__name__)

__all__ = [
    "BuildResult",
    "LoadResult",
    "article_files",
    "build_record",
    "build_store",
    "check",
    "ingest_articles",
    "load_files",
    "split_store",
    "validate_store",
    "validate_stored",
    "with_union_default_graph",
]


@dataclass(frozen=True)
class BuildResult:
    store_dir: Path
    quads: int
    report: ValidationReport


def check(
    settings: Settings, paths: Iterable[Path] | None = None, *, articles: bool = False
) -> tuple[Sources, list[ox.Quad], ValidationReport]:
    """Parse, materialize and validate; returns the sources, the quads to store and the report.
    With `articles`, the LLM-written articles of `settings.articles_dir` are ingested too (each
    into its own graph, verified against the curated data) and validated with it."""
    sources = read_sources(settings, paths)
    data = materialize(sources.data, sources.ontology)
    if articles:
        data += materialize(ingest_articles(settings, [*sources.ontology, *data]), sources.ontology)
    report = validate_quads(data, sources, settings)
    return sources, data, report


def article_files(settings: Settings) -> list[Path]:
    folder = settings.articles_dir
    return sorted(folder.glob("*.txt")) if folder.is_dir() else []


def ingest_articles(settings: Settings, curated: list[ox.Quad]) -> list[ox.Quad]:
    """The quads of every article in the articles folder (none if the folder is absent)."""
    files = article_files(settings)
    if not files:
        return []
    store = ox.Store()
    store.extend(curated)
    out: list[ox.Quad] = []
    for f in files:
        out += ingest_article(read_article(f), store, settings).quads
    return out


def with_union_default_graph(
    quads: list[ox.Quad], in_union: Callable[[str], bool] = lambda graph: True
) -> list[ox.Quad]:
    """Add to the default graph one copy of every triple of every named graph.

    Queries then see each fact once in the default graph (set semantics, as an RDF merge),
    on any backend; `GRAPH ?g` still tells which sources state it. (Oxigraph's own
    union-default-graph option yields a triple once per graph that holds it.)
    """
    union = {c for q in quads if (c := _union_copy(q, in_union)) is not None}
    present = set(quads)
    return quads + sorted((q for q in union if q not in present), key=str)


def _with_union_copies(
    quads: Iterable[ox.Quad], in_union: Callable[[str], bool]
) -> Iterator[ox.Quad]:
    """`with_union_default_graph`, one quad at a time: each quad, then its copy in the default
    graph (a copy may come more than once, or be the quad itself; a store keeps one)."""
    for q in quads:
        yield q
        copy = _union_copy(q, in_union)
        if copy is not None:
            yield copy


def _union_copy(q: ox.Quad, in_union: Callable[[str], bool]) -> ox.Quad | None:
    """The copy of `q` in the default graph, if its graph belongs to the union."""
    g = q.graph_name
    if isinstance(g, ox.NamedNode) and not in_union(g.value):
        return None
    return ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph())


def build_store(
    settings: Settings, paths: Iterable[Path] | None = None, *, keep_writes: bool = False
) -> BuildResult:
    """Build the on-disk store; raise ValidationFailed (store untouched) if the data is invalid.
    With `keep_writes`, raise StoreHasWrites (store untouched) instead of replacing a store that
    holds changes made over HTTP; checked under the write lock, so none can slip in between."""
    sources, data, report = check(settings, paths, articles=True)
    if not report.conforms:
        raise ValidationFailed(report)
    quads = with_union_default_graph([*sources.ontology, *sources.shapes, *data], settings.in_union)

    def guard() -> None:
        written = count_changes(settings) if settings.store_path.exists() else 0
        if written:
            raise StoreHasWrites(
                f"the store at {settings.store_path} holds {written} change(s) made over HTTP "
                "that the data files do not have; back it up (`ibigraph backup FILE.nq`) and "
                "rebuild with --force"
            )

    quads += build_record(settings, "ibigraph build")
    target = write_store(settings.store_path, quads, guard if keep_writes else None)
    return BuildResult(store_dir=target, quads=len(quads), report=report)


@dataclass(frozen=True)
class LoadResult:
    store_dir: Path
    quads: int  # quads read from the files
    report: ValidationReport | None  # None: not validated


def load_files(
    settings: Settings,
    paths: Iterable[Path],
    *,
    validate: bool = True,
    materialize: bool = True,
    jobs: int = 1,
    partition_size: int = 2000,
    loaded: Callable[[int], None] | None = None,
    progress: Progress | None = None,
    stop_after: int = 100,
) -> LoadResult:
    """Stream RDF files into a new store, in bounded memory: materialized as `build` does
    (super-classes, super-properties, labels; unless not `materialize`), with the default graph
    the union. With `validate`, the new store is validated (`validate_stored`) before it
    replaces the old one; invalid data (or a syntax error) raises and leaves the old store
    untouched.
    `loaded` hears how many quads have been read so far; `progress` follows the validation."""
    read = 0

    def stream() -> Iterator[ox.Quad]:
        files = read_sources(settings, paths=[])
        data = counted(paths)
        if materialize:
            data = materialized(data, files.ontology)
        # the ontology and the shapes as `build` stores them, then the data
        yield from _with_union_copies(chain(files.ontology, files.shapes, data), settings.in_union)
        yield from build_record(settings, "ibigraph load")

    def counted(files: Iterable[Path]) -> Iterator[ox.Quad]:
        nonlocal read
        for f in files:
            for q in stream_file(f, settings.base):
                yield q
                read += 1
                if loaded is not None and read % 100_000 == 0:
                    loaded(read)

    report: ValidationReport | None = None

    def verify(target: Path) -> None:
        nonlocal report
        report = validate_stored(
            target,
            settings,
            jobs=jobs,
            partition_size=partition_size,
            progress=progress,
            stop_after=stop_after,
            union_checked=True,  # the stream above wrote it
        )
        if not report.conforms:
            raise ValidationFailed(report)

    target = write_store(settings.store_path, stream(), verify=verify if validate else None)
    return LoadResult(store_dir=target, quads=read, report=report)


def build_record(settings: Settings, operation: str) -> list[ox.Quad]:
    """The audit graph's record of a store made from files (`ibigraph build`, `load`): the
    changes recorded later start from it, so a search index built on this store can follow
    them (a store built again has a new record, and the index sees that it must rebuild)."""
    now = datetime.now(UTC)
    name = f"{now.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:12]}"
    b = ox.NamedNode(f"{settings.base}build/{name}")
    g = ox.NamedNode(settings.audit_graph)
    return [
        ox.Quad(b, ox.NamedNode(RDF + "type"), ox.NamedNode(settings.ontology_ns + "Build"), g),
        ox.Quad(b, ox.NamedNode(RDF + "type"), ox.NamedNode(PROV + "Activity"), g),
        ox.Quad(b, ox.NamedNode(SCHEMA + "name"), ox.Literal(operation), g),
        ox.Quad(b, ox.NamedNode(PROV + "startedAtTime"), date_time(now), g),
    ]


def split_store(settings: Settings) -> Sources:
    """The store's quads as the build saw them: ontology, shapes and data (without the audit
    graph and without the union copies in the default graph)."""
    quads = list(open_store(settings.store_path).quads())
    ontology, shapes = ox.NamedNode(settings.ontology_graph), ox.NamedNode(settings.shapes_graph)
    return Sources(
        ontology=[q for q in quads if q.graph_name == ontology],
        shapes=[q for q in quads if q.graph_name == shapes],
        data=data_of(quads, protected_graphs(settings)),
    )


def validate_stored(
    path: Path,
    settings: Settings,
    *,
    jobs: int = 1,
    partition_size: int = 2000,
    progress: Progress | None = None,
    stop_after: int | None = None,
    pyshacl: bool = False,
    union_checked: bool = False,
) -> ValidationReport:
    """Validate the store at `path` without holding its data in memory: with the shapes
    compiled to SPARQL (compiled.py), or, when the compiler refuses the shapes or the store
    (or with `pyshacl`), with pySHACL in partitions of about `partition_size` quads
    (partitions.py). Both report what whole-graph validation reports. `union_checked`: the
    caller wrote the store's union default graph (the compiled queries read it), so it need
    not be checked."""
    if not pyshacl:
        try:
            return validate_compiled(
                path,
                settings,
                jobs=jobs,
                progress=progress,
                stop_after=stop_after,
                union_checked=union_checked,
            )
        except NotCompilable as e:
            log.warning("validating with pySHACL in partitions: %s", e)
    return validate_in_partitions(
        path,
        settings,
        size=partition_size,
        jobs=jobs,
        progress=progress,
        stop_after=stop_after,
    )


def validate_store(settings: Settings) -> ValidationReport:
    """Full validation of the stored data against the shapes files."""
    stored = split_store(settings)
    files = read_sources(settings, paths=[])
    return validate_quads(stored.data, files, settings)
