"""The reference: the thinnest FastAPI SPARQL endpoint over pyoxigraph.

GET /sparql?query=... -> SPARQL JSON results, serialized by pyoxigraph, evaluated in FastAPI's
threadpool (a plain `def` endpoint).  No limits, no timeouts, no content negotiation.  With
BARE_MEMORY=1 each worker copies the store into memory at start (`bare-memory`: the fastest
thing a user could write in 40 lines, for graphs that fit in memory).

    BARE_STORE=DIR [BARE_MEMORY=1] .venv/bin/uvicorn bench.bare_app:app --host 127.0.0.1 \
        --port P --workers N
"""

from __future__ import annotations

import os

import pyoxigraph as ox
from fastapi import FastAPI, HTTPException, Response

store = ox.Store.read_only(os.environ["BARE_STORE"])
if os.environ.get("BARE_MEMORY"):  # the in-memory reference: the same data, copied at start
    memory = ox.Store()
    memory.bulk_extend(store)
    store = memory
app = FastAPI()
JSON = "application/sparql-results+json"


@app.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/sparql")
def sparql(query: str) -> Response:
    try:
        result = store.query(query)
    except SyntaxError as e:
        raise HTTPException(400, str(e)) from None
    if isinstance(result, ox.QueryTriples):
        body = result.serialize(format=ox.RdfFormat.N_TRIPLES)
        return Response(body, media_type="application/n-triples")
    return Response(result.serialize(format=ox.QueryResultsFormat.JSON), media_type=JSON)
