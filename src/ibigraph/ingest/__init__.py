"""Ingest LLM-written encyclopedia articles: parse them, extract claims, link and verify them.

article.py   parse an LLMpedia page (offsets into its text)
curated.py   read-only view of the curated source graphs
names.py     curated names -> entity IRIs
mentions.py  mentions of curated entities; candidate (unknown) organizations
claims.py    rule-based claim extraction
verify.py    verdicts with evidence from the source graphs
model.py     the article's named graph (schema.org, PROV-O, Web Annotation, reification)
pipeline.py  `ingest_article`, the one entry point
"""

from .article import Article, parse_article, read_article
from .claims import CONTRADICTED, SUPPORTED, UNVERIFIABLE, VERDICTS, Claim, Evidence
from .curated import QuadReader
from .mentions import Ambiguity, Candidate, Mention
from .model import (
    article_graph_iri,
    claim_quads,
    read_claims,
    replace_verdicts,
    verdict_quads,
)
from .pipeline import IngestResult, ingest_article
from .verify import verify_claims

__all__ = [
    "CONTRADICTED",
    "SUPPORTED",
    "UNVERIFIABLE",
    "VERDICTS",
    "Ambiguity",
    "Article",
    "Candidate",
    "Claim",
    "Evidence",
    "IngestResult",
    "Mention",
    "QuadReader",
    "article_graph_iri",
    "claim_quads",
    "ingest_article",
    "parse_article",
    "read_article",
    "read_claims",
    "replace_verdicts",
    "verdict_quads",
    "verify_claims",
]
