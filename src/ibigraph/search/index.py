"""The text index of entities: names, alternate names and acronyms, descriptions, types and
identifiers, built from the store's rows (`queries/search_rows.rq`) for one store version.

Ranking, best first (scores 0-100):

    100  the whole name                    "Human Brain Project"
     95  an alternate name or acronym      "HBP", "NIH"
     90  an identifier or URL              a Wikidata QID, a ROR id, the home page
     70-85  a name that starts with it     "Human Br" (more of the name typed, higher)
     70  every word of it in a name        "connectome" -> "Human Connectome Project"
     50-69  a near name (typos)            "Human Brian Project", "brian initiative"
     up to 45  words of the description    "connectome"

Text is compared folded: accents removed, case and punctuation ignored. Fuzzy matching is
rapidfuzz's (C) over every name and alternate name, so a query costs milliseconds at 100k
entities; prefix lookups use a sorted list (bisect).
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz, process

from ..config import Settings
from ..rdf.vocab import RDF, SCHEMA

__all__ = ["Entity", "Hit", "SearchIndex", "fold", "index_from_rows"]

_NOT_WORD = re.compile(r"[\W_]+")  # any script: letters and digits are kept
_WORD = re.compile(r"[^\W_]+")
FUZZY_CUTOFF = 75  # rapidfuzz ratio (0-100) of the whole name: "brian" for "brain" is 80
_STOP = frozenset("a an and the of for in on to de la le des du".split())


def fold(text: str) -> str:
    """Lowercase, accents removed, punctuation to single spaces: "Québec's" -> "quebec s"."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return _NOT_WORD.sub(" ", plain).strip()


@dataclass
class Entity:
    """One entity as the index holds it: its IRI and the values of the properties it reads
    (IRIs and literal lexical forms), by property IRI."""

    iri: str
    values: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    def first(self, prop: str) -> str | None:
        found = self.values.get(prop)
        return found[0] if found else None


@dataclass(frozen=True)
class Hit:
    entity: Entity
    score: float  # 0-100
    matched: str  # what matched: name, alternate, identifier, prefix, fuzzy, description


