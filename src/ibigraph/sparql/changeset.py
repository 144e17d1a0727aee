"""A change to the dataset, computed before anything is written.

`ChangeSet` overlays the quads to add and remove on a read-only view of the store, so a SPARQL
Update or a Graph Store request can be evaluated, checked (shapes, limits, protected graphs) and
only then committed in one step. Reads through the overlay see the store as the change would
leave it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator

import pyoxigraph as ox

from ..errors import ChangeTooLarge, QueryTimeout
from ..rdf.terms import GraphName, Subject, Term, object_of, subject_of, triple_of
from ..store.base import QuadSource

__all__ = ["ChangeSet", "QuadSource", "Term", "read_patch", "write_patch"]


def write_patch(removed: Iterable[ox.Quad], added: Iterable[ox.Quad]) -> str:
    """An RDF Patch (https://afs.github.io/rdf-patch/): a transaction of D rows (what is
    removed) then A rows (what is added), in N-Quads term syntax, sorted so that the same change
    always reads the same. Applying the rows the other way round (A for D, D for A, in reverse
    order) undoes it."""
    rows = ["TX ."]
    rows += sorted(f"D {q} ." for q in removed)
    rows += sorted(f"A {q} ." for q in added)
    rows.append("TC .")
    return "\n".join(rows) + "\n"


def read_patch(text: str) -> tuple[list[ox.Quad], list[ox.Quad]]:
    """The quads an RDF Patch written by `write_patch` removes and adds."""
    rows: dict[str, list[str]] = {"D": [], "A": []}
    for line in text.splitlines():
        if line[:2] in ("D ", "A "):
            rows[line[0]].append(line[2:])
    removed, added = (
        list(ox.parse("\n".join(rows[kind]) + "\n", format=ox.RdfFormat.N_QUADS))
        for kind in ("D", "A")
    )
    return removed, added


def _is_default(q: ox.Quad) -> bool:
    return isinstance(q.graph_name, ox.DefaultGraph)


class ChangeSet:
    """Quads added and removed on top of `source`; reads see the result.

    `graph_name=None` in a pattern means every graph, including the default graph.
    """

    def __init__(self, source: QuadSource, *, max_quads: int, deadline: float | None = None):
        self.source = source
        self.added: set[ox.Quad] = set()
        self.removed: set[ox.Quad] = set()
        self.max_quads = max_quads
        self.deadline = deadline

    def __len__(self) -> int:
        return len(self.added) + len(self.removed)

    def patch(self) -> str:
        """The change as an RDF Patch (`write_patch`)."""
        return write_patch(self.removed, self.added)

    def _tick(self) -> None:
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise QueryTimeout("the update ran past its time limit and was not applied")

    def stored(self, q: ox.Quad) -> ox.Quad | None:
        """The source's own copy of `q`, if it holds it. The store may keep a literal in a
        canonical form (Oxigraph stores an xsd:nonNegativeInteger as an xsd:integer), so the
        copy can differ from `q` and is what removal must name."""
        found = self.source.quads_for_pattern(
            subject_of(q), q.predicate, object_of(q), q.graph_name
        )
        return next(iter(found), None)

    def contains(self, q: ox.Quad) -> bool:
        if q in self.added:
            return True
        stored = self.stored(q)
        return stored is not None and stored not in self.removed

    def add(self, q: ox.Quad) -> None:
        if q in self.added:
            return
        stored = self.stored(q)
        if stored is None:
            self.added.add(q)
            self._check_size()
        else:
            self.removed.discard(stored)

    def remove(self, q: ox.Quad) -> None:
        if q in self.added:
            self.added.discard(q)
            return
        stored = self.stored(q)
        if stored is not None and stored not in self.removed:
            self.removed.add(stored)
            self._check_size()

    def prefetch(self, subjects: Iterable[Term] = (), objects: Iterable[Term] = ()) -> None:
        """Let a remote source read these nodes' quads in bulk before one-by-one lookups."""
        prefetch = getattr(self.source, "prefetch", None)
        if prefetch is not None:
            prefetch(subjects, objects)

    def extend(self, quads: Iterable[ox.Quad]) -> None:
        quads = list(quads)
        self.prefetch(subjects={subject_of(q) for q in quads})
        for q in quads:
            self.add(q)

    def discard(self, quads: Iterable[ox.Quad]) -> None:
        quads = list(quads)
        self.prefetch(subjects={subject_of(q) for q in quads})
        for q in quads:
            self.remove(q)

    def _check_size(self) -> None:
        if len(self) > self.max_quads:
            raise ChangeTooLarge(
                f"the change adds or removes more than {self.max_quads} quads; split it into "
                "smaller writes (or raise IBIGRAPH_MAX_CHANGE_QUADS)"
            )

    def match(
        self,
        subject: Subject | None = None,
        predicate: ox.NamedNode | None = None,
        object: Term | None = None,
        graph_name: GraphName | None = None,
    ) -> Iterator[ox.Quad]:
        """Quads matching the pattern after the change."""
        for i, q in enumerate(
            self.source.quads_for_pattern(subject, predicate, object, graph_name)
        ):
            if i % 1024 == 0:
                self._tick()
            if q not in self.removed:
                yield q
        for q in list(self.added):
            if (
                (subject is None or q.subject == subject)
                and (predicate is None or q.predicate == predicate)
                and (object is None or q.object == object)
                and (graph_name is None or q.graph_name == graph_name)
            ):
                yield q

    quads_for_pattern = match  # a change set reads like a store (e.g. for ingestion)

    def keep_union(
        self, in_union: Callable[[str], bool]
    ) -> set[tuple[Subject, ox.NamedNode, Term]]:
        """Make the default graph the union of the graphs `in_union` accepts again, for every
        triple the change touches; returns those triples. A triple added to the default graph
        itself (a source description) stays even when no named graph holds it."""

        def counts(q: ox.Quad) -> bool:
            return isinstance(q.graph_name, ox.NamedNode) and in_union(q.graph_name.value)

        changed = (*self.added, *self.removed)
        self.prefetch(subjects={subject_of(q) for q in changed})
        touched = {triple_of(q) for q in changed if counts(q)}
        touched |= {triple_of(q) for q in changed if _is_default(q)}
        explicit = {triple_of(q) for q in self.added if _is_default(q)}
        for t in touched:
            default = ox.Quad(*t, ox.DefaultGraph())
            if any(counts(q) for q in self.match(*t)):
                self.add(default)
            elif (
                t not in explicit
                and self.contains(default)
                and any(counts(q) for q in self.source.quads_for_pattern(*t))
            ):
                self.remove(default)  # it was only the union copy of a removed fact
        return touched

    def discard_from_union(
        self,
        subject: Subject,
        predicate: ox.NamedNode,
        object: Term,
        writable: Callable[[str], bool],
    ) -> None:
        """Delete a triple from the default graph, which is the union: from the default graph
        and from every named graph `writable` accepts."""
        self.discard(
            q
            for q in self.match(subject, predicate, object)
            if _is_default(q)
            or (isinstance(q.graph_name, ox.NamedNode) and writable(q.graph_name.value))
        )

    def graphs(self) -> set[ox.NamedNode | ox.BlankNode]:
        """Named graphs holding at least one quad after the change."""
        names = set(self.source.named_graphs())
        names |= {q.graph_name for q in self.added if not isinstance(q.graph_name, ox.DefaultGraph)}
        touched = {q.graph_name for q in self.removed}
        for g in touched & names:
            if next(self.match(graph_name=g), None) is None:
                names.discard(g)
        return names
