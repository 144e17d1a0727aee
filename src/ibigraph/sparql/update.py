"""SPARQL 1.1 Update, evaluated into a `ChangeSet` (nothing is written here).

rdflib parses the request and evaluates WHERE clauses over the change set (so each operation
sees the effect of the ones before it); templates are instantiated here, per the spec: all the
deletions of an operation, then all its insertions. LOAD and SERVICE are refused before any
work: the server never fetches a URL.

The default graph reads as the union of all graphs. Writing to it keeps that true: a triple
inserted without GRAPH lands in the default graph only (source descriptions live there), and a
triple deleted from the default graph is deleted from every curated graph that holds it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

import pyoxigraph as ox
import rdflib
from pyparsing import ParseException
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.plugins.sparql import parser as sparql_parser
from rdflib.plugins.sparql.algebra import translateUpdate
from rdflib.plugins.sparql.evaluate import evalPart
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.plugins.sparql.sparql import QueryContext
from rdflib.store import Store as RdflibStore
from rdflib.term import Node

from ..errors import (
    BadInputError,
    ChangeTooLarge,
    ForbiddenFeature,
    ManagedGraph,
    NotFound,
    QuerySyntaxError,
)
from ..rdf.convert import RDFLIB_SPARQL_LOCK, from_rdflib, to_rdflib
from ..rdf.terms import Subject, object_of, subject_of
from .changeset import ChangeSet, Term
from .request import missing_prefixes, unknown_prefix

__all__ = ["UpdateRequest", "apply_update", "parse_update", "to_ox"]

_USING = rdflib.URIRef("urn:x-ibigraph:using")  # the WHERE clause's default graph under USING


@dataclass(frozen=True)
class UpdateRequest:
    update: str
    base_iri: str | None = None
    using_graphs: tuple[str, ...] = ()  # protocol `using-graph-uri`
    using_named_graphs: tuple[str, ...] = ()  # protocol `using-named-graph-uri`
    prefixes: Mapping[str, str] = field(default_factory=dict)  # predeclared, as for queries


def to_ox(term: Node) -> Term:
    try:
        return from_rdflib(term)
    except ValueError:
        raise BadInputError(f"unsupported RDF term {term!r}") from None


def _translate(text: str, base: str | None) -> list[CompValue]:
    with RDFLIB_SPARQL_LOCK:
        return list(translateUpdate(sparql_parser.parseUpdate(text), base=base).algebra)


def parse_update(req: UpdateRequest) -> list[CompValue]:
    """Parse and check; raise QuerySyntaxError naming the position, ForbiddenFeature for LOAD
    and SERVICE.

    The predeclared prefixes a request uses without declaring them are written into its
    prologue (on the first line, so line numbers stay true). rdflib's `initNs` cannot be used:
    it rebinds them before every operation, and a request's own prefix for the same namespace
    (`dc:` beside `dcterms:`) is then lost from its second operation on."""
    text, shift = req.update, 0
    for attempt in range(2):
        try:
            ops = _translate(text, req.base_iri)
            break
        except ParseException as e:
            col = e.col - shift if e.lineno == 1 else e.col
            raise QuerySyntaxError(
                f"SPARQL Update syntax error at line {e.lineno}, column {col}: {e.msg}"
            ) from None
        except Exception as e:  # rdflib raises plain exceptions for e.g. undefined prefixes
            message = str(e)
            if not message.startswith("Unknown namespace prefix"):
                raise QuerySyntaxError(f"SPARQL Update syntax error: {message}") from None
            missing = missing_prefixes(req.update, req.prefixes)
            if attempt == 0 and missing:
                header = "".join(f"PREFIX {p}: <{ns}> " for p, ns in missing.items())
                text, shift = header + req.update, len(header)
                continue
            prefix = message.rsplit(":", 1)[-1].strip()
            raise QuerySyntaxError(
                f"SPARQL Update syntax error: {unknown_prefix(prefix, req.prefixes)}"
            ) from None
    for op in ops:
        if op.name == "Load":
            raise ForbiddenFeature(
                f"LOAD <{op.iri}> refused: this server never fetches URLs; send the data in "
                "the request (INSERT DATA or the Graph Store Protocol)"
            )
        if _uses_service(op):
            raise ForbiddenFeature("SERVICE refused: this server never fetches URLs")
    return ops


def _uses_service(node: object) -> bool:
    if isinstance(node, CompValue):
        if node.name == "ServiceGraphPattern":
            return True
        return any(_uses_service(v) for v in node.values())
    if isinstance(node, (list, tuple)):
        return any(_uses_service(v) for v in node)
    return False


class _OverlayStore(RdflibStore):
    """rdflib's view of a ChangeSet, for evaluating WHERE clauses."""

    context_aware = True
    graph_aware = True

    def __init__(self, changes: ChangeSet, using: UpdateRequest) -> None:
        super().__init__()
        self.changes = changes
        try:
            self.using = [ox.NamedNode(g) for g in using.using_graphs]
            self.using_named = {ox.NamedNode(g) for g in using.using_named_graphs}
        except ValueError as e:
            raise BadInputError(f"a using-graph-uri is not an absolute IRI: {e}") from None

    def _graph_names(self, context: rdflib.Graph | None) -> list[ox.NamedNode | ox.DefaultGraph]:
        ident = getattr(context, "identifier", None)
        if ident is None or ident == DATASET_DEFAULT_GRAPH_ID:
            return [ox.DefaultGraph()]
        if ident == _USING:
            return list(self.using)
        if isinstance(ident, rdflib.BNode):
            return []
        graph = ox.NamedNode(str(ident))
        if self.using_named and graph not in self.using_named and graph not in self.using:
            return []  # USING NAMED limits the graphs GRAPH <g> can see too
        return [graph]

    def triples(
        self,
        triple_pattern: tuple[Node | None, Node | None, Node | None],
        context: rdflib.Graph | None = None,
    ) -> Iterator[tuple[tuple[Node, Node, Node], Iterator[rdflib.Graph | None]]]:
        s, p, o = (
            None if t is None or isinstance(t, rdflib.Variable) else to_ox(t)
            for t in triple_pattern
        )
        if isinstance(p, ox.Literal) or isinstance(s, ox.Literal):
            return
        seen: set[tuple[Term, Term, Term]] = set()
        for g in self._graph_names(context):
            # a SPARQL pattern's predicate is an IRI or a variable
            for q in self.changes.match(s, cast(ox.NamedNode | None, p), o, g):
                key = (subject_of(q), q.predicate, object_of(q))
                if key not in seen:
                    seen.add(key)
                    yield (to_rdflib(key[0]), to_rdflib(key[1]), to_rdflib(key[2])), iter(())

    def contexts(
        self, triple: tuple[Node, Node, Node] | None = None
    ) -> Generator[rdflib.Graph, None, None]:
        names = self.changes.graphs()
        if self.using_named:
            names &= self.using_named
        for g in sorted(names, key=str):
            yield rdflib.Graph(store=self, identifier=to_rdflib(g))

    def __len__(self, context: rdflib.Graph | None = None) -> int:
        return sum(1 for _ in self.triples((None, None, None), context))

    def add_graph(self, graph: rdflib.Graph) -> None:
        pass  # rdflib announces the default graph; graphs exist while they hold quads

    def add(self, *args: Any, **kwargs: Any) -> None:
        raise AssertionError("WHERE clauses never write")

    remove = addN = add


