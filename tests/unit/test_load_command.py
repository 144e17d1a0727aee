"""`ibigraph load`: files of any size streamed into a new store, validated in partitions before
the new store replaces the old one; bad data or a bad file leaves the old store as it was."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from ibigraph.config import Settings
from ibigraph.graph.build import build_store
from ibigraph.store import open_store

from ..conftest import FIXTURES
from ..helpers import ID, SCHEMA, SRC, invoke


def stored(settings: Settings, *, audit: bool = False) -> set[ox.Quad]:
    """The store's quads (without the audit graph's record of how it was made)."""
    return {
        q
        for q in open_store(settings.store_path).quads()
        if audit or q.graph_name != ox.NamedNode(settings.audit_graph)
    }


def blank(q: ox.Quad) -> bool:
    return any(isinstance(t, ox.BlankNode) for t in (q.subject, q.object))


def generation(settings: Settings) -> Path:
    return settings.store_path.resolve()


def test_load_makes_the_store_build_makes(fixture_settings: Settings, tmp_path: Path) -> None:
    build_store(fixture_settings.with_(articles_dir=tmp_path / "none"))  # load ingests none
    built = stored(fixture_settings)
    result = invoke(fixture_settings, "load", "-j", "1", str(FIXTURES / "valid.trig"))
    assert result.exit_code == 0, result.output
    assert "valid (0 warnings)" in result.stdout
    loaded = stored(fixture_settings)
    # materialized, with the union, the ontology and the shapes (blank nodes renamed per parse)
    assert len(loaded) == len(built)
    assert {q for q in loaded if not blank(q)} == {q for q in built if not blank(q)}
    records = [
        q
        for q in stored(fixture_settings, audit=True)
        if q.predicate.value == SCHEMA + "name" and q.object.value == "ibigraph load"
    ]
    assert len(records) == 1


def test_invalid_data_leaves_the_old_store(fixture_settings: Settings, tmp_path: Path) -> None:
    build_store(fixture_settings)
    before, old = stored(fixture_settings, audit=True), generation(fixture_settings)
    bad = tmp_path / "bad.nq"
    bad.write_text(
        f'<{ID}test-alliance> <{SCHEMA}foundingDate> "banana" '
        "<https://w3id.org/ibigraph/source/test-about> .\n"
    )
    result = invoke(fixture_settings, "load", "-j", "2", str(FIXTURES / "valid.trig"), str(bad))
    assert result.exit_code == 1
    assert "Violation id:test-alliance  path=schema:foundingDate" in result.stdout
    assert "nothing was written" in result.stderr
    assert generation(fixture_settings) == old
    assert stored(fixture_settings, audit=True) == before
    # without validation the same files load (an import the curators fix afterwards)
    result = invoke(fixture_settings, "load", "--no-validate", str(bad))
    assert result.exit_code == 0, result.output
    assert "not validated" in result.stdout


def test_a_syntax_error_late_in_a_file_leaves_the_old_store(
    fixture_settings: Settings, tmp_path: Path
) -> None:
    build_store(fixture_settings)
    before, old = stored(fixture_settings, audit=True), generation(fixture_settings)
    generations = sorted(old.parent.iterdir())
    big = tmp_path / "big.nq"
    line = '<{id}n{i}> <{s}name> "n{i}"@en <https://w3id.org/ibigraph/source/test-about> .\n'
    big.write_text(
        "".join(line.format(id=ID, s=SCHEMA, i=i) for i in range(50_000)) + "<broken .\n"
    )
    result = invoke(fixture_settings, "load", "--no-validate", str(big))
    assert result.exit_code == 2
    assert "big.nq:50001" in result.stderr
    assert generation(fixture_settings) == old
    assert stored(fixture_settings, audit=True) == before
    assert sorted(old.parent.iterdir()) == generations  # the half-written store is gone


def test_load_needs_files_that_exist(fixture_settings: Settings, tmp_path: Path) -> None:
    result = invoke(fixture_settings, "load", str(tmp_path / "missing.nq"))
    assert result.exit_code == 2
    assert "no such file" in result.stderr


def test_no_materialize_loads_the_quads_as_they_are(fixture_settings: Settings) -> None:
    label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    valid = str(FIXTURES / "valid.trig")
    # the shapes require what materialization adds (an rdfs:label for every name): checked
    result = invoke(fixture_settings, "load", "-j", "1", "--no-materialize", valid)
    assert result.exit_code == 1 and "path=rdfs:label" in result.stdout
    for flags, labelled in ((["--no-materialize", "--no-validate"], False), ([], True)):
        result = invoke(fixture_settings, "load", "-j", "1", *flags, valid)
        assert result.exit_code == 0, result.output
        quads = stored(fixture_settings)
        data = {q for q in quads if q.graph_name == ox.NamedNode(SRC + "test-about")}
        assert any(q.predicate == label for q in data) is labelled
        union = {q for q in quads if q.graph_name == ox.DefaultGraph()}
        assert {ox.Triple(q.subject, q.predicate, q.object) for q in data} <= {
            ox.Triple(q.subject, q.predicate, q.object) for q in union
        }
