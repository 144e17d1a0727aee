"""The text index of entities: names, alternate names and acronyms, descriptions, types and
identifiers, built from the store's rows (`queries/search_rows.rq`) for one store version.

Ranking, best first (scores 0-100):

    100  the whole name                    "Human Brain Project"
     95  an alternate name or acronym      "HBP", "NIH"
     90  an identifier or URL              a Wikidata QID, a ROR id, the home page
     70-85  a name that starts with it     "Human Br" (more of the name typed, higher)
     70  every word of it in a name        "connectome" -> "Human Connectome Project"
     50-69  a near name (typos), looked     "Human Brian Project", "brian initiative"
            for when no name is the text
     up to 45  words of the description    "connectome"

Text is compared folded: accents removed, case and punctuation ignored. Fuzzy matching is
rapidfuzz's (C) over every name and alternate name, so a query costs milliseconds at 100k
entities; prefix lookups use a sorted list (bisect).

An index follows the store by change sets: `SearchIndex.applied` takes the RDF Patches of the
writes made since it was built and returns a new index (the old one stays valid for readers
that hold it). Changed entities go to a small overlay built in milliseconds; when the overlay
exceeds COMPACT_AT entities, the whole index is built again.
"""

from __future__ import annotations

import bisect
import heapq
import re
import sys
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Container, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox
from rapidfuzz import fuzz, process

from ..config import Settings
from ..rdf.vocab import RDF, SCHEMA, prefixes
from ..sparql.changeset import read_patch

__all__ = ["Entity", "Hit", "Scope", "SearchIndex", "fold", "index_from_rows"]

_NOT_WORD = re.compile(r"[\W_]+")  # any script: letters and digits are kept
_WORD = re.compile(r"[^\W_]+")
FUZZY_CUTOFF = 75  # rapidfuzz ratio (0-100) of the whole name: "brian" for "brain" is 80
COMPACT_AT = 500  # changed entities kept in the overlay before the index is built again
_SCAN = 64  # names of a prefix few enough to rank by looking at each (suggest)
_STOP = frozenset("a an and the of for in on to de la le des du".split())

NAME, ALTERNATE, DESCRIPTION = SCHEMA + "name", SCHEMA + "alternateName", SCHEMA + "description"
TYPE, IDENTIFIERS = RDF + "type", (SCHEMA + "sameAs", SCHEMA + "url")
Fact = tuple[str, str, str]  # property, value as N-Triples, its lexical form


