"""Curated writes: turn a request into a checked change, record it, commit it.

Every write goes the same way, whatever the protocol and the backend:

1. evaluate the request into a `ChangeSet` over the store as it is (nothing written yet);
2. `complete` it: refuse writes to protected graphs (ontology, shapes, audit), materialize the
   schema.org types and properties of added quads (and retract those of removed ones), and keep
   the default graph the union of all graphs;
3. `check` it against the SHACL shapes, on the neighbourhood of what it touches: the nodes it
   adds or removes triples for, the nodes that point at them, the descriptions of their source
   graphs and the types of the nodes they link to. A violation raises `ValidationFailed`;
4. add a PROV-O record of the change to the audit graph, with the exact quads it removed and
   added (an RDF Patch, so that it can be undone), and commit both in one step.

A curator's change may not remove more than IBIGRAPH_MAX_REMOVED_PERCENT of the store.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import cast

import pyoxigraph as ox
import rdflib
from rdflib.namespace import RDF as RDFLIB_RDF
from rdflib.namespace import SH as RDFLIB_SH
from rdflib.plugins.sparql.parserutils import CompValue

from ..config import Settings
from ..errors import BadInputError, Forbidden, ManagedGraph, NotFound, ValidationFailed
from ..ingest import (
    Article,
    IngestResult,
    ingest_article,
    read_claims,
    replace_verdicts,
    verify_claims,
)
from ..rdf.terms import Term, date_time, object_of, subject_of, triple_of
from ..rdf.vocab import DCTERMS, OWL, PROV, RDF, RDFS, SCHEMA, SH, XSD
from ..sparql.changeset import ChangeSet, QuadSource, read_patch
from ..sparql.update import UpdateRequest, apply_update
from ..store import Writer
from .load import Sources, materialize, read_sources
from .validate import ShapesContext, ValidationReport, validate_quads

__all__ = [
    "ArticleIngestion",
    "Change",
    "Principal",
    "Vocabulary",
    "audit_quads",
    "check",
    "commit_change",
    "complete",
    "graph_store_change",
    "guard_removal",
    "reverify",
    "run_change",
    "undo_change",
    "update_change",
]

_TYPE = ox.NamedNode(RDF + "type")
_RDF_SUBJECT = ox.NamedNode(RDF + "subject")
_RDF_OBJECT = ox.NamedNode(RDF + "object")
_SOURCE = ox.NamedNode(DCTERMS + "source")
_DEFAULT = ox.DefaultGraph()
MAX_REQUEST_TEXT = 64 * 1024
MAX_INCOMING = 200  # nodes pointing at a touched node that are re-validated with it
SMALL_REMOVAL = 1000  # quads any curator may remove, whatever the share of the store


@dataclass(frozen=True)
class Principal:
    name: str
    role: str


@dataclass
class Change:
    """What a write did, for the audit graph and the response."""

    iri: str
    principal: Principal
    operation: str
    request: str
    reason: str | None
    started: datetime
    ended: datetime | None = None
    added: int = 0
    removed: int = 0
    graphs: list[str] = field(default_factory=list)
    entities: list[str] = field(default_factory=list)
    patch: str = field(default="", repr=False)  # what it removed and added, as an RDF Patch

    def to_json(self) -> dict[str, object]:
        recorded = bool(self.added or self.removed)  # a write that changes nothing is not
        return {
            "change": self.iri if recorded else None,
            **({} if recorded else {"message": "nothing changed: the store already says this"}),
            "agent": self.principal.name,
            "operation": self.operation,
            "reason": self.reason,
            "started": self.started.isoformat(),
            "ended": self.ended.isoformat() if self.ended else None,
            "quadsAdded": self.added,
            "quadsRemoved": self.removed,
            "graphs": self.graphs,
            "entities": self.entities,
        }


class Vocabulary:
    """Ontology and shapes, read once per process from the files the store was built from."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @cached_property
    def sources(self) -> Sources:
        return read_sources(self.settings, paths=[])

    @cached_property
    def shapes(self) -> ShapesContext:
        return ShapesContext.of(self.sources)

    @cached_property
    def super_properties(self) -> dict[str, frozenset[str]]:
        """Each property's super-properties in the ontology (rdfs:subPropertyOf, transitive):
        the properties whose facts the build derives from it."""
        direct: dict[str, set[str]] = {}
        for q in self.sources.ontology:
            if q.predicate.value == RDFS + "subPropertyOf" and isinstance(q.object, ox.NamedNode):
                direct.setdefault(subject_of(q).value, set()).add(q.object.value)

        def closure(p: str, seen: frozenset[str] = frozenset()) -> frozenset[str]:
            ups = direct.get(p, set()) - seen
            return frozenset(ups).union(*(closure(u, seen | ups) for u in ups))

        return {p: closure(p) for p in direct}

    @cached_property
    def terms(self) -> dict[str, list[str]]:
        """The classes and properties the ontology declares or aligns to (schema.org, ORG,
        PROV…), and those the shapes constrain: what a query over this graph names."""
        declared = {
            OWL + "Class": "classes",
            RDFS + "Class": "classes",
            OWL + "ObjectProperty": "properties",
            OWL + "DatatypeProperty": "properties",
            OWL + "AnnotationProperty": "properties",
            RDF + "Property": "properties",
        }
        linked = {  # both ends of these links are terms of the kind
            RDFS + "subClassOf": "classes",
            OWL + "equivalentClass": "classes",
            RDFS + "subPropertyOf": "properties",
            OWL + "equivalentProperty": "properties",
            OWL + "inverseOf": "properties",
        }
        constrained = {
            SH + "path": "properties",
            SH + "targetClass": "classes",
            SH + "class": "classes",
        }
        found: dict[str, set[str]] = {"classes": set(), "properties": set()}
        for q in self.sources.ontology:
            p, o = q.predicate.value, q.object
            if p == RDF + "type" and isinstance(o, ox.NamedNode) and o.value in declared:
                found[declared[o.value]].add(subject_of(q).value)
            elif p in linked and isinstance(o, ox.NamedNode):
                found[linked[p]].update((subject_of(q).value, o.value))
        for q in self.sources.shapes:
            p, o = q.predicate.value, q.object
            if p in constrained and isinstance(o, ox.NamedNode):
                found[constrained[p]].add(o.value)
        return {kind: sorted(t for t in terms if ":" in t) for kind, terms in found.items()}

    @cached_property
    def labels(self) -> dict[str, str]:
        """The English (or untagged) rdfs:label of each ontology term."""
        out: dict[str, str] = {}
        for q in self.sources.ontology:
            o, term = q.object, subject_of(q).value
            if q.predicate.value != RDFS + "label" or not isinstance(o, ox.Literal):
                continue
            if o.language in (None, "en") or term not in out:
                out[term] = o.value
        return out

    @property
    def protected(self) -> set[str]:
        s = self.settings
        return {s.ontology_graph, s.shapes_graph, s.audit_graph}

    def writable_union(self, graph: str) -> bool:
        """A named graph that deleting from the default graph (the union) reaches."""
        return graph not in self.protected and self.settings.in_union(graph)


