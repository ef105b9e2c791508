"""HTTP layer: the SPARQL endpoint and (later) the REST API, in one FastAPI app."""
