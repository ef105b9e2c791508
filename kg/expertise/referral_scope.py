"""Which evidence counts for an entity: its scope in the hierarchy (equivalents, subtypes, baskets),
the fallback to the nearest ancestor level with evidence, its domains, and the evidence entries per
centre (one per source, at its nearest distance).
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Iterable
from datetime import date
from typing import Any

from kg.expertise.referral_index import Evidence, Index
from kg.expertise.referral_score import Entry, EvidenceItem, RankingConfig


def equivalents(index: Index, entity: str) -> set[str]:
    """``entity`` and every class linked to it by a chain of skos:exactMatch."""
    seen, queue = {entity}, deque([entity])
    while queue:
        for other in index.exact.get(queue.popleft(), ()):
            if other not in seen:
                seen.add(other)
                queue.append(other)
    return seen


def _walk(index: Index, starts: set[str], step: dict[str, set[str]], limit: int) -> dict[str, int]:
    """Breadth-first distances from ``starts`` along ``step`` edges (starts excluded), up to ``limit``."""
    dist: dict[str, int] = {}
    frontier, level = set(starts), 0
    seen = set(starts)
    while frontier and level < limit:
        level += 1
        nxt = {n for f in frontier for n in step.get(f, ()) if n not in seen}
        for n in nxt:
            dist[n] = level
        seen |= nxt
        frontier = nxt
    return dist


def scope(index: Index, entity: str, cfg: RankingConfig) -> dict[str, tuple[str, int]]:
    """The classes whose evidence counts for ``entity`` directly: class -> (relation, distance)."""
    eq = equivalents(index, entity)
    out: dict[str, tuple[str, int]] = {e: ("self" if e == entity else "equivalent", 0) for e in eq}
    for sub, d in _walk(index, eq, index.children, cfg.max_subtype_depth).items():
        out.setdefault(sub, ("subtype", d))
    for cls in list(out):
        for anc in baskets_above(index, cls, cfg.max_fallback_distance):
            if anc not in out:
                out[anc] = ("basket", 1)
    return out


def baskets_above(index: Index, cls: str, limit: int) -> frozenset[str]:
    """The basket classes up to ``limit`` levels above ``cls``: part of the hierarchy, not of an
    answer, so kept on the index after the first walk (a root entity has a thousand subtypes)."""
    key = (cls, limit)
    found = index.baskets_above.get(key)
    if found is None:
        found = index.baskets_above[key] = frozenset(a for a in _walk(index, {cls}, index.parents, limit)
                                                     if a in index.baskets)
    return found


def fallback_scope(index: Index, entity: str, cfg: RankingConfig) -> tuple[dict[str, tuple[str, int]], int]:
    """The nearest ancestor level (of the entity or its equivalents) with entity-level evidence."""
    ups = _walk(index, equivalents(index, entity), index.parents, cfg.max_fallback_distance)
    by_level: dict[int, set[str]] = {}
    for anc, d in ups.items():
        if anc not in index.baskets:
            for e in equivalents(index, anc):
                by_level.setdefault(d, set()).add(e)
    for d in sorted(by_level):
        hit = {a for a in by_level[d] if index.by_entity.get(a)}
        if hit:
            return {a: ("ancestor", d) for a in hit}, d
    return {}, 0


def entity_domains(index: Index, entity: str, cfg: RankingConfig) -> set[str]:
    """Domains of the entity or its equivalents, else of the nearest ancestors that have one."""
    eq = equivalents(index, entity)
    found = {d for e in eq for d in index.domains.get(e, ())}
    if found:
        return found
    ups = _walk(index, eq, index.parents, cfg.max_fallback_distance)
    for level in sorted(set(ups.values())):
        found = {d for a, dd in ups.items() if dd == level for e in equivalents(index, a)
                 for d in index.domains.get(e, ())}
        if found:
            return found
    return set()


def _item(index: Index, ev: Evidence, relation: str, distance: int, cfg: RankingConfig, cutoff: date) -> EvidenceItem:
    about = ev.entity or ev.domain or ""
    trial = index.trials.get(ev.derived_from or "")
    closed = bool(trial and (trial.iri, ev.provider) in index.closed_sites)
    open_here = bool(trial and trial.open_since(cutoff) and not closed)
    return EvidenceItem(ev.iri, ev.kind, about, index.labels.get(about) or index.domain_labels.get(about, about),
                        relation, distance, cfg.discount_per_level ** distance,
                        ev.date.isoformat() if ev.date else None, ev.derived_from,
                        open_here and ev.kind == "trial", closed and ev.kind == "trial")


Classes = dict[str, tuple[str, int]]


def answer_scope(index: Index, entity: str, cfg: RankingConfig) -> tuple[Classes, dict[str, Any] | None]:
    """The classes whose evidence an answer for ``entity`` weighs: its :func:`scope`, and when no class
    of it but a basket has evidence, the nearest ancestor level with some (:func:`fallback_scope`),
    said as ``{"ancestors": [...], "distance": d}``; the fallback is None when not needed or not found."""
    classes = scope(index, entity, cfg)
    if any(index.by_entity.get(c) for c, (rel, _) in classes.items() if rel != "basket"):
        return classes, None
    ups, d = fallback_scope(index, entity, cfg)
    if not ups:
        return classes, None
    return {**classes, **ups}, {"ancestors": sorted(ups), "distance": d}


def _keep(per: dict[str, dict[str, Entry]], ev: Evidence, relation: str, distance: int) -> None:
    """Keep ``ev`` as its centre's entry for its source unless a nearer one (or, at the same distance,
    one with a smaller IRI, then about a smaller class) is kept: the class the item is about breaks
    ties, so the answer never hangs on set iteration order."""
    key = ev.derived_from or ev.iri
    entries = per.get(ev.provider)
    if entries is None:
        entries = per[ev.provider] = {}
    best = entries.get(key)
    if best is None or (distance, ev.iri, ev.entity or ev.domain or "") < (
            best[2], best[0].iri, best[0].entity or best[0].domain or ""):  # type: ignore[union-attr]
        entries[key] = (ev, relation, distance)


def collect_entity(index: Index, classes: Classes, only: Iterable[str] | None = None) -> dict[str, dict[str, Entry]]:
    """Entity-level evidence entries per centre (of the centres ``only``, if given): one per source
    (trial, publication, ...) at its nearest distance. ``only`` reads the index's evidence by class
    and centre (:func:`kg.expertise.referral_precompute.prepare` makes it), so its cost is the few centres'."""
    per: dict[str, dict[str, Entry]] = {}
    if only is None:
        for cls, (relation, distance) in classes.items():
            for ev in index.by_entity.get(cls, ()):
                _keep(per, ev, relation, distance)
        return per
    wanted = list(only)
    for cls, (relation, distance) in classes.items():
        by_centre = index.by_entity_centre.get(cls)
        if by_centre:
            for centre in wanted:
                for ev in by_centre.get(centre, ()):
                    _keep(per, ev, relation, distance)
    return per