def fold(text: str) -> str:
    """Lowercase, accents removed, punctuation to single spaces: "Québec's" -> "quebec s"."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return _NOT_WORD.sub(" ", plain).strip()


@dataclass(frozen=True)
class Entity:
    """One entity as the index holds it: its IRI and its facts (the triples of the default
    graph, so a change set adds and removes them exactly); `values` are the lexical forms by
    property, sorted."""

    iri: str
    facts: frozenset[Fact] = field(repr=False)
    values: dict[str, list[str]] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        values: dict[str, set[str]] = defaultdict(set)
        for prop, _, lexical in self.facts:
            values[prop].add(lexical)
        object.__setattr__(self, "values", {p: sorted(v) for p, v in values.items()})

    def first(self, prop: str) -> str | None:
        found = self.values.get(prop)
        return found[0] if found else None


@dataclass(frozen=True)
class Scope:
    """Which quads the index holds: those of the default graph (the union of the sources;
    `default_graph` names it on a remote store that needs a name) about entities (IRIs in
    `entity_ns`) with one of `properties`."""

    entity_ns: str
    properties: frozenset[str]
    default_graph: str | None = None

    @classmethod
    def of(cls, settings: Settings) -> Scope:
        """The properties of queries/search_rows.rq (a test compares the lists): search reads
        names, descriptions, types and identifiers; reconciliation and the browse page the
        rest too."""
        schema = "foundingDate dissolutionDate location areaServed funder memberOf"
        schema += " parentOrganization knowsAbout"
        return cls(
            settings.entity_ns,
            frozenset(
                {NAME, ALTERNATE, DESCRIPTION, TYPE, *IDENTIFIERS}
                | {SCHEMA + p for p in schema.split()}
                | {prefixes(settings.base)["ibi"] + "leadAgency"}
            ),
            settings.remote_default_graph,
        )

    def fact(self, q: ox.Quad) -> tuple[str, Fact] | None:
        """The entity and the fact a quad gives, if it is one the index holds."""
        s, p, o, g = q.subject, q.predicate.value, q.object, q.graph_name
        if (
            not (isinstance(g, ox.DefaultGraph) or g.value == self.default_graph)
            or not isinstance(s, ox.NamedNode)
            or not s.value.startswith(self.entity_ns)
            or p not in self.properties
            or isinstance(o, (ox.BlankNode, ox.Triple))
        ):
            return None
        return s.value, (p, str(o), o.value)


@dataclass(frozen=True)
class Hit:
    entity: Entity
    score: float  # 0-100
    matched: str  # what matched: name, alternate, identifier, prefix, fuzzy, description


Scores = dict[str, tuple[float, str]]  # iri -> (score, what matched)


class _Segment:
    """The lookup structures of a set of entities; read-only once built."""

    def __init__(self, entities: Iterable[Entity]) -> None:
        self.entities = {e.iri: e for e in entities}
        exact: dict[str, list[tuple[str, int, str]]] = defaultdict(list)  # key -> (iri, score, how)
        keys: list[tuple[str, str]] = []  # (folded name or alternate, iri) for prefix and fuzzy
        words: dict[str, set[str]] = defaultdict(set)  # description word -> iris
        name_words: dict[str, set[str]] = defaultdict(set)  # word of a name or alternate -> iris
        for e in self.entities.values():
            for prop, rank, how in ((NAME, 100, "name"), (ALTERNATE, 95, "alternate")):
                for n in e.values.get(prop, ()):
                    if key := fold(n):
                        exact[key].append((e.iri, rank, how))
                        keys.append((key, e.iri))
                        for w in _WORD.findall(key):
                            name_words[w].add(e.iri)
            for p in IDENTIFIERS:
                for v in e.values.get(p, ()):
                    for key in _identifier_keys(v):
                        exact[key].append((e.iri, 90, "identifier"))
            for d in e.values.get(DESCRIPTION, ()):
                for w in _WORD.findall(fold(d)):
                    if w not in _STOP and len(w) > 2:
                        words[w].add(e.iri)
        self._exact = dict(exact)
        self._sorted = sorted(keys)
        # shortest first: the positions in `_sorted` by (length, name, iri), and a tree of the
        # least such rank over ranges of `_sorted`, so that the shortest names of a prefix that
        # thousands of names share are found without looking at all of them
        size = len(self._sorted)
        self._by_rank = sorted(range(size), key=lambda i: len(self._sorted[i][0]))  # stable
        ranks = [0] * size
        for rank, i in enumerate(self._by_rank):
            ranks[i] = rank
        self._tree = [size] * size + ranks
        for i in range(size - 1, 0, -1):
            self._tree[i] = min(self._tree[2 * i], self._tree[2 * i + 1])
        # fuzzy candidates by length: a name can only be near one of similar length
        by_length = sorted(keys, key=lambda k: len(k[0]))
        self._choices = [k for k, _ in by_length]
        self._lengths = [len(k) for k in self._choices]
        self._choice_iri = [iri for _, iri in by_length]
        self._words = dict(words)
        self._name_words = dict(name_words)
        # type IRI -> how many entities have it (filters and facets check against it)
        self.type_counts = Counter(
            t for e in self.entities.values() for t in e.values.get(TYPE, ())
        )

    def named(self, q: str, hidden: Container[str] = ()) -> bool:
        """Whether an entity (not one of `hidden`) has the folded text `q` as a name."""
        return any(how != "identifier" and i not in hidden for i, _, how in self._exact.get(q, ()))

    def scores(self, q: str, near: bool) -> Scores:
        """Every entity the folded text `q` finds, with its best score; near names (typos)
        only if `near`."""
        best: Scores = {}

        def offer(iri: str, score: float, how: str) -> None:
            if score > best.get(iri, (-1.0, ""))[0]:
                best[iri] = (score, how)

        for iri, rank, how in self._exact.get(q, ()):
            offer(iri, rank, how)
        for key, iri in self.prefixed(q):
            offer(iri, 70 + 15 * len(q) / max(len(key), 1), "prefix")
        if near and len(q) >= 3:
            # ratio = 1 - distance / (len(q) + len(name)), and the distance is at least the
            # gap in length: a ratio of c or more needs c/(2-c) <= len(name)/len(q) <= (2-c)/c
            c = FUZZY_CUTOFF / 100
            lo = bisect.bisect_left(self._lengths, int(len(q) * c / (2 - c)))
            hi = bisect.bisect_right(self._lengths, int(len(q) * (2 - c) / c) + 1)
            for _, similarity, i in process.extract(
                q, self._choices[lo:hi], scorer=fuzz.ratio, limit=50, score_cutoff=FUZZY_CUTOFF
            ):
                # 50-69: below any prefix match, above any description match
                score = 50 + 19 * (similarity - FUZZY_CUTOFF) / (100 - FUZZY_CUTOFF)
                offer(self._choice_iri[lo + i], score, "fuzzy")
        terms = [w for w in _WORD.findall(q) if w not in _STOP and len(w) > 2]
        if terms:  # every word of the query in one name ("connectome" in "Human Connectome…")
            sets = [self._name_words.get(w, set()) for w in terms]
            for iri in set.intersection(*sets):
                offer(iri, 70, "words")
            counts = Counter(iri for w in terms for iri in self._words.get(w, ()))
            for iri, n in counts.items():
                offer(iri, 45 * n / len(terms), "description")
        return best

    def prefixed(self, q: str) -> list[tuple[str, str]]:
        """(folded name, iri) of every name and alternate name that starts with `q`."""
        return self._sorted[slice(*self._range(q))]

    def _range(self, q: str) -> tuple[int, int]:
        start = bisect.bisect_left(self._sorted, (q, ""))
        return start, bisect.bisect_left(self._sorted, (q + "\U0010ffff", ""), lo=start)

    def shortest(
        self, q: str, limit: int, hidden: Container[str] = ()
    ) -> list[tuple[tuple[int, str], str]]:
        """((length, name), iri) of the `limit` entities (not `hidden`) with the shortest names
        or alternate names that start with `q`, shortest first (ties by name, then iri)."""
        start, end = self._range(q)
        if end - start <= _SCAN:
            best: dict[str, tuple[int, str]] = {}
            for key, iri in self._sorted[start:end]:
                if iri not in hidden and (len(key), key) < best.get(iri, (sys.maxsize, "")):
                    best[iri] = (len(key), key)
            return heapq.nsmallest(limit, ((v, iri) for iri, v in best.items()))
        # the range's shortest name, then the shortest of the ranges left of it and right of it
        found: list[tuple[tuple[int, str], str]] = []
        seen: set[str] = set()
        todo = [(self._least(start, end), start, end)]
        while todo and len(found) < limit:
            rank, lo, hi = heapq.heappop(todo)
            at = self._by_rank[rank]
            key, iri = self._sorted[at]
            if iri not in seen and iri not in hidden:
                seen.add(iri)
                found.append(((len(key), key), iri))
            for a, b in ((lo, at), (at + 1, hi)):
                if a < b:
                    heapq.heappush(todo, (self._least(a, b), a, b))
        return found

    def _least(self, lo: int, hi: int) -> int:
        """The least rank (see __init__) of the positions lo to hi - 1."""
        tree, least = self._tree, len(self._sorted)
        lo, hi = lo + least, hi + least
        while lo < hi:
            if lo & 1:
                least = min(least, tree[lo])
                lo += 1
            if hi & 1:
                hi -= 1
                least = min(least, tree[hi])
            lo, hi = lo >> 1, hi >> 1
        return least


class _Entities(Mapping[str, Entity]):
    """The entities of a base segment with an overlay of changed (None: removed) ones."""

    def __init__(self, base: dict[str, Entity], overlay: dict[str, Entity | None]) -> None:
        self._base, self._overlay = base, overlay
        hidden = sum(1 for i in overlay if i in base)
        self._len = len(base) - hidden + sum(1 for e in overlay.values() if e)

    def __getitem__(self, iri: str) -> Entity:
        if iri in self._overlay:
            if (e := self._overlay[iri]) is None:
                raise KeyError(iri)
            return e
        return self._base[iri]

    def __iter__(self) -> Iterator[str]:
        yield from (i for i in self._base if i not in self._overlay)
        yield from (i for i, e in self._overlay.items() if e is not None)

    def __len__(self) -> int:
        return self._len


class SearchIndex:
    """The index of one state of the store; read-only (safe to share between requests).
    `through` is the last recorded change it holds as (IRI, start time as stored); None: it
    was built before any."""

    def __init__(
        self,
        entities: Iterable[Entity] | _Segment,
        scope: Scope,
        *,
        through: tuple[str, str] | None = None,
        _overlay: tuple[_Segment, dict[str, Entity | None]] | None = None,
    ) -> None:
        self._base = entities if isinstance(entities, _Segment) else _Segment(entities)
        self._top, self._overlay = _overlay or (_Segment(()), {})
        self.scope, self.through = scope, through
        self.entities: Mapping[str, Entity] = (
            _Entities(self._base.entities, self._overlay) if self._overlay else self._base.entities
        )
        hidden = Counter(
            t for i in self._overlay if (e := self._base.entities.get(i)) for t in self.types(e)
        )
        self.type_counts = self._base.type_counts - hidden + self._top.type_counts

    def __len__(self) -> int:
        return len(self.entities)

    def name(self, e: Entity) -> str:
        return e.first(NAME) or e.iri.rsplit("/", 1)[-1]

    def types(self, e: Entity) -> list[str]:
        return e.values.get(TYPE, [])

    def search(self, text: str, types: Iterable[str] = ()) -> list[Hit]:
        """Every entity the text finds, best first (ties by name); only of `types` if given."""
        q = fold(text)
        if not q:
            return []
        # near names only when no name is the text itself
        near = not (self._base.named(q, self._overlay) or self._top.named(q))
        best = self._base.scores(q, near)
        if self._overlay:
            for iri in self._overlay:
                best.pop(iri, None)
            best.update(self._top.scores(q, near))
        wanted = set(types)
        found = ((self.entities[iri], score, how) for iri, (score, how) in best.items())
        hits = [
            Hit(e, round(score, 1), how)
            for e, score, how in found
            if not wanted or wanted & set(self.types(e))
        ]
        hits.sort(key=lambda h: (-h.score, self.name(h.entity)))
        return hits

    def suggest(self, prefix: str, limit: int = 10) -> list[Entity]:
        """Entities whose name or alternate name starts with `prefix`, shortest name first
        (ties by that name, folded)."""
        q = fold(prefix)
        if not q:
            return []
        found = self._base.shortest(q, limit, self._overlay)
        if self._overlay:
            found = heapq.nsmallest(limit, found + self._top.shortest(q, limit))
        return [self.entities[iri] for _, iri in found]

    def applied(self, patches: Iterable[str], through: tuple[str, str]) -> SearchIndex:
        """The index after the writes whose RDF Patches these are (oldest first). Replaying a
        patch the index already holds changes nothing, so a build may overlap the changes
        made while it read the store."""
        facts: dict[str, set[Fact]] = {}
        for patch in patches:
            removed, added = read_patch(patch)
            for quads, keep in ((removed, False), (added, True)):
                for q in quads:
                    if (found := self.scope.fact(q)) is None:
                        continue
                    iri, fact = found
                    if iri not in facts:
                        e = self.entities.get(iri)
                        facts[iri] = set(e.facts) if e else set()
                    (facts[iri].add if keep else facts[iri].discard)(fact)
        changed = {i: Entity(i, frozenset(f)) if f else None for i, f in facts.items()}
        overlay = {**self._overlay, **changed}
        if len(overlay) > COMPACT_AT:  # the overlay is rebuilt per change: keep it small
            merged = {**self._base.entities, **overlay}
            return SearchIndex((e for e in merged.values() if e), self.scope, through=through)
        top = _Segment(e for e in overlay.values() if e)
        return SearchIndex(self._base, self.scope, through=through, _overlay=(top, overlay))


_IDENTIFIER = re.compile(
    r"^https?://(www\.wikidata\.org/entity|ror\.org|orcid\.org|doi\.org)/(.+)$"
)


def _identifier_keys(value: str) -> list[str]:
    """What an identifier or a home page is found by: the IRI; a Wikidata, ROR, ORCID or DOI
    IRI also by its identifier alone (Q42, 05xxxxx05); a home page by its host name."""
    keys = {fold(value)}
    if m := _IDENTIFIER.match(value):
        keys.add(fold(m.group(2)))
    elif value.startswith(("http://", "https://")):
        host = value.split("/")[2]
        keys |= {fold(host), fold(host.removeprefix("www."))}
    return [k for k in keys if k]


def index_from_rows(
    rows: Iterable[dict[str, Any]], scope: Scope, through: tuple[str, str] | None = None
) -> SearchIndex:
    """The index of the rows of `queries/search_rows.rq` (entity ?e, property ?p, value ?v);
    `through` is the last change recorded before they were read."""
    facts: dict[str, set[Fact]] = defaultdict(set)
    for row in rows:
        if (found := scope.fact(ox.Quad(row["e"], row["p"], row["v"]))) is not None:
            facts[found[0]].add(found[1])
    return SearchIndex(
        (Entity(iri, frozenset(f)) for iri, f in facts.items()), scope, through=through
    )
