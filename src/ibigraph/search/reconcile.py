"""The W3C Reconciliation Service API, version 0.2 (what OpenRefine 3.x speaks), over the text
index: the service manifest, reconciliation queries with type and property constraints, entity,
type and property suggestions, and data extension.

Entity ids are slugs (`human-brain-project`, the identifier space being the entity namespace);
types and properties are CURIEs (`ibi:FundingAgency`, `schema:foundingDate`), with a few
plain property ids for what spreadsheets hold: `country`, `founded`, `wikidata`, `ror`.

Scores are the index's (0-100), moved by properties: +5 for each constraint a value meets,
-20 for one the entity has other values for, -5 for one it has no value for. A candidate is
`match: true` only when it scores at least 95, leads the next one by more than 10, and no
constraint contradicts it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from ..config import Settings
from ..rdf.vocab import SCHEMA, compact
from .index import Entity, Hit, SearchIndex, fold

__all__ = [
    "EXTEND_PROPERTIES",
    "Constraint",
    "Query",
    "Vocabulary",
    "candidates",
    "candidates_by_properties",
    "extend",
]

MATCH_SCORE = 95
MATCH_LEAD = 10


@dataclass(frozen=True)
class Constraint:
    pid: str
    values: tuple[str, ...]  # names, slugs, IRIs, years or identifiers, as the client sent them


@dataclass(frozen=True)
class Query:
    text: str
    types: tuple[str, ...] = ()
    limit: int = 10
    type_strict: str = "any"  # any, all, should
    constraints: tuple[Constraint, ...] = ()


class Vocabulary:
    """Ids of the API <-> IRIs of the graph, for one deployment (its prefixes)."""

    def __init__(self, settings: Settings, pm: Mapping[str, str]) -> None:
        self.settings, self.pm = settings, dict(pm)
        ibi = settings.ontology_ns
        # spreadsheet-friendly property ids -> the properties they read
        self.aliases: dict[str, tuple[str, ...]] = {
            "country": (SCHEMA + "location", SCHEMA + "areaServed"),
            "founded": (SCHEMA + "foundingDate",),
            "wikidata": (SCHEMA + "sameAs",),
            "ror": (SCHEMA + "sameAs",),
            "leadAgency": (ibi + "leadAgency",),
        }

    def slug(self, iri: str) -> str:
        return iri.removeprefix(self.settings.entity_ns)

    def entity_iri(self, id_: str) -> str:
        return id_ if "://" in id_ else self.settings.entity_ns + id_

    def curie(self, iri: str) -> str:
        return compact(iri, self.pm).strip("<>")

    def iri(self, curie: str) -> str:
        """A CURIE or IRI as an IRI (unknown prefixes are left as they are)."""
        if "://" in curie:
            return curie
        prefix, _, local = curie.partition(":")
        return self.pm[prefix] + local if prefix in self.pm and local else curie

    def type_ref(self, type_: str) -> dict[str, str]:
        """A type as the API names it: {"id": "ibi:FundingAgency", "name": "FundingAgency"}."""
        curie = self.curie(type_) if "://" in type_ else type_
        return {"id": curie, "name": curie.split(":")[-1]}

    def properties(self, pid: str) -> tuple[str, ...]:
        return self.aliases.get(pid) or (self.iri(pid),)


# what data extension offers: id -> name (and what reconciliation constraints accept)
EXTEND_PROPERTIES = {
    "founded": "founding date",
    "country": "country or region",
    "schema:funder": "funder",
    "schema:memberOf": "member of",
    "schema:parentOrganization": "parent organisation",
    "leadAgency": "lead agency",
    "schema:url": "official website",
    "wikidata": "Wikidata QID",
    "ror": "ROR id",
}


def candidates(index: SearchIndex, query: Query, vocab: Vocabulary) -> list[dict[str, Any]]:
    """The candidates of one reconciliation query, best first."""
    wanted = tuple(vocab.iri(t) for t in query.types)
    strict = query.type_strict in ("any", "all") and wanted
    hits = index.search(query.text, wanted if strict and query.type_strict == "any" else ())
    if strict and query.type_strict == "all":
        hits = [h for h in hits if set(wanted) <= set(index.types(h.entity))]
    scored: list[tuple[float, bool, Hit]] = []
    for h in hits:
        score, contradicted = h.score, False
        if (
            wanted
            and query.type_strict == "should"
            and not set(wanted) & set(index.types(h.entity))
        ):
            score -= 10
        for c in query.constraints:
            verdict = _meets(h.entity, c, vocab, index)
            score += {True: 5, False: -20, None: -5}[verdict]
            contradicted |= verdict is False
        scored.append((max(0.0, min(100.0, score)), contradicted, h))
    scored.sort(key=lambda t: (-t[0], index.name(t[2].entity)))
    out = []
    for i, (score, contradicted, h) in enumerate(scored[: query.limit]):
        runner_up = scored[i + 1][0] if i + 1 < len(scored) else 0.0
        match = (
            i == 0 and score >= MATCH_SCORE and score - runner_up > MATCH_LEAD and not contradicted
        )
        out.append(
            {
                "id": vocab.slug(h.entity.iri),
                "name": index.name(h.entity),
                "type": [_type(t, vocab, index) for t in index.types(h.entity)],
                "score": round(score, 1),
                "match": match,
                **({"description": d} if (d := h.entity.first(SCHEMA + "description")) else {}),
            }
        )
    return out


def candidates_by_properties(
    index: SearchIndex, query: Query, vocab: Vocabulary
) -> list[dict[str, Any]]:
    """Candidates of a query without a name: the entities (of its types) that meet every
    constraint, scored by how many of them they meet; never a match on properties alone."""
    wanted = {vocab.iri(t) for t in query.types}
    found = []
    for e in index.entities.values():
        if wanted and not wanted & set(index.types(e)):
            continue
        verdicts = [_meets(e, c, vocab, index) for c in query.constraints]
        if verdicts and all(v is True for v in verdicts):
            found.append(e)
    found.sort(key=index.name)
    return [
        {
            "id": vocab.slug(e.iri),
            "name": index.name(e),
            "type": [_type(t, vocab, index) for t in index.types(e)],
            "score": 50.0,
            "match": False,
        }
        for e in found[: query.limit]
    ]


def _type(iri: str, vocab: Vocabulary, index: SearchIndex) -> dict[str, str]:
    return vocab.type_ref(iri)


def _meets(e: Entity, c: Constraint, vocab: Vocabulary, index: SearchIndex) -> bool | None:
    """Whether the entity has a value meeting the constraint: True, False (it has other values),
    None (it has no value for it)."""
    have = [v for p in vocab.properties(c.pid) for v in e.values.get(p, ())]
    if c.pid in ("wikidata", "ror"):
        host = "www.wikidata.org" if c.pid == "wikidata" else "ror.org"
        have = [v for v in have if urlsplit(v).hostname == host]
    if not have:
        return None
    keys = {k for v in have for k in _keys(v, vocab, index)}
    return any(k in keys for want in c.values for k in _keys(want, vocab, index))


def _keys(value: str, vocab: Vocabulary, index: SearchIndex) -> set[str]:
    """What a value is compared by: folded text, its year, the slug, name and identifier tail
    of an entity, a URL's host."""
    keys = {fold(value)}
    if len(value) >= 4 and value[:4].isdigit():
        keys.add(value[:4])
    if "://" in value:
        tail = value.rstrip("/").rsplit("/", 1)[-1]
        keys |= {fold(tail), fold(urlsplit(value).hostname or "")}
        target = index.entities.get(value)
        if target is not None:
            keys |= {fold(n) for n in target.values.get(SCHEMA + "name", ())}
            keys |= {fold(n) for n in target.values.get(SCHEMA + "alternateName", ())}
    else:
        target = index.entities.get(vocab.entity_iri(value))
        if target is not None:
            keys |= {fold(n) for n in target.values.get(SCHEMA + "name", ())}
    return {k for k in keys if k}


