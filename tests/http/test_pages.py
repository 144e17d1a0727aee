"""The pages a browser gets, in process: the query editor at /query and /sparql, the search
page, the 404 page that offers a search, and /docs, all from the service's own files."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx

from ibigraph.api import views
from ibigraph.api.views import worldmap

from ..helpers import assert_problem

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def _loaded(html: str) -> list[str]:
    """What a page makes the browser load: scripts, images, stylesheets, icons."""
    srcs = re.findall(r'\ssrc="([^"]+)"', html)
    return srcs + re.findall(r'<link[^>]+rel="(?:stylesheet|icon)"[^>]+href="([^"]+)"', html)


def test_a_browser_asking_sparql_gets_the_editor_and_a_client_the_description(
    site: httpx.Client,
) -> None:
    page = site.get("/sparql", headers=BROWSER)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert 'id="yasgui"' in page.text and 'id="plain-query"' in page.text
    assert "ibi_members" in page.text  # the named queries are its examples
    assert site.get("/query").text == page.text
    described = site.get("/sparql", headers={"Accept": "text/turtle"})
    assert described.headers["content-type"].startswith("text/turtle")
    assert "sparql-service-description" in described.text


def test_the_search_page_has_facets_and_a_did_you_mean(site: httpx.Client) -> None:
    page = site.get("/search", params={"q": "brian initiative"})
    assert page.status_code == 200
    assert re.search(r'Did you mean <a href="/id/brain-initiative">BRAIN Initiative</a>', page.text)
    assert 'aria-label="Filter by type"' in page.text
    facet = re.search(r'href="(/search\?q=brian\+initiative&amp;type=[^"]+)"', page.text)
    assert facet is not None
    narrowed = site.get(facet.group(1).replace("&amp;", "&"))
    assert narrowed.status_code == 200 and 'aria-current="true"' in narrowed.text
    assert site.get("/search").status_code == 200  # an empty form
    exact = site.get("/search", params={"q": "Human Brain Project"})
    assert "Did you mean" not in exact.text
    bad = site.get(
        "/search", params={"q": "x", "offset": "-1"}, headers={"Accept": "application/json"}
    )
    assert_problem(bad, 422)


def test_a_missing_page_offers_a_search(site: httpx.Client) -> None:
    missing = site.get("/id/human-brian-project", headers=BROWSER)
    assert missing.status_code == 404
    assert 'action="/search"' in missing.text and 'value="human brian project"' in missing.text
    elsewhere = site.get("/no/such/page", headers=BROWSER)
    assert elsewhere.status_code == 404 and 'action="/search"' in elsewhere.text
    assert_problem(site.get("/no/such/page", headers={"Accept": "application/json"}), 404)
    hostile = site.get('/id/"><script>alert(1)</script>', headers=BROWSER)
    assert "<script>alert" not in hostile.text  # the guess is escaped


def test_pages_and_api_docs_load_only_the_services_own_files(site: httpx.Client) -> None:
    for path in ("/", "/query", "/search?q=brain", "/id/human-brain-project", "/docs"):
        page = site.get(path, headers=BROWSER)
        assert page.status_code == 200, path
        loaded = _loaded(page.text)
        assert loaded and all(u.startswith("/static/") for u in loaded), (path, loaded)
    script = site.get("/static/site.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    assert site.get("/static/../config.py").status_code == 404


def test_the_network_as_data_and_its_bad_inputs(site: httpx.Client) -> None:
    data = site.get("/explore/network", headers={"Accept": "application/json"}).json()
    ids = {n["id"] for n in data["nodes"]}
    assert data["center"] in ids and len(ids) > 10
    assert all(e["source"] in ids and e["target"] in ids for e in data["edges"])
    member = {"source": "https://w3id.org/ibigraph/id/brain-minds", "target": data["center"],
              "relation": "memberOf"}  # fmt: skip
    assert member in data["edges"]
    page = site.get("/explore/network", params={"center": "brain-initiative"}, headers=BROWSER)
    assert page.status_code == 200 and "National Institutes of Health" in page.text
    json_ = {"Accept": "application/json"}
    bad = site.get("/explore/network", params={"center": "Not A Slug"}, headers=json_)
    assert_problem(bad, 422)
    lonely = site.get("/explore/network", params={"center": "optogenetics"}, headers=json_)
    assert "no network" in assert_problem(lonely, 404)["detail"]
    # any entity's neighbourhood: a person's is the works they wrote (an incoming link)
    person = site.get("/explore/network", params={"center": "katrin-amunts"}, headers=json_)
    assert any(e["relation"] == "author" for e in person.json()["edges"])


def test_an_entity_page_links_its_network_when_there_is_one(site: httpx.Client) -> None:
    for slug, drawn in (("katrin-amunts", True), ("brain-initiative", True), ("japan", False)):
        page = site.get(f"/id/{slug}", headers=BROWSER).text
        assert (f'href="/explore/network?center={slug}"' in page) is drawn, slug
        network = site.get("/explore/network", params={"center": slug})
        assert (network.status_code == 200) is drawn, slug
    # the links the page checks are the links the network query follows
    rq = (Path(views.__file__).parents[2] / "queries" / "network.rq").read_text()
    values = re.search(r"VALUES \?p \{(.*?)\}", rq, re.S)
    assert values is not None
    assert {t.split(":")[1] for t in values.group(1).split()} == views.NETWORK_LINKS


def _rows(html: str) -> dict[str, str]:
    """The facts table of an entity page: row label -> the row's cell text (tags dropped)."""
    rows = re.findall(r"<tr><th>(.*?)</th>\s*<td>(.*?)</td></tr>", html, re.S)
    return {re.sub(r"<[^>]+>", "", th).strip(): re.sub(r"<[^>]+>", " ", td) for th, td in rows}


