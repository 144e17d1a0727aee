"""SHACL shapes compiled to SPARQL: each constraint of each shape becomes one SELECT query whose
solutions are that constraint's validation results (compiled.py runs them over a store).

The queries read the validation view (validate.py) without building it:

- the view's triples are the query's default graph: the store's default graph (the union), the
  graphs outside the union (articles) and the ontology, which pySHACL mixes into the data;
- its computed triples become patterns: `ibi:Entity` types (IRIs under id/), `ibi:assertedIn`
  (each named graph that states a fact about an entity, or `ibi:defaultGraph` for a fact only
  in the default graph), `ibi:namesWith`/`ibi:linksTo` (IRIs outside http(s) in the service's
  graphs) and `ibi:badCheckDigit` (a custom function over `identifiers.bad_check_digit`);
- RDFS inference becomes the ontology's sub-classes and sub-properties, spelled out;
- where SPARQL and pySHACL judge a value differently (ill-typed literals, comparisons, regular
  expressions), the queries call custom functions that judge it as pySHACL does
  (shacl_functions.py).

The compiler translates the SHACL the shapes use: SHACL Core's class, subjects-of, objects-of
and node targets; predicate, sequence and inverse paths; the count, value type, value range,
string, property pair, `sh:or`, `sh:in` and qualified value constraints; and SPARQL constraints
written as a SELECT, with `$this` bound by a join with the focus nodes. On anything else it
raises `NotCompilable`. Tests hold the results equal to pySHACL's, field by field, on the
curated data and on a store that breaks every constraint (tests/unit/test_store_validation.py).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property

import pyoxigraph as ox
import rdflib
import rdflib.collection
from rdflib.namespace import OWL, RDF, RDFS, SH

from ..config import Settings
from ..rdf.convert import from_rdflib, to_rdflib
from .identifiers import CHECKED_PREFIXES
from .partitions import protected_graphs
from .shacl_functions import BAD_CHECK_DIGIT, COMPARE, HAS_DATATYPE, LESS_OR_EQUAL, MATCHES
from .validate import SEVERITY, ValidationResult, node_text, path_text

__all__ = ["FOCUS", "Check", "NotCompilable", "Target", "compile_shapes"]


class NotCompilable(ValueError):
    """A shape uses SHACL that the compiler does not translate."""


@dataclass(frozen=True)
class Check:
    """One constraint of one shape as a query: each solution is a validation result about
    `?this`, with its value in `?value` (when the constraint reports one)."""

    query: str  # with FOCUS where a group binding ?this to the focus nodes goes
    shape: str | None
    path: str | None
    messages: tuple[str, ...]  # SPARQL constraints' messages hold {?var} templates
    severity: str
    constraint: str
    sparql_constraint: str | None = None

    def on(self, focus: str) -> str:
        """The query over the focus nodes `focus` binds (a group)."""
        return self.query.replace(FOCUS, focus)

    def results(self, solutions: ox.QuerySolutions) -> Iterator[ValidationResult]:
        names = {v.value for v in solutions.variables}
        for s in solutions:
            focus = s["this"]
            assert focus is not None, "every check binds ?this"
            value = s["value"] if "value" in names else None
            if self.sparql_constraint is not None and value is None:
                value = focus  # SHACL: a SPARQL constraint's result without ?value is the focus
            yield ValidationResult(
                focus_node=_text(focus) or "",
                path=self.path,
                value=_text(value),
                message=self._message(s, names),
                severity=self.severity,
                shape=self.shape,
                constraint=self.constraint,
                sparql_constraint=self.sparql_constraint,
            )

    def _message(self, s: ox.QuerySolution, names: set[str]) -> str:
        if self.sparql_constraint is None:
            return self._fixed_message  # one string for all the check's results

        def fill(m: re.Match[str]) -> str:
            term = s[m.group(1)] if m.group(1) in names else None
            return m.group(0) if term is None else str(getattr(term, "value", term))

        filled = (_TEMPLATE.sub(fill, m.replace("{$this}", "{?this}")) for m in self.messages)
        return "; ".join(sorted(filled))

    @cached_property
    def _fixed_message(self) -> str:
        return "; ".join(sorted(self.messages))


@dataclass(frozen=True)
class Target:
    """A node shape's focus nodes (a query for them) and the checks that judge them."""

    shape: str
    focus: str
    checks: tuple[Check, ...]


