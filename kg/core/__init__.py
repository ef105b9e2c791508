"""The core every layer stands on: vocabulary and IRIs, record types (`records`), errors,
provenance, the ontology files, name folding and trial-status truth. Imports nothing outside `kg.core`."""
