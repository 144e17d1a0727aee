"""The LLMpedia article parser: fields and offsets of fixtures, malformed input, round-trips."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ibigraph.errors import ArticleFormatError, BadInputError
from ibigraph.ingest.article import (
    INFOBOX_LABELS,
    Article,
    FunnelStage,
    InfoboxPair,
    Paragraph,
    Section,
    funnel_mismatches,
    parse_article,
    read_article,
    sentences,
)

from ..optional import SEED

FIXTURES = Path(__file__).parent.parent / "fixtures" / "articles"


def spans(article: Article, text: str) -> tuple[int, int]:
    """Offsets of the one occurrence of `text` in the article."""
    start = article.text.index(text)
    assert article.text.find(text, start + 1) == -1, f"{text!r} occurs twice"
    return start, start + len(text)


def para(article: Article, text: str) -> Paragraph:
    return Paragraph(text, *spans(article, text))


def pair(article: Article, key: str | None, value: str) -> InfoboxPair:
    line_end = spans(article, (key or "") + value)[1]
    return InfoboxPair(key, value, line_end - len(value), line_end)


def assert_offsets_round_trip(article: Article) -> None:
    text = article.text
    for p in [article.lead, *(p for s in article.sections for p in s.paragraphs)]:
        assert text[p.start : p.end] == p.text
    for s in article.sections:
        assert text[s.start :].startswith(s.heading or s.paragraphs[0].text)
        assert s.end == (s.paragraphs[-1].end if s.paragraphs else s.start + len(s.heading or ""))
    for b in article.infobox:
        assert text[b.start : b.end] == b.value


# ---------------------------------------------------------------------------- fixtures


def test_neurodata_without_borders_fixture_parses_every_field() -> None:
    a = read_article(FIXTURES / "neurodata_without_borders.txt")
    assert a.title == "Neurodata Without Borders"
    assert a.model == "ExampleLM 2"
    assert a.disclaimer == (
        "Note: This text was produced automatically by a language model from parametric "
        "knowledge alone (no retrieval). Details may be inaccurate."
    )
    assert a.no_retrieval is True
    assert (a.parent, a.hop) == ("International Brain Initiative", 5)
    assert a.funnel_summary == {"Raw": 23, "Dedup": 17, "NER": 11, "Enqueued": 6}
    assert a.funnel == (
        FunnelStage(1, "Extracted", 23, None),
        FunnelStage(2, "After dedup", 17, "6 duplicates"),
        FunnelStage(3, "After NER", 11, "None"),
        FunnelStage(4, "Enqueued", 6, ""),
    )
    assert funnel_mismatches(a) == []
    assert a.infobox == (
        pair(a, "Name", "Neurodata Without Borders"),
        pair(a, "Type", "Data standard for neurophysiology"),
        pair(a, "Launched", "2014"),
        pair(a, "Funding", "Kavli Foundation and partner institutes"),
        pair(a, "Website", "nwb.org"),
    )
    lead = (
        "Neurodata Without Borders. Neurodata Without Borders (NWB) is a data standard and "
        "software ecosystem for sharing neurophysiology data, such as extracellular recordings, "
        "calcium imaging and behavioural measurements. It defines a common file layout, built on "
        "HDF5, in which raw signals are stored together with the metadata needed to interpret them."
    )
    assert a.lead == para(a, lead)
    assert a.lead_sentence_start == a.lead.start + len("Neurodata Without Borders. ")
    history = para(
        a,
        "The project started in 2014 as a pilot supported by the Kavli Foundation together with "
        "several research institutes, e.g. the Allen Institute for Brain Science. A redesigned "
        "version of the format, NWB 2.0, separated the schema from the way files are stored. "
        "Engineers at Lawrence Berkeley National Laboratory wrote much of the supporting software.",
    )
    tools = (
        para(
            a,
            "Reference implementations exist for Python (PyNWB) and MATLAB (MatNWB). Files can be "
            "checked against the schema with a validator and inspected with community viewers.",
        ),
        para(
            a,
            "The standard can be extended: a lab may describe a new kind of data in an extension "
            "and share it through a public catalogue.",
        ),
    )
    adoption = para(
        a,
        "Many datasets funded by the U.S. BRAIN Initiative are shared as NWB files through the "
        "DANDI archive. The format is also used by groups outside the United States.",
    )
    assert a.sections == (
        Section("History", (history,), spans(a, "History\n")[0], history.end),
        Section("Software and Tools", tools, spans(a, "Software and Tools")[0], tools[1].end),
        Section("Adoption", (adoption,), spans(a, "Adoption")[0], adoption.end),
    )
    assert a.categories == ("Neuroscience data standards", "Open science")
    assert a.text == (FIXTURES / "neurodata_without_borders.txt").read_text(encoding="utf-8")
    assert_offsets_round_trip(a)


def test_australian_brain_alliance_fixture_parses_every_field() -> None:
    a = read_article(FIXTURES / "australian_brain_alliance.txt")
    assert (a.title, a.model) == ("Australian Brain Alliance", "ExampleLM 1")
    assert a.disclaimer is not None and a.disclaimer.endswith("It may contain errors.")
    assert a.no_retrieval is False
    assert (a.parent, a.hop) == (None, None)
    assert a.funnel_summary == {"Raw": 41, "Dedup": 30, "NER": 12, "Enqueued": 12}
    assert a.funnel == (
        FunnelStage(1, "Extracted", 41, None),
        FunnelStage(2, "After dedup", 30, "11 duplicates"),
        FunnelStage(3, "After NER", 12, None),
        FunnelStage(4, "Enqueued", 10, "2 already known"),
    )
    assert a.infobox == (
        pair(a, "Name", "Australian Brain Alliance"),
        pair(a, "Founded", "2016"),
        pair(a, "Headquarters", "Canberra, Australia"),
        pair(a, "Parent organization", "Australian Academy of Science"),
        pair(a, "Members", "Universities and medical research institutes"),
        pair(a, None, "A coalition for brain research"),
    )
    assert a.lead.text.startswith("Australian Brain Alliance. The Australian Brain Alliance is")
    assert a.lead.text.endswith("a founding member of the International Brain Initiative.")
    assert a.text[a.lead_sentence_start :].startswith("The Australian Brain Alliance is")
    assert [s.heading for s in a.sections] == ["Background", "Members", "Activities"]
    assert [len(s.paragraphs) for s in a.sections] == [1, 1, 1]
    members = a.sections[1].paragraphs[0]
    assert members == para(
        a,
        "Its members include the University of Queensland, Monash University and the Florey "
        "Institute of Neuroscience and Mental Health.",
    )
    assert a.categories == ("Neuroscience organizations", "Science and technology in Australia")
    assert_offsets_round_trip(a)


def test_minimal_fixture_needs_only_title_model_and_lead() -> None:
    a = read_article(FIXTURES / "minimal.txt")
    assert (a.title, a.model, a.disclaimer, a.no_retrieval) == (
        "Brain atlas",
        "TinyModel",
        None,
        False,
    )
    assert (a.parent, a.hop, a.funnel_summary, a.funnel, a.infobox) == (None, None, {}, (), ())
    lead = "Brain atlas. A brain atlas is a reference map of the structures of a brain."
    assert a.lead == para(a, lead)
    assert a.lead_sentence_start == a.lead.start + len("Brain atlas. ")
    assert (a.sections, a.categories) == ((), ())


def test_funnel_mismatch_is_reported_not_raised() -> None:
    a = read_article(FIXTURES / "australian_brain_alliance.txt")
    assert funnel_mismatches(a) == [("Enqueued", 12, "Enqueued", 10)]


def test_sentences_do_not_break_on_abbreviations() -> None:
    a = read_article(FIXTURES / "australian_brain_alliance.txt")
    background = a.sections[0].paragraphs[0]
    assert [a.text[s:e] for s, e in sentences(background)] == [
        "The alliance grew out of discussions among Australian neuroscientists in the mid-2010s, "
        "when national programmes (e.g. the U.S. BRAIN Initiative) were being announced elsewhere.",
        "Its proponents argued that Australia needed a coordinated plan to compete for funding.",
    ]


def test_sentences_keep_initials_titles_and_domain_names() -> None:
    text = (
        "Dr. A. B. Smith visited internationalbraininitiative.org. Brain/MINDS began! "
        'Was it "planned?" It was.'
    )
    p = Paragraph(text, 10, 10 + len(text))
    assert [text[s - 10 : e - 10] for s, e in sentences(p)] == [
        "Dr. A. B. Smith visited internationalbraininitiative.org.",
        "Brain/MINDS began!",
        'Was it "planned?"',
        "It was.",
    ]


def test_crlf_trailing_spaces_and_extra_blank_lines_are_tolerated() -> None:
    plain = read_article(FIXTURES / "neurodata_without_borders.txt")
    raw = (FIXTURES / "neurodata_without_borders.txt").read_text(encoding="utf-8")
    messy = raw.replace("\n\n", "\n\n\n").replace("\n", "  \r\n")
    a = parse_article(messy)
    assert a.text == messy.replace("\r\n", "\n")
    assert a.infobox != plain.infobox  # offsets moved …
    assert [(b.key, b.value) for b in a.infobox] == [(b.key, b.value) for b in plain.infobox]
    assert [s.heading for s in a.sections] == [s.heading for s in plain.sections]
    assert a.lead.text == plain.lead.text
    assert (a.funnel, a.categories) == (plain.funnel, plain.categories)
    assert_offsets_round_trip(a)


@pytest.mark.needs("seed")
def test_real_seed_article_parses() -> None:
    a = read_article(SEED)
    assert (a.title, a.model, a.no_retrieval) == (
        "International Brain Initiative",
        "DeepSeek V3.2",
        True,
    )
    assert (a.parent, a.hop) == ("China Brain Project", 4)
    assert [(s.name, s.count) for s in a.funnel] == [
        ("Extracted", 58),
        ("After dedup", 0),
        ("After NER", 0),
        ("Enqueued", 0),
    ]
    assert a.funnel_summary == {"Raw": 58, "Dedup": 0, "NER": 0, "Enqueued": 0}
    assert funnel_mismatches(a) == []
    assert [(b.key, b.value) for b in a.infobox] == [
        ("Name", "International Brain Initiative"),
        ("Founded", "2017"),
        ("Focus", "Global coordination of neuroscience research"),
        ("Key people", "Representatives from major national brain projects"),
        ("Website", "internationalbraininitiative.org"),
    ]
    assert a.text[a.lead_sentence_start :].startswith("The International Brain Initiative is")
    assert [s.heading for s in a.sections] == [
        "Overview",
        "Member Projects",
        "Scientific Goals and Objectives",
        "Governance and Organization",
        "Impact and Future Directions",
    ]
    assert len(a.categories) == 3
    assert_offsets_round_trip(a)


# ---------------------------------------------------------------------------- malformed input


def raises_at(text: str, line: int) -> ArticleFormatError:
    with pytest.raises(ArticleFormatError) as info:
        parse_article(text, name="x.txt")
    assert info.value.line == line, str(info.value)
    assert str(info.value).startswith(f"x.txt:{line}: ")
    return info.value


HEAD = "Topic\n\nGenerated by M\nNote: made up (no retrieval).\n"


def test_error_is_bad_input_with_name_line_and_message() -> None:
    err = raises_at("", 1)
    assert isinstance(err, BadInputError) and err.status == 400
    assert (err.name, err.line, err.message) == ("x.txt", 1, "empty article")


@pytest.mark.parametrize("text", ["", " \n\n\t\n", "\ufeff"])
def test_empty_article_is_an_error_at_line_1(text: str) -> None:
    raises_at(text, 1)


def test_binary_file_is_an_error_at_the_first_nul(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(b"Topic\nGenerated by M\n\x00\x01\x02PNG")
    with pytest.raises(ArticleFormatError, match="binary") as info:
        read_article(path)
    assert (info.value.name, info.value.line) == (str(path), 3)


def test_undecodable_file_is_an_error_at_the_bad_byte(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(b"Topic\nGenerated by M\nTopic. Caf\xe9 text.")
    with pytest.raises(ArticleFormatError, match="not UTF-8") as info:
        read_article(path)
    assert info.value.line == 3


def test_missing_generated_by_is_an_error_at_the_last_line() -> None:
    raises_at("Topic\n\nTopic. A topic is a thing.\n\n", 3)


def test_wikitext_article_is_an_error_at_its_first_heading() -> None:
    wiki = (
        "International Brain Initiative\n"
        "From Wikipedia, the free encyclopedia\n"
        "\n"
        "The '''International Brain Initiative''' is an alliance.\n"
        "\n"
        "== Overview ==\n"
        "It exists.\n"
    )
    raises_at(wiki, 6)


def test_markdown_article_is_an_error_at_line_1() -> None:
    raises_at("# Topic\n\nGenerated by M\n\n## Overview\n", 1)


def test_wikitext_heading_in_the_body_is_an_error() -> None:
    raises_at(HEAD + "Topic. A topic.\n\n== Overview ==\n\nText.\n", 7)


def test_infobox_title_followed_by_blank_line_is_truncated() -> None:
    err = raises_at(HEAD + "Topic\n\nTopic. A topic.\n", 6)
    assert "truncated infobox" in err.message


def test_infobox_title_at_end_of_file_is_truncated() -> None:
    raises_at(HEAD + "Topic\n", 5)


def test_file_ending_inside_the_infobox_is_an_error_at_the_last_line() -> None:
    err = raises_at(HEAD + "Topic\nNameTopic\nFounded2001\n", 7)
    assert "ends inside the infobox" in err.message


def test_infobox_without_a_known_label_is_an_error() -> None:
    raises_at(HEAD + "Topic\nSomething odd\n\nTopic. A topic.\n", 6)


def test_missing_lead_is_an_error_at_the_first_heading() -> None:
    raises_at(HEAD + "Topic\nNameTopic\n\nOverview\n\nA paragraph.\n", 8)


def test_categories_without_lead_is_an_error() -> None:
    raises_at(HEAD + "Topic\nNameTopic\n\nCategory:Things\n", 8)


def test_text_after_the_categories_is_an_error() -> None:
    raises_at(HEAD + "Topic. A topic.\n\nCategory:Things\nA late paragraph.\n", 8)


def test_unreadable_funnel_is_an_error() -> None:
    raises_at(HEAD + "Expansion Funnel lots\nTopic. A topic.\n", 5)


def test_unreadable_summary_with_readable_stages_is_kept() -> None:
    a = parse_article(HEAD + "Expansion Funnel ???\n1. Extracted3\nTopic. A topic.\n")
    assert (a.funnel_summary, a.funnel) == ({}, (FunnelStage(1, "Extracted", 3, None),))


# ---------------------------------------------------------------------------- round-trips

WORDS = "brain neural atlas cortex data network map cell mouse primate signal study".split()
CAPS = "Brain Neural Atlas Cortex Data Network Map Cell Mouse Primate Signal Study".split()
ABBREVIATED = ["e.g.", "U.S.", "Dr.", "J."]

cap_phrase = st.lists(st.sampled_from(CAPS), min_size=1, max_size=4).map(" ".join)
phrase = st.lists(st.sampled_from(WORDS), min_size=1, max_size=6).map(" ".join)


@st.composite
def sentence_text(draw: st.DrawFn) -> str:
    middle = draw(st.lists(st.sampled_from(WORDS + ABBREVIATED + CAPS), max_size=8))
    ender = draw(st.sampled_from([".", "!", "?"]))
    return " ".join([draw(st.sampled_from(CAPS)), *middle, draw(st.sampled_from(WORDS))]) + ender


@st.composite
def paragraph_text(draw: st.DrawFn) -> list[str]:
    return draw(st.lists(sentence_text(), min_size=1, max_size=4))


@dataclass
class Builder:
    """Renders an article line by line and remembers where each line went."""

    draw: st.DrawFn
    parts: list[str] = field(default_factory=list)

    def line(self, text: str) -> tuple[int, int]:
        """Append `text` with 0-2 trailing spaces; its offsets."""
        start = sum(map(len, self.parts))
        self.parts.append(text + " " * self.draw(st.integers(0, 2)) + "\n")
        return start, start + len(text)

    def blank(self, at_least: int = 0) -> None:
        self.parts.append("\n" * self.draw(st.integers(at_least, 2)))


@dataclass
class Case:
    """A rendered article, the fields the parser should find and each paragraph's sentences."""

    text: str
    want: dict[str, object]
    sentences: list[list[list[str]]]