# -- 1. requests into change sets ---------------------------------------------------------------
def update_change(
    changes: ChangeSet, req: UpdateRequest, vocab: Vocabulary, ops: list[CompValue] | None = None
) -> str:
    apply_update(changes, req, vocab.protected, vocab.settings.in_union, ops)
    return "SPARQL Update"


def undo_change(changes: ChangeSet, change_iri: str, settings: Settings) -> str:
    """Take back what an earlier change did, from the patch recorded with it: remove what it
    added, put back what it removed. Later changes to the same facts are not merged: the result
    is checked by the shapes like any write."""
    try:
        node = ox.NamedNode(change_iri)
    except ValueError:
        raise BadInputError(f"{change_iri!r} is not an absolute IRI") from None
    patch = ox.NamedNode(settings.ontology_ns + "patch")
    audit = ox.NamedNode(settings.audit_graph)
    # no iterator kept in a local: an error's traceback would carry it to another thread
    recorded = next(iter(changes.source.quads_for_pattern(node, patch, None, audit)), None)
    if recorded is None:
        raise NotFound(f"no recorded change {change_iri} (with its patch) to undo")
    removed, added = read_patch(object_of(recorded).value)
    changes.discard(added)
    changes.extend(removed)
    return f"Undo <{change_iri}>"


