"""rarekg knowledge-graph core: vocabulary, store, provenance, build and CLI."""

__version__ = "0.1.0"
