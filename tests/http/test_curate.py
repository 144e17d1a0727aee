"""The curator form, on both backends: a proposed fact with its source is previewed as triples
without writing, needs a curator token to submit, goes through the SHACL gate (whose messages
show beside the form's fields) and is recorded in a source graph of its own."""

from __future__ import annotations

import re
import uuid

import httpx

from ..conftest import Writable


def _post(writable: Writable, **fields: str) -> httpx.Response:
    data = {
        "entity": "test-alliance",
        "property": "alternateName",
        "language": "en",
        "source_url": "https://example.org/about-the-alliance",
        "source_title": "About the alliance",
        "publisher": "Example",
        **fields,
    }
    return writable.client.post("/curate", data=data, headers={"Accept": "text/html"})


def _has(writable: Writable, label: str) -> bool:
    fact = f'id:test-alliance schema:alternateName "{label}"@en'
    return writable.ask(f"ASK {{ GRAPH ?g {{ {fact} }} }}")


def test_preview_then_submit_with_a_token(writable: Writable) -> None:
    label = f"Curated {uuid.uuid4().hex[:8]}"
    form = writable.client.get("/curate", params={"entity": "test-alliance"})
    assert form.status_code == 200 and 'name="token" type="password"' in form.text
    preview = _post(writable, value=label, action="preview")
    assert preview.status_code == 200 and label in preview.text and "src:curated-" in preview.text
    assert not _has(writable, label)  # a preview writes nothing
    anonymous = _post(writable, value=label, action="submit")
    assert anonymous.status_code == 401 and 'id="e-token"' in anonymous.text
    assert not _has(writable, label)
    done = _post(writable, value=label, action="submit", token=writable.tokens["curator"])
    assert done.status_code == 200 and "Recorded" in done.text, done.text[-2000:]
    assert _has(writable, label)
    change = re.search(r'<a href="(/change/[^"]+)">the change</a>', done.text)
    assert change is not None
    token = writable.tokens["curator"]
    again = _post(writable, value=f"{label} again", action="submit", token=token)
    assert again.status_code == 200  # the same source: described once, not twice


def test_bad_fields_and_shape_violations_show_beside_the_form(writable: Writable) -> None:
    token = writable.tokens["curator"]
    slug = _post(writable, entity="Not A Slug", value="x", action="preview")
    assert slug.status_code == 422 and 'id="e-entity"' in slug.text
    date = _post(writable, property="foundingDate", value="last year", action="preview")
    assert date.status_code == 422 and 'id="e-value"' in date.text
    web = _post(writable, source_url="javascript:alert(1)", value="x", action="preview")
    assert web.status_code == 422 and 'id="e-source_url"' in web.text
    assert "javascript:alert" not in web.text.split("<form", 1)[0]
    refused = _post(writable, property="memberOf", value="no-such-body", action="submit",
                    token=token)  # fmt: skip
    assert refused.status_code == 422 and "nothing was written" in refused.text
    assert not writable.ask("ASK { ?s schema:memberOf id:no-such-body }")
    as_json = {"content-type": "application/json"}
    json_ = writable.client.post("/curate", content=b"{}", headers=as_json)
    assert json_.status_code == 415


def test_a_correction_replaces_a_value_in_every_source_that_states_it(writable: Writable) -> None:
    token = writable.tokens["curator"]
    wrong, right = f"Wrong {uuid.uuid4().hex[:8]}", f"Right {uuid.uuid4().hex[:8]}"
    for url in ("https://example.org/one", "https://example.org/two"):  # two sources say it
        said = _post(writable, value=wrong, source_url=url, action="submit", token=token)
        assert said.status_code == 200 and "Recorded" in said.text
    correction = {"replaces": wrong, "value": right, "source_url": "https://example.org/fix"}
    preview = _post(writable, **correction, action="preview")
    assert preview.status_code == 200
    removed = re.findall(r'<tr class="removed">(.*?)</tr>', preview.text)
    assert len(removed) == 2 and all(wrong in row for row in removed)
    assert _has(writable, wrong) and not _has(writable, right)  # a preview writes nothing
    unknown = _post(writable, **{**correction, "replaces": "Never said"}, action="submit",
                    token=token)  # fmt: skip
    assert unknown.status_code == 422 and 'id="e-replaces"' in unknown.text
    assert wrong in unknown.text.split('id="e-replaces"', 1)[1]  # the values it could name
    done = _post(writable, **correction, action="submit", token=token)
    assert done.status_code == 200 and "Recorded" in done.text
    assert not _has(writable, wrong) and _has(writable, right)
    assert not writable.ask(f'ASK {{ id:test-alliance schema:alternateName "{wrong}"@en }}')
    page = writable.client.get("/id/test-alliance", headers={"Accept": "text/html"}).text
    assert f"replaces={right.replace(' ', '+')}" in page  # each value links to its correction