def graph_store_change(
    changes: ChangeSet,
    method: str,
    graph: ox.NamedNode | ox.DefaultGraph,
    quads: Iterable[ox.Quad] = (),
    writable: Callable[[str], bool] = lambda graph: True,
) -> str:
    """PUT replaces the graph, POST merges into it, DELETE empties it."""
    target = "DEFAULT" if isinstance(graph, ox.DefaultGraph) else f"<{graph.value}>"
    if method in ("PUT", "DELETE"):
        current = list(changes.match(graph_name=graph))
        if isinstance(graph, ox.DefaultGraph):
            # the default graph is the union: emptying it empties the curated graphs
            for q in current:
                changes.discard_from_union(subject_of(q), q.predicate, object_of(q), writable)
        else:
            changes.discard(current)
    if method in ("PUT", "POST"):
        changes.extend(ox.Quad(q.subject, q.predicate, q.object, graph) for q in quads)
    return f"Graph Store {method} {target}"


# -- 2. completing a change ---------------------------------------------------------------------
def complete(changes: ChangeSet, vocab: Vocabulary) -> None:
    protected = vocab.protected
    for q in (*changes.added, *changes.removed):
        if isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value in protected:
            raise ManagedGraph(q.graph_name.value)
    ontology = vocab.sources.ontology
    # materialized schema.org types/properties follow the quads they come from
    changes.extend(materialize(list(changes.added), ontology))
    removed = set(changes.removed)
    derived = set(materialize(list(removed), ontology)) - removed
    for d in derived:
        rest = [
            q for q in changes.match(subject_of(d), None, None, d.graph_name) if q not in derived
        ]
        if d not in set(materialize(rest, ontology)):
            changes.remove(d)
    # a removed quad that what remains still implies stays (e.g. a PUT restating a graph)
    for subject, graph in {(subject_of(q), q.graph_name) for q in removed}:
        implied = set(materialize(list(changes.match(subject, None, None, graph)), ontology))
        changes.extend(
            q for q in removed if (q.subject, q.graph_name) == (subject, graph) and q in implied
        )
    # the default graph stays the union of the named graphs (audit and article graphs apart)
    touched = changes.keep_union(vocab.settings.in_union)
    subjects: set[Term] = {t[0] for t in touched}
    reverify(changes, subjects | {t[2] for t in touched}, vocab)


def reverify(changes: ChangeSet, nodes: set[Term], vocab: Vocabulary) -> None:
    """Recompute the verdicts of article claims about `nodes`, whose curated facts changed,
    within the same change (verdicts never lag behind the curated data)."""
    settings, ontology = vocab.settings, vocab.sources.ontology
    graphs: set[ox.NamedNode] = set()
    for node in nodes:
        if not (isinstance(node, ox.NamedNode) and node.value.startswith(settings.entity_ns)):
            continue
        for p in (_RDF_SUBJECT, _RDF_OBJECT):
            graphs.update(
                q.graph_name
                for q in changes.match(None, p, node, None)
                if isinstance(q.graph_name, ox.NamedNode)
                and q.graph_name.value.startswith(settings.article_ns)
            )
    if not graphs:
        return
    # the verdict properties and the schema.org properties materialized from them
    ibi = settings.ontology_ns
    own = [ox.NamedNode(ibi + p) for p in ("verdict", "verdictReason", "evidence")]
    x = ox.NamedNode(ibi + "x")
    derived = {d.predicate for p in own for d in materialize([ox.Quad(x, p, x)], ontology)}
    for g in sorted(graphs, key=str):
        quads = list(changes.match(None, None, None, g))
        claims = verify_claims(read_claims(quads, settings), changes, settings)
        ids = {ox.NamedNode(c.iri) for c in claims}
        base = [q for q in quads if not (q.subject in ids and q.predicate in derived - set(own))]
        fresh = set(materialize(replace_verdicts(base, claims, settings), ontology))
        old = set(quads)
        changes.discard(old - fresh)
        changes.extend(fresh - old)


@dataclass
class ArticleIngestion:
    """A change that ingests one article: its graph is replaced by what ingestion makes of it.
    Pass it as the `build` of a change; once built, `result` says what was found."""

    article: Article
    settings: Settings
    activity: str = "Article ingestion"  # the label of the change's activity
    result: IngestResult | None = None

    def __call__(self, changes: ChangeSet) -> str:
        self.result = ingest_article(self.article, changes, self.settings)
        graph_store_change(changes, "PUT", ox.NamedNode(self.result.graph), self.result.quads)
        return self.activity

    def done(self) -> IngestResult:
        if self.result is None:
            raise RuntimeError("the article was not ingested: the change was never built")
        return self.result


def commit_change(
    writer: Writer,
    build: Callable[[ChangeSet], str],
    *,
    principal: Principal,
    request_text: str,
    reason: str | None,
    vocab: Vocabulary,
) -> Change:
    """One write through a backend's writer, start to end."""
    with writer.transaction() as txn:
        return run_change(
            txn,
            lambda changes, audit: txn.commit(changes.removed, [*changes.added, *audit]),
            build,
            principal=principal,
            request_text=request_text,
            reason=reason,
            vocab=vocab,
        )


