"""Referral: which centres handle a cancer entity, ranked by an explained score, with a fallback
through the hierarchy. The principles are docs/decisions/0015-referral-ranking-principles.md.

For an entity E (any id form or a label, see :func:`kg.referral_index.resolve`):

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
* geography: only centres in the network's countries (EU/EEA, :mod:`kg.referral_geo`) unless the
  caller asks for the others; a patient country without a centre in the answer gets the whole
  network, with the distance from its capital and the nearest centres abroad named.

Order: score, then evidence (distinct items, open trials, membership); centres equal on all of these
share a rank (``RankedCentre.rank``) and are listed by distance when a location is given, else by IRI
for a stable page: never by name or by one trial's date.
"""

from __future__ import annotations

import math
import os
import tomllib
from collections import deque
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from kg.errors import DataError, ParameterError
from kg.referral_geo import country_origin, network_countries, validate_location
from kg.referral_index import Evidence, Index, Membership, index_for, resolve
from kg.store import GraphStore
from kg.trial_status import open_cutoff
from kg.trial_status import today as answer_day

CONFIG_PATH = Path(__file__).with_name("ranking_config.toml")
EARTH_RADIUS_KM = 6371.0088
COMPONENTS = ("membership", "trials", "publications", "curated_statements", "recency", "hierarchy")
_KIND_COMPONENT = {"trial": "trials", "publication": "publications", "curated_statement": "curated_statements"}
NO_DOMAIN_NOTE = ("a membership without a recorded domain counts as a weaker signal for every domain "
                  "({weak:g} instead of {full:g})")


@dataclass(frozen=True)
class RankingConfig:
    membership_domain: float = 4.0
    membership_no_domain: float = 2.0
    third_party_factor: float = 0.85
    probable_factor: float = 0.5
    affiliated_partner_factor: float = 0.7
    trial: float = 2.0
    publication: float = 1.0
    curated_statement: float = 2.0
    open_factor: float = 2.0
    closed_site_factor: float = 0.5
    recent_factor: float = 1.5
    recent_years: float = 5.0
    discount_per_level: float = 0.5
    max_subtype_depth: int = 6
    max_fallback_distance: int = 6


def load_config(path: Path | None = None) -> RankingConfig:
    """Weights from ``path``, else ``$RAREKG_RANKING_CONFIG``, else kg/ranking_config.toml.

    Raises DataError naming the file for unreadable TOML or an unknown or non-numeric key."""
    path = path or Path(os.environ.get("RAREKG_RANKING_CONFIG") or CONFIG_PATH)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise DataError(f"cannot read ranking configuration: {exc}", path=path) from exc
    flat = {k: v for section in data.values() if isinstance(section, dict) for k, v in section.items()}
    known = RankingConfig.__dataclass_fields__
    for key, value in flat.items():
        if key not in known:
            raise DataError(f"unknown ranking setting {key!r}; known: {', '.join(known)}", path=path)
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
            raise DataError(f"ranking setting {key!r} must be a non-negative number", path=path)
    return RankingConfig(**flat)


@dataclass(slots=True)
class EvidenceItem:
    evidence: str
    kind: str
    about: str
    about_label: str
    relation: str          # self | equivalent | subtype | basket | ancestor | domain
    distance: int
    factor: float
    date: str | None
    derived_from: str | None
    open_trial: bool = False
    closed_site: bool = False


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
    #: what was collected, until :func:`fill_evidence` makes it items (never serialised)
    entries: dict[str, Any] | None = field(default=None, repr=False, compare=False)


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
        return out


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km. ``haversine_km(48.8566, 2.3522, 45.764, 4.8357)`` ≈ 391.5."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


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


#: one piece of evidence as collected: (evidence node, or None for a membership without a domain,
#: relation, distance); an EvidenceItem is made only for the centres an answer shows
Entry = tuple[Evidence | None, str, int]


