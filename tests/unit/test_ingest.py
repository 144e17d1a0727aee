"""Article ingestion: names, mentions, claims, verdicts and the article graph, against the real
curated data (the seed article) and the fixture articles (annotated for extraction recall)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.namespace import OWL, RDFS

from ibigraph.config import Settings
from ibigraph.graph.build import check
from ibigraph.graph.load import materialize
from ibigraph.graph.validate import validate_quads
from ibigraph.ingest import (
    CONTRADICTED,
    SUPPORTED,
    UNVERIFIABLE,
    VERDICTS,
    Claim,
    IngestResult,
    ingest_article,
    read_article,
    read_claims,
    replace_verdicts,
    verify_claims,
)
from ibigraph.ingest.names import build_name_index

from ..conftest import FIXTURES, ROOT
from ..helpers import ID, SCHEMA, SRC
from ..helpers import ONTOLOGY as IBI
from ..optional import SEED, require

ARTICLES = FIXTURES / "articles"
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)

needs_seed = pytest.mark.needs("seed")


@pytest.fixture(scope="module")
def curated(built_store: Settings) -> ox.Store:
    """The built store, read-only: what ingestion reads curated facts from."""
    return ox.Store.read_only(str(built_store.store_path.resolve()))


def ingest(path: Path, curated: ox.Store, settings: Settings, now: datetime = NOW) -> IngestResult:
    return ingest_article(read_article(path), curated, settings, now=now)


@pytest.fixture(scope="module")
def seed(curated: ox.Store, built_store: Settings) -> IngestResult:
    require("seed")
    return ingest(SEED, curated, built_store)


def short(iri: str | None) -> str:
    """id:cbrain -> "cbrain"; schema:memberOf -> "memberOf"; None -> "?"."""
    return "?" if iri is None else iri.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def triple(c: Claim) -> tuple[str, str, str]:
    return short(c.subject), short(c.property), short(c.value) if c.value_is_iri else c.value


def select(quads: list[ox.Quad], sparql: str) -> list[tuple[str, ...]]:
    store = ox.Store()
    store.extend(quads)
    prefixes = (
        f"PREFIX schema: <{SCHEMA}> PREFIX ibi: <{IBI}> PREFIX prov: <http://www.w3.org/ns/prov#> "
        "PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> "
        "PREFIX oa: <http://www.w3.org/ns/oa#> "
    )
    result = store.query(prefixes + sparql, use_default_graph_as_union=True)
    assert isinstance(result, ox.QuerySolutions)
    return [tuple(t.value if t is not None else "" for t in row) for row in result]


# --- the names index, on a tiny curated graph --------------------------------------------------

TINY = """
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix ibi: <https://w3id.org/ibigraph/ontology#> .
@prefix id: <https://w3id.org/ibigraph/id/> .
@prefix schema: <https://schema.org/> .
@prefix src: <https://w3id.org/ibigraph/source/> .
src:a {
    id:nih a ibi:FundingAgency ; schema:name "National Institutes of Health"@en ;
        schema:alternateName "NIH"@en .
    id:who a ibi:IntergovernmentalOrganization ; schema:name "World Health Organization"@en ;
        schema:alternateName "WHO"@en .
    id:kavli a ibi:Foundation ; schema:name "The Kavli Foundation"@en .
    id:ebi a ibi:ResearchInstitute ; schema:name "European Bioinformatics Institute (EBI)"@en .
    id:epilepsy a schema:MedicalCondition ; schema:name "Epilepsy"@en .
    id:brain a ibi:NationalBrainProject ; schema:name "BRAIN Initiative"@en .
    id:one a ibi:Consortium ; schema:name "Brain Alliance"@en .
    id:two a ibi:Consortium ; schema:alternateName "Brain Alliance"@en .
}
src:a a ibi:SourceGraph ; dcterms:source <https://example.org/a> .
<https://w3id.org/ibigraph/article/x> { id:nih schema:alternateName "NIHX"@en . }
"""


@pytest.fixture(scope="module")
def tiny() -> ox.Store:
    store = ox.Store()
    store.load(TINY.encode(), format=ox.RdfFormat.TRIG)
    return store


def found(tiny: ox.Store, text: str) -> list[tuple[str, str]]:
    index = build_name_index(tiny, Settings())
    return [(m.text, ",".join(short(i) for i in m.iris)) for m in index.find(text)]


def test_acronyms_match_only_in_the_same_case(tiny: ox.Store) -> None:
    assert found(tiny, "WHO said who knows") == [("WHO", "who")]


def test_names_respect_word_boundaries(tiny: ox.Store) -> None:
    assert found(tiny, "NIHM and NIH's budget") == [("NIH", "nih")]


def test_the_longest_name_wins(tiny: ox.Store) -> None:
    assert found(tiny, "the National Institutes of Health") == [
        ("National Institutes of Health", "nih")
    ]


def test_proper_names_need_a_capital_topics_do_not(tiny: ox.Store) -> None:
    assert found(tiny, "an Australian brain initiative on epilepsy") == [("epilepsy", "epilepsy")]


def test_variants_drop_the_and_split_parenthesised_acronyms(tiny: ox.Store) -> None:
    assert found(tiny, "the Kavli Foundation, EBI and European Bioinformatics Institute") == [
        ("Kavli Foundation", "kavli"),
        ("EBI", "ebi"),
        ("European Bioinformatics Institute", "ebi"),
    ]


def test_a_shared_name_is_ambiguous(tiny: ox.Store) -> None:
    assert found(tiny, "the Brain Alliance") == [("Brain Alliance", "one,two")]


def test_names_in_article_graphs_are_not_indexed(tiny: ox.Store) -> None:
    assert found(tiny, "NIHX") == []


# --- the seed article against the real data ----------------------------------------------------

# Curated entities the seed article names, by the words it uses, checked by hand. The Society for
# Neuroscience is named only inside "Society for Neuroscience annual meeting", its meeting.
SEED_NAMES = {
    "International Brain Initiative": "international-brain-initiative",
    "BRAIN Initiative": "brain-initiative",
    "Human Brain Project": "human-brain-project",
    "Brain/MINDS": "brain-minds",
    "China Brain Project": "china-brain-project",
    "Australian Brain Alliance": "australian-brain-alliance",
    "CBRAIN": "cbrain",
    "Korea Brain Research Institute": "korea-brain-research-institute",
    "National Institutes of Health": "national-institutes-of-health",
    "National Science Foundation": "national-science-foundation",
    "Allen Institute for Brain Science": "allen-institute-for-brain-science",
    "Kavli Foundation": "kavli-foundation",
    "Society for Neuroscience annual meeting": "sfn-annual-meeting",
    "International Brain Laboratory": "international-brain-laboratory",
    "European Commission": "european-commission",
    "Japan Agency for Medical Research and Development": (
        "japan-agency-for-medical-research-and-development"
    ),
    "Neurodata Without Borders": "neurodata-without-borders",
    "OECD": "oecd",
    "UNESCO": "unesco",
    "Brain Initiative Cell Census Network": "brain-initiative-cell-census-network",
    "World Health Organization": "world-health-organization",
    "Massachusetts Institute of Technology": "massachusetts-institute-of-technology",
    "Nature": "nature-journal",
    "Science": "science-journal",
    "optogenetics": "optogenetics",
    "connectomics": "connectomics",
    "large-scale neural recording": "large-scale-neural-recording",
    "Alzheimer's disease": "alzheimers-disease",
    "epilepsy": "epilepsy",
    "major depressive disorder": "major-depressive-disorder",
    "neuroethics": "neuroethics",
    "data standards": "data-standards",
    "training": "training",
    "Africa": "africa",
    "South America": "south-america",
    "Europe": "europe",
    "Asia": "asia",
    "Japan": "japan",
    "China": "china",
    "Canada": "canada",
    "Australia": "australia",
    "United States": "united-states",
    "Korea": "(no entity: the data has South Korea)",
    "European Union": "(no entity)",
}


@needs_seed
def test_seed_links_every_curated_entity_it_names_and_nothing_else(
    seed: IngestResult, curated: ox.Store
) -> None:
    text = SEED.read_text(encoding="utf-8")
    assert all(name in text for name in SEED_NAMES)
    exists = {
        slug
        for slug in SEED_NAMES.values()
        if not slug.startswith("(")
        and next(curated.quads_for_pattern(ox.NamedNode(ID + slug), None, None, None), None)
    }
    assert len(exists) == len(SEED_NAMES) - 2
    linked = {short(m.iri) for m in seed.mentions}
    assert linked == exists


@needs_seed
def test_seed_mentions_point_at_their_words(seed: IngestResult) -> None:
    text = read_article(SEED).text
    assert all(text[m.start : m.end] == m.text for m in seed.mentions)
    assert all(text[c.start : c.end] == c.text for c in seed.claims)
    assert [c.text for c in seed.candidates] == ["European Union", "European Union"]


@needs_seed
def test_seed_every_infobox_pair_becomes_a_claim(seed: IngestResult) -> None:
    pairs = read_article(SEED).infobox
    assert [p.key for p in pairs] == ["Name", "Founded", "Focus", "Key people", "Website"]
    for p in pairs:
        assert any(
            c.rule.startswith("infobox-") and p.start <= c.start and c.end <= p.end
            for c in seed.claims
        ), p


@needs_seed
def test_seed_every_claim_has_a_verdict_and_cited_evidence(seed: IngestResult) -> None:
    for c in seed.claims:
        assert c.verdict in VERDICTS and c.reason, c
        if c.verdict != UNVERIFIABLE:
            assert c.evidence, c
        for e in c.evidence:
            assert e.graph.startswith(SRC), e
            assert e.source_url and e.source_url.startswith(("http://", "https://")), e
            assert e.statement


@needs_seed
def test_seed_cbrain_membership_is_contradicted_with_a_cited_source(seed: IngestResult) -> None:
    claims = [
        c
        for c in seed.claims
        if triple(c) == ("cbrain", "memberOf", "international-brain-initiative")
    ]
    assert len(claims) == 2  # "founding partners … Canada's CBRAIN", "contributing efforts …"
    for c in claims:
        assert c.verdict == CONTRADICTED
        assert "Canadian Brain Research Strategy" in (c.reason or "")
        assert "https://www.internationalbraininitiative.org/participating-initiatives" in {
            e.source_url for e in c.evidence
        }


SEED_VERDICTS = [
    (("international-brain-initiative", "foundingDate", "2017"), SUPPORTED),
    (("international-brain-initiative", "url", "internationalbraininitiative.org"), SUPPORTED),
    (("international-brain-initiative", "type", "Consortium"), SUPPORTED),
    (("brain-initiative", "memberOf", "international-brain-initiative"), SUPPORTED),
    (("brain-initiative", "leadAgency", "national-institutes-of-health"), SUPPORTED),
    (("brain-minds", "memberOf", "international-brain-initiative"), SUPPORTED),
    (("china-brain-project", "memberOf", "international-brain-initiative"), SUPPORTED),
    (("australian-brain-alliance", "memberOf", "international-brain-initiative"), SUPPORTED),
    (
        ("korea-brain-research-institute", "memberOf", "international-brain-initiative"),
        CONTRADICTED,
    ),
    (("kavli-foundation", "memberOf", "international-brain-initiative"), CONTRADICTED),
    (("international-brain-laboratory", "type", "EducationalOccupationalProgram"), CONTRADICTED),
    (("cbrain", "type", "ResearchPlatform"), SUPPORTED),
    (("?", "funder", "european-commission"), UNVERIFIABLE),
]


@needs_seed
@pytest.mark.parametrize(
    ("claim", "verdict"), SEED_VERDICTS, ids=lambda x: "-".join(x) if isinstance(x, tuple) else x
)
def test_seed_verdicts_follow_the_curated_data(
    seed: IngestResult, claim: tuple[str, str, str], verdict: str
) -> None:
    verdicts = {c.verdict for c in seed.claims if triple(c) == claim}
    assert verdicts == {verdict}


@needs_seed
def test_seed_graph_describes_funnel_genealogy_sections_and_categories(seed: IngestResult) -> None:
    a = f"<{seed.article_iri}>"
    article = read_article(SEED)
    assert select(
        seed.quads, f"SELECT ?parent ?hop {{ {a} ibi:parentTitle ?parent ; ibi:hop ?hop }}"
    ) == [("China Brain Project", "4")]
    stages = select(
        seed.quads,
        f"SELECT ?n ?name ?count {{ {a} ibi:funnelStage ?s . ?s schema:position ?n ; "
        "schema:name ?name ; schema:numberOfItems ?count } ORDER BY ?n",
    )
    assert stages == [
        ("1", "Extracted", "58"),
        ("2", "After dedup", "0"),
        ("3", "After NER", "0"),
        ("4", "Enqueued", "0"),
    ]
    sections = select(
        seed.quads,
        f"SELECT ?name ?start ?end {{ {a} schema:hasPart ?s . ?s schema:name ?name ; "
        "schema:position ?n ; oa:hasSelector [ oa:start ?start ; oa:end ?end ] } ORDER BY ?n",
    )
    assert sections == [(s.heading, str(s.start), str(s.end)) for s in article.sections]
    keywords = select(seed.quads, f"SELECT ?k {{ {a} schema:keywords ?k }} ORDER BY ?k")
    assert [k for (k,) in keywords] == sorted(article.categories)
    generation = select(
        seed.quads,
        f"SELECT ?model ?retrieval ?sha {{ {a} prov:wasGeneratedBy ?act ; schema:encoding ?file . "
        "?file schema:sha256 ?sha . ?act ibi:usedRetrieval ?retrieval ; "
        "prov:wasAssociatedWith ?agent . ?agent a prov:SoftwareAgent ; schema:name ?model }",
    )
    assert generation == [("DeepSeek V3.2", "false", article.sha256)]


@needs_seed
def test_seed_graph_keeps_claims_reified_and_apart_from_entities(
    seed: IngestResult, built_store: Settings
) -> None:
    assert {q.graph_name.value for q in seed.quads} == {seed.graph}
    assert seed.graph == "https://w3id.org/ibigraph/article/international-brain-initiative"
    assert not [q for q in seed.quads if q.subject.value.startswith(ID)]
    rows = select(
        seed.quads,
        "SELECT ?c { ?c a ibi:Claim ; rdf:predicate ?p ; rdf:object ?o ; ibi:verdict ?v ; "
        f"schema:appearance <{seed.article_iri}> ; ibi:extractionRule ?r ; oa:hasTarget ?t }}",
    )
    assert len(rows) == len(seed.claims)


@needs_seed
def test_claims_read_back_from_the_graph_equal_the_extracted_ones(
    seed: IngestResult, built_store: Settings
) -> None:
    assert read_claims(seed.quads, built_store) == seed.claims


@needs_seed
def test_ingesting_twice_gives_the_same_quads_apart_from_the_time(
    seed: IngestResult, curated: ox.Store, built_store: Settings
) -> None:
    later = ingest(SEED, curated, built_store, now=datetime(2030, 1, 1, tzinfo=UTC))
    stamp = "http://www.w3.org/ns/prov#generatedAtTime"
    first = {q for q in seed.quads if q.predicate.value != stamp}
    again = {q for q in later.quads if q.predicate.value != stamp}
    assert first == again and len(later.quads) == len(seed.quads)
    assert {q for q in seed.quads if q.predicate.value == stamp} != {
        q for q in later.quads if q.predicate.value == stamp
    }


@needs_seed
def test_verdicts_are_recomputed_and_replaced_without_reparsing(
    seed: IngestResult, built_store: Settings
) -> None:
    stored = read_claims(seed.quads, built_store)
    empty = verify_claims(stored, ox.Store(), built_store)  # as if the curated data were gone
    assert {c.verdict for c in empty} == {UNVERIFIABLE}
    quads = replace_verdicts(seed.quads, empty, built_store)
    assert read_claims(quads, built_store) == empty
    restored = replace_verdicts(quads, verify_claims(empty, ox.Store(), built_store), built_store)
    assert set(restored) == set(quads)
    back = replace_verdicts(quads, seed.claims, built_store)
    assert set(back) == set(seed.quads)


@needs_seed
def test_shapes_accept_curated_data_with_an_article_graph(
    seed: IngestResult, settings: Settings
) -> None:
    sources, data, _ = check(settings)
    article = materialize(seed.quads, sources.ontology)
    report = validate_quads([*data, *article], sources, settings)
    assert report.violations == ()


@needs_seed
def test_article_graph_uses_declared_terms_that_refine_schema_org(seed: IngestResult) -> None:
    g = rdflib.Graph().parse(ROOT / "ontology" / "ibi.ttl")
    used = {q.predicate.value for q in seed.quads} | {
        q.object.value for q in seed.quads if isinstance(q.object, ox.NamedNode)
    }
    terms = {rdflib.URIRef(t) for t in used if t.startswith(IBI)}
    assert len(terms) >= 12
    for t in terms:
        assert (t, RDFS.label, None) in g and (t, RDFS.comment, None) in g, t
        if (t, rdflib.RDF.type, OWL.NamedIndividual) in g:
            continue
        link = RDFS.subClassOf if (t, rdflib.RDF.type, OWL.Class) in g else RDFS.subPropertyOf
        assert any(str(s).startswith(SCHEMA) for s in g.transitive_objects(t, link)), t
    allowed = (SCHEMA, IBI, "http://www.w3.org/ns/prov#", "http://www.w3.org/ns/oa#")
    allowed += ("http://www.w3.org/1999/02/22-rdf-syntax-ns#", "http://purl.org/dc/terms/")
    assert all(q.predicate.value.startswith(allowed) for q in seed.quads)


# --- fixture articles: extraction recall -------------------------------------------------------

ABA, IBI_, NWB = (
    "australian-brain-alliance",
    "international-brain-initiative",
    "neurodata-without-borders",
)

# What a careful reader extracts from each fixture (subject, property, value): entity slugs, class
# or property local names, literals; "?" for a subject that is not a curated entity.
EXPECTED: dict[str, list[tuple[str, str, str]]] = {
    "australian_brain_alliance.txt": [
        (ABA, "name", "Australian Brain Alliance"),
        (ABA, "foundingDate", "2016"),  # infobox
        (ABA, "location", "australia"),  # infobox Headquarters
        (ABA, "parentOrganization", "australian-academy-of-science"),  # infobox
        (ABA, "member", "Universities and medical research institutes"),  # infobox
        (ABA, "type", "Consortium"),  # "is a coalition"
        (ABA, "foundingDate", "2016"),  # "formed in 2016"
        (ABA, "location", "australia"),  # "to coordinate brain research in Australia"
        (ABA, "parentOrganization", "australian-academy-of-science"),  # "hosted by"
        (ABA, "memberOf", IBI_),  # "a founding member of"
        ("university-of-queensland", "memberOf", ABA),
        ("?", "memberOf", ABA),  # Monash University (not curated)
        ("florey-institute-of-neuroscience-and-mental-health", "memberOf", ABA),
        (ABA, "memberOf", IBI_),  # "represents Australia in"
        ("brain-initiative", "location", "united-states"),  # "the U.S. BRAIN Initiative"
    ],
    "neurodata_without_borders.txt": [
        (NWB, "name", "Neurodata Without Borders"),
        (NWB, "type", "DataStandard"),  # infobox Type
        (NWB, "foundingDate", "2014"),  # infobox Launched
        (NWB, "funder", "kavli-foundation"),  # infobox Funding
        (NWB, "url", "nwb.org"),
        (NWB, "alternateName", "NWB"),
        (NWB, "type", "DataStandard"),  # "is a data standard"
        (NWB, "foundingDate", "2014"),  # "started in 2014"
        (NWB, "funder", "kavli-foundation"),  # "supported by the Kavli Foundation"
        (NWB, "funder", "allen-institute-for-brain-science"),  # "… e.g. the Allen Institute"
        ("allen-institute-for-brain-science", "type", "ResearchInstitute"),
        ("brain-initiative", "location", "united-states"),  # "the U.S. BRAIN Initiative"
    ],
    "minimal.txt": [],
}
# The seed, by the same reading (only claims about things the ontology has properties for).
SEED_EXPECTED = [
    (IBI_, "name", "International Brain Initiative"),
    (IBI_, "foundingDate", "2017"),
    (IBI_, "focusArea", "Global coordination of neuroscience research"),
    (IBI_, "employee", "Representatives from major national brain projects"),
    (IBI_, "url", "internationalbraininitiative.org"),
    (IBI_, "type", "Consortium"),
    (IBI_, "foundingDate", "2017"),
    ("brain-initiative", "location", "united-states"),
    *[(x, "memberOf", IBI_) for x in ("brain-minds", "china-brain-project", "cbrain")],
    ("brain-minds", "location", "japan"),
    ("china-brain-project", "location", "china"),
    ("cbrain", "location", "canada"),
    ("brain-initiative", "leadAgency", "national-institutes-of-health"),
    (
        "brain-initiative",
        "alternateName",
        "Brain Research Through Advancing Innovative Neurotechnologies",
    ),
    ("brain-initiative", "memberOf", IBI_),
    ("brain-initiative", "focusArea", "developing new tools to map brain circuits"),
    ("human-brain-project", "location", "europe"),  # "integrates efforts across Europe"
    *[(x, "memberOf", IBI_) for x in ("brain-minds", "china-brain-project")],
    ("brain-minds", "location", "japan"),
    (
        "brain-minds",
        "alternateName",
        "Brain Mapping by Integrated Neurotechnologies for Disease Studies",
    ),
    ("china-brain-project", "focusArea", "basic research and AI integration"),
    *[
        (x, "memberOf", IBI_)
        for x in ("australian-brain-alliance", "cbrain", "korea-brain-research-institute")
    ],
    ("australian-brain-alliance", "location", "australia"),
    ("cbrain", "location", "canada"),
    ("cbrain", "type", "ResearchPlatform"),
    ("large-scale-neural-recording", "type", "Neurotechnology"),
    ("optogenetics", "type", "Neurotechnology"),
    (IBI_, "focusArea", "data-standards"),  # "prioritizes … interoperable data standards"
    ("oecd", "type", "Organization"),
    ("unesco", "type", "Organization"),
    *[(x, "memberOf", IBI_) for x in ("allen-institute-for-brain-science", "kavli-foundation")],
    ("national-science-foundation", "type", "FundingAgency"),
    ("sfn-annual-meeting", "type", "ScientificMeeting"),
    *[
        (IBI_, "focusArea", x) for x in ("neuroethics", "data-standards", "training")
    ],  # its working groups
    ("international-brain-laboratory", "type", "EducationalOccupationalProgram"),
    ("?", "funder", "european-commission"),  # "each member project supported by …"
    ("?", "funder", "japan-agency-for-medical-research-and-development"),
    ("european-commission", "type", "FundingAgency"),
    ("japan-agency-for-medical-research-and-development", "type", "FundingAgency"),
    ("nature-journal", "type", "Periodical"),
    ("science-journal", "type", "Periodical"),
    ("world-health-organization", "type", "Organization"),
    ("massachusetts-institute-of-technology", "type", "Organization"),
]
RECALL_FLOOR = 0.8


def recall(expected: list[tuple[str, str, str]], claims: list[Claim]) -> float:
    """Share of expected claims extracted, counting repeats (a multiset intersection)."""
    want, got = Counter(expected), Counter(triple(c) for c in claims)
    return sum((want & got).values()) / sum(want.values()) if want else 1.0


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_extraction_recall(name: str, curated: ox.Store, built_store: Settings) -> None:
    result = ingest(ARTICLES / name, curated, built_store)
    r = recall(EXPECTED[name], result.claims)
    print(f"recall {name}: {r:.2f} ({len(EXPECTED[name])} expected, {len(result.claims)} found)")
    assert r >= RECALL_FLOOR


@needs_seed
def test_seed_extraction_recall(seed: IngestResult) -> None:
    r = recall(SEED_EXPECTED, seed.claims)
    print(f"recall seed: {r:.2f} ({len(SEED_EXPECTED)} expected, {len(seed.claims)} found)")
    assert r >= RECALL_FLOOR


def test_fixture_candidates_are_unknown_organizations(
    curated: ox.Store, built_store: Settings
) -> None:
    aba = ingest(ARTICLES / "australian_brain_alliance.txt", curated, built_store)
    # the University of Queensland and the Florey Institute are curated entities: mentions
    assert [c.text for c in aba.candidates] == ["Monash University"]
    assert {"University of Queensland", "Florey Institute of Neuroscience and Mental Health"} <= {
        m.text for m in aba.mentions
    }
    assert "Neuroscience" not in {m.text for m in aba.mentions}  # part of the Florey Institute
    nwb = ingest(ARTICLES / "neurodata_without_borders.txt", curated, built_store)
    assert [c.text for c in nwb.candidates] == ["Lawrence Berkeley National Laboratory"]


def test_fixture_verdicts(curated: ox.Store, built_store: Settings) -> None:
    result = ingest(ARTICLES / "neurodata_without_borders.txt", curated, built_store)
    verdicts = {(triple(c), c.verdict) for c in result.claims}
    assert ((NWB, "funder", "kavli-foundation"), SUPPORTED) in verdicts
    assert ((NWB, "url", "nwb.org"), SUPPORTED) in verdicts
    assert ((NWB, "foundingDate", "2014"), UNVERIFIABLE) in verdicts  # no curated date
    assert result.summary()["claims"] == len(result.claims)


def test_an_article_without_a_curated_subject_yields_unverifiable_claims(
    curated: ox.Store, built_store: Settings
) -> None:
    result = ingest(ARTICLES / "minimal.txt", curated, built_store)
    assert result.subject is None and result.claims == []
    assert result.graph.endswith("/article/brain-atlas")
    assert result.summary()["claims"] == 0 and result.summary()["mentions"] == 0