@st.composite
def rendered(draw: st.DrawFn) -> Case:
    b = Builder(draw)
    title, model = draw(cap_phrase), draw(cap_phrase) + " V" + str(draw(st.integers(1, 9)))
    want: dict[str, object] = {"title": title, "model": model}
    if draw(st.booleans()):
        b.line("LLMpediaThe first transparent, open encyclopedia generated by LLMs")
        b.blank()
    b.line(title)
    b.blank()
    b.line(f"Generated by {model}")
    disclaimer = draw(
        st.sampled_from([None, "Note: Written by a model (no retrieval).", "Note: Searched."])
    )
    want.update(disclaimer=disclaimer, no_retrieval=disclaimer is not None and "no r" in disclaimer)
    if disclaimer:
        b.line(disclaimer)
    if draw(st.booleans()):
        b.line("Article Genealogy")
    parent = draw(st.none() | cap_phrase)
    hop = draw(st.none() | st.integers(0, 99)) if parent else None
    want.update(parent=parent, hop=hop)
    if parent:
        b.line(f"Parent: {parent}" + (f" Hop {hop}" if hop is not None else ""))
    summary = draw(st.dictionaries(st.sampled_from(CAPS), st.integers(0, 999), max_size=4))
    stage = st.tuples(cap_phrase, st.integers(0, 999), st.none() | phrase)
    stages = draw(st.lists(stage, max_size=4))
    funnel = tuple(FunnelStage(i, n, c, note) for i, (n, c, note) in enumerate(stages, 1))
    want.update(funnel_summary=summary, funnel=funnel)
    if summary or stages:
        b.line("Expansion Funnel " + " → ".join(f"{k} {v}" for k, v in summary.items()))
        for f in funnel:
            b.line(
                f"{f.number}. {f.name}{f.count}" + (f" ({f.note})" if f.note is not None else "")
            )
    pairs = draw(st.lists(st.tuples(st.sampled_from(INFOBOX_LABELS), cap_phrase), max_size=5))
    infobox = []
    if pairs:
        b.blank()
        b.line(title)
        for key, value in pairs:
            end = b.line(key + value)[1]
            infobox.append(InfoboxPair(key, value, end - len(value), end))
    want["infobox"] = tuple(infobox)
    b.blank(at_least=1)
    lead_text = f"{title}. " + " ".join(draw(paragraph_text()))
    lead = Paragraph(lead_text, *b.line(lead_text))
    want.update(lead=lead, lead_sentence_start=lead.start + len(title) + 2)
    untitled = draw(st.lists(paragraph_text(), max_size=2))
    headed = draw(st.lists(st.tuples(cap_phrase, st.lists(paragraph_text(), max_size=3))))
    sections, made = [], []
    for heading, paragraphs in ([(None, untitled)] if untitled else []) + headed:
        b.blank()
        start = b.line(heading)[0] if heading else None
        ps = []
        for sents in paragraphs:
            b.blank()
            ps.append(Paragraph(" ".join(sents), *b.line(" ".join(sents))))
        start = ps[0].start if start is None else start
        end = ps[-1].end if ps else start + len(heading or "")
        sections.append(Section(heading, tuple(ps), start, end))
        made.append(paragraphs)
    want["sections"] = tuple(sections)
    categories = draw(st.lists(phrase.map(str.capitalize), max_size=3))
    want["categories"] = tuple(categories)
    b.blank()
    if draw(st.booleans()):
        b.line(" ".join(f"Category:{c}" for c in categories))
    else:
        for c in categories:
            b.line(f"Category:{c}")
    text = "".join(b.parts)
    return Case(text.replace("\n", "\r\n") if draw(st.booleans()) else text, want, made)


