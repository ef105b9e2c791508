"""The candidates of an answer, computed per call or, for the entities with the most evidence,
ahead of the calls.

A referral weighs every evidence entry in its classes: for a root class at scale 100 that is hundreds of
thousands of entries, far more than the 50 ms an answer may take. What the answer needs of them does not
depend on the caller (only on the weights and the answer's day): per centre, its evidence components and
number of distinct entries; the trials open in scope and how many are open at each centre; the note on
stale enrolling statuses. :func:`candidates` computes that from the entries; :func:`prepare` computes it
once, for the weights and the day given, for every entity whose classes hold more than
``HEAVY_EVIDENCE`` evidence rows (a third of the entities at scale 10; 2.6 s of CPU there), and indexes each class's
evidence by centre so an answer makes the evidence items of the centres it shows only. An answer for
another day or other weights computes its candidates itself (same function, same result).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from kg.core.trial_status import open_cutoff
from kg.expertise.referral_index import Index
from kg.expertise.referral_load import settle
from kg.expertise.referral_scope import Classes, answer_scope, collect_domain, collect_entity
from kg.expertise.referral_score import Entry, EvidenceParts, RankingConfig, evidence_parts, weigh_membership

#: evidence rows in an answer's classes above which its candidates are computed ahead of the calls
HEAVY_EVIDENCE = 200


@dataclass(slots=True)
class Candidates:
    """What an answer needs of its classes' evidence, as of one day and for one set of weights."""

    #: centre -> (evidence components, distinct entries), for the centres with entity-level evidence
    evidence: dict[str, tuple[EvidenceParts, int]]
    #: trials in scope that are open on the day
    open_in_scope: frozenset[str]
    #: centre -> number of trials in scope open at it (its site not closed); None = count on demand
    open_at: dict[str, int] | None
    #: the note on enrolling trials in scope whose status is too old to count as open
    stale: str | None
    #: the entries per centre when computed per call; None when precomputed (made per shown centre)
    entries: dict[str, dict[str, Entry]] | None
    #: centre -> its number of entity-level entries (all kinds), when precomputed
    entry_counts: dict[str, int] | None = None
    #: centre -> the keys of its entity-level membership entries (the only ones a membership entry of
    #: the domain can share), for the centres that have any, when precomputed
    membership_keys: dict[str, frozenset[str]] | None = None


@dataclass(slots=True)
class Prepared:
    cfg: RankingConfig
    day: date
    by_entity: dict[str, Candidates]


def open_count(index: Index, centre: str, open_in_scope: frozenset[str]) -> int:
    """How many of ``open_in_scope`` are open at ``centre`` (its site not closed)."""
    if not open_in_scope:
        return 0
    here = index.trials_at.get(centre)
    if not here:
        return 0
    return sum(1 for t in open_in_scope & here if (t, centre) not in index.closed_sites)


def open_trials(index: Index, centre: str, open_in_scope: frozenset[str]) -> list[dict[str, str]]:
    """The open trials at ``centre`` among ``open_in_scope`` whose site there is not closed, by IRI."""
    out = []
    for t in sorted(open_in_scope & index.trials_at.get(centre, set())):
        trial = index.trials[t]
        if (t, centre) not in index.closed_sites:
            out.append({"trial": t, "title": trial.title, "status": trial.status,
                        "verified": trial.verified.isoformat() if trial.verified else ""})
    return out


def stale_note(index: Index, enrolling: set[str], cutoff: date, as_of: date) -> str | None:
    """What the answer says of trials whose enrolling status is too old to count as open."""
    stale = sorted((index.trials[t] for t in enrolling if not index.trials[t].open_since(cutoff)),
                   key=lambda tr: (tr.verified or date.min, tr.iri), reverse=True)
    if not stale:
        return None
    shown = "; ".join(f"{tr.iri.rsplit('/', 1)[-1]}: last known status {tr.status}, verified "
                      f"{tr.verified.isoformat() if tr.verified else 'never'}" for tr in stale[:3])
    return (f"{len(stale)} trial(s) in scope with an enrolling status not verified since {cutoff.isoformat()} "
            f"are not counted as open as of {as_of.isoformat()} ({shown}{'; ...' if len(stale) > 3 else ''})")


