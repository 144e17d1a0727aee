"""Validation of a stored graph reports what whole-graph validation (pySHACL) reports.

Both ways: the shapes compiled to SPARQL (compiled.py) and pySHACL in partitions
(partitions.py). On the curated data, and on a store that breaks every constraint (the negative
cases of test_shapes), with partitions and batches of focus nodes so small that each case's
nodes land in different ones: an entity and the node it links to, two entities sharing an
identifier, a membership and its member.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib

from ibigraph.config import Settings
from ibigraph.graph.build import (
    build_record,
    split_store,
    validate_store,
    validate_stored,
    with_union_default_graph,
)
from ibigraph.graph.compiled import validate_compiled
from ibigraph.graph.load import materialize, read_sources
from ibigraph.graph.partitions import Reach, validate_in_partitions
from ibigraph.graph.shacl_sparql import NotCompilable, compile_shapes
from ibigraph.graph.validate import ShapesContext, ValidationReport
from ibigraph.rdf.vocab import DCTERMS, SCHEMA
from ibigraph.store import write_store

from ..conftest import FIXTURES, ROOT
from .test_shapes import CASES, PREFIXES, claim, org

# a broken claim in an article's own graph, which is outside the union default graph
ARTICLE_CASE = claim("in-article", drop=("rdf:predicate",)).replace(
    "src:test-about {", "<https://w3id.org/ibigraph/article/partitions> {"
)
# a blank-node membership whose organization is a country, and whose member ended it but is
# still stated a current member (the SPARQL constraint reads the membership from the member)
BLANK_CASE = """src:test-about {
    [] a ibi:Membership ; org:member id:test-agency ; org:organization id:testland .
    [] a ibi:Membership ; org:member id:test-agency ; org:organization id:test-alliance ;
       schema:endDate "2020"^^xsd:gYear .
}
"""

# values SPARQL and pySHACL judge differently unless the compiled queries ask pySHACL's rules
# (shacl_functions.py): ill-typed literals, comparisons SPARQL cannot make, a blank node where
# a pattern or an IRI is expected, quotes and a line break in a reported value, a
# sub-property (ibi:leadAgency is a schema:funder), a link to an IRI nothing describes
ODD_CASES = "".join(
    [
        org("bad-date", 'schema:foundingDate "2013-13-45"^^xsd:date'),
        org("bad-year", 'schema:foundingDate "20x3"^^xsd:gYear'),
        org("lang-issn", 'schema:issn "0028-0836"@en', kind="schema:Periodical"),
        org("quoted", description='"""A "quoted" description\nwith a break, long enough."""@en'),
        org("blank-url", 'schema:url [ schema:name "x" ]'),
        org("literal-same-as", 'schema:sameAs "http://www.wikidata.org/entity/Q1"'),
        org("lead-person", "ibi:leadAgency id:some-person"),
        org("some-person", kind="schema:Person"),
        org("orphan-link", "schema:memberOf id:nobody-here"),
        org("int-name", "schema:alternateName 42"),
        """src:test-about { id:bad-grant a schema:MonetaryGrant ; schema:name "g"@en ;
            schema:description "A grant built to break one rule."@en ; schema:amount "lots" ;
            schema:currency "usd" ; schema:funder id:some-person ; schema:fundedItem "x" . }
        <https://w3id.org/ibigraph/article/odd> {
            art:t1 a ibi:Claim ; rdf:predicate "p" ; rdf:object [] ; oa:hasTarget art:sel1 .
            art:sel1 oa:hasSelector [ a oa:TextPositionSelector ; oa:start "-0.5"^^xsd:decimal ;
                oa:end "abc"^^xsd:integer ] . }
        """,
    ]
)


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A store (written without validation) of the valid fixture and every negative case."""
    data = tmp_path_factory.mktemp("partitions")
    (data / "valid.trig").write_text((FIXTURES / "valid.trig").read_text())
    (data / "cases.trig").write_text(
        PREFIXES + "".join(c.trig for c in CASES) + ARTICLE_CASE + BLANK_CASE + ODD_CASES
    )
    settings = Settings(store_path=data / "store", data_dir=data, ontology_dir=ROOT / "ontology")
    sources = read_sources(settings)
    quads = [*sources.ontology, *sources.shapes, *materialize(sources.data, sources.ontology)]
    write_store(
        settings.store_path,
        with_union_default_graph(quads, settings.in_union) + build_record(settings, "test"),
    )
    return settings


@pytest.fixture(scope="module")
def whole(broken: Settings) -> ValidationReport:
    return validate_store(broken)


