"""An OpenRefine-style session against a real `ibigraph serve` process, with a real HTTP client:
read the manifest, reconcile a column in batches (form POST, a type and a property), look up
a name by suggest, show a preview, then extend the matched rows."""

from __future__ import annotations

import json

import httpx


def test_openrefine_session(data_server: str) -> None:
    with httpx.Client(base_url=data_server, timeout=30) as client:
        manifest = client.get("/reconcile").json()
        assert "0.2" in manifest["versions"]
        service = manifest["suggest"]["entity"]
        rows = {
            "q0": "Human Brain Project",
            "q1": "BRAIN Initiative",
            "q2": "Harvard University",
            "q3": "National Institutes of Health",
        }
        batch = {
            k: {
                "query": name,
                "type": "schema:Organization",
                "type_strict": "should",
                "limit": 3,
                "properties": [{"pid": "country", "v": "United States"}] if k != "q0" else [],
            }
            for k, name in rows.items()
        }
        for q in batch.values():
            if not q["properties"]:
                del q["properties"]
        answer = client.post("/reconcile", data={"queries": json.dumps(batch)})
        assert answer.status_code == 200
        results = answer.json()
        matched = {k: v["result"][0] for k, v in results.items()}
        assert {k: c["id"] for k, c in matched.items()} == {
            "q0": "human-brain-project",
            "q1": "brain-initiative",
            "q2": "harvard-university",
            "q3": "national-institutes-of-health",
        }
        assert all(c["match"] for c in matched.values())
        suggested = client.get(
            service["service_url"].removeprefix(data_server) + service["service_path"],
            params={"prefix": "EBRA"},
        ).json()
        assert suggested["result"][0]["id"] == "ebrains"
        card = client.get(
            manifest["preview"]["url"].replace("{{id}}", "ebrains").removeprefix(data_server)
        )
        assert card.status_code == 200 and "EBRAINS" in card.text
        proposal = client.get(
            "/reconcile/propose_properties", params={"type": "schema:Organization"}
        )
        assert {"id": "wikidata", "name": "Wikidata QID"} in proposal.json()["properties"]
        extension = client.post(
            "/reconcile",
            data={
                "extend": json.dumps(
                    {
                        "ids": [c["id"] for c in matched.values()],
                        "properties": [{"id": "country"}, {"id": "founded"}, {"id": "ror"}],
                    }
                )
            },
        ).json()
        assert extension["rows"]["brain-initiative"]["founded"] == [{"str": "2013-04-02"}]
        assert extension["rows"]["harvard-university"]["ror"] == [{"str": "03vek6s52"}]