def candidates(index: Index, classes: Classes, cfg: RankingConfig, day: date, keep_entries: bool = True) -> Candidates:
    """The candidates of an answer over ``classes`` as of ``day`` (see the module docstring)."""
    cutoff = open_cutoff(day)
    per = collect_entity(index, classes)
    evidence = {centre: evidence_parts(index, entries, cfg, day, cutoff) for centre, entries in per.items()}
    enrolling = {t for c in classes for t in index.enrolling_studying.get(c, ())}
    open_in_scope = frozenset(t for t in enrolling if index.trials[t].open_since(cutoff))
    open_at = None
    if not keep_entries:   # counted once for every centre that runs one of them
        centres = {c for t in open_in_scope for c in index.trials[t].providers}
        open_at = {c: n for c in centres if (n := open_count(index, c, open_in_scope))}
    if keep_entries:
        return Candidates(evidence, open_in_scope, open_at, stale_note(index, enrolling, cutoff, day), per)
    keys = {centre: found for centre, entries in per.items()
            if (found := frozenset(k for k, (ev, _, _) in entries.items() if ev is not None and ev.kind == "membership"))}
    return Candidates(evidence, open_in_scope, open_at, stale_note(index, enrolling, cutoff, day), None,
                      {centre: len(entries) for centre, entries in per.items()}, keys)


def index_by_centre(index: Index) -> None:
    """Each class's evidence by centre (``Index.by_entity_centre``), once per index."""
    if index.by_entity_centre or not index.by_entity:
        return
    built: dict[str, dict[str, list]] = {}
    for cls, evs in index.by_entity.items():
        by_centre: dict[str, list] = {}
        for ev in evs:
            by_centre.setdefault(ev.provider, []).append(ev)
        built[cls] = by_centre
    index.by_entity_centre = built   # whole, never half-made for a concurrent answer


def prepare(index: Index, cfg: RankingConfig, day: date) -> Prepared:
    """Compute the candidates of every entity with more than ``HEAVY_EVIDENCE`` evidence rows in its
    answer's classes, for ``cfg`` and ``day``; kept on the index (a later day replaces them, so a
    server's first answer of a day computes them again). Entities of one exactMatch group share
    their classes, hence their candidates."""
    held = index.prepared
    if held is not None and held.cfg == cfg and held.day == day:
        return held
    index_by_centre(index)
    heavy: dict[str, Candidates] = {}
    shared: dict[frozenset[str], Candidates] = {}
    for entity in sorted(index.entities):
        classes, _ = answer_scope(index, entity, cfg)
        if sum(len(index.by_entity.get(c, ())) for c in classes) > HEAVY_EVIDENCE:
            key = frozenset((c, d) for c, (_, d) in classes.items())   # the relation weighs nothing
            found = shared.get(key)
            if found is None:
                found = shared[key] = candidates(index, classes, cfg, day, keep_entries=False)
            heavy[entity] = found
    index.prepared = Prepared(cfg, day, heavy)
    settle()   # the candidates are long-lived too: out of the collector's full scans, as the index
    return index.prepared


def candidates_for(index: Index, entity: str, classes: Classes, cfg: RankingConfig, day: date) -> Candidates:
    """The precomputed candidates of ``entity`` if :func:`prepare` made them for ``cfg`` and ``day``,
    else computed now."""
    held = index.prepared
    if held is not None and held.cfg == cfg and held.day == day:
        found = held.by_entity.get(entity)
        if found is not None:
            return found
    return candidates(index, classes, cfg, day)


#: per domain set: the membership entries per centre and each member's weighed membership
DomainPart = tuple[dict[str, dict[str, Entry]], dict[str, tuple[float, dict[str, Any] | None]]]


def domain_part(index: Index, domains: set[str], cfg: RankingConfig, day: date) -> DomainPart:
    """The membership side of an answer for an entity of ``domains``: :func:`collect_domain`'s entries
    and every member's (rounded membership value, what the answer says of it). The same for every
    entity of those domains (a few dozen sets), so kept on the index per day and weights: at scale 100
    the synthetic network has 856 members, weighed once per set instead of once per answer. Read only."""
    key = (frozenset(domains), day, cfg)
    found = index.domain_parts.get(key)
    if found is None:
        if len(index.domain_parts) > 256:
            index.domain_parts.clear()
        values: dict[str, tuple[float, dict[str, Any] | None]] = {}
        for iri, m in index.memberships.items():
            value, info = weigh_membership(m, domains, day, cfg, index.domain_labels)
            values[iri] = (round(value, 4), info)
        found = index.domain_parts[key] = (collect_domain(index, domains, day), values)
    return found
