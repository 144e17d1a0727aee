"""Seeded generator of a synthetic brain-research knowledge graph, written as N-Quads.

Organizations, research projects, people, scholarly articles, memberships (schema:memberOf and
schema:OrganizationRole nodes), fundings (schema:MonetaryGrant nodes and schema:funder) and
countries, in schema.org terms, with entity IRIs under https://w3id.org/ibigraph/id/.  Every quad
sits in the named graph of one synthetic source (https://w3id.org/ibigraph/source/...); a few
facts are stated by two sources, so a union default graph must merge them (set semantics).

The same seed and size always give the same file byte for byte, and `build_model` gives the
same entities to `queries.py` without reading the file.

    .venv/bin/python bench/generate.py --size 100k          # writes bench/data/synthetic-100k-v1.nq
"""

from __future__ import annotations

import argparse
import bisect
import json
import random
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

VERSION = 1  # bump when the output changes: it is part of the cached file's name
SEED = 20261126

SIZES = {"10k": 10_000, "100k": 100_000, "1m": 1_000_000, "10m": 10_000_000}
DATA_DIR = Path(__file__).resolve().parent / "data"

BASE = "https://w3id.org/ibigraph/"
ID = BASE + "id/"
SRC = BASE + "source/"
SCHEMA = "https://schema.org/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD = "http://www.w3.org/2001/XMLSchema#"