def _collect(index: Index, classes: dict[str, tuple[str, int]], domains: set[str],
             day: date) -> dict[str, dict[str, Entry]]:
    """Evidence entries per centre; one per source (trial, publication, ...) at its nearest distance;
    the sourced membership items of memberships covering ``domains``, and one entry for a current
    membership without a recorded domain (when the entity has a domain)."""
    per: dict[str, dict[str, Entry]] = {}
    for cls, (relation, distance) in classes.items():
        for ev in index.by_entity.get(cls, ()):
            key = ev.derived_from or ev.iri
            entries = per.setdefault(ev.provider, {})
            best = entries.get(key)
            # the class the item is about breaks ties, so the answer never hangs on set iteration order
            if best is None or (distance, ev.iri, ev.entity or ev.domain or "") < (
                    best[2], best[0].iri, best[0].entity or best[0].domain or ""):  # type: ignore[union-attr]
                entries[key] = (ev, relation, distance)
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


def _items(index: Index, provider: str, entries: dict[str, Entry], cfg: RankingConfig, cutoff: date
           ) -> list[EvidenceItem]:
    """The evidence items of one answered centre, nearest first."""
    out = []
    for key, (ev, relation, distance) in entries.items():
        if ev is None:
            out.append(EvidenceItem(key, "membership", "", "no domain recorded", relation, 0, 1.0, None, key))
        else:
            out.append(_item(index, ev, relation, distance, cfg, cutoff))
    return sorted(out, key=lambda i: (i.distance, i.kind, i.evidence))


def _entry_sums(index: Index, entries: dict[str, Entry], cfg: RankingConfig, today: date, cutoff: date
                ) -> tuple[dict[str, list[float]], int]:
    """Per kind, the sums of the entity-level entries' weights (plain, with the recent bonus, also
    discounted by distance), and how many entries there are: no item is made."""
    sums: dict[str, list[float]] = {}
    count = 0
    recent_days, recent_factor, discount = cfg.recent_years * 365.25, cfg.recent_factor, cfg.discount_per_level
    trials, closed_sites = index.trials, index.closed_sites
    for ev, _, distance in entries.values():
        if ev is None or ev.kind not in _KIND_COMPONENT:
            continue
        count += 1
        base = 1.0
        if ev.kind == "trial":
            trial = trials.get(ev.derived_from or "")
            if trial is not None:
                closed = (trial.iri, ev.provider) in closed_sites
                base = cfg.open_factor if not closed and trial.open_since(cutoff) else cfg.closed_site_factor if closed else 1.0
        recent = base * recent_factor if ev.date is not None and (today - ev.date).days <= recent_days else base
        acc = sums.get(ev.kind)
        if acc is None:
            acc = sums[ev.kind] = [0.0, 0.0, 0.0]
        acc[0] += base
        acc[1] += recent
        acc[2] += recent * discount ** distance
    return sums, count


def weigh_membership(m: Membership | None, domains: set[str], day: date, cfg: RankingConfig,
                     labels: dict[str, str]) -> tuple[float, dict[str, Any] | None]:
    """The membership component of one centre and what the answer says of its membership."""
    if m is None:
        return 0.0, None
    info: dict[str, Any] = {"membership": m.iri, "role": m.role, "status": m.status,
                            "domains": sorted(labels.get(d, d) for d in m.domains),
                            "until": m.end.isoformat() if m.end else None}
    if not m.current(day):
        info["relation"], value = "ended", 0.0
    elif m.domains & domains:
        info["relation"], value = "covers-domain", cfg.membership_domain
    elif not m.domains and domains:
        info["relation"], value = "no-domain-recorded", cfg.membership_no_domain
    else:
        info["relation"], value = "other-domains", 0.0
    value *= {"third-party statement": cfg.third_party_factor, "probable": cfg.probable_factor}.get(m.status, 1.0)
    value *= cfg.affiliated_partner_factor if m.role == "affiliated-partner" else 1.0
    return value, info