Levels = list[tuple[int, list[tuple[dict[str, list[Evidence]], str]]]]


def by_level(index: Index, classes: Classes) -> Levels:
    """The classes with evidence, grouped by distance (nearest first): (distance, [(the class's
    evidence by centre, relation)])."""
    levels: dict[int, list[tuple[dict[str, list[Evidence]], str]]] = {}
    for cls, (relation, distance) in classes.items():
        by_centre = index.by_entity_centre.get(cls)
        if by_centre:
            levels.setdefault(distance, []).append((by_centre, relation))
    return sorted(levels.items(), key=lambda kv: kv[0])


def collect_nearest(levels: Levels, centre: str, enough: int | None) -> dict[str, Entry]:
    """One centre's entity-level entries, level by level from the nearest (:func:`by_level`), stopping
    after the first level that brings them to ``enough`` (None: all): every entry left out is farther
    than all those kept, so the ``enough`` most telling (:func:`_telling`, nearest first) are among
    them. Reads the index's evidence by class and centre (:func:`kg.expertise.referral_precompute.index_by_centre`)."""
    per: dict[str, dict[str, Entry]] = {}
    for distance, classes in levels:
        for by_centre, relation in classes:
            for ev in by_centre.get(centre, ()):
                _keep(per, ev, relation, distance)
        if enough is not None and len(per.get(centre, ())) >= enough:
            break
    return per.get(centre, {})