def test_entity_pages_name_properties_for_people_and_show_derived_facts_once(
    site: httpx.Client,
) -> None:
    page = site.get("/id/brain-initiative", headers=BROWSER).text
    rows = _rows(page)
    assert "Lead agency" in rows and "Alternate name" in rows and "Founding date" in rows
    assert "National Institutes of Health" in rows["Lead agency"]
    # schema:funder is derived from ibi:leadAgency: NIH is not listed again as a funder
    assert "National Institutes of Health" not in rows.get("Funder", "")
    assert "Kavli Foundation" in rows["Funder"]  # a funder stated as such stays
    hbp = _rows(site.get("/id/human-brain-project", headers=BROWSER).text)
    assert "Focus area" in hbp and "Knows about" not in hbp  # knowsAbout derives from it
    data = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert data is not None
    described = json.loads(data.group(1))
    assert described["@context"] == "https://schema.org"
    assert described["@id"].endswith("/id/brain-initiative")
    assert described["name"] == "BRAIN Initiative" and "ResearchProject" in described["@type"]
    # a person known only by name and description still lists the sources that state them
    person = site.get("/id/katrin-amunts", headers=BROWSER).text
    sources = person.split("<h2>Sources</h2>", 1)[1].split("</ol>", 1)[0]
    assert sources.count("<li>") >= 2 and "what it states" in sources
    assert '</a> <span class="count">author</span>' in person  # linked from, for people


def test_a_source_page_shows_what_the_source_states(site: httpx.Client) -> None:
    page = site.get("/id/brain-initiative", headers=BROWSER).text
    links = re.findall(r'<a href="(/source/[^"]+)">what it states</a>', page)
    assert links  # each numbered source of the entity page links to its graph's page
    source = site.get(links[0], headers=BROWSER)
    assert source.status_code == 200
    stated = source.text.split('id="stated"', 1)[1]
    # the graph's triples, by subject, with names and the ontology's labels
    assert '<a href="/id/brain-initiative">BRAIN Initiative</a>' in stated
    assert "<td>Name</td>" in stated and "rdfs:label" not in stated
    as_data = site.get(links[0], headers={"Accept": "application/n-quads"}).text
    iri = re.search(r'<p class="iri">([^<]+)</p>', source.text)
    assert iri is not None
    assert any(line.endswith(f"<{iri.group(1)}> .") for line in as_data.splitlines())


def test_a_named_query_page_runs_its_form(site: httpx.Client) -> None:
    listed = site.get("/queries", headers=BROWSER).text
    assert 'href="/queries/members_at"' in listed
    page = site.get("/queries/members_at", params={"date": "2020-06-30"}, headers=BROWSER)
    assert page.status_code == 200 and 'type="date"' in page.text
    assert '<a href="/id/brain-initiative">id:brain-initiative</a>' in page.text
    assert 'href="/query?query=' in page.text and "2020-06-30" in page.text
    empty = site.get("/queries/project_funders", headers=BROWSER)  # no required parameter
    assert empty.status_code == 200 and "Rows (" in empty.text
    bad = site.get("/queries/members_at", params={"date": "2020-02-30"}, headers=BROWSER)
    assert bad.status_code == 422 and 'role="alert"' in bad.text and "not a valid date" in bad.text
    hostile = site.get("/queries/members_at", params={"organization": '"><script>x()</script>'})
    assert hostile.status_code == 422 and "<script>x()" not in hostile.text
    assert site.get("/queries/nope", headers=BROWSER).status_code == 404


