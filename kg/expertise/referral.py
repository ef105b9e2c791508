"""Referral: which centres handle a cancer entity, ranked by an explained score, with a fallback
through the hierarchy. The principles are docs/decisions/0015-referral-ranking-principles.md.

For an entity E (any id form or a label, see :func:`kg.expertise.referral_index.resolve`):

* scope: E and its exactMatch equivalents (distance 0), their subtypes (distance = levels down, over
  asserted and inferred rdfs:subClassOf and SKOS broad/narrow matches), and the basket classes that E
  or a subtype falls under (distance 1); if no centre has evidence about E, an equivalent or a subtype,
  the nearest ancestor level that has some answers instead, and the answer says so (:attr:`Referral.fallback`);
* membership: a current membership covering E's domains (or, when E has none, its nearest ancestors')
  weighs ``membership_domain``; one without a recorded domain weighs ``membership_no_domain`` for every
  domain (a weaker signal, said so in the answer); one whose recorded domains miss E's, or that has
  ended, weighs nothing. Status (third-party statement, probable) and role (affiliated partner) scale it;
* evidence volume on a diminishing scale: per kind, ``weight * log2(1 + sum of item weights)`` over
  distinct trials, publications and curated statements, an item weighing 1, times ``open_factor`` for
  a trial open at that site, ``closed_site_factor`` for a site that takes no patients,
  ``recent_factor`` for an item dated within ``recent_years`` of the answer's day, and
  ``discount_per_level ** distance``;
* components: membership, trials, publications, curated statements (undiscounted, without the recent
  bonus), recency (what the recent bonus adds) and hierarchy (what the distance discount takes
  away); they sum to the score;
* geography: only centres in the network's countries (EU/EEA, :mod:`kg.expertise.referral_geo`) unless the
  caller asks for the others; a patient country without a centre in the answer gets the whole
  network, with the distance from its capital and the nearest centres abroad named.

Order: score, then evidence (distinct items, open trials, membership); centres equal on all of these
share a rank (``RankedCentre.rank``) and are listed by distance when a location is given, else by IRI
for a stable page: never by name or by one trial's date.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from kg.core.errors import ParameterError
from kg.core.trial_status import open_cutoff
from kg.core.trial_status import today as answer_day
from kg.expertise.referral_geo import (
    country_origin,
    haversine_km,
    km_from,
    network_countries,
    validate_location,
)
from kg.expertise.referral_index import Index, resolve
from kg.expertise.referral_load import index_for
from kg.expertise.referral_precompute import (
    Candidates,
    DomainPart,
    candidates_for,
    domain_part,
    open_count,
    open_trials,
    prepare,
)
from kg.expertise.referral_scope import (
    Levels,
    _collect,
    _items,
    answer_scope,
    by_level,
    collect_nearest,
    entity_domains,
    fallback_scope,
    merge_entries,
    scope,
)
from kg.expertise.referral_score import (
    COMPONENTS,
    NO_EVIDENCE,
    Entry,
    EvidenceItem,
    EvidenceParts,
    RankingConfig,
    load_config,
    score,
    total,
)
from kg.store.graphstore import GraphStore

__all__ = [
    "EvidenceItem",
    "RankedCentre",
    "RankingConfig",
    "Referral",
    "ReferralOptions",
    "_collect",
    "_items",
    "entity_domains",
    "fallback_scope",
    "fill_evidence",
    "format_referral",
    "haversine_km",
    "load_config",
    "rank",
    "refer",
    "scope",
    "score",
]

#: evidence items listed per centre by default: the most telling (kg.expertise.referral_scope._telling)
EVIDENCE_LIMIT = 20
NO_DOMAIN_NOTE = ("a membership without a recorded domain counts as a weaker signal for every domain "
                  "({weak:g} instead of {full:g})")


@dataclass
class RankedCentre:
    centre: str
    name: str
    city: str | None
    country: str | None
    member: bool
    score: float
    components: dict[str, float]
    evidence: list[EvidenceItem]
    open_trials: list[dict[str, str]]
    distance_km: float | None = None
    note: str | None = None
    #: competition rank: centres equal on score and evidence share it
    rank: int = 0
    #: the membership as weighed: role, status, domains, and how it relates to the entity's domains
    membership: dict[str, Any] | None = None
    #: distinct trials, publications and curated statements in scope (the first tie-breaker)
    evidence_count: int = 0
    #: evidence items in scope (``evidence`` lists the most telling ``ReferralOptions.evidence_limit``)
    evidence_total: int = 0
    #: what was collected, until :func:`fill_evidence` makes it items (never serialised)
    entries: dict[str, Any] | None = field(default=None, repr=False, compare=False)
    #: set when ``entries`` hold the nearest levels only: as many items as can be listed from them
    entries_limit: int | None = field(default=None, repr=False, compare=False)
    #: what collecting its entries needs, until :func:`fill_evidence` does it (never serialised)
    pending: tuple | None = field(default=None, repr=False, compare=False)


@dataclass
class Referral:
    query: str
    entity: str
    label: str
    domains: list[str]
    basis: str                          # "entity" | "ancestor" | "domain" | "none"
    fallback: dict[str, Any] | None
    centres: list[RankedCentre] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: the day "open" was judged on (open trials: an enrolling status verified within the setting's days before it)
    open_as_of: str = ""
    #: a patient country without a centre on record: {"country", "from" (its capital), "nearest": [...]}
    abroad: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        for c in out["centres"]:
            c.pop("entries", None)
            c.pop("entries_limit", None)
            c.pop("pending", None)
        return out


@dataclass(frozen=True)
class ReferralOptions:
    country: str | None = None
    prefer_country: bool = False
    lat: float | None = None
    lon: float | None = None
    max_km: float | None = None
    members_only: bool = False
    limit: int | None = 10
    today: date | None = None
    #: list centres outside the network's countries (EU/EEA) too
    outside_network: bool = False
    #: leave each centre's evidence list to :func:`fill_evidence` (an API pages first, then fills one page)
    lazy_evidence: bool = False
    #: evidence items listed per centre, the most telling first (None: all of them)
    evidence_limit: int | None = EVIDENCE_LIMIT


def rank(index: Index, entity: str, opts: ReferralOptions = ReferralOptions(),
         cfg: RankingConfig | None = None, query: str | None = None) -> Referral:
    """Rank the centres for ``entity`` (an IRI known to ``index``). See the module docstring.

    Raises ParameterError for bad location parameters."""
    cfg = cfg or load_config()
    validate_location(opts.lat, opts.lon, opts.max_km, opts.country)
    today = opts.today or answer_day()
    classes, fallback = answer_scope(index, entity, cfg)
    domains = entity_domains(index, entity, cfg)
    ref = Referral(query or entity, entity, index.labels.get(entity, entity),
                   sorted(index.domain_labels.get(d, d) for d in domains), "entity", None)
    if fallback is not None:
        ref.basis = "ancestor"
        ref.fallback = {**fallback, "labels": [index.labels.get(a, a) for a in fallback["ancestors"]]}
        ref.fallback = {k: ref.fallback[k] for k in ("ancestors", "labels", "distance")}
        ref.notes.append(f"no centre has evidence for {ref.label} or its subtypes; answering from its nearest "
                         f"ancestor with evidence, {', '.join(ref.fallback['labels'])} ({fallback['distance']} level(s) up)")
    elif not any(index.by_entity.get(c) for c, (rel, _) in classes.items() if rel != "basket"):
        ref.basis = "domain" if domains and index.memberships else "none"
        ref.notes.append(f"no entity-level evidence for {ref.label}, its subtypes or ancestors; ranking by "
                         "network membership for its domain(s)" if ref.basis == "domain" else
                         f"no evidence and no domain with centres for {ref.label}")
    found = candidates_for(index, entity, classes, cfg, today)
    by_domain, member_values = domain_part(index, domains, cfg, today)
    if ref.basis == "domain" and not found.evidence and not by_domain:
        ref.basis, ref.notes[-1] = "none", f"no evidence and no domain with centres for {ref.label}"
    ref.centres = _ranked(index, found, (by_domain, member_values), classes, opts, cfg, today, ref)
    if any(c.membership and c.membership["relation"] == "no-domain-recorded" for c in ref.centres):
        ref.notes.append(NO_DOMAIN_NOTE.format(weak=cfg.membership_no_domain, full=cfg.membership_domain))
    ref.open_as_of = today.isoformat()
    if found.stale:
        ref.notes.append(found.stale)
    return ref


def _place(index: Index, opts: ReferralOptions, ref: Referral, present: set[str], day: date
           ) -> tuple[set[str], tuple[float, float] | None]:
    """The centres (of ``present``) that pass the geography and membership filters, and the point
    distances are measured from; a patient country without any of them gets the whole network,
    measured from its capital, and the answer says so."""
    inside = network_countries(day)

    def keep(iri: str, country: str | None) -> bool:
        p = index.providers[iri]
        return (not opts.members_only or p.member) and \
            (opts.outside_network or (p.country or "").upper() in inside) and \
            (country is None or (p.country or "").upper() == country)
    country = opts.country.upper() if opts.country and not opts.prefer_country else None
    origin = (opts.lat, opts.lon) if opts.lat is not None and opts.lon is not None else None
    kept = {iri for iri in present if keep(iri, country)}
    if not opts.outside_network:
        outside = {index.providers[i].country for i in present if (index.providers[i].country or "").upper() not in inside}
        if outside:
            ref.notes.append(f"centres outside the network's countries ({', '.join(sorted(k or '?' for k in outside))}) "
                             "are not listed; ask for them with outside_network")
    if country and not kept:
        kept = {iri for iri in present if keep(iri, None)}
        capital = country_origin(country)
        if origin is None and capital:
            origin = capital[1], capital[2]
        ref.abroad = {"country": country, "from": capital[0] if capital else None}
        ref.notes.append(f"no centre in {country} on record for {ref.label}: showing the network's centres abroad"
                         + (f", with distances from {capital[0]}" if capital else ""))
    return kept, origin


#: one scored centre before it is shown: (order key, centre, km, membership value, what the answer
#: says of the membership, evidence components, distinct entries, open trials in scope at it)
_Row = tuple[tuple, str, float | None, float, dict[str, Any] | None, EvidenceParts, int, int]


def _score_rows(index: Index, found: Candidates, kept: set[str], origin: tuple[float, float] | None,
                member_values: dict[str, tuple[float, dict[str, Any] | None]], opts: ReferralOptions) -> list[_Row]:
    """Every kept centre's order key and score parts, without making its answer (most are not shown):
    score, then evidence (distinct items, open trials, membership), then distance, then IRI; the
    patient's country first when preferred."""
    home = opts.country.upper() if opts.country and opts.prefer_country else None
    rows: list[_Row] = []
    evidence, providers = found.evidence, index.providers
    no_membership: tuple[float, None] = (0.0, None)
    if origin is not None:
        lat0, lon0 = math.radians(origin[0]), math.radians(origin[1])
        cos0 = math.cos(lat0)
    for iri in kept:
        p = providers[iri]
        km = None
        if origin is not None and p.lat is not None and p.lon is not None:
            km = round(km_from(index.radians, iri, p.lat, p.lon, lat0, lon0, cos0), 1)
        if opts.max_km is not None and (km is None or km > opts.max_km):
            continue
        value, membership = member_values.get(iri, no_membership)
        parts, count = evidence.get(iri, (NO_EVIDENCE, 0))
        opened = (found.open_at.get(iri, 0) if found.open_at is not None
                  else open_count(index, iri, found.open_in_scope))
        key = (home is not None and (p.country or "").upper() != home,
               -total(value, parts), -count, -opened, -value, km if km is not None else math.inf, iri)
        rows.append((key, iri, km, value, membership, parts, count, opened))
    return rows


