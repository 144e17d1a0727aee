"""The curated graph as a product: loading and validating sources, building the store, entity
documents and JSON-LD, dumps and statistics, and the one write service (authorize -> apply ->
complete -> check -> audit -> commit)."""
