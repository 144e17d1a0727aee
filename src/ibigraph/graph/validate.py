"""SHACL validation of the curated data with pySHACL (RDFS inference on).

The shapes see a *validation view* of the dataset: the union of all graphs, plus two kinds of
computed triples that make provenance checkable in SHACL:

- every IRI under `{base}id/` is typed `ibi:Entity`, so an IRI that is linked to but never
  described fails the entity shape (usually a typo);
- `?entity ibi:assertedIn ?g` for every named graph `?g` that states a fact about the entity,
  and `ibi:assertedIn ibi:defaultGraph` for a fact outside any named graph; the shapes require
  every such graph to be a described `ibi:SourceGraph`;
- in the service's own graphs (sources and articles, named under the base IRI), `?node
  ibi:namesWith ?iri` for an IRI outside http(s) used as the subject or predicate of a triple
  about `?node`, and `?node ibi:linksTo ?iri` for one used as an object (only those: the shapes
  decide which schemes may stay, e.g. mailto: as a link), because pages render IRIs as links and
  `javascript:` or `data:` must never become one. Other graphs (a client's own, e.g.
  `urn:x:g`) are not held to this; pages show their non-web IRIs as text;
- `?node ibi:badCheckDigit ?iri` for a ROR or ORCID IRI whose check digits are wrong
  (identifiers.py), which a pattern cannot see.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Generator, Iterable
from contextlib import closing
from dataclasses import asdict, dataclass, field

import pyoxigraph as ox
import rdflib
import rdflib.collection
from owlrl.DatatypeHandling import use_Alt_lexical_conversions
from pyshacl import validate as shacl_validate
from rdflib.namespace import SH

from ..config import Settings
from ..rdf.convert import RDFLIB_SPARQL_LOCK, to_rdflib_graph
from ..rdf.vocab import RDF
from .identifiers import bad_check_digit
from .load import Sources

__all__ = [
    "SEVERITY",
    "Progress",
    "ShapesContext",
    "ValidationReport",
    "ValidationResult",
    "gather_report",
    "node_text",
    "path_text",
    "sort_results",
    "validate_quads",
    "validation_view",
]

log = logging.getLogger(__name__)

# pySHACL's RDFS inference (owlrl) replaces rdflib's lexical converters with its own, stricter
# ones (an xsd:gYear such as "20x3" becomes ill-typed) and never puts them back, so a literal
# was judged one way before the first validation in a process and another way after it. Set
# them once, now, so that every validation (and the compiled queries' datatype checks) sees
# the same rules.
use_Alt_lexical_conversions()

# looked up with what `Graph.value` returns
SEVERITY: dict[rdflib.term.Node | None, str] = {
    SH.Violation: "Violation",
    SH.Warning: "Warning",
    SH.Info: "Info",
}


@dataclass(frozen=True)
class ValidationResult:
    focus_node: str
    path: str | None
    value: str | None
    message: str
    severity: str
    shape: str | None  # the shape that reported it, when it has an IRI
    constraint: str  # the SHACL constraint component, e.g. MinCountConstraintComponent
    sparql_constraint: str | None = None  # for SPARQL constraints, the constraint's IRI


@dataclass(frozen=True)
class ValidationReport:
    conforms: bool
    results: tuple[ValidationResult, ...]
    graph: rdflib.Graph | None = field(repr=False, compare=False)  # None: no report graph
    partial: bool = False  # validation stopped early (enough violations found)

    @property
    def violations(self) -> tuple[ValidationResult, ...]:
        return tuple(r for r in self.results if r.severity == "Violation")

    @property
    def warnings(self) -> tuple[ValidationResult, ...]:
        return tuple(r for r in self.results if r.severity != "Violation")

    def to_json(self) -> str:
        body: dict[str, object] = {"conforms": self.conforms}
        if self.partial:
            body["partial"] = True
        body["results"] = [asdict(r) for r in self.results]
        return json.dumps(body, indent=2)


_WEB = ("http://", "https://")


def validation_view(data: Iterable[ox.Quad], settings: Settings) -> rdflib.Graph:
    """The union graph plus the computed `ibi:Entity` / `ibi:assertedIn` triples."""
    data = list(data)
    ns = settings.entity_ns
    entity = ox.NamedNode(settings.ontology_ns + "Entity")
    asserted_in = ox.NamedNode(settings.ontology_ns + "assertedIn")
    default = ox.NamedNode(settings.ontology_ns + "defaultGraph")
    rdf_type = ox.NamedNode(RDF + "type")
    names_with = ox.NamedNode(settings.ontology_ns + "namesWith")
    links_to = ox.NamedNode(settings.ontology_ns + "linksTo")
    bad_digit = ox.NamedNode(settings.ontology_ns + "badCheckDigit")
    extra: set[ox.Quad] = set()
    for q in data:
        if isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value.startswith(settings.base):
            for node in (q.subject, q.predicate):
                if isinstance(node, ox.NamedNode) and not node.value.startswith(_WEB):
                    extra.add(ox.Quad(q.subject, names_with, node))
            if isinstance(q.object, ox.NamedNode) and not q.object.value.startswith(_WEB):
                extra.add(ox.Quad(q.subject, links_to, q.object))
        if isinstance(q.object, ox.NamedNode) and bad_check_digit(q.object.value):
            extra.add(ox.Quad(q.subject, bad_digit, q.object))
        for term in (q.subject, q.object):
            if isinstance(term, ox.NamedNode) and term.value.startswith(ns):
                extra.add(ox.Quad(term, rdf_type, entity))
        if isinstance(q.subject, ox.NamedNode) and q.subject.value.startswith(ns):
            g = q.graph_name if isinstance(q.graph_name, ox.NamedNode) else default
            extra.add(ox.Quad(q.subject, asserted_in, g))
    return to_rdflib_graph([*data, *extra])


def node_text(node: rdflib.term.Node | None) -> str | None:
    if node is None:
        return None
    if isinstance(node, rdflib.Literal):
        return node.n3() if (node.language or node.datatype) else str(node)
    return str(node)


_PATH_OPERATORS = {
    SH.inversePath: "^{}",
    SH.zeroOrMorePath: "({})*",
    SH.oneOrMorePath: "({})+",
    SH.zeroOrOnePath: "({})?",
}


def path_text(report: rdflib.Graph, node: rdflib.term.Node | None) -> str | None:
    """A result's path: an IRI, or a complex path written as in SPARQL (`<a>/^<a>`); pySHACL
    reports those as blank nodes, whose ids differ from run to run."""
    if not isinstance(node, rdflib.BNode):
        return node_text(node)
    if (node, rdflib.RDF.first, None) in report:
        steps = rdflib.collection.Collection(report, node)
        return "/".join(_path_step(report, s) for s in steps)
    alternatives = report.value(node, SH.alternativePath)
    if alternatives is not None:
        steps = rdflib.collection.Collection(report, alternatives)
        return "(" + "|".join(_path_step(report, s) for s in steps) + ")"
    for operator, form in _PATH_OPERATORS.items():
        inner = report.value(node, operator)
        if inner is not None:
            return form.format(_path_step(report, inner))
    return str(node)


def _path_step(report: rdflib.Graph, node: rdflib.term.Node) -> str:
    return f"<{node}>" if isinstance(node, rdflib.URIRef) else (path_text(report, node) or "")


def _results(report: rdflib.Graph, generic: set[str]) -> tuple[ValidationResult, ...]:
    """Flatten pySHACL's report; `generic` are node-shape messages, dropped when a more
    specific one (from a SPARQL constraint) is there too."""
    out = []
    for r in report.subjects(rdflib.RDF.type, SH.ValidationResult):
        messages = [str(m) for m in report.objects(r, SH.resultMessage)]
        messages = [m for m in messages if m not in generic] or messages
        shape = report.value(r, SH.sourceShape)
        constraint = report.value(r, SH.sourceConstraint)
        out.append(
            ValidationResult(
                focus_node=node_text(report.value(r, SH.focusNode)) or "",
                path=path_text(report, report.value(r, SH.resultPath)),
                value=node_text(report.value(r, SH.value)),
                message="; ".join(sorted(messages)) or "(no message)",
                severity=SEVERITY.get(report.value(r, SH.resultSeverity), "Violation"),
                shape=str(shape) if isinstance(shape, rdflib.URIRef) else None,
                constraint=str(report.value(r, SH.sourceConstraintComponent)).rsplit("#", 1)[-1],
                sparql_constraint=str(constraint)
                if isinstance(constraint, rdflib.URIRef)
                else None,
            )
        )
    return tuple(sort_results(out))


_ORDER = {"Violation": 0, "Warning": 1, "Info": 2}

Progress = Callable[[int, int], None]  # (work done, of all) for a validation of a store


def gather_report(
    batches: Generator[tuple[list[ValidationResult], int]],
    total: int,
    progress: Progress | None = None,
    stop_after: int | None = None,
) -> ValidationReport:
    """One report from the results of a store's validation as they come, in batches (with the
    work each stands for); stop, closing `batches`, once `stop_after` violations are found."""
    results: list[ValidationResult] = []
    done = violations = 0
    stopped = False
    with closing(batches):
        for found, weight in batches:
            results.extend(found)
            done += weight
            violations += sum(r.severity == "Violation" for r in found)
            if progress is not None:
                progress(done, total)
            if stop_after is not None and violations >= stop_after:
                stopped = True
                break
    ordered = tuple(sort_results(results))
    return ValidationReport(conforms=violations == 0, results=ordered, graph=None, partial=stopped)


def sort_results(results: Iterable[ValidationResult]) -> list[ValidationResult]:
    """Violations first, then by focus node, path and message (and the other fields, so that
    the order does not depend on how the results were found)."""
    return sorted(results, key=_sort_key)


def _sort_key(r: ValidationResult) -> tuple[int, str, str, str, str, str, str, str]:
    return (
        _ORDER[r.severity],
        r.focus_node,
        r.path or "",
        r.message,
        r.value or "",
        r.constraint,
        r.shape or "",
        r.sparql_constraint or "",
    )


@dataclass(frozen=True)
class ShapesContext:
    """The shapes and ontology as pySHACL takes them, converted once (writes reuse them)."""

    shapes: rdflib.Graph
    ontology: rdflib.Graph
    generic: frozenset[str]  # node-shape messages, see _results

    @classmethod
    def of(cls, sources: Sources) -> ShapesContext:
        shapes = to_rdflib_graph(sources.shapes)
        generic = frozenset(
            str(m)
            for s in shapes.subjects(rdflib.RDF.type, SH.NodeShape)
            for m in shapes.objects(s, SH.message)
        )
        return cls(shapes, to_rdflib_graph(sources.ontology), generic)


def validate_quads(
    data: list[ox.Quad],
    sources: Sources,
    settings: Settings,
    context: ShapesContext | None = None,
) -> ValidationReport:
    """Validate (materialized) data quads against the shapes, with the ontology for inference."""
    view = validation_view(data, settings)
    ctx = context or ShapesContext.of(sources)
    shapes, generic = ctx.shapes, set(ctx.generic)
    with RDFLIB_SPARQL_LOCK:
        conforms, report, _ = shacl_validate(
            view,
            shacl_graph=shapes,
            ont_graph=ctx.ontology,
            inference="rdfs",
            allow_warnings=True,
            allow_infos=True,
            abort_on_first=False,
        )
    results = _results(report, generic)
    log.info("validated %d quads: %d results", len(data), len(results))
    return ValidationReport(conforms=bool(conforms), results=results, graph=report)
