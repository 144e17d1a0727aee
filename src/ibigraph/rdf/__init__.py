"""RDF plumbing shared by every layer: namespaces (`vocab`), pyoxigraph term aliases (`terms`),
media-type tables and negotiation (`formats`), pyoxigraph <-> rdflib conversion (`convert`)."""