@settings(max_examples=300)
@given(rendered())
def test_rendered_articles_parse_back_to_their_parts(case: Case) -> None:
    a = parse_article(case.text)
    assert {name: getattr(a, name) for name in case.want} == case.want
    assert a.text == case.text.replace("\r\n", "\n")
    assert_offsets_round_trip(a)


@settings(max_examples=200)
@given(rendered())
def test_sentences_of_rendered_paragraphs_are_the_generated_sentences(case: Case) -> None:
    a = parse_article(case.text)
    got = [[[a.text[s:e] for s, e in sentences(p)] for p in sec.paragraphs] for sec in a.sections]
    assert got == case.sentences


LINES = [
    "",
    "Topic",
    "Generated by M",
    "Generated by",
    "Note: x (no retrieval).",
    "Article Genealogy",
    "Parent: Topic Hop 3",
    "Parent:",
    "Expansion Funnel Raw 3 → Dedup x",
    "1. Extracted3 (",
    "NameTopic",
    "Topic. A topic.",
    "Overview",
    "Category:A Category:",
    "== H ==",
    "\x00",
    "\r",
    "\u2028",
]


@settings(max_examples=500)
@given(st.text() | st.lists(st.sampled_from(LINES) | st.text(max_size=8)).map("\n".join))
def test_any_text_parses_or_raises_article_format_error(text: str) -> None:
    try:
        a = parse_article(text)
    except ArticleFormatError as e:
        assert e.line >= 1
    else:
        assert_offsets_round_trip(a)
        for p in a.lead, *(p for s in a.sections for p in s.paragraphs):
            for s, e in sentences(p):
                assert p.start <= s < e <= p.end
