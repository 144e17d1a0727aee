"""Finding entities by name: the in-memory text index (`index`) behind /api/search and
/api/suggest, and the W3C Reconciliation Service API (`reconcile`) that OpenRefine speaks."""
