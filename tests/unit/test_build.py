"""`build` writes a real on-disk store only from valid data and never damages the previous one."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from ibigraph.config import Settings
from ibigraph.errors import DataSyntaxError, StoreError, ValidationFailed
from ibigraph.graph.build import build_store
from ibigraph.graph.stats import store_stats
from ibigraph.rdf.vocab import RDF
from ibigraph.store import open_store

ALLIANCE = "https://w3id.org/ibigraph/id/test-alliance"

BAD_ENTITY = """
@prefix ibi: <https://w3id.org/ibigraph/ontology#> .
@prefix id: <https://w3id.org/ibigraph/id/> .
@prefix schema: <https://schema.org/> .
@prefix src: <https://w3id.org/ibigraph/source/> .
src:test-about { id:nameless a ibi:Consortium . }
"""


def store_quads(settings: Settings) -> set[str]:
    return {str(q) for q in open_store(settings.store_path).quads()}


def test_build_writes_a_queryable_store(fixture_settings: Settings) -> None:
    result = build_store(fixture_settings)
    assert fixture_settings.store_path.is_symlink()
    assert result.store_dir.is_dir()
    answer = open_store(fixture_settings.store_path).query(
        f"ASK {{ <{ALLIANCE}> a <https://schema.org/Organization> }}"
    )
    assert bool(answer)


def test_invalid_data_leaves_the_previous_store_intact(fixture_settings: Settings) -> None:
    build_store(fixture_settings)
    before = store_quads(fixture_settings)
    (fixture_settings.data_dir / "bad.trig").write_text(BAD_ENTITY)
    with pytest.raises(ValidationFailed) as exc:
        build_store(fixture_settings)
    focus = {r.focus_node for r in exc.value.report.violations}
    assert "https://w3id.org/ibigraph/id/nameless" in focus
    assert store_quads(fixture_settings) == before


def test_unparsable_data_names_file_line_and_column(fixture_settings: Settings) -> None:
    build_store(fixture_settings)
    before = store_quads(fixture_settings)
    bad = fixture_settings.data_dir / "broken.trig"
    bad.write_text('@prefix schema: <https://schema.org/> .\n\n<a> schema:name "x" \n<b> .\n')
    with pytest.raises(DataSyntaxError) as exc:
        build_store(fixture_settings)
    assert exc.value.source == str(bad)
    assert exc.value.line == 4
    assert exc.value.column is not None
    assert str(exc.value).startswith(f"{bad}:4:")
    assert store_quads(fixture_settings) == before


def test_no_store_is_written_when_the_first_build_fails(fixture_settings: Settings) -> None:
    (fixture_settings.data_dir / "bad.trig").write_text(BAD_ENTITY)
    with pytest.raises(ValidationFailed):
        build_store(fixture_settings)
    assert not fixture_settings.store_path.exists()
    with pytest.raises(StoreError, match="run `ibigraph build` first"):
        open_store(fixture_settings.store_path)


def test_rebuilds_keep_only_two_generations(fixture_settings: Settings) -> None:
    dirs = [build_store(fixture_settings).store_dir for _ in range(3)]
    entries = sorted(p for p in dirs[-1].parent.iterdir())
    generations = [p for p in entries if not p.name.endswith(".primary")]
    assert dirs[-1] in generations and dirs[0] not in generations
    assert len(generations) == 2
    # each published generation has its writable twin; a pruned one loses it too
    assert {p.name for p in entries} == {
        *(g.name for g in generations),
        *(g.name + ".primary" for g in generations),
    }
    assert fixture_settings.store_path.resolve() == dirs[-1].resolve()


def test_store_keeps_source_graphs_and_union(fixture_settings: Settings) -> None:
    build_store(fixture_settings)
    quads = list(open_store(fixture_settings.store_path).quads())
    graphs = {q.graph_name for q in quads}
    assert ox.NamedNode("https://w3id.org/ibigraph/source/test-about") in graphs
    assert ox.NamedNode("https://w3id.org/ibigraph/ontology") in graphs
    assert ox.NamedNode("https://w3id.org/ibigraph/shapes") in graphs

    def triples(keep) -> set[tuple[ox.Term, ...]]:  # type: ignore[no-untyped-def, name-defined]
        return {(q.subject, q.predicate, q.object) for q in quads if keep(q.graph_name)}

    default = triples(lambda g: g == ox.DefaultGraph())
    articles, audit = "https://w3id.org/ibigraph/article/", fixture_settings.audit_graph
    union = triples(
        lambda g: g != ox.DefaultGraph() and not g.value.startswith(articles) and g.value != audit
    )
    assert union <= default
    # the audit graph records the build (changes made later start from it), out of the union
    recorded = triples(lambda g: g == ox.NamedNode(audit))
    assert {(t[1].value, t[2].value) for t in recorded} >= {
        (RDF + "type", fixture_settings.ontology_ns + "Build")
    }
    assert not recorded & default
    # an LLM-written article's claims are kept apart, out of the union default graph
    article_triples = triples(lambda g: g != ox.DefaultGraph() and g.value.startswith(articles))
    assert not article_triples & default
    assert article_triples or not fixture_settings.articles_dir.is_dir()


def test_build_under_another_base_rebases_every_iri(fixture_settings: Settings) -> None:
    settings = fixture_settings.with_(base="https://kg.example.net/ibi/")
    build_store(settings)
    iris = {
        t.value
        for q in open_store(settings.store_path).quads()
        for t in (q.subject, q.predicate, q.object, q.graph_name)
        if isinstance(t, ox.NamedNode)
    }
    assert "https://kg.example.net/ibi/id/test-alliance" in iris
    assert "https://kg.example.net/ibi/ontology#Consortium" in iris
    assert not [i for i in iris if i.startswith("https://w3id.org/ibigraph/")]


def test_bad_base_is_refused() -> None:
    with pytest.raises(ValueError, match="base IRI"):
        Settings(base="not an iri")


def test_missing_data_path_is_bad_input(fixture_settings: Settings, tmp_path: Path) -> None:
    with pytest.raises(DataSyntaxError, match="no such file"):
        build_store(fixture_settings, [tmp_path / "nope.trig"])


def test_first_build_creates_the_store_folder(fixture_settings: Settings) -> None:
    settings = fixture_settings.with_(
        store_path=fixture_settings.store_path.parent / "new" / "store"
    )
    assert not settings.store_path.parent.exists()
    build_store(settings)
    assert store_stats(open_store(settings.store_path), settings).entities > 0
