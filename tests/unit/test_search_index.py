"""The search index follows change sets: an index brought up to date with the RDF Patches of a
series of writes answers exactly as one built from the store after them."""

from __future__ import annotations

import re

import pyoxigraph as ox
import pytest

import ibigraph.search.index as search_index
from ibigraph.config import Settings
from ibigraph.graph.build import with_union_default_graph
from ibigraph.graph.load import parse_file
from ibigraph.queries import internal_text
from ibigraph.rdf.vocab import prefixes
from ibigraph.search.index import Scope, SearchIndex, index_from_rows
from ibigraph.sparql.changeset import write_patch

from ..conftest import ROOT
from ..helpers import ID, SCHEMA

SETTINGS = Settings(data_dir=ROOT / "data", ontology_dir=ROOT / "ontology")
SCOPE = Scope.of(SETTINGS)
SOURCE = ox.NamedNode(SETTINGS.base + "source/test")
QUERY = internal_text("search_rows", prefixes(SETTINGS.base), {"entity_ns": SETTINGS.entity_ns})


def _store() -> ox.Store:
    """The curated data, with the default graph the union of its graphs (as ibigraph builds
    it)."""
    quads = [q for f in sorted((ROOT / "data").glob("*.trig")) for q in parse_file(f)]
    store = ox.Store()
    store.bulk_extend(with_union_default_graph(quads))
    return store


def _built(store: ox.Store) -> SearchIndex:
    result = store.query(QUERY)
    assert isinstance(result, ox.QuerySolutions)
    return index_from_rows(({"e": r["e"], "p": r["p"], "v": r["v"]} for r in result), SCOPE)


def _write(store: ox.Store, removed: list[ox.Triple], added: list[ox.Triple]) -> str:
    """Apply a change as ibigraph does (the source graph and its union copy) and return its
    patch."""
    on = [ox.Quad(*t, g) for t in removed for g in (SOURCE, ox.DefaultGraph())]
    on = [q for q in on if q in store]
    new = [ox.Quad(*t, g) for t in added for g in (SOURCE, ox.DefaultGraph())]
    new = [q for q in new if q not in store]
    for q in on:
        store.remove(q)
    for q in new:
        store.add(q)
    return write_patch(on, new)


def _answers(index: SearchIndex, texts: list[str]) -> list[object]:
    """What the index tells about texts: hits, suggestions, sizes and type counts."""
    out: list[object] = [len(index), sorted(index.type_counts.items()), sorted(index.entities)]
    for text in texts:
        out.append([(h.entity.iri, h.score, h.matched) for h in index.search(text)])
        out.append([e.iri for e in index.suggest(text[:4])])
    return out


def _t(s: str, p: str, o: ox.NamedNode | ox.Literal) -> ox.Triple:
    return ox.Triple(ox.NamedNode(ID + s), ox.NamedNode(SCHEMA + p), o)


TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
CHANGES: list[tuple[list[ox.Triple], list[ox.Triple]]] = [
    # a new entity
    (
        [],
        [
            ox.Triple(ox.NamedNode(ID + "zyx-consortium"), TYPE, ox.NamedNode(SCHEMA + "Project")),
            _t("zyx-consortium", "name", ox.Literal("Zyx Neural Consortium", language="en")),
            _t("zyx-consortium", "alternateName", ox.Literal("ZNC", language="en")),
        ],
    ),
    # a rename of a curated entity, and a new acronym
    (
        [_t("human-brain-project", "name", ox.Literal("Human Brain Project", language="en"))],
        [
            _t("human-brain-project", "name", ox.Literal("Human Brain Programme", language="en")),
            _t("human-brain-project", "alternateName", ox.Literal("HBPX", language="en")),
        ],
    ),
    # a description that makes a word findable
    ([], [_t("zyx-consortium", "description", ox.Literal("Maps quokka cortex.", language="en"))]),
    # the new entity removed entirely
    (
        [
            ox.Triple(ox.NamedNode(ID + "zyx-consortium"), TYPE, ox.NamedNode(SCHEMA + "Project")),
            _t("zyx-consortium", "name", ox.Literal("Zyx Neural Consortium", language="en")),
            _t("zyx-consortium", "alternateName", ox.Literal("ZNC", language="en")),
            _t("zyx-consortium", "description", ox.Literal("Maps quokka cortex.", language="en")),
        ],
        [],
    ),
]
TEXTS = [
    "Zyx Neural Consortium",
    "ZNC",
    "Human Brain Project",
    "Human Brain Programme",
    "HBPX",
    "quokka",
    "human brian",
    "EBRAINS",
]