class SearchIndex:
    """Built once per store version; read-only afterwards (safe to share between requests)."""

    def __init__(self, entities: Iterable[Entity], *, name: str, alternate: str, description: str,
                 type_: str, identifiers: tuple[str, ...]) -> None:  # fmt: skip
        self.entities = {e.iri: e for e in entities}
        self._name, self._type = name, type_
        exact: dict[str, list[tuple[str, int, str]]] = defaultdict(list)  # key -> (iri, score, how)
        keys: list[tuple[str, str]] = []  # (folded name or alternate, iri) for prefix and fuzzy
        words: dict[str, set[str]] = defaultdict(set)  # description word -> iris
        name_words: dict[str, set[str]] = defaultdict(set)  # word of a name or alternate -> iris
        for e in self.entities.values():
            for n in e.values.get(name, ()):
                if key := fold(n):
                    exact[key].append((e.iri, 100, "name"))
                    keys.append((key, e.iri))
            for n in e.values.get(alternate, ()):
                if key := fold(n):
                    exact[key].append((e.iri, 95, "alternate"))
                    keys.append((key, e.iri))
            for n in (*e.values.get(name, ()), *e.values.get(alternate, ())):
                for w in _WORD.findall(fold(n)):
                    name_words[w].add(e.iri)
            for p in identifiers:
                for v in e.values.get(p, ()):
                    for key in _identifier_keys(v):
                        exact[key].append((e.iri, 90, "identifier"))
            for d in e.values.get(description, ()):
                for w in _WORD.findall(fold(d)):
                    if w not in _STOP and len(w) > 2:
                        words[w].add(e.iri)
        self._exact = dict(exact)
        self._sorted = sorted(keys)
        self._choices = [k for k, _ in keys]
        self._choice_iri = [iri for _, iri in keys]
        self._words = dict(words)
        # type IRI -> how many entities have it (filters and facets check against it)
        self.type_counts = Counter(t for e in self.entities.values() for t in self.types(e))
        self._name_words = dict(name_words)

    def __len__(self) -> int:
        return len(self.entities)

    def name(self, e: Entity) -> str:
        return e.first(self._name) or e.iri.rsplit("/", 1)[-1]

    def types(self, e: Entity) -> list[str]:
        return e.values.get(self._type, [])

    def search(self, text: str, types: Iterable[str] = ()) -> list[Hit]:
        """Every entity the text finds, best first (ties by name); only of `types` if given."""
        q = fold(text)
        if not q:
            return []
        best: dict[str, tuple[float, str]] = {}

        def offer(iri: str, score: float, how: str) -> None:
            if score > best.get(iri, (-1.0, ""))[0]:
                best[iri] = (score, how)

        for iri, rank, how in self._exact.get(q, ()):
            offer(iri, rank, how)
        for key, iri in self._prefixed(q):
            offer(iri, 70 + 15 * len(q) / max(len(key), 1), "prefix")
        if len(q) >= 3:
            for _, similarity, i in process.extract(
                q, self._choices, scorer=fuzz.ratio, limit=50, score_cutoff=FUZZY_CUTOFF
            ):
                # 50-69: below any prefix match, above any description match
                near = 50 + 19 * (similarity - FUZZY_CUTOFF) / (100 - FUZZY_CUTOFF)
                offer(self._choice_iri[i], near, "fuzzy")
        terms = [w for w in _WORD.findall(q) if w not in _STOP and len(w) > 2]
        if terms:  # every word of the query in one name ("connectome" in "Human Connectome…")
            sets = [self._name_words.get(w, set()) for w in terms]
            for iri in set.intersection(*sets):
                offer(iri, 70, "words")
        if terms:
            counts = Counter(iri for w in terms for iri in self._words.get(w, ()))
            for iri, n in counts.items():
                offer(iri, 45 * n / len(terms), "description")
        wanted = set(types)
        hits = [
            Hit(self.entities[iri], round(score, 1), how)
            for iri, (score, how) in best.items()
            if not wanted or wanted & set(self.types(self.entities[iri]))
        ]
        hits.sort(key=lambda h: (-h.score, self.name(h.entity)))
        return hits

    def suggest(self, prefix: str, limit: int = 10) -> list[Entity]:
        """Entities whose name or alternate name starts with `prefix`, shortest name first."""
        q = fold(prefix)
        if not q:
            return []
        seen: dict[str, int] = {}
        for key, iri in self._prefixed(q):
            seen[iri] = min(seen.get(iri, len(key)), len(key))
        ranked = sorted(seen, key=lambda iri: (seen[iri], self.name(self.entities[iri])))
        return [self.entities[iri] for iri in ranked[:limit]]

    def _prefixed(self, q: str) -> list[tuple[str, str]]:
        start = bisect.bisect_left(self._sorted, (q, ""))
        out = []
        for key, iri in self._sorted[start:]:
            if not key.startswith(q):
                break
            out.append((key, iri))
        return out


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


def index_from_rows(rows: Iterable[dict[str, Any]], settings: Settings) -> SearchIndex:
    """The index of the rows of `queries/search_rows.rq` (entity ?e, property ?p, value ?v)."""
    entities: dict[str, Entity] = {}
    for row in rows:
        iri = row["e"].value
        entity = entities.get(iri)
        if entity is None:
            entity = entities[iri] = Entity(iri)
        entity.values[row["p"].value].append(row["v"].value)
    return SearchIndex(
        entities.values(),
        name=SCHEMA + "name",
        alternate=SCHEMA + "alternateName",
        description=SCHEMA + "description",
        type_=RDF + "type",
        identifiers=(SCHEMA + "sameAs", SCHEMA + "url"),
    )
