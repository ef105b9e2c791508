"""The store: the interface every store implements (`graphstore`), the embedded pyoxigraph engine
(`embedded`), remote SPARQL backends, bulk loading, generations and crash safety, dumps, the query
library and result formats. Imports `kg.core` only."""
