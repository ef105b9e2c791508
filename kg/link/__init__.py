"""Linking: the strings that records carry (trial sites, affiliations, condition texts) resolved to the
graph's institutions and entities, each link with its rule, confidence and the text it came from.
New resolution modules live here; the older flat modules (kg/institutions.py, kg/linking.py) move in with #19.

Institutions (#16): :mod:`kg.link.sites` resolves a site in three steps (curated, :mod:`kg.link.registry`,
:mod:`kg.link.open_world`); :mod:`kg.link.review` is the curator's queue."""
