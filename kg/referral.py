"""Referral: which centres handle a cancer entity, ranked by an explained score, with a fallback
through the hierarchy.

For an entity E (any id form or a label, see :func:`kg.referral_index.resolve`):

* scope: E and its exactMatch equivalents (distance 0), their subtypes (distance = levels down, over
  asserted and inferred rdfs:subClassOf and SKOS broad/narrow matches), and the basket classes that E
  or a subtype falls under (distance 1);
* evidence about a class in scope counts with ``discount ** distance``; if no centre has evidence about
  E, an equivalent or a subtype (basket evidence alone does not count as such), the nearest ancestor level that has some answers instead, and the answer says so
  (:attr:`Referral.fallback`: ancestor and distance);
* membership evidence for E's domains (or, when E has none, its nearest ancestors' domains) counts once.

Score = membership + trials + publications + curated statements + recency + hierarchy, where the
hierarchy component is minus what the distance discount took away; weights are in
``kg/ranking_config.toml`` (README, "Referral ranking"). Ties: score descending, then name, then IRI.
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
from kg.referral_index import Evidence, Index, index_for, resolve
from kg.store import GraphStore
from kg.trial_status import open_cutoff
from kg.trial_status import today as answer_day

CONFIG_PATH = Path(__file__).with_name("ranking_config.toml")
EARTH_RADIUS_KM = 6371.0088
COMPONENTS = ("membership", "trials", "publications", "curated_statements", "recency", "hierarchy")
_KIND_COMPONENT = {"trial": "trials", "publication": "publications", "curated_statement": "curated_statements"}


@dataclass(frozen=True)
class RankingConfig:
    membership: float = 1.0
    trial: float = 1.0
    trial_open: float = 2.0
    publication: float = 0.5
    curated_statement: float = 1.5
    recency: float = 0.5
    half_life_years: float = 3.0
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
    flat = {**data.get("weights", {}), **data.get("recency", {}), **data.get("hierarchy", {})}
    known = RankingConfig.__dataclass_fields__
    for key, value in flat.items():
        if key not in known:
            raise DataError(f"unknown ranking setting {key!r}; known: {', '.join(known)}", path=path)
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
            raise DataError(f"ranking setting {key!r} must be a non-negative number", path=path)
    return RankingConfig(**flat)


@dataclass
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

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km. ``haversine_km(48.8566, 2.3522, 45.764, 4.8357)`` ≈ 391.5."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def validate_location(lat: float | None, lon: float | None, max_km: float | None,
                      country: str | None) -> None:
    """Raise ParameterError naming the parameter for a bad latitude, longitude, distance or country."""
    if (lat is None) != (lon is None):
        raise ParameterError("lat" if lat is None else "lon", "give both lat and lon, or neither")
    if lat is not None and not (math.isfinite(lat) and -90 <= lat <= 90):
        raise ParameterError("lat", f"{lat} is not a latitude in [-90, 90]")
    if lon is not None and not (math.isfinite(lon) and -180 <= lon <= 180):
        raise ParameterError("lon", f"{lon} is not a longitude in [-180, 180]")
    if max_km is not None:
        if not (math.isfinite(max_km) and 0 < max_km <= 20000):
            raise ParameterError("max_km", f"{max_km} must be greater than 0 and at most 20000 km")
        if lat is None:
            raise ParameterError("max_km", "a maximum distance needs the patient's lat and lon")
    if country is not None and not (len(country) == 2 and country.isalpha()):
        raise ParameterError("country", f"{country!r} is not a two-letter ISO 3166-1 code")


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
        for anc in _walk(index, {cls}, index.parents, cfg.max_fallback_distance):
            if anc in index.baskets and anc not in out:
                out[anc] = ("basket", 1)
    return out


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
    open_here = bool(trial and trial.open_since(cutoff) and (trial.iri, ev.provider) not in index.closed_sites)
    return EvidenceItem(ev.iri, ev.kind, about, index.labels.get(about) or index.domain_labels.get(about, about),
                        relation, distance, cfg.discount_per_level ** distance,
                        ev.date.isoformat() if ev.date else None, ev.derived_from,
                        open_here and ev.kind == "trial")


def _collect(index: Index, classes: dict[str, tuple[str, int]], domains: set[str],
             cfg: RankingConfig, cutoff: date) -> dict[str, list[EvidenceItem]]:
    """Evidence items per centre; one item per source (trial, publication, ...) at its nearest distance."""
    per: dict[str, dict[str, EvidenceItem]] = {}
    for cls, (relation, distance) in classes.items():
        for ev in index.by_entity.get(cls, ()):
            item = _item(index, ev, relation, distance, cfg, cutoff)
            key = ev.derived_from or ev.iri
            best = per.setdefault(ev.provider, {}).get(key)
            # the class the item is about breaks ties, so the answer never hangs on set iteration order
            if best is None or (item.distance, item.evidence, item.about) < (best.distance, best.evidence, best.about):
                per[ev.provider][key] = item
    for dom in sorted(domains):
        for ev in index.by_domain.get(dom, ()):
            per.setdefault(ev.provider, {}).setdefault(ev.iri, _item(index, ev, "domain", 0, cfg, cutoff))
    return {c: sorted(items.values(), key=lambda i: (i.distance, i.kind, i.evidence)) for c, items in per.items()}


def score(items: list[EvidenceItem], cfg: RankingConfig, today: date) -> dict[str, float]:
    """The score components of one centre's evidence (their sum is the score)."""
    comp = dict.fromkeys(COMPONENTS, 0.0)
    if any(i.kind == "membership" for i in items):
        comp["membership"] = cfg.membership
    for i in items:
        if i.kind == "membership" or i.kind not in _KIND_COMPONENT:
            continue
        base = {"trial": cfg.trial_open if i.open_trial else cfg.trial, "publication": cfg.publication,
                "curated_statement": cfg.curated_statement}[i.kind]
        recency = 0.0
        if i.date and cfg.half_life_years > 0:
            age = max(0.0, (today - date.fromisoformat(i.date)).days / 365.25)
            recency = cfg.recency * 0.5 ** (age / cfg.half_life_years)
        comp[_KIND_COMPONENT[i.kind]] += base
        comp["recency"] += recency
        comp["hierarchy"] -= (base + recency) * (1 - i.factor)
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
            ref.basis = "domain" if any(index.by_domain.get(x) for x in domains) else "none"
            ref.notes.append(f"no entity-level evidence for {ref.label}, its subtypes or ancestors; ranking by "
                             "network membership for its domain(s)" if ref.basis == "domain" else
                             f"no evidence and no domain with centres for {ref.label}")
    ref.centres = _ranked(index, _collect(index, classes, domains, cfg, cutoff), set(classes), opts, cfg, today)
    ref.open_as_of = today.isoformat()
    enrolling = {t for c in classes for t in index.enrolling_studying.get(c, ())}
    stale = _stale_note(index, enrolling, cutoff, today)
    if stale:
        ref.notes.append(stale)
    return ref


