"""Linking: the strings that records carry (trial sites, affiliations, condition texts) resolved to the
graph's institutions and entities, each link with its rule, confidence and the text it came from.
New resolution modules live here; the older flat modules (loaders/link/curated.py, loaders/link/terms.py) move in with #19.

Institutions (#16): :mod:`loaders.link.sites` resolves a site in three steps (curated, :mod:`loaders.link.registry`,
:mod:`loaders.link.open_world`); :mod:`loaders.link.review` is the curator's queue."""