def _ranked(index: Index, found: Candidates, membership_side: DomainPart, classes: dict,
            opts: ReferralOptions, cfg: RankingConfig, today: date, ref: Referral) -> list[RankedCentre]:
    by_domain, member_values = membership_side
    kept, origin = _place(index, opts, ref, set(found.evidence) | set(by_domain), today)
    rows = _score_rows(index, found, kept, origin, member_values, opts)
    shown = heapq.nsmallest(opts.limit, rows) if opts.limit else sorted(rows)
    home = opts.country and opts.prefer_country
    out: list[RankedCentre] = []
    for n, (key, iri, km, value, membership, parts, count, _) in enumerate(shown):
        p = index.providers[iri]
        note = None if p.member else "no network membership on record"
        if membership and membership["relation"] == "no-domain-recorded":
            note = "membership without a recorded domain: a weaker signal for every domain"
        same = n and (not home or out[n - 1].country == p.country) and key[1:5] == shown[n - 1][0][1:5]
        out.append(RankedCentre(iri, p.name, p.city, p.country, p.member, -key[1], dict(zip(COMPONENTS, (value, *parts))),
                                [], open_trials(index, iri, found.open_in_scope) if found.open_in_scope else [],
                                km, note, rank=out[n - 1].rank if same else n + 1,
                                membership=dict(membership) if membership else None,   # the kept one stays as is
                                evidence_count=count))
    if ref.abroad is not None:
        # the nearest three; at the same distance, the better ranked first
        nearest = [(r[2], r[1]) for r in heapq.nsmallest(3, (r for r in rows if r[2] is not None),
                                                          key=lambda r: (r[2], r[0]))]
        ref.abroad["nearest"] = [{"centre": iri, "name": index.providers[iri].name, "km": km} for km, iri in nearest]
        if nearest:
            ref.notes.append("nearest centres abroad: " + "; ".join(
                f"{index.providers[iri].name} ({index.providers[iri].city}, {index.providers[iri].country}, {km:g} km)"
                for km, iri in nearest))
    levels = by_level(index, classes) if found.entries is None and out else []
    for c in out:
        if found.entries is not None:
            c.entries = merge_entries(found.entries.get(c.centre), by_domain.get(c.centre))
        else:   # collected when its evidence is made (an API pages first: hundreds of centres, one page)
            c.pending = (found, levels, by_domain.get(c.centre), opts.evidence_limit)
    if not opts.lazy_evidence:
        fill_evidence(index, out, cfg, today, opts.evidence_limit)
    return out