def _recent(day: str | None, today: date, years: float) -> bool:
    return bool(day) and (today - date.fromisoformat(day)).days <= years * 365.25  # type: ignore[arg-type]


def score(items: list[EvidenceItem], cfg: RankingConfig, today: date, membership: float = 0.0) -> dict[str, float]:
    """The score components of one centre's evidence (their sum is the score): per kind,
    ``weight * log2(1 + sum of item weights)``, split into the plain volume, what recency adds and
    what the hierarchy distance takes away."""
    sums: dict[str, list[float]] = {}
    for i in items:
        if i.kind in _KIND_COMPONENT:
            base = cfg.open_factor if i.open_trial else cfg.closed_site_factor if i.closed_site else 1.0
            recent = base * (cfg.recent_factor if _recent(i.date, today, cfg.recent_years) else 1.0)
            acc = sums.setdefault(i.kind, [0.0, 0.0, 0.0])
            acc[0], acc[1], acc[2] = acc[0] + base, acc[1] + recent, acc[2] + recent * i.factor
    return components(sums, cfg, membership)


def components(sums: dict[str, list[float]], cfg: RankingConfig, membership: float) -> dict[str, float]:
    """The components from each kind's weight sums (plain, recent, discounted): see :func:`score`."""
    comp = {"membership": membership, "trials": 0.0, "publications": 0.0, "curated_statements": 0.0,
            "recency": 0.0, "hierarchy": 0.0}
    for kind, (plain, recent, discounted) in sums.items():
        w = cfg.trial if kind == "trial" else cfg.publication if kind == "publication" else cfg.curated_statement
        lp, lr = math.log2(1 + plain), math.log2(1 + recent)
        comp[_KIND_COMPONENT[kind]] += w * lp
        comp["recency"] += w * (lr - lp)
        comp["hierarchy"] += w * (math.log2(1 + discounted) - lr)
    return {k: round(v, 4) for k, v in comp.items()}


def _open_trials(index: Index, centre: str, open_in_scope: set[str]) -> list[dict[str, str]]:
    """The open trials at ``centre`` among ``open_in_scope`` whose site there is not closed, by IRI."""
    out = []
    for t in sorted(open_in_scope & index.trials_at.get(centre, set())):
        trial = index.trials[t]
        if (t, centre) not in index.closed_sites:
            out.append({"trial": t, "title": trial.title, "status": trial.status,
                        "verified": trial.verified.isoformat() if trial.verified else ""})
    return out


def _stale_note(index: Index, enrolling: set[str], cutoff: date, as_of: date) -> str | None:
    """What the answer says of trials whose enrolling status is too old to count as open."""
    stale = sorted((index.trials[t] for t in enrolling if not index.trials[t].open_since(cutoff)),
                   key=lambda tr: (tr.verified or date.min, tr.iri), reverse=True)
    if not stale:
        return None
    shown = "; ".join(f"{tr.iri.rsplit('/', 1)[-1]}: last known status {tr.status}, verified "
                      f"{tr.verified.isoformat() if tr.verified else 'never'}" for tr in stale[:3])
    return (f"{len(stale)} trial(s) in scope with an enrolling status not verified since {cutoff.isoformat()} "
            f"are not counted as open as of {as_of.isoformat()} ({shown}{'; ...' if len(stale) > 3 else ''})")


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