# -- 3. checking it -----------------------------------------------------------------------------
def guard_removal(changes: ChangeSet, principal: Principal, settings: Settings) -> None:
    """Refuse a curator's change that removes more than IBIGRAPH_MAX_REMOVED_PERCENT of the
    store: a slip of a DELETE WHERE can empty the graph, and only an admin may do that."""
    removed = len(changes.removed)
    if principal.role == "admin" or removed <= SMALL_REMOVAL:
        return
    total = len(changes.source)
    if removed * 100 > settings.max_removed_percent * total:
        raise Forbidden(
            f"this change removes {removed} of the store's {total} quads, more than "
            f"{settings.max_removed_percent}% (IBIGRAPH_MAX_REMOVED_PERCENT): only an admin may "
            "remove that much at once. Check the WHERE clause, or remove less per write"
        )


def neighbourhood(
    changes: ChangeSet, vocab: Vocabulary
) -> tuple[list[ox.Quad], set[str], set[str]]:
    """The quads the shapes need to judge what the change touches, as they will be after it;
    the nodes whose violations count (the neighbourhood); and the nodes the change itself
    touches (whose warnings are reported: a neighbour's old warnings are not this change's)."""
    protected = vocab.protected
    touched = [q for q in (*changes.added, *changes.removed) if q.graph_name != _DEFAULT]
    touched += [
        q
        for q in (*changes.added, *changes.removed)
        if q.graph_name == _DEFAULT and not _is_union_copy(changes, q, vocab.settings.in_union)
    ]
    focus: set[ox.NamedNode | ox.BlankNode] = set()
    for q in touched:
        focus.add(subject_of(q))
        if q.predicate != _TYPE and isinstance(q.object, (ox.NamedNode, ox.BlankNode)):
            focus.add(q.object)
        if isinstance(q.graph_name, ox.NamedNode):
            focus.add(q.graph_name)
    touched_nodes = {n.value for n in focus}
    changes.prefetch(subjects=focus, objects=focus)
    for node in list(focus):
        for i, q in enumerate(changes.match(None, None, node, _DEFAULT)):
            if i >= MAX_INCOMING:
                break
            focus.add(subject_of(q))
    quads: set[ox.Quad] = set()
    changes.prefetch(subjects=focus)
    for node in list(focus):
        quads.update(changes.match(node, None, None, None))
    graphs = {q.graph_name for q in quads if isinstance(q.graph_name, ox.NamedNode)}
    for g in graphs:
        for d in changes.match(g, _SOURCE, None, _DEFAULT):
            for other in changes.match(None, _SOURCE, object_of(d), _DEFAULT):
                focus.add(subject_of(other))
                quads.update(changes.match(subject_of(other), None, None, _DEFAULT))
        quads.update(changes.match(g, None, None, _DEFAULT))
        focus.add(g)
    for q in list(quads):
        if isinstance(q.object, (ox.NamedNode, ox.BlankNode)) and q.predicate != _TYPE:
            quads.update(changes.match(q.object, _TYPE, None, None))
    data = [
        q
        for q in quads
        if not (isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value in protected)
        and not (q.graph_name == _DEFAULT and _is_union_copy(changes, q, vocab.settings.in_union))
    ]
    return data, {n.value for n in focus}, touched_nodes


def _is_union_copy(changes: ChangeSet, q: ox.Quad, in_union: Callable[[str], bool]) -> bool:
    """A default-graph quad that is there because a graph of the union holds its triple (the
    rule ChangeSet.keep_union maintains), not a fact of the default graph itself."""
    return any(
        isinstance(m.graph_name, ox.NamedNode) and in_union(m.graph_name.value)
        for m in changes.match(*triple_of(q))
    )