COUNTRIES = [
    ("us", "United States"),
    ("gb", "United Kingdom"),
    ("de", "Germany"),
    ("fr", "France"),
    ("jp", "Japan"),
    ("cn", "China"),
    ("kr", "South Korea"),
    ("au", "Australia"),
    ("ca", "Canada"),
    ("ch", "Switzerland"),
    ("nl", "Netherlands"),
    ("se", "Sweden"),
    ("dk", "Denmark"),
    ("no", "Norway"),
    ("fi", "Finland"),
    ("it", "Italy"),
    ("es", "Spain"),
    ("pt", "Portugal"),
    ("at", "Austria"),
    ("be", "Belgium"),
    ("ie", "Ireland"),
    ("pl", "Poland"),
    ("cz", "Czechia"),
    ("hu", "Hungary"),
    ("il", "Israel"),
    ("in", "India"),
    ("sg", "Singapore"),
    ("tw", "Taiwan"),
    ("nz", "New Zealand"),
    ("br", "Brazil"),
    ("ar", "Argentina"),
    ("cl", "Chile"),
    ("mx", "Mexico"),
    ("za", "South Africa"),
    ("eg", "Egypt"),
    ("ng", "Nigeria"),
    ("ke", "Kenya"),
    ("tr", "Türkiye"),
    ("gr", "Greece"),
    ("ru", "Russia"),
    ("ua", "Ukraine"),
    ("ee", "Estonia"),
    ("lt", "Lithuania"),
    ("lv", "Latvia"),
    ("si", "Slovenia"),
    ("hr", "Croatia"),
    ("rs", "Serbia"),
    ("ro", "Romania"),
    ("bg", "Bulgaria"),
    ("is", "Iceland"),
    ("lu", "Luxembourg"),
    ("my", "Malaysia"),
    ("th", "Thailand"),
    ("vn", "Vietnam"),
    ("id", "Indonesia"),
    ("ph", "Philippines"),
    ("pk", "Pakistan"),
    ("ir", "Iran"),
    ("sa", "Saudi Arabia"),
    ("ae", "United Arab Emirates"),
]
CITIES = [
    "Berlin",
    "Boston",
    "Kyoto",
    "Shanghai",
    "Seoul",
    "Melbourne",
    "Toronto",
    "Zürich",
    "Amsterdam",
    "Stockholm",
    "Copenhagen",
    "Oslo",
    "Helsinki",
    "Milan",
    "Madrid",
    "Lisbon",
    "Vienna",
    "Leuven",
    "Dublin",
    "Kraków",
    "Prague",
    "Budapest",
    "Haifa",
    "Bangalore",
    "Singapore",
    "Taipei",
    "Auckland",
    "São Paulo",
    "Buenos Aires",
    "Santiago",
    "Montréal",
    "Cape Town",
    "Cairo",
    "Lagos",
    "Nairobi",
    "İstanbul",
    "Athens",
    "Tartu",
    "Vilnius",
    "Rīga",
    "Ljubljana",
    "Zagreb",
    "Belgrade",
    "Cluj",
    "Sofia",
    "Reykjavík",
    "Göttingen",
    "Tübingen",
    "Marseille",
    "Lyon",
    "Heidelberg",
    "Oxford",
    "Cambridge",
    "Edinburgh",
    "Seattle",
    "San Diego",
    "Pittsburgh",
    "Okinawa",
    "Wuhan",
    "Daejeon",
]
ORG_KINDS = [
    ("Institute for", SCHEMA + "ResearchOrganization"),
    ("Center for", SCHEMA + "ResearchOrganization"),
    ("University Department of", SCHEMA + "CollegeOrUniversity"),
    ("National Agency for", SCHEMA + "GovernmentOrganization"),
    ("Foundation for", SCHEMA + "Organization"),
    ("Laboratory of", SCHEMA + "ResearchOrganization"),
    ("Society for", SCHEMA + "Organization"),
    ("Consortium on", SCHEMA + "Organization"),
]
FIELDS = [
    "Neuroscience",
    "Brain Research",
    "Neurotechnology",
    "Cognitive Science",
    "Computational Neuroscience",
    "Neuroimaging",
    "Neural Circuits",
    "Systems Neuroscience",
    "Neurogenetics",
    "Brain Health",
    "Neuroinformatics",
    "Molecular Neurobiology",
    "Neuroethics",
    "Brain Mapping",
    "Clinical Neurology",
    "Developmental Neuroscience",
    "Sensory Systems",
    "Neural Engineering",
    "Behavioral Neuroscience",
    "Neuropharmacology",
]
PROJECT_WORDS_A = [
    "Atlas",
    "Connectome",
    "Census",
    "Cartography",
    "Observatory",
    "Network",
    "Initiative",
    "Programme",
    "Platform",
    "Cohort",
    "Toolkit",
    "Archive",
    "Alliance",
    "Map",
    "Survey",
]
PROJECT_WORDS_B = [
    "Cortical",
    "Hippocampal",
    "Thalamic",
    "Cerebellar",
    "Spinal",
    "Retinal",
    "Olfactory",
    "Striatal",
    "Brainstem",
    "Whole-Brain",
    "Mesoscale",
    "Single-Cell",
    "Synaptic",
    "Glial",
    "Neurovascular",
    "Developmental",
    "Ageing",
    "Primate",
    "Zebrafish",
    "Human",
]
ADJ = [
    "Longitudinal",
    "Quantitative",
    "High-resolution",
    "Large-scale",
    "Multimodal",
    "Comparative",
    "Dynamic",
    "Integrative",
    "Probabilistic",
    "Functional",
    "Structural",
    "Single-cell",
    "Whole-brain",
    "Closed-loop",
    "Noninvasive",
    "Automated",
]
METHODS = [
    "imaging",
    "mapping",
    "modelling",
    "recording",
    "profiling",
    "tracing",
    "analysis",
    "decoding",
    "stimulation",
    "reconstruction",
    "sequencing",
    "segmentation",
]
TOPICS = [
    "synaptic plasticity",
    "neural oscillations",
    "dendritic integration",
    "axonal transport",
    "place cells",
    "grid cells",
    "working memory",
    "motor learning",
    "visual processing",
    "auditory coding",
    "sleep spindles",
    "neuroinflammation",
    "myelination",
    "interneuron diversity",
    "dopamine signalling",
    "cortical layers",
    "spike timing",
    "fear conditioning",
    "decision making",
    "sensorimotor integration",
    "neurogenesis",
    "connectivity gradients",
    "gene expression",
    "blood flow",
]
REGIONS = [
    "the hippocampus",
    "the prefrontal cortex",
    "the visual cortex",
    "the cerebellum",
    "the thalamus",
    "the striatum",
    "the amygdala",
    "the olfactory bulb",
    "the spinal cord",
    "the retina",
    "the brainstem",
    "the entorhinal cortex",
    "the motor cortex",
    "the hypothalamus",
]
ORGANISMS = ["mice", "rats", "macaques", "marmosets", "zebrafish", "humans", "songbirds", "flies"]
KEYWORDS = [
    "neuroscience",
    "connectomics",
    "electrophysiology",
    "optogenetics",
    "calcium imaging",
    "fMRI",
    "EEG",
    "MEG",
    "transcriptomics",
    "single-cell RNA-seq",
    "neuroanatomy",
    "machine learning",
    "deep learning",
    "brain atlas",
    "neuroinformatics",
    "data sharing",
    "open science",
    "neuroethics",
    "biomarkers",
    "dementia",
    "Alzheimer's disease",
    "Parkinson's disease",
    "epilepsy",
    "depression",
    "schizophrenia",
    "autism",
    "stroke",
    "pain",
    "sleep",
    "memory",
    "attention",
    "language",
    "vision",
    "audition",
    "olfaction",
    "motor control",
    "reward",
    "learning",
    "development",
    "ageing",
    "glia",
    "synapses",
    "plasticity",
    "oscillations",
    "neuromodulation",
    "brain-computer interface",
    "neuroprosthetics",
    "deep brain stimulation",
    "tractography",
    "diffusion MRI",
    "microscopy",
    "light-sheet",
    "expansion microscopy",
    "patch-seq",
    "modelling",
    "simulation",
    "neuromorphic",
    "standards",
    "ontologies",
    "FAIR data",
]
GIVEN = [
    "Aiko",
    "Akira",
    "Alice",
    "Amara",
    "Ana",
    "Anders",
    "Andrea",
    "Anja",
    "Arjun",
    "Aylin",
    "Beatriz",
    "Bo",
    "Carlos",
    "Chen",
    "Chiara",
    "Chloé",
    "Daniel",
    "Dara",
    "David",
    "Elena",
    "Emeka",
    "Emma",
    "Erik",
    "Fatima",
    "Felix",
    "Francesca",
    "Gabriel",
    "Hana",
    "Hannah",
    "Hiroshi",
    "Ines",
    "Ingrid",
    "Isabel",
    "Jakob",
    "James",
    "Jia",
    "Jin",
    "João",
    "Jonas",
    "Julia",
    "Kai",
    "Karin",
    "Kenji",
    "Khalid",
    "Kofi",
    "Lars",
    "Laura",
    "Lea",
    "Li",
    "Lucas",
    "Lucía",
    "Maja",
    "Marco",
    "Maria",
    "Mariam",
    "Mateo",
    "Mei",
    "Mikhail",
    "Min-jun",
    "Nadia",
    "Nikola",
    "Nina",
    "Noah",
    "Olga",
    "Omar",
    "Paolo",
    "Pedro",
    "Priya",
    "Rafael",
    "Rania",
    "Ravi",
    "Rosa",
    "Sakura",
    "Samuel",
    "Sara",
    "Sebastián",
    "Seo-yeon",
    "Sofia",
    "Søren",
    "Tariq",
    "Thomas",
    "Tomás",
    "Valentina",
    "Viktor",
    "Wei",
    "Xin",
    "Yara",
    "Yuki",
    "Zainab",
    "Zoë",
]
FAMILY = [
    "Abe",
    "Adeyemi",
    "Ahmed",
    "Almeida",
    "Andersen",
    "Bauer",
    "Becker",
    "Bianchi",
    "Brown",
    "Castro",
    "Chen",
    "Cohen",
    "Costa",
    "Dubois",
    "Dvořák",
    "Eriksson",
    "Fernández",
    "Fischer",
    "García",
    "Gonzalez",
    "Gupta",
    "Hansen",
    "Hashimoto",
    "Herrera",
    "Hoffmann",
    "Huang",
    "Ibrahim",
    "Ivanova",
    "Jansen",
    "Jensen",
    "Kang",
    "Kato",
    "Kim",
    "Kowalski",
    "Kumar",
    "Larsen",
    "Lee",
    "Lefebvre",
    "Li",
    "Lindqvist",
    "Liu",
    "López",
    "Martin",
    "Martínez",
    "Meyer",
    "Moreau",
    "Müller",
    "Nakamura",
    "Nguyen",
    "Nielsen",
    "Novak",
    "Okafor",
    "Olsen",
    "Park",
    "Patel",
    "Pereira",
    "Petrov",
    "Popescu",
    "Rossi",
    "Russo",
    "Sato",
    "Schmidt",
    "Schneider",
    "Silva",
    "Singh",
    "Smith",
    "Suzuki",
    "Takahashi",
    "Tanaka",
    "Tan",
    "Taylor",
    "Torres",
    "Van Dijk",
    "Wagner",
    "Wang",
    "Weber",
    "Williams",
    "Wilson",
    "Wong",
    "Wu",
    "Xu",
    "Yamamoto",
    "Yang",
    "Yilmaz",
    "Zhang",
    "Zhao",
    "Zhou",
    "Żukowski",
    "Østergaard",
]
ROLES = [
    "member",
    "principal investigator",
    "postdoctoral researcher",
    "PhD student",
    "data steward",
    "board member",
    "coordinator",
    "engineer",
]

