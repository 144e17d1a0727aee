"""The ingestion entry point: article -> mentions, candidates, claims, verdicts and quads."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime

import pyoxigraph as ox

from ..config import Settings
from .article import Article
from .claims import VERDICTS, Claim, article_subject, extract_claims
from .curated import Curated, QuadReader
from .mentions import Ambiguity, Candidate, Mention, find_mentions
from .model import article_graph_iri, article_quads
from .names import build_name_index
from .verify import verify_claims

__all__ = ["IngestResult", "ingest_article"]


@dataclass(frozen=True)
class IngestResult:
    """What ingesting one article produced. `quads` are all in `graph`: write them to replace
    that graph (the same article gives the same quads, apart from `prov:generatedAtTime`)."""

    article_iri: str
    graph: str
    subject: str | None  # the curated entity the title names
    quads: list[ox.Quad]
    claims: list[Claim]
    mentions: list[Mention]
    candidates: list[Candidate]
    ambiguous: list[Ambiguity]

    def summary(self) -> dict[str, object]:
        """Counts for a report or an API response."""
        verdicts = Counter(c.verdict for c in self.claims)
        return {
            "graph": self.graph,
            "subject": self.subject,
            "claims": len(self.claims),
            **{v: verdicts.get(v, 0) for v in VERDICTS},
            "rules": dict(sorted(Counter(c.rule for c in self.claims).items())),
            "mentions": len(self.mentions),
            "entities": len({m.iri for m in self.mentions}),
            "candidates": len(self.candidates),
            "ambiguous": len(self.ambiguous),
            "quads": len(self.quads),
        }


def ingest_article(
    article: Article,
    curated: QuadReader,
    settings: Settings,
    *,
    now: datetime | None = None,
) -> IngestResult:
    """Link, extract and verify one parsed article against the curated graph, and build the
    quads of its named graph. Nothing is written; the caller replaces the graph."""
    view = Curated(curated, settings)
    index = build_name_index(view, settings)
    graph = article_graph_iri(article, settings)
    linking = find_mentions(article, index)
    claims = extract_claims(article, linking, index, settings, graph)
    claims = verify_claims(claims, view, settings)
    subject = article_subject(article, index)
    quads = article_quads(
        article,
        settings,
        subject=subject,
        mentions=linking.mentions,
        candidates=linking.candidates,
        claims=claims,
        generated_at=now or datetime.now(UTC),
    )
    return IngestResult(
        article_iri=graph + "#article",
        graph=graph,
        subject=subject,
        quads=quads,
        claims=claims,
        mentions=list(linking.mentions),
        candidates=list(linking.candidates),
        ambiguous=list(linking.ambiguous),
    )
