"""Check digits of ROR ids and ORCID iDs (src/ibigraph/identifiers.py)."""

from __future__ import annotations

import re

import pytest

from ibigraph.graph.identifiers import bad_check_digit

from ..conftest import ROOT


@pytest.mark.parametrize(
    "iri",
    [
        "https://ror.org/01cwqze88",  # NIH, as ror.org lists it
        "https://ror.org/021nxhr62",  # NSF
        "https://orcid.org/0000-0002-1825-0097",  # ORCID's own examples
        "https://orcid.org/0000-0001-5109-3700",
        "https://orcid.org/0000-0002-1694-233X",  # check digit X
    ],
)
def test_good_identifiers_pass(iri: str) -> None:
    assert not bad_check_digit(iri)


@pytest.mark.parametrize(
    "iri",
    [
        "https://ror.org/01cwqze89",  # one check digit off
        "https://ror.org/01cwqez88",  # two characters swapped
        "https://orcid.org/0000-0002-1825-0098",
        "https://orcid.org/0000-0002-1694-2330",
    ],
)
def test_mistyped_identifiers_fail(iri: str) -> None:
    assert bad_check_digit(iri)


def test_other_iris_are_not_judged() -> None:
    assert not bad_check_digit("http://www.wikidata.org/entity/Q42")
    assert not bad_check_digit("https://ror.org/not-a-ror")


def test_every_identifier_in_the_data_passes() -> None:
    text = "".join(p.read_text() for p in (ROOT / "data").glob("*.trig"))
    found = set(re.findall(r"https://(?:ror\.org/0\w{8}|orcid\.org/[\d-]{18}[\dX])", text))
    assert any("ror.org" in i for i in found)
    assert [i for i in sorted(found) if bad_check_digit(i)] == []