# Named graphs: one per synthetic source.
G_COUNTRIES = SRC + "country-registry"
G_ORGS = SRC + "organization-registry"
G_PROJECTS = SRC + "project-registry"
G_GRANTS = SRC + "grants-database"
G_PEOPLE = SRC + "people-directory"
G_ROSTER = SRC + "membership-roster"
G_BIB = [SRC + f"bibliography-{c}" for c in "abcd"]


@dataclass
class Model:
    """The entities the generator made, for building query parameters."""

    size: str
    countries: list[str] = field(default_factory=list)
    orgs: list[str] = field(default_factory=list)
    org_names: list[str] = field(default_factory=list)
    funders: list[str] = field(default_factory=list)  # orgs that fund at least one project
    projects: list[str] = field(default_factory=list)
    persons: list[str] = field(default_factory=list)
    person_names: list[str] = field(default_factory=list)
    articles: list[str] = field(default_factory=list)
    article_titles: list[str] = field(default_factory=list)
    memberships: list[tuple[str, str]] = field(default_factory=list)  # (person, org) samples
    others: list[str] = field(default_factory=list)  # grants and roles
    keywords: list[str] = field(default_factory=lambda: list(KEYWORDS))


class _Zipf:
    """Draws indices 0..n-1 with probability ~ 1/(i+1)^s, from a given random.Random."""

    def __init__(self, n: int, s: float) -> None:
        acc = 0.0
        self.cum = []
        for i in range(n):
            acc += 1.0 / (i + 1) ** s
            self.cum.append(acc)
        self.total = acc

    def __call__(self, rng: random.Random) -> int:
        return min(bisect.bisect_left(self.cum, rng.random() * self.total), len(self.cum) - 1)


