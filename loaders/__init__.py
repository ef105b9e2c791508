"""Source loaders: one module per source. Each reads its original format into records and turns
one record into triples with a pure function. Loaders never open a store (that is `kg/`)."""