FOCUS = " #focus\n"  # a comment: the query text cannot hold it elsewhere by chance
_TEMPLATE = re.compile(r"\{\?([A-Za-z_][A-Za-z0-9_]*)\}")


def _text(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | None) -> str | None:
    if term is None or isinstance(term, ox.Triple):
        return None if term is None else str(term)
    return node_text(to_rdflib(term))


def _term(node: rdflib.term.Node) -> str:
    """A shapes-graph term written in SPARQL."""
    if isinstance(node, rdflib.BNode):
        raise NotCompilable(f"a blank node where a value is expected: {node}")
    return str(from_rdflib(node))


def _sorted(nodes: Iterable[rdflib.term.Node | None]) -> list[rdflib.term.Node]:
    return sorted({n for n in nodes if n is not None}, key=str)


def _int(node: rdflib.term.Node) -> int:
    try:
        return int(str(node))
    except ValueError:
        raise NotCompilable(f"not a count: {node}") from None


def _string(text: str) -> str:
    return str(ox.Literal(text))


# A shape's predicates the compiler reads; any other SHACL predicate makes it NotCompilable.
_NODE_KEYS = {
    SH.targetClass,
    SH.targetSubjectsOf,
    SH.targetObjectsOf,
    SH.targetNode,
    SH.severity,
    SH.message,
    SH.property,
    SH.sparql,
    SH.name,
    SH.description,
}
_VALUE_KEYS = {
    SH["class"],
    SH.datatype,
    SH.nodeKind,
    SH.pattern,
    SH.flags,
    SH["in"],
    SH.languageIn,
    SH.minLength,
    SH.maxLength,
    SH.minInclusive,
    SH.maxInclusive,
    SH.minExclusive,
    SH.maxExclusive,
    SH["or"],
}
_PROPERTY_KEYS = {
    SH.path,
    SH.severity,
    SH.message,
    SH.name,
    SH.description,
    SH.order,
    SH.group,
    SH.minCount,
    SH.maxCount,
    SH.equals,
    SH.lessThanOrEquals,
    SH.qualifiedValueShape,
    SH.qualifiedMinCount,
    SH.qualifiedMaxCount,
} | _VALUE_KEYS
_COMPARISONS = {
    SH.minInclusive: ("min-inclusive", "MinInclusive"),
    SH.maxInclusive: ("max-inclusive", "MaxInclusive"),
    SH.minExclusive: ("min-exclusive", "MinExclusive"),
    SH.maxExclusive: ("max-exclusive", "MaxExclusive"),
}
_NODE_KINDS: dict[rdflib.term.Node, str] = {
    SH.IRI: "isIRI({v})",
    SH.Literal: "isLiteral({v})",
    SH.BlankNode: "isBlank({v})",
    SH.IRIOrLiteral: "!isBlank({v})",
    SH.BlankNodeOrIRI: "!isLiteral({v})",
    SH.BlankNodeOrLiteral: "!isIRI({v})",
}
_WEB = "(STRSTARTS(STR({v}), 'http://') || STRSTARTS(STR({v}), 'https://'))"