def test_the_shapes_say_what_they_read_backwards() -> None:
    """The predicates a partition follows to other partitions' nodes, read off the shapes."""
    settings = Settings(ontology_dir=ROOT / "ontology")
    reach = Reach.of(read_sources(settings, paths=[]).shapes)
    assert {p.value for p in reach.inverse} == {SCHEMA + "sameAs", DCTERMS + "source"}
    assert {p.value for p in reach.hop} == {"http://www.w3.org/ns/org#member"}
    assert {p.value for p in reach.backwards} == {"http://www.w3.org/ns/oa#hasTarget"}


@pytest.mark.parametrize("size", [1, 40, 100_000])
def test_partitions_report_what_the_whole_graph_reports(
    broken: Settings, whole: ValidationReport, size: int
) -> None:
    assert len(whole.violations) > len(CASES)  # every case breaks a rule: the test has teeth
    assert any(r.focus_node.endswith("#in-article") for r in whole.violations)
    assert any(":" not in r.focus_node for r in whole.violations)  # a blank node
    parts = validate_in_partitions(broken.store_path, broken, size=size)
    assert parts.results == whole.results
    assert not parts.conforms and not parts.partial


def test_partitions_in_worker_processes(broken: Settings, whole: ValidationReport) -> None:
    seen: list[tuple[int, int]] = []
    parts = validate_in_partitions(
        broken.store_path, broken, size=25, jobs=2, progress=lambda d, t: seen.append((d, t))
    )
    assert parts.results == whole.results
    done = [d for d, _ in seen]
    assert done == sorted(done) and done[-1] == seen[-1][1] > 0  # the bar reaches its end


def test_stop_after_enough_violations(broken: Settings, whole: ValidationReport) -> None:
    parts = validate_in_partitions(broken.store_path, broken, size=25, stop_after=3)
    assert parts.partial and not parts.conforms
    assert 3 <= len(parts.violations) < len(whole.violations)
    assert set(parts.results) <= set(whole.results)


def test_curated_data_in_partitions(built_store: Settings) -> None:
    whole = validate_store(built_store)
    parts = validate_in_partitions(built_store.store_path, built_store, size=300)
    assert parts.results == whole.results
    assert parts.conforms == whole.conforms
    assert split_store(built_store).data  # the comparison was not over an empty store


def test_a_missing_store_is_refused(tmp_path: Path) -> None:
    settings = Settings(store_path=tmp_path / "none", ontology_dir=ROOT / "ontology")
    with pytest.raises(OSError):
        validate_in_partitions(settings.store_path, settings)


# --- the shapes compiled to SPARQL ----------------------------------------------------------------


@pytest.mark.parametrize(("size", "jobs"), [(1, 1), (40, 2), (100_000, 1)])
def test_compiled_shapes_report_what_the_whole_graph_reports(
    broken: Settings, whole: ValidationReport, size: int, jobs: int
) -> None:
    """Every result, field by field: focus node, path, value, message (SPARQL constraints'
    templates filled in), severity, shape, constraint component."""
    compiled = validate_compiled(broken.store_path, broken, size=size, jobs=jobs)
    assert compiled.results == whole.results
    assert not compiled.conforms and not compiled.partial


def test_compiled_shapes_on_the_curated_data(built_store: Settings) -> None:
    whole = validate_store(built_store)
    seen: list[tuple[int, int]] = []
    compiled = validate_compiled(
        built_store.store_path, built_store, progress=lambda d, t: seen.append((d, t))
    )
    assert compiled.results == whole.results and compiled.conforms == whole.conforms
    assert whole.results  # its warnings: the comparison has something to compare
    done = [d for d, _ in seen]
    assert done == sorted(done) and done[-1] == seen[-1][1] > 0  # the bar reaches its end


def test_compiled_shapes_stop_after_enough_violations(
    broken: Settings, whole: ValidationReport
) -> None:
    compiled = validate_compiled(broken.store_path, broken, size=25, stop_after=3)
    assert compiled.partial and not compiled.conforms
    assert 3 <= len(compiled.violations) < len(whole.violations)
    assert set(compiled.results) <= set(whole.results)


SHAPE_PREFIXES = (
    PREFIXES
    + "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
    + "@prefix ibish: <https://w3id.org/ibigraph/shapes#> .\n"
)


def _shapes(extra: str) -> ShapesContext:
    settings = Settings(ontology_dir=ROOT / "ontology")
    context = ShapesContext.of(read_sources(settings, paths=[]))
    context.shapes.parse(data=SHAPE_PREFIXES + extra, format="turtle")
    return context


