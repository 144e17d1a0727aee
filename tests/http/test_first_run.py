"""What a newcomer meets first, in process: the version everywhere, and an empty article list
that says how to add one."""

from __future__ import annotations

import pytest
import rdflib

from ibigraph import __version__
from ibigraph.config import Settings
from ibigraph.graph.build import build_store

from ..conftest import FIXTURES, built_with_tokens, in_process

pytestmark = pytest.mark.anyio


async def test_version_is_reported_by_health_service_description_and_void(
    fixture_settings: Settings,
) -> None:
    build_store(fixture_settings)
    async with in_process(fixture_settings) as client:
        assert (await client.get("/health")).json()["version"] == __version__
        dcterms = rdflib.Namespace("http://purl.org/dc/terms/")
        for path in ("/sparql", "/void"):
            r = await client.get(path, headers={"accept": "text/turtle"})
            g = rdflib.Graph().parse(data=r.text, format="turtle")
            assert str(next(g.objects(None, dcterms.hasVersion))) == __version__, path


async def test_empty_article_list_says_how_to_add_one(fixture_settings: Settings) -> None:
    settings = fixture_settings.with_(articles_dir=fixture_settings.store_path.parent / "none")
    build_store(settings)
    async with in_process(settings) as client:
        body = (await client.get("/api/articles")).json()
        page = await client.get("/api/articles", headers={"accept": "text/html"})
    assert body["articles"] == []
    assert "ibigraph ingest" in body["message"] and "POST" in body["message"]
    assert page.headers["content-type"].startswith("text/html")
    assert "ibigraph ingest" in page.text  # the page a browser gets says it too


async def test_article_list_page_links_each_article(fixture_settings: Settings) -> None:
    settings = fixture_settings.with_(articles_dir=FIXTURES / "articles")
    build_store(settings)
    async with in_process(settings) as client:
        listed = (await client.get("/api/articles")).json()["articles"]
        page = (await client.get("/api/articles", headers={"accept": "text/html"})).text
    assert listed
    for a in listed:
        assert f'href="/api/articles/{a["id"]}"' in page


async def test_entity_list_links_its_pages_without_claiming_they_are_websites(
    fixture_settings: Settings,
) -> None:
    from pyld import jsonld

    build_store(fixture_settings)
    async with in_process(fixture_settings) as client:
        doc = (await client.get("/api/entities")).json()
        context = (await client.get("/ns/context.jsonld")).json()
    doc["@context"] = [context["@context"], doc["@context"][1]]  # the published context, inline
    expanded = jsonld.expand(doc)
    collection = expanded[0]
    members = collection["http://www.w3.org/ns/hydra/core#member"]
    assert members
    for m in members:
        assert "https://schema.org/url" not in m  # a website is a fact; the local page is not
        page = m["https://schema.org/mainEntityOfPage"][0]["@id"]
        assert page.startswith("http://ibigraph.test/id/")


async def test_a_running_server_accepts_a_token_added_after_it_started(
    fixture_settings: Settings,
) -> None:
    from ibigraph.auth import add_token

    tokens = fixture_settings.store_path.parent / "tokens.json"  # does not exist yet
    settings = fixture_settings.with_(tokens_file=tokens)
    build_store(settings)
    ex = "https://example.org/"
    update = f'INSERT DATA {{ GRAPH <{ex}g> {{ <{ex}s> <{ex}p> "o" }} }}'
    async with in_process(settings) as client:
        headers = {"content-type": "application/sparql-update", "authorization": "Bearer nope"}
        r = await client.post("/update", content=update, headers=headers)
        assert r.status_code == 403 and "ibigraph token add" in r.text
        token = add_token(tokens, "alice", "curator")  # as `ibigraph token add alice` does
        headers["authorization"] = f"Bearer {token}"
        r = await client.post("/update", content=update, headers=headers)
        assert r.status_code == 200, r.text
        assert r.json()["agent"] == "alice"


async def test_a_422_reports_what_the_change_touches_not_its_neighbours_old_warnings(
    settings: Settings,
) -> None:
    settings, tokens = built_with_tokens(
        settings.with_(articles_dir=settings.store_path / "none"), alice="curator"
    )
    token = tokens["alice"]
    ibi = "https://w3id.org/ibigraph/id/international-brain-initiative"
    update = (
        "INSERT DATA { GRAPH <https://w3id.org/ibigraph/source/ibi-about-us> { "
        f'<{ibi}> <https://schema.org/foundingDate> "not a date" }} }}'
    )
    async with in_process(settings) as client:
        r = await client.post(
            "/update",
            content=update,
            headers={
                "content-type": "application/sparql-update",
                "authorization": f"Bearer {token}",
                "accept": "application/problem+json",
            },
        )
    assert r.status_code == 422, r.text
    results = r.json()["violations"]
    assert results and all(v["focusNode"] == ibi for v in results), results


async def test_a_write_that_changes_nothing_names_no_change(fixture_settings: Settings) -> None:
    settings, tokens = built_with_tokens(fixture_settings, alice="curator")
    token = tokens["alice"]
    fact = 'id:test-alliance schema:name "Test Alliance"@en'  # already in the fixture data
    async with in_process(settings) as client:
        r = await client.post(
            "/update",
            content=f"INSERT DATA {{ GRAPH src:test-about {{ {fact} }} }}",
            headers={
                "content-type": "application/sparql-update",
                "authorization": f"Bearer {token}",
            },
        )
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["quadsAdded"] == 0 and body["change"] is None
        assert "nothing changed" in body["message"]
        assert (await client.get("/api/changes")).json()["changes"] == []