def _nearest_entries(found: Candidates, levels: Levels, c: RankedCentre, domain: dict[str, Entry] | None,
                     limit: int | None) -> None:
    """A shown centre's entries from precomputed candidates: the entity-level ones of the nearest
    levels (enough for its ``limit`` most telling items), its membership ones, and the count of all
    (from the candidates: the entity-level entries, plus the membership ones no entity-level entry
    shares a key with), without collecting the farther levels."""
    entity = collect_nearest(levels, c.centre, limit)
    shared = (found.membership_keys or {}).get(c.centre, frozenset())
    merged, in_all = dict(entity), (found.entry_counts or {}).get(c.centre, 0)
    # as merge_entries over all the entries: a membership entry of the domain whose key no entity-level
    # entry has is one more; the one without a domain replaces an entity-level entry of its key; any other
    # leaves the entity-level entry (kept in ``entity`` if near enough)
    for key, entry in (domain or {}).items():
        if key not in shared and key not in merged:
            merged[key], in_all = entry, in_all + 1
        elif entry[0] is None:
            merged[key] = entry
    c.entries, c.evidence_total, c.entries_limit = merged, in_all, limit


def fill_evidence(index: Index, centres: list[RankedCentre], cfg: RankingConfig, today: date,
                  limit: int | None = EVIDENCE_LIMIT) -> None:
    """Make the evidence items of ``centres`` (ranked with ``lazy_evidence``) from what was collected:
    the ``limit`` most telling of each (None: all), and how many there are."""
    cutoff = open_cutoff(today)
    for c in centres:
        if c.pending is not None:
            found, levels, domain, enough = c.pending
            _nearest_entries(found, levels, c, domain, enough)
            c.pending = None
        if c.entries is not None:
            shown = limit
            if c.entries_limit is None:
                c.evidence_total = len(c.entries)
            else:   # the nearest entries only: enough for the ranking's own limit, not more
                shown = c.entries_limit if limit is None else min(limit, c.entries_limit)
            c.evidence, c.entries = _items(index, c.centre, c.entries, cfg, cutoff, shown), None


