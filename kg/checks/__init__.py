"""Checks of a built graph: SHACL conformance, HermiT reasoning and consistency, and the figures
(`rarekg validate`, `rarekg stats`)."""
