"""The HTTP ceiling: FastAPI answering GET /sparql with a constant small SPARQL JSON result.

.venv/bin/uvicorn bench.hello_app:app --host 127.0.0.1 --port P --workers N
"""

from __future__ import annotations

from fastapi import FastAPI, Response

app = FastAPI()
BODY = b'{"head":{},"boolean":true}'


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/sparql")
async def sparql(query: str = "") -> Response:
    return Response(BODY, media_type="application/sparql-results+json")
