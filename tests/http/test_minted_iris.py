"""Every IRI the service mints under its base dereferences (in process, real store): changes,
agents, the model that wrote an article, the article and its fragments, source graphs, the
dataset."""

from __future__ import annotations

import pytest
import rdflib

from ibigraph.config import Settings
from ibigraph.graph.build import build_store

from ..conftest import FIXTURES, built_with_tokens, in_process

pytestmark = pytest.mark.anyio
BASE = "https://w3id.org/ibigraph/"
PREFIXES = "PREFIX schema: <https://schema.org/> PREFIX src: <https://w3id.org/ibigraph/source/>"


def _local(iri: str) -> str:
    assert iri.startswith(BASE), iri
    return "/" + iri[len(BASE) :]


async def test_minted_iris_dereference_in_every_format(fixture_settings: Settings) -> None:
    settings, tokens = built_with_tokens(
        fixture_settings.with_(articles_dir=FIXTURES / "articles"), alice="curator"
    )
    token = tokens["alice"]
    async with in_process(settings) as client:
        r = await client.post(
            "/update",
            content=PREFIXES
            + " INSERT DATA { GRAPH src:test-about { <https://w3id.org/ibigraph/id/test-alliance>"
            ' schema:alternateName "TA-minted"@en } }',
            headers={
                "authorization": f"Bearer {token}",
                "content-type": "application/sparql-update",
            },
        )
        assert r.status_code == 200, r.text
        change = r.json()["change"]

        # a change: its PROV-O record, in Turtle and HTML
        r = await client.get(_local(change), headers={"accept": "text/turtle"})
        assert r.status_code == 200, r.text
        g = rdflib.Graph().parse(data=r.text, format="turtle")
        prov = rdflib.Namespace("http://www.w3.org/ns/prov#")
        agent = g.value(rdflib.URIRef(change), prov.wasAssociatedWith)
        assert agent is not None
        html = await client.get(_local(change), headers={"accept": "text/html"})
        assert html.status_code == 200 and "alice" in html.text

        # the agent who made it
        r = await client.get(_local(str(agent)), headers={"accept": "application/n-triples"})
        assert r.status_code == 200 and str(agent) in r.text

        # a source graph: its description and its facts
        r = await client.get("/source/test-about.trig")
        assert r.status_code == 200 and "TA-minted" in r.text

        # an ingested article, its model agent and its fragments' document
        listed = (await client.get("/api/articles")).json()["articles"]
        assert listed, "the fixture articles were ingested"
        article = listed[0]["article"]
        r = await client.get(_local(article), headers={"accept": "text/turtle"})
        assert r.status_code == 303 and r.headers["location"].startswith("/api/articles/")
        r = await client.get(r.headers["location"], headers={"accept": "text/turtle"})
        assert r.status_code == 200
        g = rdflib.Graph().parse(data=r.text, format="turtle")
        models = {str(o) for o in g.objects(None, prov.wasAssociatedWith)}
        assert any(m.startswith(BASE + "agent/model/") for m in models)
        for model in models:
            r = await client.get(_local(model), headers={"accept": "application/ld+json"})
            assert r.status_code == 200, model

        r = await client.get("/dataset")
        assert r.status_code == 303 and r.headers["location"] == "/void"
        r = await client.get("/changes")
        assert r.status_code == 303 and r.headers["location"] == "/api/changes"

        # the shapes graph: SHACL in Turtle; a browser is sent to the ontology page
        r = await client.get("/shapes", headers={"accept": "text/turtle"})
        g = rdflib.Graph().parse(data=r.text, format="turtle")
        assert any(
            g.subjects(rdflib.RDF.type, rdflib.URIRef("http://www.w3.org/ns/shacl#NodeShape"))
        )
        r = await client.get("/shapes", headers={"accept": "text/html"})
        assert r.status_code == 303 and r.headers["location"] == "/ontology"


async def test_unknown_minted_iris_are_404(fixture_settings: Settings) -> None:
    build_store(fixture_settings)
    async with in_process(fixture_settings) as client:
        for path in ("/change/nothing-here", "/agent/nobody", "/source/no-such", "/graph/x"):
            r = await client.get(path, headers={"accept": "application/problem+json"})
            assert r.status_code == 404, path
            assert r.headers["content-type"].startswith("application/problem+json")
        r = await client.get("/source/%3Cscript%3E", headers={"accept": "text/html"})
        assert r.status_code == 404 and "<script>" not in r.text