def _lit(value: str, lang: str | None = None, datatype: str | None = None) -> str:
    esc = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    if lang:
        return f'"{esc}"@{lang}'
    if datatype:
        return f'"{esc}"^^<{datatype}>'
    return f'"{esc}"'


def _counts(target: int) -> dict[str, int]:
    s = target / 100_000
    return {
        "orgs": max(20, round(1060 * s)),
        "projects": max(10, round(530 * s)),
        "persons": max(50, round(3540 * s)),
        "articles": max(60, round(4600 * s)),
        "grants": max(10, round(830 * s)),
        "roles": max(10, round(830 * s)),
    }


def _date(rng: random.Random, y0: int, y1: int) -> str:
    return f"{rng.randint(y0, y1)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


def generate(size: str, out=None) -> Model:
    """Build the graph for `size`; write N-Quads lines to `out` (a text file) if given."""
    target = SIZES[size]
    n = _counts(target)
    rng = random.Random(f"{SEED}-{size}")
    m = Model(size=size)
    write = out.write if out is not None else (lambda _s: None)

    def q(s: str, p: str, o: str, g: str) -> None:
        write(f"<{s}> <{p}> {o} <{g}> .\n")

    restated: set[tuple[str, str, str, str]] = set()

    def restate(s: str, p: str, o: str, g: str) -> None:
        """A fact that one source may state more than once: write it once per graph."""
        if (s, p, o, g) not in restated:
            restated.add((s, p, o, g))
            q(s, p, o, g)

    def iri(x: str) -> str:
        return f"<{x}>"

    # Countries
    for code, name in COUNTRIES:
        c = f"{ID}country-{code}"
        m.countries.append(c)
        q(c, RDF_TYPE, iri(SCHEMA + "Country"), G_COUNTRIES)
        q(c, SCHEMA + "name", _lit(name, "en"), G_COUNTRIES)
        q(c, SCHEMA + "identifier", _lit(code.upper()), G_COUNTRIES)
    country_pick = _Zipf(len(COUNTRIES), 0.9)

    # Organizations
    org_pick = _Zipf(n["orgs"], 0.8)
    org_kind: list[int] = []
    for i in range(n["orgs"]):
        o = f"{ID}org-{i:06d}"
        kind = rng.randrange(len(ORG_KINDS))
        org_kind.append(kind)
        prefix, cls = ORG_KINDS[kind]
        fld = rng.choice(FIELDS)
        city = rng.choice(CITIES)
        name = f"{prefix} {fld} {city}" + (f" {i // 400 + 1}" if i >= 400 else "")
        acronym = "".join(w[0] for w in name.split() if w[0].isupper())[:6] + str(i % 100)
        m.orgs.append(o)
        m.org_names.append(name)
        q(o, RDF_TYPE, iri(SCHEMA + "Organization"), G_ORGS)
        if cls != SCHEMA + "Organization":
            q(o, RDF_TYPE, iri(cls), G_ORGS)
        q(o, SCHEMA + "name", _lit(name, "en"), G_ORGS)
        q(o, SCHEMA + "alternateName", _lit(acronym), G_ORGS)
        if rng.random() < 0.85:
            q(
                o,
                SCHEMA + "foundingDate",
                _lit(str(rng.randint(1890, 2024)), None, XSD + "gYear"),
                G_ORGS,
            )
        q(o, SCHEMA + "location", iri(m.countries[country_pick(rng)]), G_ORGS)
        q(o, SCHEMA + "url", iri(f"https://org{i}.example.org/"), G_ORGS)
        q(
            o,
            SCHEMA + "description",
            _lit(f"A {cls.rsplit('/', 1)[1].lower()} working on {fld.lower()} in {city}.", "en"),
            G_ORGS,
        )
        if i > 10 and rng.random() < 0.2:
            q(o, SCHEMA + "parentOrganization", iri(m.orgs[rng.randrange(min(i, 50))]), G_ORGS)

    # Funders are drawn from government agencies and foundations first, then from anyone.
    funder_pool = [o for o, k in zip(m.orgs, org_kind, strict=True) if k in (3, 4)] or m.orgs
    funder_pick = _Zipf(len(funder_pool), 1.0)
    funded_by: list[set[str]] = []

    # Research projects
    for i in range(n["projects"]):
        p = f"{ID}project-{i:06d}"
        m.projects.append(p)
        name = (
            f"{rng.choice(PROJECT_WORDS_B)} {rng.choice(PROJECT_WORDS_A)} "
            f"{rng.choice(FIELDS)} Project {i}"
        )
        q(p, RDF_TYPE, iri(SCHEMA + "ResearchProject"), G_PROJECTS)
        q(p, SCHEMA + "name", _lit(name, "en"), G_PROJECTS)
        q(p, SCHEMA + "alternateName", _lit(f"P{i}-{name.split()[0][:4].upper()}"), G_PROJECTS)
        if rng.random() < 0.8:
            q(
                p,
                SCHEMA + "foundingDate",
                _lit(_date(rng, 1995, 2025), None, XSD + "date"),
                G_PROJECTS,
            )
        q(p, SCHEMA + "location", iri(m.countries[country_pick(rng)]), G_PROJECTS)
        q(
            p,
            SCHEMA + "description",
            _lit(f"A research project on {rng.choice(TOPICS)}.", "en"),
            G_PROJECTS,
        )
        funders = {funder_pool[funder_pick(rng)] for _ in range(rng.randint(1, 2))}
        funded_by.append(funders)
        for f in sorted(funders):
            q(p, SCHEMA + "funder", iri(f), G_PROJECTS)
        if rng.random() < 0.3:
            q(p, SCHEMA + "memberOf", iri(m.orgs[org_pick(rng)]), G_PROJECTS)
        for kw in sorted({rng.choice(KEYWORDS) for _ in range(2)}):
            q(p, SCHEMA + "keywords", _lit(kw), G_PROJECTS)

    # Grants (fundings): restate the project's funder (often a fact the registry states too)
    for i in range(n["grants"]):
        g = f"{ID}grant-{i:06d}"
        m.others.append(g)
        pi = rng.randrange(len(m.projects))
        f = (
            rng.choice(sorted(funded_by[pi]))
            if rng.random() < 0.7
            else funder_pool[funder_pick(rng)]
        )
        funded_by[pi].add(f)
        q(g, RDF_TYPE, iri(SCHEMA + "MonetaryGrant"), G_GRANTS)
        q(
            g,
            SCHEMA + "name",
            _lit(f"Grant {i} for {m.projects[pi].rsplit('/', 1)[1]}", "en"),
            G_GRANTS,
        )
        q(g, SCHEMA + "identifier", _lit(f"G-{rng.randint(10, 99)}-{i:06d}"), G_GRANTS)
        q(g, SCHEMA + "funder", iri(f), G_GRANTS)
        q(g, SCHEMA + "fundedItem", iri(m.projects[pi]), G_GRANTS)
        q(
            g,
            SCHEMA + "amount",
            _lit(f"{rng.randint(5, 5000) * 1000}.00", None, XSD + "decimal"),
            G_GRANTS,
        )
        q(g, SCHEMA + "startDate", _lit(_date(rng, 2000, 2025), None, XSD + "date"), G_GRANTS)
        restate(m.projects[pi], SCHEMA + "funder", iri(f), G_GRANTS)
    m.funders = sorted({f for fs in funded_by for f in fs})

    # People
    member_of: list[set[str]] = []
    for i in range(n["persons"]):
        pe = f"{ID}person-{i:06d}"
        given, family = rng.choice(GIVEN), rng.choice(FAMILY)
        name = f"{given} {family}"
        m.persons.append(pe)
        m.person_names.append(name)
        q(pe, RDF_TYPE, iri(SCHEMA + "Person"), G_PEOPLE)
        q(pe, SCHEMA + "name", _lit(name), G_PEOPLE)
        q(pe, SCHEMA + "givenName", _lit(given), G_PEOPLE)
        q(pe, SCHEMA + "familyName", _lit(family), G_PEOPLE)
        home = m.orgs[org_pick(rng)]
        q(pe, SCHEMA + "affiliation", iri(home), G_PEOPLE)
        mem = {home}
        for _ in range(rng.randint(0, 2)):
            mem.add(
                m.orgs[org_pick(rng)]
                if rng.random() < 0.7
                else m.projects[rng.randrange(len(m.projects))]
            )
        member_of.append(mem)
        for o in sorted(mem):
            q(pe, SCHEMA + "memberOf", iri(o), G_PEOPLE)
        if rng.random() < 0.6:
            q(
                pe,
                SCHEMA + "email",
                _lit(f"p{i}@{rng.choice(['example.org', 'example.edu'])}"),
                G_PEOPLE,
            )

    # Membership roles: a role node plus a restated schema:memberOf
    for i in range(n["roles"]):
        r = f"{ID}membership-{i:06d}"
        m.others.append(r)
        pi = rng.randrange(len(m.persons))
        o = rng.choice(sorted(member_of[pi])) if rng.random() < 0.6 else m.orgs[org_pick(rng)]
        member_of[pi].add(o)
        q(r, RDF_TYPE, iri(SCHEMA + "OrganizationRole"), G_ROSTER)
        q(r, SCHEMA + "member", iri(m.persons[pi]), G_ROSTER)
        q(r, SCHEMA + "memberOf", iri(o), G_ROSTER)
        q(r, SCHEMA + "roleName", _lit(rng.choice(ROLES), "en"), G_ROSTER)
        q(r, SCHEMA + "startDate", _lit(_date(rng, 1990, 2025), None, XSD + "date"), G_ROSTER)
        restate(m.persons[pi], SCHEMA + "memberOf", iri(o), G_ROSTER)
    for pi in range(0, len(m.persons), max(1, len(m.persons) // 2000)):
        for o in sorted(member_of[pi]):
            m.memberships.append((m.persons[pi], o))

    # Scholarly articles, split over four bibliography sources
    author_pick = _Zipf(len(m.persons), 0.6)
    kw_pick = _Zipf(len(KEYWORDS), 0.7)
    for i in range(n["articles"]):
        a = f"{ID}article-{i:07d}"
        g = G_BIB[i % len(G_BIB)]
        title = (
            f"{rng.choice(ADJ)} {rng.choice(METHODS)} of {rng.choice(TOPICS)} "
            f"in {rng.choice(REGIONS)} of {rng.choice(ORGANISMS)}"
        )
        m.articles.append(a)
        m.article_titles.append(title)
        q(a, RDF_TYPE, iri(SCHEMA + "ScholarlyArticle"), g)
        q(a, SCHEMA + "name", _lit(title, "en"), g)
        q(a, SCHEMA + "datePublished", _lit(_date(rng, 1995, 2025), None, XSD + "date"), g)
        q(a, SCHEMA + "identifier", _lit(f"10.5555/ibg.{i:07d}"), g)
        authors = list(dict.fromkeys(m.persons[author_pick(rng)] for _ in range(rng.randint(1, 6))))
        for au in authors:
            q(a, SCHEMA + "author", iri(au), g)
        if rng.random() < 0.3:  # the bibliography restates the first author's name
            first = int(authors[0].rsplit("-", 1)[1])
            restate(authors[0], SCHEMA + "name", _lit(m.person_names[first]), g)
        if rng.random() < 0.7:
            q(a, SCHEMA + "about", iri(m.projects[rng.randrange(len(m.projects))]), g)
        for kw in sorted({KEYWORDS[kw_pick(rng)] for _ in range(rng.randint(1, 3))}):
            q(a, SCHEMA + "keywords", _lit(kw), g)
    return m


_MODELS: dict[str, Model] = {}


def build_model(size: str) -> Model:
    """The entities for `size`, without writing anything (cached per process)."""
    if size not in _MODELS:
        _MODELS[size] = generate(size, None)
    return _MODELS[size]


def data_path(size: str) -> Path:
    return DATA_DIR / f"synthetic-{size}-v{VERSION}.nq"


def ensure_data(size: str, log=print) -> Path:
    """Write the N-Quads file for `size` unless a complete one is cached; return its path."""
    path = data_path(size)
    meta = path.with_suffix(".json")
    if path.exists() and meta.exists():
        return path
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    tmp = path.with_suffix(".nq.tmp")
    with tmp.open("w", encoding="utf-8", newline="\n") as f:
        generate(size, f)
    tmp.replace(path)
    quads, graphs = 0, set()
    with path.open(encoding="utf-8") as f:
        for line in f:
            quads += 1
            graphs.add(line.rsplit(" ", 2)[-2])
    meta.write_text(
        json.dumps(
            {"size": size, "version": VERSION, "seed": SEED, "quads": quads, "graphs": len(graphs)},
            indent=1,
        )
    )
    log(
        f"generated {path.name}: {quads} quads in {len(graphs)} graphs "
        f"({time.perf_counter() - t0:.1f} s)"
    )
    return path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", choices=sorted(SIZES), default="10k")
    ap.add_argument("--force", action="store_true", help="regenerate even if cached")
    args = ap.parse_args(argv)
    if args.force:
        data_path(args.size).unlink(missing_ok=True)
    path = ensure_data(args.size)
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