@pytest.mark.parametrize("compact_at", [1000, 1], ids=["overlay", "compacted"])
def test_index_brought_up_to_date_answers_as_one_built_from_the_store(
    monkeypatch: pytest.MonkeyPatch, compact_at: int
) -> None:
    monkeypatch.setattr(search_index, "COMPACT_AT", compact_at)
    store = _store()
    index = _built(store)
    for n, (removed, added) in enumerate(CHANGES):
        patch = _write(store, removed, added)
        index = index.applied([patch], (f"change-{n}", str(n)))
        assert index.through == (f"change-{n}", str(n))
        assert _answers(index, TEXTS) == _answers(_built(store), TEXTS), f"after change {n}"


def test_replaying_patches_the_index_holds_changes_nothing() -> None:
    """A build reads the last change first, then the rows: catching up may replay changes the
    rows already hold."""
    store = _store()
    patches = [_write(store, removed, added) for removed, added in CHANGES[:3]]
    built = _built(store)
    replayed = built.applied(patches, ("change-2", "2"))
    assert _answers(replayed, TEXTS) == _answers(built, TEXTS)


def test_an_index_keeps_answering_for_its_own_state() -> None:
    """Readers holding the index of an older state see that state."""
    store = _store()
    before = _built(store)
    expected = _answers(before, TEXTS)
    before.applied([_write(store, *CHANGES[0])], ("change-0", "0"))
    assert _answers(before, TEXTS) == expected


def test_the_index_reads_the_properties_its_query_reads() -> None:
    text = (ROOT / "src/ibigraph/queries/search_rows.rq").read_text()
    listed = re.search(r"VALUES \?p \{([^}]*)\}", text)
    assert listed is not None
    names = prefixes(SETTINGS.base)
    iris = {names[p] + local for p, local in re.findall(r"(\w+):(\w+)", listed.group(1))}
    assert iris == SCOPE.properties


@pytest.mark.parametrize("scan", [0, 64, 10**9], ids=["tree", "mixed", "scan"])
def test_suggest_finds_the_shortest_names_of_a_crowded_prefix(
    monkeypatch: pytest.MonkeyPatch, scan: int
) -> None:
    """A prefix that thousands of names share is ranked from a tree of the shortest names, not
    by looking at each: the same entities, in the same order, as looking at each (shortest
    first, ties by name, then IRI), over a base and an overlay that hides some of it."""
    import random

    from ibigraph.search.index import Entity, fold

    monkeypatch.setattr(search_index, "_SCAN", scan)
    rng = random.Random(7)
    name, alternate = SCHEMA + "name", SCHEMA + "alternateName"

    def entity(i: int) -> Entity:
        names = {
            "brain " + "".join(rng.choice("abc ") for _ in range(rng.randint(0, 8)))
            for _ in range(rng.randint(1, 3))
        }
        props = [name] + [alternate] * (len(names) - 1)
        return Entity(
            f"{ID}e{i:04}", frozenset((p, f'"{n}"', n) for p, n in zip(props, names, strict=True))
        )

    base = [entity(i) for i in range(1500)]
    changed = {e.iri: e for e in (entity(i) for i in range(0, 1500, 7))}  # renamed
    changed |= {f"{ID}e{i:04}": None for i in range(3, 1500, 11)}  # removed
    top = search_index._Segment(e for e in changed.values() if e)
    index = SearchIndex(base, SCOPE, _overlay=(top, changed))
    now = {e.iri: e for e in base} | changed

    def expected(prefix: str, limit: int) -> list[str]:
        best = {}
        for iri, e in now.items():
            names = e.values[name] + e.values.get(alternate, []) if e else []
            keys = [k for k in map(fold, names) if k.startswith(prefix)]
            if keys:
                best[iri] = min((len(k), k) for k in keys)
        return sorted(best, key=lambda iri: (best[iri], iri))[:limit]

    for prefix in ("b", "brain", "brain a", "brain ab", "brain cc", "brain abc a", "x"):
        for limit in (1, 10, 50):
            got = [e.iri for e in index.suggest(prefix, limit)]
            assert got == expected(fold(prefix), limit), (prefix, limit)
