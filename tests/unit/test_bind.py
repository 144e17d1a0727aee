"""Parameters of named queries are bound as RDF terms: a value cannot change the query."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from ibigraph.errors import BadInputError
from ibigraph.queries import SEARCH_HITS, bind, parse_query_file

ATTACKS = ['") } UNION { ?s ?p ?text } #', '"} ; DROP ALL', "x' || true || '", '\\" }']


def _query(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "q.rq"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("attack", ATTACKS)
def test_a_string_value_stays_one_literal(tmp_path: Path, attack: str) -> None:
    nq = parse_query_file(
        _query(
            tmp_path,
            "#+ summary: s\n#+ params:\n#+   text: {type: string}\n"
            "SELECT ?s WHERE { ?s <http://example.org/p> ?text }\n",
        )
    )
    store = ox.Store()
    ex = "http://example.org/"
    store.add(ox.Quad(ox.NamedNode(ex + "a"), ox.NamedNode(ex + "p"), ox.Literal(attack)))
    store.add(ox.Quad(ox.NamedNode(ex + "b"), ox.NamedNode(ex + "p"), ox.Literal("other")))
    rows = store.query(bind(nq, {"text": attack}, ex))
    assert isinstance(rows, ox.QuerySolutions)
    assert [r["s"] for r in rows] == [ox.NamedNode(ex + "a")]


def test_a_search_value_binds_entities_and_scores(tmp_path: Path) -> None:
    nq = parse_query_file(
        _query(
            tmp_path,
            "#+ summary: s\n#+ params:\n#+   q: {type: search, required: true}\n"
            "SELECT ?entity ?score WHERE { }\n",
        )
    )
    found = [(f"http://example.org/e{i}", 100.0 - i / 100) for i in range(SEARCH_HITS + 5)]
    rows = ox.Store().query(bind(nq, {"q": found}, "http://example.org/"))
    assert isinstance(rows, ox.QuerySolutions)
    got = [(r["entity"].value, float(r["score"].value)) for r in rows]
    assert len(got) == SEARCH_HITS and got[0] == ("http://example.org/e0", 100.0)
    nothing = ox.Store().query(bind(nq, {"q": []}, "http://example.org/"))
    assert isinstance(nothing, ox.QuerySolutions) and not list(nothing)


def test_a_search_parameter_needs_the_entity_variable(tmp_path: Path) -> None:
    with pytest.raises(BadInputError, match="binds \\?entity"):
        parse_query_file(
            _query(
                tmp_path,
                "#+ summary: s\n#+ params:\n#+   q: {type: search}\nSELECT ?x WHERE { ?x ?p ?o }\n",
            )
        )