def rank(index: Index, entity: str, opts: ReferralOptions = ReferralOptions(),
         cfg: RankingConfig | None = None, query: str | None = None) -> Referral:
    """Rank the centres for ``entity`` (an IRI known to ``index``). See the module docstring.

    Raises ParameterError for bad location parameters."""
    cfg = cfg or load_config()
    validate_location(opts.lat, opts.lon, opts.max_km, opts.country)
    today = opts.today or answer_day()
    cutoff = open_cutoff(today)
    classes = scope(index, entity, cfg)
    domains = entity_domains(index, entity, cfg)
    ref = Referral(query or entity, entity, index.labels.get(entity, entity),
                   sorted(index.domain_labels.get(d, d) for d in domains), "entity", None)
    if not any(index.by_entity.get(c) for c, (rel, _) in classes.items() if rel != "basket"):
        ups, d = fallback_scope(index, entity, cfg)
        if ups:
            ref.basis = "ancestor"
            nearest = sorted(ups)
            ref.fallback = {"ancestors": nearest, "labels": [index.labels.get(a, a) for a in nearest], "distance": d}
            ref.notes.append(f"no centre has evidence for {ref.label} or its subtypes; answering from its nearest "
                             f"ancestor with evidence, {', '.join(ref.fallback['labels'])} ({d} level(s) up)")
            classes = {**classes, **ups}
        else:
            ref.basis = "domain" if domains and index.memberships else "none"
            ref.notes.append(f"no entity-level evidence for {ref.label}, its subtypes or ancestors; ranking by "
                             "network membership for its domain(s)" if ref.basis == "domain" else
                             f"no evidence and no domain with centres for {ref.label}")
    per = _collect(index, classes, domains, today)
    if ref.basis == "domain" and not per:
        ref.basis, ref.notes[-1] = "none", f"no evidence and no domain with centres for {ref.label}"
    ref.centres = _ranked(index, per, set(classes), domains, opts, cfg, today, ref)
    if any(c.membership and c.membership["relation"] == "no-domain-recorded" for c in ref.centres):
        ref.notes.append(NO_DOMAIN_NOTE.format(weak=cfg.membership_no_domain, full=cfg.membership_domain))
    ref.open_as_of = today.isoformat()
    enrolling = {t for c in classes for t in index.enrolling_studying.get(c, ())}
    stale = _stale_note(index, enrolling, cutoff, today)
    if stale:
        ref.notes.append(stale)
    return ref


def _evidence_key(c: RankedCentre) -> tuple:
    """What orders centres: the score, then the evidence (distinct items, open trials, membership)."""
    return -c.score, -c.evidence_count, -len(c.open_trials), -c.components["membership"]


def _place(index: Index, opts: ReferralOptions, ref: Referral, per: dict[str, dict[str, Entry]], day: date
           ) -> tuple[set[str], tuple[float, float] | None]:
    """The providers that pass the geography and membership filters, and the point distances are
    measured from; a patient country without any of them gets the whole network, measured from its
    capital, and the answer says so."""
    inside = network_countries(day)

    def keep(iri: str, country: str | None) -> bool:
        p = index.providers[iri]
        return (not opts.members_only or p.member) and \
            (opts.outside_network or (p.country or "").upper() in inside) and \
            (country is None or (p.country or "").upper() == country)
    country = opts.country.upper() if opts.country and not opts.prefer_country else None
    origin = (opts.lat, opts.lon) if opts.lat is not None and opts.lon is not None else None
    kept = {iri for iri in per if keep(iri, country)}
    outside = {index.providers[i].country for i in per if keep(i, None) is False and
               (index.providers[i].country or "").upper() not in inside}
    if outside and not opts.outside_network:
        ref.notes.append(f"centres outside the network's countries ({', '.join(sorted(k or '?' for k in outside))}) "
                         "are not listed; ask for them with outside_network")
    if country and not kept:
        kept = {iri for iri in per if keep(iri, None)}
        capital = country_origin(country)
        if origin is None and capital:
            origin = capital[1], capital[2]
        ref.abroad = {"country": country, "from": capital[0] if capital else None}
        ref.notes.append(f"no centre in {country} on record for {ref.label}: showing the network's centres abroad"
                         + (f", with distances from {capital[0]}" if capital else ""))
    return kept, origin