class _Compiler:
    def __init__(self, shapes: rdflib.Graph, ontology: rdflib.Graph, settings: Settings):
        self.g, self.ontology, self.settings = shapes, ontology, settings
        self.fresh = itertools.count()
        ibi = rdflib.Namespace(settings.ontology_ns)
        self.entity_class = ibi.Entity
        self.entity_supers = set(ontology.transitive_objects(ibi.Entity, RDFS.subClassOf))
        self.protected = ", ".join(f"<{g.value}>" for g in sorted(protected_graphs(settings)))
        self.computed: dict[rdflib.URIRef, Callable[[str, str], tuple[str, str | None]]] = {
            RDF.type: self._types,
            ibi.assertedIn: self._asserted_in,
            ibi.namesWith: self._names_with,
            ibi.linksTo: self._links_to,
            ibi.badCheckDigit: self._bad_check_digit,
        }
        self.default_graph = f"<{ibi.defaultGraph}>"

    def var(self, name: str) -> str:
        return f"?_{name}{next(self.fresh)}"

    # --- terms of the validation view ------------------------------------------------------

    def entity(self, v: str) -> str:
        """The view types an IRI under id/ `ibi:Entity` (any node the query found in it)."""
        return f"(isIRI({v}) && STRSTARTS(STR({v}), {_string(self.settings.entity_ns)}))"

    def is_a(self, v: str, cls: rdflib.term.Node) -> str:
        """`v` is an instance of `cls` (or of a sub-class), in the view."""
        t = self.var("t")
        classes = " ".join(_term(c) for c in _sorted(self._subclasses(cls)))
        expr = f"EXISTS {{ {v} a {t} VALUES {t} {{ {classes} }} }}"
        return f"({expr} || {self.entity(v)})" if cls in self.entity_supers else expr

    def _subclasses(self, cls: rdflib.term.Node) -> set[rdflib.term.Node]:
        return {c for c in self.ontology.transitive_subjects(RDFS.subClassOf, cls) if c is not None}

    def predicate(self, p: rdflib.term.Node) -> str:
        """`p` and its sub-properties, as a SPARQL path."""
        if not isinstance(p, rdflib.URIRef):
            raise NotCompilable(f"a path step that is not an IRI: {p}")
        if p in self.computed:
            raise NotCompilable(f"a computed predicate inside a complex path: {p}")
        props = _sorted(self.ontology.transitive_subjects(RDFS.subPropertyOf, p))
        return (
            "|".join(f"<{q}>" for q in props)
            if len(props) == 1
            else f"({'|'.join(f'<{q}>' for q in props)})"
        )

    def values(self, path: rdflib.term.Node, this: str, value: str) -> tuple[str, str | None]:
        """A pattern binding `value` to the values of `path` at `this`, and a filter that must
        hold where `this` is bound (None: none)."""
        if isinstance(path, rdflib.URIRef) and path in self.computed:
            return self.computed[path](this, value)
        return self._steps(path, this, value), None

    def _steps(self, path: rdflib.term.Node, a: str, b: str) -> str:
        if isinstance(path, rdflib.URIRef):
            return f"{a} {self.predicate(path)} {b} ."
        if (path, RDF.first, None) in self.g:
            steps = list(rdflib.collection.Collection(self.g, path))
            nodes = [a, *(self.var("s") for _ in steps[1:]), b]
            return " ".join(
                self._steps(s, x, y) for s, x, y in zip(steps, nodes, nodes[1:], strict=False)
            )
        inverse = self.g.value(path, SH.inversePath)
        if inverse is not None and len(set(self.g.predicate_objects(path))) == 1:
            return self._steps(inverse, b, a)
        raise NotCompilable(f"a path the compiler does not translate: {path}")

    def _types(self, this: str, value: str) -> tuple[str, str | None]:
        """The stated types, their super-classes in the ontology (RDFS), and `ibi:Entity` for
        an IRI under id/. (A `rdf:type/rdfs:subClassOf*` path would say it in one step, but
        Oxigraph evaluates such a path inside NOT EXISTS over the whole store.)"""
        entity, t = f"<{self.entity_class}>", self.var("t")
        pairs = " ".join(
            f"({_term(c)} {_term(sup)})"
            for c in _sorted(self.ontology.subjects(RDFS.subClassOf, None))
            for sup in _sorted(self.ontology.transitive_objects(c, RDFS.subClassOf))
            if sup != c
        )
        pattern = (
            f"{{ {this} a {value} }} UNION {{ {this} a {t} VALUES ({t} {value}) {{ {pairs} }} }}"
            f" UNION {{ VALUES {value} {{ {entity} }} }}"
        )
        guard = f"(!sameTerm({value}, {entity}) || {self.is_a(this, self.entity_class)})"
        return pattern, guard

    def _asserted_in(self, this: str, value: str) -> tuple[str, str | None]:
        p, o, h = self.var("p"), self.var("o"), self.var("h")
        pattern = (
            f"{{ GRAPH {value} {{ {this} {p} {o} }} FILTER({value} NOT IN ({self.protected})) }}"
            f" UNION {{ {this} {p} {o} FILTER NOT EXISTS {{ GRAPH {h} {{ {this} {p} {o} }} }}"
            f" BIND({self.default_graph} AS {value}) }}"
        )
        return pattern, self.entity(this)

    def _own_graph(self, g: str) -> str:
        """`g` is one of the service's graphs (named under its base) and holds data."""
        return (
            f"STRSTARTS(STR({g}), {_string(self.settings.base)}) && {g} NOT IN ({self.protected})"
        )

    def _names_with(self, this: str, value: str) -> tuple[str, str | None]:
        g, p, o, k = self.var("g"), self.var("p"), self.var("o"), self.var("k")
        pattern = (
            f"GRAPH {g} {{ {this} {p} {o} }} FILTER({self._own_graph(g)})"
            f" VALUES {k} {{ 1 2 }} BIND(IF({k} = 1, {this}, {p}) AS {value})"
            f" FILTER(isIRI({value}) && !{_WEB.format(v=value)})"
        )
        return pattern, None

    def _links_to(self, this: str, value: str) -> tuple[str, str | None]:
        g, p = self.var("g"), self.var("p")
        pattern = (
            f"GRAPH {g} {{ {this} {p} {value} }} FILTER({self._own_graph(g)}"
            f" && isIRI({value}) && !{_WEB.format(v=value)})"
        )
        return pattern, None

    def _bad_check_digit(self, this: str, value: str) -> tuple[str, str | None]:
        p = self.var("p")
        prefixes = " || ".join(f"STRSTARTS(STR({value}), {_string(x)})" for x in CHECKED_PREFIXES)
        pattern = (
            f"{this} {p} {value} FILTER(isIRI({value}) && ({prefixes})"
            f" && <{BAD_CHECK_DIGIT}>({value}))"
        )
        return pattern, None

    # --- shapes ----------------------------------------------------------------------------

    def _keys(self, shape: rdflib.term.Node, allowed: set[rdflib.URIRef]) -> None:
        for p in set(self.g.predicates(shape)):
            if str(p).startswith(str(SH)) and p not in allowed:
                raise NotCompilable(f"{shape} uses {p}")

    def focus(self, shape: rdflib.term.Node) -> str | None:
        """A query for the shape's focus nodes (None: it targets nothing)."""
        branches = []
        for cls in self.g.objects(shape, SH.targetClass):
            t = self.var("t")
            classes = " ".join(_term(c) for c in _sorted(self._subclasses(cls)))
            branches.append(f"?this a {t} VALUES {t} {{ {classes} }}")
            if cls in self.entity_supers:
                p, o = self.var("p"), self.var("o")
                branches.append(
                    f"{{ ?this {p} {o} }} UNION {{ {o} {p} ?this }} FILTER({self.entity('?this')})"
                )
        for prop in self.g.objects(shape, SH.targetSubjectsOf):
            pattern, guard = self.values(prop, "?this", self.var("o"))
            branches.append(pattern + (f" FILTER({guard})" if guard else ""))
        for prop in self.g.objects(shape, SH.targetObjectsOf):
            pattern, guard = self.values(prop, self.var("s"), "?this")
            branches.append(pattern + (f" FILTER({guard})" if guard else ""))
        nodes = [_term(n) for n in self.g.objects(shape, SH.targetNode)]
        if nodes:
            branches.append(f"VALUES ?this {{ {' '.join(nodes)} }}")
        if not branches:
            return None
        union = " UNION ".join(f"{{ {b} }}" for b in branches)
        return f"SELECT DISTINCT ?this WHERE {{ {union} }}"

    def value_tests(self, shape: rdflib.term.Node, v: str) -> list[tuple[str, str]]:
        """(constraint component, expression true for a conforming value) for each value-level
        constraint of `shape`."""
        g, tests = self.g, []
        for cls in g.objects(shape, SH["class"]):
            tests.append(("Class", self.is_a(v, cls)))
        for dt in g.objects(shape, SH.datatype):
            tests.append(("Datatype", f"(isLiteral({v}) && <{HAS_DATATYPE}>({v}, {_term(dt)}))"))
        for kind in g.objects(shape, SH.nodeKind):
            if kind not in _NODE_KINDS:
                raise NotCompilable(f"node kind {kind}")
            tests.append(("NodeKind", _NODE_KINDS[kind].format(v=v)))
        for pattern in g.objects(shape, SH.pattern):
            flags = _string(str(g.value(shape, SH.flags) or ""))
            tests.append(("Pattern", f"<{MATCHES}>({v}, {_string(str(pattern))}, {flags})"))
        for members in g.objects(shape, SH["in"]):
            terms = [_term(t) for t in rdflib.collection.Collection(g, members)]
            tests.append(
                (
                    "In",
                    "(" + " || ".join(f"sameTerm({v}, {t})" for t in terms) + ")"
                    if terms
                    else "false",
                )
            )
        for tags in g.objects(shape, SH.languageIn):
            langs = [str(t) for t in rdflib.collection.Collection(g, tags)]
            matches = " || ".join(f"LANGMATCHES(LANG({v}), {_string(t)})" for t in langs)
            tests.append(("LanguageIn", f"(isLiteral({v}) && ({matches or 'false'}))"))
        for n in g.objects(shape, SH.minLength):
            tests.append(("MinLength", f"(!isBlank({v}) && STRLEN(STR({v})) >= {_int(n)})"))
        for n in g.objects(shape, SH.maxLength):
            tests.append(("MaxLength", f"(!isBlank({v}) && STRLEN(STR({v})) <= {_int(n)})"))
        for key, (order, name) in _COMPARISONS.items():
            for bound in g.objects(shape, key):
                tests.append((name, f"<{COMPARE}>({v}, {_term(bound)}, {_string(order)})"))
        for alternatives in g.objects(shape, SH["or"]):
            ors = [self.conforms(s, v) for s in rdflib.collection.Collection(g, alternatives)]
            tests.append(("Or", "(" + " || ".join(ors) + ")" if ors else "false"))
        return tests

    def conforms(self, shape: rdflib.term.Node, v: str) -> str:
        """An expression true when `v` conforms to a shape made of value-level constraints."""
        self._keys(shape, _VALUE_KEYS | {RDF.type})
        if (shape, SH.path, None) in self.g or (shape, SH.property, None) in self.g:
            raise NotCompilable(f"a nested shape with paths: {shape}")
        tests = [f"COALESCE({t}, false)" for _, t in self.value_tests(shape, v)]
        return "(" + " && ".join(tests) + ")" if tests else "true"

    def messages(self, shape: rdflib.term.Node) -> tuple[str, ...]:
        found = tuple(str(m) for m in self.g.objects(shape, SH.message))
        if not found:
            raise NotCompilable(f"{shape} has no sh:message (pySHACL writes its own)")
        return found

    def property_checks(self, shape: rdflib.term.Node, focus: str) -> Iterator[Check]:
        g = self.g
        self._keys(shape, _PROPERTY_KEYS)
        path = g.value(shape, SH.path)
        if path is None:
            raise NotCompilable(f"a property shape without sh:path: {shape}")
        pattern, guard = self.values(path, "?this", "?value")
        where = pattern + (f" FILTER({guard})" if guard else "")

        def check(query: str, component: str) -> Check:
            return Check(
                query=query,
                shape=str(shape) if isinstance(shape, rdflib.URIRef) else None,
                path=path_text(g, path),
                messages=self.messages(shape),
                severity=SEVERITY.get(g.value(shape, SH.severity), "Violation"),
                constraint=component + "ConstraintComponent",
            )

        for n in g.objects(shape, SH.minCount):
            if _int(n) > 0:
                yield check(self._fewer(focus, where, _int(n)), "MinCount")
        for n in g.objects(shape, SH.maxCount):
            yield check(self._count(focus, where, f"> {_int(n)}"), "MaxCount")
        for component, test in self.value_tests(shape, "?value"):
            yield check(
                f"SELECT DISTINCT ?this ?value WHERE {{ {focus} {where}"
                f" FILTER(!COALESCE({test}, false)) }}",
                component,
            )
        for other in g.objects(shape, SH.equals):
            p = self.predicate(other)
            yield check(
                f"SELECT DISTINCT ?this ?value WHERE {{ {focus}"
                f" {{ {where} FILTER NOT EXISTS {{ ?this {p} ?value }} }}"
                f" UNION {{ ?this {p} ?value FILTER NOT EXISTS {{ {where} }} }} }}",
                "Equals",
            )
        for other in g.objects(shape, SH.lessThanOrEquals):
            w = self.var("w")
            yield check(
                f"SELECT DISTINCT ?this ?value {w} WHERE {{ {focus} {where}"
                f" ?this {self.predicate(other)} {w} FILTER(!<{LESS_OR_EQUAL}>(?value, {w})) }}",
                "LessThanOrEquals",
            )
        for qualified in g.objects(shape, SH.qualifiedValueShape):
            ok = self.conforms(qualified, "?value")
            both = f"FILTER({guard} && {ok})" if guard else f"FILTER({ok})"
            for n in g.objects(shape, SH.qualifiedMinCount):
                if _int(n) > 0:
                    yield check(
                        self._fewer(focus, f"{pattern} {both}", _int(n)), "QualifiedMinCount"
                    )
            for n in g.objects(shape, SH.qualifiedMaxCount):
                yield check(
                    self._count(focus, f"{pattern} {both}", f"> {_int(n)}"), "QualifiedMaxCount"
                )

    @classmethod
    def _fewer(cls, focus: str, where: str, n: int) -> str:
        """The focus nodes with fewer than `n` values (`where` binds them to ?value)."""
        if n == 1:  # NOT EXISTS reads the node's own values, not every value to then join
            return f"SELECT ?this WHERE {{ {focus} FILTER NOT EXISTS {{ {where} }} }}"
        return cls._count(focus, f"OPTIONAL {{ {where} }}", f"< {n}")

    @staticmethod
    def _count(focus: str, where: str, having: str) -> str:
        return (
            f"SELECT ?this WHERE {{ {focus} {where} }} GROUP BY ?this"
            f" HAVING (COUNT(DISTINCT ?value) {having})"
        )

    def sparql_check(
        self, shape: rdflib.term.Node, constraint: rdflib.term.Node, focus: str
    ) -> Check:
        g = self.g
        self._keys(constraint, {SH.select, SH.message, SH.severity})
        select = g.value(constraint, SH.select)
        m = _SELECT.fullmatch(str(select or ""))
        if m is None or _UNTRANSLATED_SPARQL.search(m.group(2)):
            raise NotCompilable(
                f"a SPARQL constraint the compiler does not translate: {constraint}"
            )
        projection, body = (part.replace("$this", "?this") for part in m.groups())
        if "?this" not in projection.split() and projection.strip() != "*":
            projection = "?this " + projection
        messages = tuple(str(x) for x in g.objects(constraint, SH.message)) or self.messages(shape)
        return Check(
            query=f"SELECT {projection} WHERE {{ {focus} {body} }}",
            shape=str(shape) if isinstance(shape, rdflib.URIRef) else None,
            path=None,
            messages=messages,
            severity=SEVERITY.get(g.value(shape, SH.severity), "Violation"),
            constraint="SPARQLConstraintComponent",
            sparql_constraint=str(constraint) if isinstance(constraint, rdflib.URIRef) else None,
        )

    def target(self, shape: rdflib.term.Node) -> Target | None:
        self._keys(shape, _NODE_KEYS | {SH.deactivated})
        if any((shape, RDF.type, c) in self.g for c in (RDFS.Class, OWL.Class)):
            raise NotCompilable(f"an implicit class target: {shape}")
        if (shape, SH.deactivated, rdflib.Literal(True)) in self.g:
            return None
        focus = self.focus(shape)
        if focus is None:
            return None
        checks = [
            c
            for prop in self.g.objects(shape, SH.property)
            for c in self.property_checks(prop, FOCUS)
        ]
        checks += [self.sparql_check(shape, c, FOCUS) for c in self.g.objects(shape, SH.sparql)]
        return Target(str(shape), focus, tuple(checks))