def check(changes: ChangeSet, vocab: Vocabulary) -> ValidationReport:
    """Validate the neighbourhood; raise ValidationFailed if the change breaks a shape."""
    data, focus, touched = neighbourhood(changes, vocab)
    if not data:
        return ValidationReport(conforms=True, results=(), graph=None)
    report = validate_quads(data, vocab.sources, vocab.settings, vocab.shapes)

    def reported(focus_node: str | None, severity: str) -> bool:
        return focus_node in (focus if severity == "Violation" else touched)

    results = tuple(r for r in report.results if reported(r.focus_node, r.severity))
    conforms = not any(r.severity == "Violation" for r in results)
    graph = cast(rdflib.Graph, report.graph)  # validate_quads always returns one
    for node in list(graph.subjects(RDFLIB_SH.focusNode, None)):
        severity = str(graph.value(node, RDFLIB_SH.resultSeverity) or "").rsplit("#", 1)[-1]
        if not reported(str(graph.value(node, RDFLIB_SH.focusNode)), severity):
            graph.remove((None, RDFLIB_SH.result, node))
            graph.remove((node, None, None))
    graph.set(
        (
            next(graph.subjects(RDFLIB_RDF.type, RDFLIB_SH.ValidationReport)),
            RDFLIB_SH.conforms,
            rdflib.Literal(conforms),
        )
    )
    report = ValidationReport(conforms=conforms, results=results, graph=graph)
    if not conforms:
        raise ValidationFailed(report)
    return report


# -- 4. recording it ----------------------------------------------------------------------------
def audit_quads(change: Change, settings: Settings) -> list[ox.Quad]:
    g = ox.NamedNode(settings.audit_graph)
    c = ox.NamedNode(change.iri)
    agent = ox.NamedNode(settings.base + "agent/" + change.principal.name)
    ibi = settings.ontology_ns

    def lit(value: object, datatype: str | None = None) -> ox.Literal:
        return ox.Literal(str(value), datatype=ox.NamedNode(datatype) if datatype else None)

    triples: list[tuple[ox.NamedNode, str, Term]] = [
        (c, RDF + "type", ox.NamedNode(ibi + "Change")),
        (c, RDF + "type", ox.NamedNode(PROV + "Activity")),
        (c, RDF + "type", ox.NamedNode(SCHEMA + "UpdateAction")),
        (c, SCHEMA + "name", lit(change.operation)),
        (c, PROV + "wasAssociatedWith", agent),
        (c, SCHEMA + "agent", agent),
        (c, PROV + "startedAtTime", date_time(change.started)),
        (c, PROV + "endedAtTime", date_time(change.ended or change.started)),
        (c, ibi + "quadsAdded", lit(change.added, XSD + "integer")),
        (c, ibi + "quadsRemoved", lit(change.removed, XSD + "integer")),
        (c, ibi + "request", lit(change.request[:MAX_REQUEST_TEXT])),
        (c, ibi + "patch", lit(change.patch)),
        (agent, RDF + "type", ox.NamedNode(PROV + "Agent")),
        (agent, RDFS + "label", lit(change.principal.name)),
    ]
    if change.reason:
        triples.append((c, DCTERMS + "description", lit(change.reason)))
    triples += [(c, ibi + "changedGraph", ox.NamedNode(x)) for x in change.graphs]
    triples += [(c, ibi + "changedEntity", ox.NamedNode(x)) for x in change.entities]
    return [ox.Quad(s, ox.NamedNode(p), o, g) for s, p, o in triples]


def run_change(
    source: QuadSource,
    commit: Callable[[ChangeSet, list[ox.Quad]], None],
    build: Callable[[ChangeSet], str],
    *,
    principal: Principal,
    request_text: str,
    reason: str | None,
    vocab: Vocabulary,
) -> Change:
    """Evaluate, complete, check, record and commit one write. Nothing is written unless every
    step succeeds."""
    s = vocab.settings
    started = datetime.now(UTC)
    changes = ChangeSet(
        source, max_quads=s.max_change_quads, deadline=time.monotonic() + s.query_timeout
    )
    operation = build(changes)
    complete(changes, vocab)
    guard_removal(changes, principal, s)
    check(changes, vocab)
    change = Change(
        iri=f"{s.base}change/{started.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:12]}",
        principal=principal,
        operation=operation,
        request=request_text,
        reason=reason,
        started=started,
        added=len(changes.added),
        removed=len(changes.removed),
        patch=changes.patch(),
    )
    all_quads = (*changes.added, *changes.removed)
    change.graphs = sorted(
        {q.graph_name.value for q in all_quads if isinstance(q.graph_name, ox.NamedNode)}
    )
    change.entities = sorted(
        {
            t.value
            for q in all_quads
            for t in (q.subject, q.object)
            if isinstance(t, ox.NamedNode) and t.value.startswith(s.entity_ns)
        }
    )
    change.ended = datetime.now(UTC)
    if changes.added or changes.removed:
        commit(changes, audit_quads(change, s))
    return change
