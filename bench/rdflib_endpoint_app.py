"""rdflib-endpoint serving an N-Quads file (run with bench/.venv-peers/bin/python).

As `rdflib-endpoint serve FILE` does: an rdflib Dataset with default_union=True (the default
graph is the union of all named graphs; rdflib's memory store keeps each triple once, so it
is a set union), served by rdflib_endpoint.SparqlEndpoint under uvicorn, one process (the
data lives in that process's memory).  Only the access log is turned off, as for the others.

    bench/.venv-peers/bin/python bench/rdflib_endpoint_app.py FILE.nq PORT
"""

from __future__ import annotations

import sys

import uvicorn
from rdflib import Dataset
from rdflib_endpoint import SparqlEndpoint


def main() -> None:
    path, port = sys.argv[1], int(sys.argv[2])
    ds = Dataset(default_union=True)
    ds.parse(path, format="nquads")
    app = SparqlEndpoint(graph=ds, path="/sparql")  # the CLI's default path is /

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    uvicorn.run(app, host="127.0.0.1", port=port, access_log=False, log_level="warning")


if __name__ == "__main__":
    main()
