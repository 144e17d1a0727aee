"""Accept parsing and media type choice (pure functions; hypothesis for robustness)."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ibigraph.errors import NotAcceptable
from ibigraph.rdf.formats import GRAPH_TYPES, RESULTS_TYPES, choose_media_type, parse_accept

RESULTS = list(RESULTS_TYPES)
GRAPHS = list(GRAPH_TYPES)


@pytest.mark.parametrize(
    ("accept", "offered", "expected"),
    [
        (None, RESULTS, "application/sparql-results+json"),
        ("", GRAPHS, "text/turtle"),
        ("application/sparql-results+json,text/turtle;q=0.9", GRAPHS, "text/turtle"),
        ("text/turtle;q=0.1, application/rdf+xml;q=0.2", GRAPHS, "application/rdf+xml"),
        ("text/*;q=0.3, text/tab-separated-values;q=0.9", RESULTS, "text/tab-separated-values"),
        ("*/*;q=0.1, application/n-triples", GRAPHS, "application/n-triples"),
        ("application/json", RESULTS, "application/sparql-results+json"),
        ("application/xml", RESULTS, "application/sparql-results+xml"),
        ("TEXT/TURTLE", GRAPHS, "text/turtle"),
        (
            'application/ld+json; profile="http://www.w3.org/ns/json-ld#expanded"',
            GRAPHS,
            "application/ld+json",
        ),
        ("text/turtle;q=0, */*", GRAPHS, "application/n-triples"),
        ("garbage, text/csv", RESULTS, "text/csv"),
        (
            "text/csv;q=abc, application/sparql-results+xml;q=0.5",
            RESULTS,
            "application/sparql-results+xml",
        ),
    ],
)
def test_choose_media_type(accept: str | None, offered: list[str], expected: str) -> None:
    assert choose_media_type(accept, offered) == expected


@pytest.mark.parametrize("accept", ["image/png", "text/turtle;q=0", "text/html"])
def test_nothing_acceptable_raises_406_with_offers(accept: str) -> None:
    with pytest.raises(NotAcceptable) as exc:
        choose_media_type(accept, RESULTS)
    assert exc.value.status == 406 and exc.value.offered == RESULTS


@given(st.text(max_size=200))
def test_parse_accept_never_raises(header: str) -> None:
    for r in parse_accept(header):
        assert 0.0 <= r.q <= 1.0


@given(st.text(max_size=200), st.sampled_from([RESULTS, GRAPHS]))
def test_choice_is_offered_or_406(header: str, offered: list[str]) -> None:
    with contextlib.suppress(NotAcceptable):
        assert choose_media_type(header, offered) in offered


@given(st.permutations(RESULTS), st.lists(st.floats(0.01, 1.0), min_size=4, max_size=4))
def test_highest_q_wins(order: list[str], qs: list[float]) -> None:
    header = ", ".join(f"{m};q={q:.3f}" for m, q in zip(order, qs, strict=True))
    best = max(round(q, 3) for q in qs)
    chosen = choose_media_type(header, RESULTS)
    assert round(qs[order.index(chosen)], 3) == best