def _ranked(index: Index, per: dict[str, list[EvidenceItem]], classes: set[str], opts: ReferralOptions,
            cfg: RankingConfig, today: date) -> list[RankedCentre]:
    out = []
    for iri, items in per.items():
        p = index.providers[iri]
        if (opts.members_only and not p.member) or (opts.country and not opts.prefer_country
                                                     and (p.country or "").upper() != opts.country.upper()):
            continue
        km = None
        if opts.lat is not None and opts.lon is not None and p.lat is not None and p.lon is not None:
            km = round(haversine_km(opts.lat, opts.lon, p.lat, p.lon), 1)
        if opts.max_km is not None and (km is None or km > opts.max_km):
            continue
        comp = score(items, cfg, today)
        out.append(RankedCentre(iri, p.name, p.city, p.country, p.member, round(sum(comp.values()), 4), comp,
                                items, [], km, None if p.member else "no network membership on record"))
    out.sort(key=lambda c: (-c.score, c.name.casefold(), c.centre))
    if opts.country and opts.prefer_country:
        out.sort(key=lambda c: (c.country or "").upper() != opts.country.upper())  # stable
    out = out[: opts.limit] if opts.limit else out
    # open trials only for the centres answered: a large centre runs thousands of trials at scale
    cutoff = open_cutoff(today)
    open_in_scope = {t for c in classes for t in index.enrolling_studying.get(c, ()) if index.trials[t].open_since(cutoff)}
    for centre in out:
        centre.open_trials = _open_trials(index, centre.centre, open_in_scope)
    return out


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
    for rank_no, c in enumerate(ref.centres, 1):
        where = ", ".join(x for x in (c.city, c.country) if x)
        km = f", {c.distance_km} km" if c.distance_km is not None else ""
        lines.append(f"{rank_no}. {c.name} ({where}{km})  score {c.score:.3f}"
                     + (f"  [{c.note}]" if c.note else ""))
        lines.append("   components: " + ", ".join(f"{k} {v:+.3f}" for k, v in c.components.items() if v))
        for i in c.evidence:
            lines.append(f"   - {i.kind} about {i.about_label} ({i.relation}, distance {i.distance}, "
                         f"factor {i.factor:g}{', ' + i.date if i.date else ''}) <{i.evidence}>")
        for t in c.open_trials:
            lines.append(f"   open trial: {t['title']} [{t['status']}] <{t['trial']}>")
    return "\n".join(lines)
