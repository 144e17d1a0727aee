"""Validation in partitions reports what whole-graph validation reports.

On the curated data, and on a store that breaks every constraint (the negative cases of
test_shapes) with partitions so small that each case's nodes land in different ones: an entity
and the node it links to, two entities sharing an identifier, a membership and its member.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ibigraph.config import Settings
from ibigraph.graph.build import build_record, split_store, validate_store, with_union_default_graph
from ibigraph.graph.load import materialize, read_sources
from ibigraph.graph.partitions import Reach, validate_in_partitions
from ibigraph.graph.validate import ValidationReport
from ibigraph.rdf.vocab import DCTERMS, SCHEMA
from ibigraph.store import write_store

from ..conftest import FIXTURES, ROOT
from .test_shapes import CASES, PREFIXES, claim

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


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A store (written without validation) of the valid fixture and every negative case."""
    data = tmp_path_factory.mktemp("partitions")
    (data / "valid.trig").write_text((FIXTURES / "valid.trig").read_text())
    (data / "cases.trig").write_text(
        PREFIXES + "".join(c.trig for c in CASES) + ARTICLE_CASE + BLANK_CASE
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