UNTRANSLATED = {
    "sh:node": "ibish:x a sh:NodeShape ; sh:targetClass ibi:Entity ; sh:node ibish:EntityShape .",
    "a path with *": """ibish:x a sh:NodeShape ; sh:targetClass ibi:Entity ; sh:property [
        sh:path [ sh:zeroOrMorePath schema:memberOf ] ; sh:maxCount 9 ; sh:message "m" ] .""",
    "sh:closed": "ibish:x a sh:NodeShape ; sh:targetClass ibi:Entity ; sh:closed true .",
    "sh:hasValue": """ibish:x a sh:NodeShape ; sh:targetClass ibi:Entity ; sh:property [
        sh:path schema:name ; sh:hasValue "x" ; sh:message "m" ] .""",
    "no message": """ibish:x a sh:NodeShape ; sh:targetClass ibi:Entity ; sh:property [
        sh:path schema:name ; sh:maxCount 9 ] .""",
    "SPARQL with $PATH": """ibish:x a sh:NodeShape ; sh:targetClass ibi:Entity ; sh:sparql [
        sh:message "m" ; sh:select "SELECT $this WHERE { $this $PATH ?v }" ] .""",
    "SPARQL with a sub-query": """ibish:x a sh:NodeShape ; sh:targetClass ibi:Entity ;
        sh:sparql [ sh:message "m" ;
            sh:select "SELECT $this WHERE { { SELECT ?v WHERE { $this ?p ?v } } }" ] .""",
    "an implicit class target": """ibish:X a sh:NodeShape, rdfs:Class ; sh:property [
        sh:path schema:name ; sh:maxCount 9 ; sh:message "m" ] .""",
}


@pytest.mark.parametrize("extra", UNTRANSLATED.values(), ids=UNTRANSLATED.keys())
def test_shapes_the_compiler_does_not_translate_are_refused(extra: str) -> None:
    """Refused, never translated into something else: the store is then validated with
    pySHACL."""
    context = _shapes(extra)
    with pytest.raises(NotCompilable):
        compile_shapes(context.shapes, context.ontology, Settings())


def test_the_shipped_shapes_compile() -> None:
    context = _shapes("")
    targets = compile_shapes(context.shapes, context.ontology, Settings())
    shapes = set(context.shapes.subjects(rdflib.RDF.type, rdflib.SH.NodeShape))
    assert {t.shape for t in targets} == {str(s) for s in shapes}
    constraints = {c.constraint for t in targets for c in t.checks}
    assert len(constraints) >= 15  # counts, values, strings, pairs, qualified, or, SPARQL


def test_uncompilable_shapes_fall_back_to_partitions(
    broken: Settings, whole: ValidationReport, tmp_path: Path
) -> None:
    """With a shape the compiler refuses, the store is validated with pySHACL in partitions,
    which reports the same results (the extra shape targets nothing here)."""
    ontology = tmp_path / "ontology"
    ontology.mkdir()
    for f in (ROOT / "ontology").iterdir():
        (ontology / f.name).write_bytes(f.read_bytes())
    shapes = ontology / "shapes.ttl"
    shapes.write_text(
        shapes.read_text()
        + "\nibish:Closed a sh:NodeShape ; sh:targetClass ibi:Nothing ; sh:closed true .\n"
    )
    settings = dataclasses.replace(broken, ontology_dir=ontology)
    with pytest.raises(NotCompilable):
        validate_compiled(settings.store_path, settings)
    report = validate_stored(settings.store_path, settings, partition_size=500)
    assert report.results == whole.results


def test_a_store_without_the_union_is_validated_with_pyshacl(
    broken: Settings, tmp_path: Path
) -> None:
    """The queries read the union in the default graph; a store whose default graph lacks a
    named graph's triple (written by hand, not by build, load or a write) is refused by them and
    validated with pySHACL in partitions, which reads the named graphs."""
    store = ox.Store.read_only(str(broken.store_path))
    bad = ox.Quad(
        ox.NamedNode("https://w3id.org/ibigraph/id/test-alliance"),
        ox.NamedNode(SCHEMA + "foundingDate"),
        ox.Literal("banana"),
        ox.NamedNode("https://w3id.org/ibigraph/source/test-about"),
    )
    settings = dataclasses.replace(broken, store_path=tmp_path / "store")
    write_store(settings.store_path, [*store.quads_for_pattern(None, None, None, None), bad])
    with pytest.raises(NotCompilable, match="union"):
        validate_compiled(settings.store_path, settings)
    report = validate_stored(settings.store_path, settings, partition_size=500)
    assert any("banana" in (r.value or "") for r in report.violations)