def test_the_timeline_by_year_and_as_data(site: httpx.Client) -> None:
    events = site.get("/explore/timeline", headers={"Accept": "application/json"}).json()["events"]
    dates = [e["date"] for e in events]
    assert dates == sorted(dates) and len(events) > 20
    hbp = {(e["event"], e["date"]) for e in events if e["id"].endswith("/id/human-brain-project")}
    assert hbp == {("launched", "2013-10-01"), ("ended", "2023")}
    page = site.get("/explore/timeline", params={"projects": "true"}, headers=BROWSER).text
    assert "<h2>2013</h2>" in page and 'href="/id/human-brain-project"' in page
    assert 'href="/id/kavli-foundation"' not in page  # a foundation, not a project


def test_the_map_by_country_as_svg_and_as_data(site: httpx.Client) -> None:
    data = site.get("/explore/map", headers={"Accept": "application/json"}).json()
    by_name = {c["name"]: c for c in data["countries"]}
    place = "https://w3id.org/ibigraph/id/japan"
    facets = site.get("/explore/browse", headers={"Accept": "application/json"}).json()["facets"]
    assert by_name["Japan"]["count"] == facets["place"][place]  # the browse page agrees
    assert "https://w3id.org/ibigraph/id/brain-minds" in {
        e["id"] for e in by_name["Japan"]["entities"]
    }
    europe = {r["name"]: r for r in data["regions"]}["Europe"]
    assert "https://w3id.org/ibigraph/id/human-brain-project" in {
        e["id"] for e in europe["entities"]
    }
    page = site.get("/explore/map", headers=BROWSER).text
    if not worldmap.countries():  # assets not built: the list alone, and a word on why
        assert "make assets" in page
        return
    svg = page.split("<svg", 1)[1].split("</svg>", 1)[0]
    linked = re.findall(r'<a href="/explore/browse\?place=([^"]+)" aria-label="([^"]+)"', svg)
    # every country of the data is drawn and linked, with its count
    assert {label for _, label in linked} == {f"{n}: {c['count']}" for n, c in by_name.items()}
    assert (
        "https%3A%2F%2Fw3id.org%2Fibigraph%2Fid%2Fjapan",
        f"Japan: {by_name['Japan']['count']}",
    ) in linked
    assert len(re.findall(r"<path ", svg)) > 150  # every country, drawn or not


def test_browsing_by_facets_without_script(site: httpx.Client) -> None:
    json_ = {"Accept": "application/json"}
    everything = site.get("/explore/browse", headers=json_).json()
    place = "https://w3id.org/ibigraph/id/japan"
    assert everything["facets"]["place"][place] >= 2 and everything["total"] > 300
    japan = site.get("/explore/browse", params={"place": place}, headers=json_).json()
    assert japan["total"] == everything["facets"]["place"][place]
    assert "https://w3id.org/ibigraph/id/brain-minds" in {i["id"] for i in japan["items"]}
    both = site.get(
        "/explore/browse", params=[("place", place), ("type", "https://schema.org/ResearchProject")],
        headers=json_,
    ).json()  # fmt: skip
    assert 0 < both["total"] < japan["total"]
    page = site.get("/explore/browse", params={"place": place}, headers=BROWSER).text
    assert 'aria-current="true"><strong>Japan</strong>' in page  # the chosen value, to remove
    assert 'href="/id/brain-minds"' in page
    nothing = site.get("/explore/browse", params={"decade": "1200s"}, headers=json_).json()
    assert nothing["total"] == 0
    many = [("decade", f"{1000 + i}s") for i in range(21)]
    assert_problem(site.get("/explore/browse", params=many, headers=json_), 422)


def test_the_home_page_names_a_few_of_each_type_and_links_to_the_rest(site: httpx.Client) -> None:
    home = site.get("/", headers=BROWSER).text
    more = re.findall(r'<a href="(/explore/browse\?type=[^"]+)">all (\d+)</a>', home)
    assert more, "a type with more entities than the home page names links to all of them"
    for href, count in more:  # schema.org, ORG and ibi types alike
        listed = site.get(href.replace("&amp;", "&"), headers={"Accept": "application/json"})
        assert listed.json()["total"] == int(count), href
