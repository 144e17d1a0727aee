"""The benchmark's query mix: eight kinds of query, each with pre-generated parameter variants.

Each kind has `VARIANTS` (200) concrete queries, drawn with a fixed seed from the generator's
entities (`generate.build_model`), all different, so a load client cycling through them never
sends the same request twice in a row.  The same size always gives the same variants.

Checking: results are compared as multisets of bindings, except
* `ordered` queries (ORDER BY with a total order: ties broken by an IRI): compared as lists;
* `limited` queries (LIMIT without ORDER BY, so any LIMIT rows are right): the query without
  its LIMIT (`unlimited`) must agree across systems, and each system's LIMIT answer must be a
  sub-multiset of that full answer with min(LIMIT, full) rows.
"""

from __future__ import annotations

import random
import sys
from dataclasses import dataclass

try:
    from .generate import build_model
except ImportError:  # run as a script from bench/
    from generate import build_model  # type: ignore[no-redef]

VARIANTS = 200
SEED = 4242

PREFIXES = """PREFIX schema: <https://schema.org/>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""


@dataclass(frozen=True)
class Variant:
    query: str
    unlimited: str | None = None  # `limited` queries: the same without LIMIT
    limit: int | None = None


@dataclass(frozen=True)
class QueryKind:
    name: str
    description: str
    check: str  # "bag" | "ordered" | "limited" | "ask"
    cheap: bool  # compared with the `hello` HTTP ceiling
    variants: tuple[Variant, ...]


def _unique(make, rng: random.Random, n: int = VARIANTS) -> list:
    """`n` distinct values from `make(rng)`; repeats (cycled) only if there are too few."""
    out: list = []
    seen: set = set()
    for _ in range(n * 50):
        v = make(rng)
        if v not in seen:
            seen.add(v)
            out.append(v)
            if len(out) == n:
                break
    base = list(out)
    while len(out) < n:  # few distinct values: cycle them (never the same twice in a row)
        out.extend(base[: n - len(out)])
    return out


def _esc(s: str) -> str:
    return s.replace("\\", "\\\\").replace('"', '\\"')


def _regex_escape(s: str) -> str:
    return "".join("\\\\" + c if c in ".^$*+?()[]{}|\\-" else c for c in s)


def build(size: str) -> list[QueryKind]:
    m = build_model(size)
    rng = random.Random(f"{SEED}-{size}")
    kinds: list[QueryKind] = []

    # 1. entity lookup (DESCRIBE-like)
    pool = m.orgs + m.projects + m.persons + m.articles + m.countries + m.others
    iris = _unique(lambda r: r.choice(pool), rng)
    kinds.append(
        QueryKind(
            "describe",
            "SELECT ?p ?o WHERE { <iri> ?p ?o }",
            "bag",
            True,
            tuple(Variant(f"SELECT ?p ?o WHERE {{ <{i}> ?p ?o }}") for i in iris),
        )
    )

    # 2. label prefix search
    names = m.person_names + m.org_names + m.article_titles

    def prefix(r: random.Random) -> str:
        return r.choice(names)[: r.randint(3, 7)]

    body = 'SELECT ?s ?name WHERE {{ ?s schema:name ?name FILTER(STRSTARTS(?name, "{}")) }}'
    kinds.append(
        QueryKind(
            "prefix",
            "STRSTARTS(?name, prefix) LIMIT 20",
            "limited",
            False,
            tuple(
                Variant(
                    PREFIXES + body.format(_esc(p)) + " LIMIT 20",
                    PREFIXES + body.format(_esc(p)),
                    20,
                )
                for p in _unique(prefix, rng)
            ),
        )
    )

    # 3. regex search (case-insensitive, two words in order)
    def pattern(r: random.Random) -> str:
        words = [w for w in r.choice(names).split() if len(w) > 3 and w.isalpha()]
        if len(words) < 2:
            return _regex_escape(words[0][:5]) if words else "neuro"
        a, b = sorted(r.sample(range(len(words)), 2))
        return f"{_regex_escape(words[a][:6])}.*{_regex_escape(words[b][:6])}"

    body = 'SELECT ?s ?name WHERE {{ ?s schema:name ?name FILTER(REGEX(?name, "{}", "i")) }}'
    kinds.append(
        QueryKind(
            "regex",
            'REGEX(?name, "a.*b", "i") LIMIT 20',
            "limited",
            False,
            tuple(
                Variant(PREFIXES + body.format(p) + " LIMIT 20", PREFIXES + body.format(p), 20)
                for p in _unique(pattern, rng)
            ),
        )
    )

    # 4. membership aggregation
    def agg(r: random.Random) -> tuple[str, str]:
        return r.choice(m.countries), r.choice(["Person", "Person", "ResearchProject"])

    kinds.append(
        QueryKind(
            "aggregate",
            "members per organization of a country: GROUP BY + COUNT",
            "bag",
            False,
            tuple(
                Variant(
                    PREFIXES
                    + f"""SELECT ?org (COUNT(DISTINCT ?m) AS ?members) WHERE {{
  ?org schema:location <{c}> .
  ?m schema:memberOf ?org ; a schema:{t} .
}} GROUP BY ?org"""
                )
                for c, t in _unique(agg, rng)
            ),
        )
    )

    # 5. two-hop join: articles by members of an organization
    orgs = _unique(lambda r: r.choice(m.orgs), rng)
    kinds.append(
        QueryKind(
            "two_hop",
            "articles (with titles) by members of an organization",
            "bag",
            False,
            tuple(
                Variant(
                    PREFIXES
                    + f"""SELECT DISTINCT ?article ?title WHERE {{
  ?person schema:memberOf <{o}> .
  ?article schema:author ?person ; schema:name ?title .
}}"""
                )
                for o in orgs
            ),
        )
    )

    # 6. OPTIONAL + FILTER: a funder's projects, undated or founded since a year
    def opt(r: random.Random) -> tuple[str, int]:
        return r.choice(m.funders), r.randint(1995, 2022)

    kinds.append(
        QueryKind(
            "optional",
            "a funder's projects: OPTIONAL date, FILTER(!BOUND || >=)",
            "bag",
            False,
            tuple(
                Variant(
                    PREFIXES
                    + f"""SELECT ?project ?name ?date WHERE {{
  ?project a schema:ResearchProject ; schema:funder <{f}> ; schema:name ?name .
  OPTIONAL {{ ?project schema:foundingDate ?date }}
  FILTER(!BOUND(?date) || ?date >= "{y}-01-01"^^xsd:date)
}}"""
                )
                for f, y in _unique(opt, rng)
            ),
        )
    )

    # 7. ORDER BY + LIMIT: latest articles with a keyword (ties broken by IRI)
    def latest(r: random.Random) -> tuple[str, int]:
        return r.choice(m.keywords), r.randint(1995, 2020)

    kinds.append(
        QueryKind(
            "order_by",
            "latest articles with a keyword: ORDER BY DESC(?date) ?a LIMIT 10",
            "ordered",
            False,
            tuple(
                Variant(
                    PREFIXES
                    + f"""SELECT ?a ?title ?date WHERE {{
  ?a schema:keywords "{_esc(k)}" ; schema:datePublished ?date ; schema:name ?title .
  FILTER(?date >= "{y}-01-01"^^xsd:date)
}} ORDER BY DESC(?date) ?a LIMIT 10"""
                )
                for k, y in _unique(latest, rng)
            ),
        )
    )

    # 8. ASK: is this person a member of this organization? (half true, half false)
    def ask(r: random.Random) -> tuple[str, str]:
        if r.random() < 0.5:
            return r.choice(m.memberships)
        return r.choice(m.persons), r.choice(m.orgs)

    kinds.append(
        QueryKind(
            "ask",
            "ASK { <person> schema:memberOf <org> }",
            "ask",
            True,
            tuple(
                Variant(PREFIXES + f"ASK {{ <{p}> schema:memberOf <{o}> }}")
                for p, o in _unique(ask, rng)
            ),
        )
    )
    for k in kinds:
        qs = [v.query for v in k.variants]
        assert all(a != b for a, b in zip(qs, qs[1:] + qs[:1], strict=True)), k.name
    return kinds


if __name__ == "__main__":
    size = sys.argv[1] if len(sys.argv) > 1 else "10k"
    for k in build(size):
        print(f"# {k.name} ({len({v.query for v in k.variants})} distinct): {k.description}")
        print(k.variants[0].query, "\n")