def _graph_of(term: Node | str | None) -> ox.NamedNode | ox.DefaultGraph:
    if term is None or term == "DEFAULT" or term == DATASET_DEFAULT_GRAPH_ID:
        return ox.DefaultGraph()
    return ox.NamedNode(str(term))


class _Executor:
    def __init__(
        self,
        changes: ChangeSet,
        req: UpdateRequest,
        protected: set[str],
        in_union: Callable[[str], bool],
    ) -> None:
        self.changes = changes
        self.req = req
        self.protected = protected  # graphs that ALL/NAMED operations leave alone
        self.in_union = in_union  # graphs whose triples the default graph holds

    # -- primitive writes, with the union-default-graph rule -------------------------------
    def insert(self, quads: Iterable[ox.Quad]) -> None:
        self.changes.extend(quads)

    def delete(self, quads: Iterable[ox.Quad]) -> None:
        for q in list(quads):
            if isinstance(q.graph_name, ox.DefaultGraph):
                # the default graph is the union: a triple deleted from it leaves the union
                self.changes.discard_from_union(
                    subject_of(q), q.predicate, object_of(q), self.writable
                )
            else:
                self.changes.remove(q)

    def graph_quads(self, g: ox.NamedNode | ox.DefaultGraph) -> list[ox.Quad]:
        return list(self.changes.match(graph_name=g))

    def curated_graphs(self) -> list[ox.NamedNode]:
        return sorted(
            (
                g
                for g in self.changes.graphs()
                if isinstance(g, ox.NamedNode) and g.value not in self.protected
            ),
            key=str,
        )

    # -- operations -------------------------------------------------------------------------
    def writable(self, graph: str) -> bool:
        return graph not in self.protected and self.in_union(graph)

    def run(self, ops: list[CompValue]) -> None:
        for op in ops:
            getattr(self, "op_" + op.name)(op)
            self.changes.keep_union(self.in_union)  # the next operation sees the union

    def op_InsertData(self, op: CompValue) -> None:
        bnodes: dict[str, ox.BlankNode] = {}  # fresh blank nodes, shared within the request
        self.insert(self._data(op, bnodes))

    def op_DeleteData(self, op: CompValue) -> None:
        self.delete(self._data(op, {}))

    def _data(self, op: CompValue, bnodes: dict[str, ox.BlankNode]) -> Iterator[ox.Quad]:
        def term(t: Node) -> Term:
            if isinstance(t, rdflib.BNode):
                return bnodes.setdefault(str(t), ox.BlankNode(uuid.uuid4().hex))
            return to_ox(t)

        # ox.Quad refuses a literal subject or a predicate that is not an IRI (TypeError)
        for s, p, o in op.triples or ():
            yield ox.Quad(
                cast(Subject, term(s)), cast(ox.NamedNode, term(p)), term(o), ox.DefaultGraph()
            )
        for g, triples in (op.quads or {}).items():
            for s, p, o in triples:
                yield ox.Quad(
                    cast(Subject, term(s)), cast(ox.NamedNode, term(p)), term(o), _graph_of(g)
                )

    def op_DeleteWhere(self, op: CompValue) -> None:
        where = CompValue("BGP", triples=list(op.triples or ()))
        parts = [where]
        for g, triples in (op.quads or {}).items():
            parts.append(CompValue("Graph", term=g, p=CompValue("BGP", triples=list(triples))))
        pattern = parts[0]
        for p in parts[1:]:
            pattern = CompValue("Join", p1=pattern, p2=p)
        template = CompValue("Template", triples=op.triples or [], quads=op.quads or {})
        self._modify(pattern, delete=template, insert=None, with_graph=None, using=False)

    def op_Modify(self, op: CompValue) -> None:
        self._modify(
            op.where,
            delete=op.delete,
            insert=op.insert,
            with_graph=op.withClause,
            using=bool(op.using),
            using_clauses=op.using or [],
        )

    def _modify(
        self,
        where: CompValue,
        *,
        delete: CompValue | None,
        insert: CompValue | None,
        with_graph: rdflib.URIRef | None,
        using: bool,
        using_clauses: list[CompValue] | None = None,
    ) -> None:
        req = self.req
        if (using_clauses or with_graph is not None) and (
            req.using_graphs or req.using_named_graphs
        ):
            raise BadInputError(
                "give the dataset either in the update (USING, USING NAMED or WITH) or with "
                "using-graph-uri/using-named-graph-uri parameters, not both"
            )
        if using_clauses:
            req = UpdateRequest(
                req.update,
                req.base_iri,
                tuple(str(u.default) for u in using_clauses if u.default),
                tuple(str(u.named) for u in using_clauses if u.named),
            )
        store = _OverlayStore(self.changes, req)
        dataset = rdflib.Dataset(store=store, default_union=False)
        ctx = QueryContext(dataset, initBindings={})
        if req.using_graphs or req.using_named_graphs:
            ctx = ctx.pushGraph(rdflib.Graph(store=store, identifier=_USING))
        elif with_graph is not None:
            ctx = ctx.pushGraph(rdflib.Graph(store=store, identifier=with_graph))
        target = _graph_of(with_graph)
        dels: list[ox.Quad] = []
        adds: list[ox.Quad] = []
        # the WHERE clause is evaluated on the state before this operation: nothing is applied
        # until every solution has been read
        for sol in evalPart(ctx, where):
            if delete is not None:
                dels.extend(self._fill(delete, sol, target, fresh=False))
            if insert is not None:
                adds.extend(self._fill(insert, sol, target, fresh=True))
            if len(dels) + len(adds) > self.changes.max_quads:
                raise ChangeTooLarge(
                    f"the update would add or remove more than {self.changes.max_quads} quads; "
                    "split it into smaller writes (or raise IBIGRAPH_MAX_CHANGE_QUADS)"
                )
        self.delete(dels)
        self.insert(adds)

    def _fill(
        self,
        template: CompValue,
        sol: Mapping[rdflib.Variable, Node],
        target: ox.NamedNode | ox.DefaultGraph,
        fresh: bool,
    ) -> Iterator[ox.Quad]:
        """Instantiate a template for one solution; triples with unbound variables are skipped,
        blank nodes are new for each solution."""
        bnodes: dict[str, ox.BlankNode] = {}

        def term(t: Node) -> Node | None:
            if isinstance(t, rdflib.Variable):
                return sol.get(t)
            if isinstance(t, rdflib.BNode):
                if not fresh:
                    raise BadInputError("blank nodes are not allowed in a DELETE template")
                return rdflib.BNode(bnodes.setdefault(str(t), ox.BlankNode(uuid.uuid4().hex)).value)
            return t

        groups: list[tuple[Node | None, list[tuple[Node, Node, Node]]]] = [
            (None, template.triples or [])
        ]
        groups += list((template.quads or {}).items())
        for g, triples in groups:
            graph: ox.NamedNode | ox.DefaultGraph = target
            if g is not None:
                gt = term(g)
                if gt is None or not isinstance(gt, rdflib.URIRef):
                    continue
                graph = ox.NamedNode(str(gt))
            for s, p, o in triples:
                st, pt, ot = term(s), term(p), term(o)
                if st is None or pt is None or ot is None:
                    continue
                if isinstance(st, rdflib.Literal) or not isinstance(pt, rdflib.URIRef):
                    continue  # not a valid triple: skipped, as the spec says
                # st is an IRI or a blank node, pt an IRI
                yield ox.Quad(
                    cast(Subject, to_ox(st)), cast(ox.NamedNode, to_ox(pt)), to_ox(ot), graph
                )

    def _targets(self, op: CompValue) -> list[ox.NamedNode | ox.DefaultGraph]:
        g = op.graphiri
        if g == "ALL":
            return [ox.DefaultGraph(), *self.curated_graphs()]
        if g == "NAMED":
            return list(self.curated_graphs())
        graph = _graph_of(g)
        if isinstance(graph, ox.NamedNode) and graph.value in self.protected:
            raise ManagedGraph(graph.value)  # whether or not it holds anything yet
        if isinstance(graph, ox.NamedNode) and graph not in self.changes.graphs():
            if op.silent:
                return []
            raise NotFound(f"there is no graph <{graph.value}> (use SILENT to ignore)")
        return [graph]

    def op_Clear(self, op: CompValue) -> None:
        for g in self._targets(op):
            self.delete(self.graph_quads(g))

    op_Drop = op_Clear  # graphs exist while they hold quads, so DROP is CLEAR

    def op_Create(self, op: CompValue) -> None:
        g = _graph_of(op.graphiri)
        if g in self.changes.graphs() and not op.silent:
            raise BadInputError(f"graph <{g}> already exists (use SILENT to ignore)")

    def _copy(self, op: CompValue, *, clear_target: bool, clear_source: bool) -> None:
        src, dst = (_graph_of(g) for g in op.graph)
        if ox.DefaultGraph() in (src, dst):
            raise BadInputError(
                f"{op.name.upper()} with DEFAULT is not supported: the default graph is the union "
                "of all graphs; name the source graphs instead"
            )
        if src == dst:
            return
        if isinstance(src, ox.NamedNode) and src not in self.changes.graphs():
            if op.silent:
                return
            raise NotFound(f"there is no graph <{src.value}> (use SILENT to ignore)")
        quads = self.graph_quads(src)
        if clear_target:
            self.delete(self.graph_quads(dst))
        self.insert(ox.Quad(q.subject, q.predicate, q.object, dst) for q in quads)
        if clear_source:
            self.delete(quads)

    def op_Add(self, op: CompValue) -> None:
        self._copy(op, clear_target=False, clear_source=False)

    def op_Copy(self, op: CompValue) -> None:
        self._copy(op, clear_target=True, clear_source=False)

    def op_Move(self, op: CompValue) -> None:
        self._copy(op, clear_target=True, clear_source=True)


def apply_update(
    changes: ChangeSet,
    req: UpdateRequest,
    protected: set[str],
    in_union: Callable[[str], bool] = lambda graph: True,
    ops: list[CompValue] | None = None,
) -> None:
    """Evaluate the update request (or its already parsed `ops`) into `changes`."""
    _Executor(changes, req, protected, in_union).run(ops if ops is not None else parse_update(req))