def collect_domain(index: Index, domains: set[str], day: date) -> dict[str, dict[str, Entry]]:
    """Membership entries per centre: the sourced membership items of current memberships covering
    ``domains``, and one entry for a current membership without a recorded domain (when the entity
    has a domain)."""
    per: dict[str, dict[str, Entry]] = {}
    for dom in sorted(domains):
        for ev in index.by_domain.get(dom, ()):
            m = index.memberships.get(ev.provider)
            if m is None or m.current(day):
                per.setdefault(ev.provider, {}).setdefault(ev.iri, (ev, "domain", 0))
    if domains:
        for provider, m in index.memberships.items():
            if not m.domains and m.current(day):
                per.setdefault(provider, {})[m.iri] = (None, "membership-without-domain", 0)
    return per


def merge_entries(entity: dict[str, Entry] | None, domain: dict[str, Entry] | None) -> dict[str, Entry]:
    """One centre's entries: its entity-level ones, then the sourced membership ones whose key is not
    taken, and its membership without a recorded domain."""
    out = dict(entity or {})
    for key, entry in (domain or {}).items():
        if entry[0] is None:
            out[key] = entry
        else:
            out.setdefault(key, entry)
    return out


def _collect(index: Index, classes: Classes, domains: set[str], day: date) -> dict[str, dict[str, Entry]]:
    """Every centre's entries: :func:`collect_entity` merged with :func:`collect_domain`."""
    per = collect_entity(index, classes)
    for centre, entries in collect_domain(index, domains, day).items():
        per[centre] = merge_entries(per.get(centre), entries)
    return per


_KIND_ORDER = {"membership": 0, "curated_statement": 1, "trial": 2, "publication": 3}


def _telling(index: Index, key: str, entry: Entry, cutoff: date) -> tuple:
    """How telling one entry is, most first: nearest; membership, curated statement, trial,
    publication; an open trial before a closed one; the most recent; then by IRI."""
    ev, _, distance = entry
    if ev is None:
        return distance, 0, 0, 0, key
    trial = index.trials.get(ev.derived_from or "") if ev.kind == "trial" else None
    opened = trial is not None and trial.open_since(cutoff) and (trial.iri, ev.provider) not in index.closed_sites
    return (distance, _KIND_ORDER.get(ev.kind, 4), 0 if opened else 1,
            -ev.date.toordinal() if ev.date else 0, ev.iri)


def _items(index: Index, provider: str, entries: dict[str, Entry], cfg: RankingConfig, cutoff: date,
           limit: int | None = None) -> list[EvidenceItem]:
    """The evidence items of one answered centre, the most telling first (:func:`_telling`); the
    first ``limit`` of them if given (a large centre has thousands: an answer lists the telling
    ones and counts the rest)."""
    ranked = [(_telling(index, key, entry, cutoff), key, entry) for key, entry in entries.items()]
    chosen = heapq.nsmallest(limit, ranked) if limit is not None and limit < len(ranked) else sorted(ranked)
    out = []
    for _, key, (ev, relation, distance) in chosen:
        if ev is None:
            out.append(EvidenceItem(key, "membership", "", "no domain recorded", relation, 0, 1.0, None, key))
        else:
            out.append(_item(index, ev, relation, distance, cfg, cutoff))
    return out