def _ranked(index: Index, per: dict[str, dict[str, Entry]], classes: set[str], domains: set[str],
            opts: ReferralOptions, cfg: RankingConfig, today: date, ref: Referral) -> list[RankedCentre]:
    kept, origin = _place(index, opts, ref, per, today)
    cutoff = open_cutoff(today)
    out = []
    for iri in kept:
        p, entries = index.providers[iri], per[iri]
        km = None
        if origin is not None and p.lat is not None and p.lon is not None:
            km = round(haversine_km(origin[0], origin[1], p.lat, p.lon), 1)
        if opts.max_km is not None and (km is None or km > opts.max_km):
            continue
        member_value, membership = weigh_membership(index.memberships.get(iri), domains, today, cfg, index.domain_labels)
        sums, count = _entry_sums(index, entries, cfg, today, cutoff)
        comp = components(sums, cfg, round(member_value, 4))
        note = None if p.member else "no network membership on record"
        if membership and membership["relation"] == "no-domain-recorded":
            note = "membership without a recorded domain: a weaker signal for every domain"
        out.append(RankedCentre(iri, p.name, p.city, p.country, p.member, round(sum(comp.values()), 4), comp,
                                [], [], km, note, membership=membership, evidence_count=count))
    # open trials before ordering (they break ties); a large centre runs thousands of trials at scale,
    # so only the trials in scope are intersected
    open_in_scope = {t for c in classes for t in index.enrolling_studying.get(c, ()) if index.trials[t].open_since(cutoff)}
    for centre in out:
        centre.open_trials = _open_trials(index, centre.centre, open_in_scope) if open_in_scope else []
    home = opts.country.upper() if opts.country and opts.prefer_country else None
    out.sort(key=lambda c: (home is not None and (c.country or "").upper() != home, _evidence_key(c),
                            c.distance_km if c.distance_km is not None else math.inf, c.centre))
    for n, c in enumerate(out):
        same = n and (home is None or out[n - 1].country == c.country) and _evidence_key(out[n - 1]) == _evidence_key(c)
        c.rank = out[n - 1].rank if same else n + 1
    if ref.abroad is not None:
        nearest = sorted((c for c in out if c.distance_km is not None), key=lambda c: c.distance_km)[:3]  # type: ignore[arg-type, return-value]
        ref.abroad["nearest"] = [{"centre": c.centre, "name": c.name, "km": c.distance_km} for c in nearest]
        if nearest:
            ref.notes.append("nearest centres abroad: " + "; ".join(f"{c.name} ({c.city}, {c.country}, {c.distance_km:g} km)"
                                                                   for c in nearest))
    out = out[: opts.limit] if opts.limit else out
    for c in out:
        c.entries = per[c.centre]
    if not opts.lazy_evidence:
        fill_evidence(index, out, cfg, today)
    return out


def fill_evidence(index: Index, centres: list[RankedCentre], cfg: RankingConfig, today: date) -> None:
    """Make the evidence items of ``centres`` (ranked with ``lazy_evidence``) from what was collected."""
    cutoff = open_cutoff(today)
    for c in centres:
        if c.entries is not None:
            c.evidence, c.entries = _items(index, c.centre, c.entries, cfg, cutoff), None


def refer(store: GraphStore, text: str, opts: ReferralOptions = ReferralOptions(),
          cfg: RankingConfig | None = None) -> Referral:
    """Resolve ``text`` to an entity and rank its centres, from the cached index of ``store``.

    Raises NotFoundError (with closest matches) for an unknown entity, ParameterError for bad options."""
    validate_location(opts.lat, opts.lon, opts.max_km, opts.country)
    if opts.limit is not None and opts.limit < 1:
        raise ParameterError("limit", f"{opts.limit} must be at least 1")
    index = index_for(store)
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
        for i in c.evidence:
            lines.append(f"   - {i.kind} about {i.about_label} ({i.relation}, distance {i.distance}, "
                         f"factor {i.factor:g}{', ' + i.date if i.date else ''}) <{i.evidence}>")
        for t in c.open_trials:
            lines.append(f"   open trial: {t['title']} [{t['status']}] <{t['trial']}>")
    return "\n".join(lines)