def extend(
    index: SearchIndex, ids: Iterable[str], properties: Iterable[str], vocab: Vocabulary
) -> dict[str, Any]:
    """A data extension response: for each entity id, the values of each property."""
    pids = list(properties)
    rows: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for id_ in ids:
        e = index.entities.get(vocab.entity_iri(id_))
        rows[id_] = {pid: _values(e, pid, vocab, index) if e else [] for pid in pids}
    meta = [{"id": pid, "name": EXTEND_PROPERTIES.get(pid, pid)} for pid in pids]
    return {"meta": meta, "rows": rows}


def _values(e: Entity, pid: str, vocab: Vocabulary, index: SearchIndex) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for p in vocab.properties(pid):
        for v in e.values.get(p, ()):
            if pid in ("wikidata", "ror"):
                host = "www.wikidata.org" if pid == "wikidata" else "ror.org"
                if urlsplit(v).hostname == host:
                    out.append({"str": v.rstrip("/").rsplit("/", 1)[-1]})
            elif v in index.entities:
                out.append({"id": vocab.slug(v), "name": index.name(index.entities[v])})
            else:
                out.append({"str": v})
    return out


def type_names(index: SearchIndex, vocab: Vocabulary) -> dict[str, int]:
    """The types entities have (CURIE -> how many), most common first."""
    counts = {vocab.curie(t): n for t, n in index.type_counts.items()}
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