_SELECT = re.compile(r"\s*SELECT\s+(.*?)\s+WHERE\s*\{(.*)\}\s*", re.S | re.I)
# what a join with the focus nodes does not bind as SHACL's pre-binding of $this would (a
# sub-query), or what the engine must not run (SERVICE), or other pre-bound variables
_UNTRANSLATED_SPARQL = re.compile(
    r"\bSELECT\b|\bSERVICE\b|\$PATH\b|\$currentShape\b|\$shapesGraph\b", re.I
)


def compile_shapes(
    shapes: rdflib.Graph, ontology: rdflib.Graph, settings: Settings
) -> list[Target]:
    """Every node shape's focus nodes and checks (one per constraint); NotCompilable if a shape
    uses SHACL the compiler does not translate (property shapes with targets of their own,
    sh:node)."""
    compiler = _Compiler(shapes, ontology, settings)
    for shape in set(shapes.subjects(RDF.type, SH.PropertyShape)):
        if any((shape, t, None) in shapes for t in _TARGETS):
            raise NotCompilable(f"a property shape with targets: {shape}")
    if (None, SH.node, None) in shapes:
        raise NotCompilable("sh:node")
    nodes = sorted(set(shapes.subjects(RDF.type, SH.NodeShape)), key=str)
    return [t for shape in nodes if (t := compiler.target(shape)) is not None]


_TARGETS = (SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf, SH.targetNode, SH.target)