def refer(store: GraphStore, text: str, opts: ReferralOptions = ReferralOptions(),
          cfg: RankingConfig | None = None) -> Referral:
    """Resolve ``text`` to an entity and rank its centres, from the cached index of ``store`` (whose
    heaviest entities' candidates are computed once per day and set of weights: kg.expertise.referral_precompute).

    Raises NotFoundError (with closest matches) for an unknown entity, ParameterError for bad options."""
    validate_location(opts.lat, opts.lon, opts.max_km, opts.country)
    if opts.limit is not None and opts.limit < 1:
        raise ParameterError("limit", f"{opts.limit} must be at least 1")
    index = index_for(store)
    cfg = cfg or load_config()
    prepare(index, cfg, answer_day())   # for today only: an answer as of another day computes its own
    return rank(index, resolve(index, text), opts, cfg, query=text)


def format_referral(ref: Referral) -> str:
    """A readable answer: the entity, the basis (and fallback), and each centre with its components,
    evidence and open trials."""
    lines = [f"{ref.label} <{ref.entity}>  (query {ref.query!r}; domains: {', '.join(ref.domains) or 'none'})",
             f"basis: {ref.basis}"]
    lines += [f"note: {n}" for n in ref.notes]
    if not ref.centres:
        lines.append("no centre matches")
    for c in ref.centres:
        where = ", ".join(x for x in (c.city, c.country) if x)
        km = f", {c.distance_km} km" if c.distance_km is not None else ""
        lines.append(f"{c.rank}. {c.name} ({where}{km})  score {c.score:.3f}"
                     + (f"  [{c.note}]" if c.note else ""))
        lines.append("   components: " + ", ".join(f"{k} {v:+.3f}" for k, v in c.components.items() if v))
        if c.evidence_total > len(c.evidence):
            lines.append(f"   evidence: the {len(c.evidence)} most telling of {c.evidence_total}")
        for i in c.evidence:
            lines.append(f"   - {i.kind} about {i.about_label} ({i.relation}, distance {i.distance}, "
                         f"factor {i.factor:g}{', ' + i.date if i.date else ''}) <{i.evidence}>")
        for t in c.open_trials:
            lines.append(f"   open trial: {t['title']} [{t['status']}] <{t['trial']}>")
    return "\n".join(lines)
