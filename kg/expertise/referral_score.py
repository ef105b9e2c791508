"""The referral's weights and how one centre's evidence and membership become its score components
(the principles: docs/decisions/0015-referral-ranking-principles.md; the weights: kg/expertise/ranking_config.toml).

Per kind of evidence, ``weight * log2(1 + sum of item weights)`` over distinct trials, publications and
curated statements: an item weighs 1, times ``open_factor`` for a trial open at that site,
``closed_site_factor`` for a site that takes no patients, ``recent_factor`` for an item dated within
``recent_years`` of the answer's day, and ``discount_per_level ** distance``. The components
(membership, trials, publications, curated statements, recency, hierarchy) sum to the score.
"""

from __future__ import annotations

import math
import os
import tomllib
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from kg.core.errors import DataError
from kg.expertise.referral_index import Evidence, Index, Membership

CONFIG_PATH = Path(__file__).with_name("ranking_config.toml")
COMPONENTS = ("membership", "trials", "publications", "curated_statements", "recency", "hierarchy")
_KIND_COMPONENT = {"trial": "trials", "publication": "publications", "curated_statement": "curated_statements"}


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
    """Weights from ``path``, else ``$RAREKG_RANKING_CONFIG``, else kg/expertise/ranking_config.toml.

    The file is read again only when its modification time or size changes (a referral asks for the
    weights on every call: reading the TOML each time was a millisecond of every answer).
    Raises DataError naming the file for unreadable TOML or an unknown or non-numeric key."""
    path = path or Path(os.environ.get("RAREKG_RANKING_CONFIG") or CONFIG_PATH)
    try:
        st = path.stat()
    except OSError as exc:
        raise DataError(f"cannot read ranking configuration: {exc}", path=path) from exc
    return _read_config(path, st.st_mtime_ns, st.st_size)


@lru_cache(maxsize=8)
def _read_config(path: Path, mtime_ns: int, size: int) -> RankingConfig:
    """The weights of ``path`` as of one modification (``mtime_ns``, ``size``: the cache key)."""
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


#: one piece of evidence as collected: (evidence node, or None for a membership without a domain,
#: relation, distance); an EvidenceItem is made only for the centres an answer shows
Entry = tuple[Evidence | None, str, int]
#: the components after membership, in COMPONENTS order: trials, publications, curated statements,
#: recency, hierarchy
EvidenceParts = tuple[float, float, float, float, float]
NO_EVIDENCE: EvidenceParts = (0.0, 0.0, 0.0, 0.0, 0.0)


def evidence_parts(index: Index, entries: dict[str, Entry], cfg: RankingConfig, today: date, cutoff: date
                   ) -> tuple[EvidenceParts, int]:
    """A centre's evidence components (rounded as :func:`components` rounds them) and its number of
    distinct trials, publications and curated statements."""
    sums, count = _entry_sums(index, entries, cfg, today, cutoff)
    if not sums:
        return NO_EVIDENCE, count
    # components() without its dictionary (one per centre with evidence, every answer): the same
    # operations in the same order, so the same floats
    trials = publications = curated = recency = hierarchy = 0.0
    log2 = math.log2
    for kind, (plain, recent, discounted) in sums.items():
        lp, lr = log2(1 + plain), log2(1 + recent)
        if kind == "trial":
            w = cfg.trial
            trials += w * lp
        elif kind == "publication":
            w = cfg.publication
            publications += w * lp
        else:
            w = cfg.curated_statement
            curated += w * lp
        recency += w * (lr - lp)
        hierarchy += w * (log2(1 + discounted) - lr)
    return (round(trials, 4), round(publications, 4), round(curated, 4), round(recency, 4), round(hierarchy, 4)), count


def total(membership: float, parts: EvidenceParts) -> float:
    """The score: the sum of the components, added in COMPONENTS order (as ``sum(components.values())``)."""
    return round(sum((membership, *parts)), 4)


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

