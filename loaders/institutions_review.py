"""The curator's review queue of a dataset or a built store (#16 item 5), as text.

:func:`review_table` resolves the default dataset (and the folders a store was built from) with
:func:`loaders.institutions.resolution` and lays out :mod:`loaders.link.review`'s queue; with a store
it lists that store's sites that the curated step did not resolve, each with the store's own decision.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from loaders.institutions import Link, country_words, record_url, resolution
from loaders.link import curated as resolver
from loaders.link import review
from loaders.link.sites import SiteResolver

#: the sites of a store that the curated step did not resolve, with the store's own decision for each
REVIEW_QUERY = (
    "SELECT ?s ?f ?c ?k ?status ?rule ?p { ?s rkg:resolutionStatus ?status ; rkg:facilityName ?f "
    "OPTIONAL { ?s sssom:curation_rule_text ?rule } OPTIONAL { ?s schema:addressLocality ?c } "
    "OPTIONAL { ?s schema:addressCountry ?k } OPTIONAL { ?s rkg:atProvider ?p } "
    "FILTER(?status != \"resolved\" || !BOUND(?rule) || !STRSTARTS(?rule, \"curated:\")) }")


def review_table(data_dir: Path, store: object | None = None, extra_dirs: Sequence[Path] = ()) -> str:
    """The review queue (:mod:`loaders.link.review`) as text: every generic, open-world and unresolved site
    and affiliation of the default dataset (or, with ``store``, a :class:`kg.store.graphstore.GraphStore`, the
    sites of that store that the curated step did not resolve, each with the decision the store holds),
    with its sites, the best registry candidates and the one line that settles it. ``extra_dirs`` are
    the folders the store was built from (``rarekg build --data``): the registry candidates then come
    from the same registry dump as the build's."""
    done = resolution(data_dir, extra_dirs)
    steps, links = done.steps, done.links
    if store is not None:
        links = [_stored_link(r, steps) for r in store.select(REVIEW_QUERY)]  # type: ignore[attr-defined]
    by_id = {c.id: c for c in done.candidates}
    best = {(lk.text, f"{lk.city} {lk.country}".strip()): (lk.resolution.best, by_id[lk.resolution.best].member)
            for lk in links if lk.resolution.best in by_id and lk.resolution.best_score >= resolver.THRESHOLD - 0.05
            and resolver.place_agreement(lk.city, lk.country, by_id[lk.resolution.best])}
    return review.table(review.entries(links, record_url), steps.registry, best)  # type: ignore[arg-type]


def _stored_link(row: dict[str, Any], steps: SiteResolver) -> Link:
    """A review-queue link for one row of :data:`REVIEW_QUERY`: the store's status, rule and provider
    (a store built with other data than ``steps`` keeps its own decisions), the registry candidates and
    the best curated candidate of a fresh resolution of the same text."""
    def value(name: str) -> str:
        return row[name].value if row.get(name) is not None else ""

    city, country, text = value("c"), value("k"), value("f")
    fresh = steps.resolve(text, city, country, country_words=country_words(country))
    provider = value("p").rsplit("/", 1)[-1] or None
    stored = replace(fresh, status=value("status"), rule=value("rule"), institution=provider)
    return Link("site", row["s"].value.rsplit("/", 2)[-2], row["s"], text, city, country, None, stored)
