"""What the referral ranks from: the in-memory index of the expertise picture (entities, hierarchy,
mappings, domains, providers, memberships, evidence, trials and their sites, as dictionaries of IRIs
and slotted records), and how an entity name resolves in it. :mod:`kg.expertise.referral_load` reads
it from a store and caches it per store state.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from rapidfuzz import fuzz, process

from kg.core.errors import NotFoundError
from kg.core.vocab import BASE, EVIDENCE_KIND_NAMES, RKG

ENTITY_PREFIXES = (BASE + "entity/", BASE + "subgroup/")


def entity_filter(var: str) -> str:
    """A SPARQL expression true when ``var`` is a rarekg entity or subgroup class IRI."""
    return " || ".join(f'STRSTARTS(STR({var}), "{p}")' for p in ENTITY_PREFIXES)

KIND_NAMES = EVIDENCE_KIND_NAMES  # ECO class -> membership | trial | publication | curated_statement

@dataclass(frozen=True, slots=True)
class Provider:
    iri: str
    name: str
    city: str | None
    country: str | None
    lat: float | None
    lon: float | None
    member: bool


@dataclass(frozen=True, slots=True)
class Evidence:
    iri: str
    provider: str
    kind: str                 # membership | trial | publication | curated_statement
    entity: str | None
    domain: str | None
    date: date | None
    derived_from: str | None


@dataclass(frozen=True, slots=True)
class Membership:
    """A provider's network membership as the graph merged it (loaders.euracan)."""

    iri: str
    domains: frozenset[str]   # domain IRIs it covers; empty = no domain recorded
    role: str                 # coordinator | full-member | affiliated-partner | unspecified
    status: str               # confirmed | third-party statement | probable
    end: date | None          # schema:endDate (e.g. UK hospitals: 2020-12-31); None = current
    start: date | None = None  # schema:startDate (the 2017 launch, the January 2022 intake, ...)

    def current(self, day: date) -> bool:
        """Whether the membership holds on ``day``: started (a year or month counts from its first day)
        and not ended."""
        return (self.start is None or self.start <= day) and (self.end is None or self.end >= day)


ROLE_NAMES = {RKG.CoordinatorRole.value: "coordinator", RKG.FullMemberRole.value: "full-member",
              RKG.AffiliatedPartnerRole.value: "affiliated-partner", RKG.UnspecifiedMemberRole.value: "unspecified"}


@dataclass(slots=True)
class Trial:
    iri: str
    title: str
    status: str
    enrolling: bool              # its status says it takes patients (kg.core.trial_status.enrols), however old
    verified: date | None        # when that status was last verified
    studies: set[str] = field(default_factory=set)
    providers: set[str] = field(default_factory=set)

    def open_since(self, cutoff: date) -> bool:
        """Open on a day whose cut-off (:func:`kg.core.trial_status.open_cutoff`) is ``cutoff``."""
        return self.enrolling and self.verified is not None and self.verified >= cutoff


@dataclass
class Index:
    """Everything a referral needs, as dictionaries of IRIs (strings)."""

    labels: dict[str, str] = field(default_factory=dict)
    entities: set[str] = field(default_factory=set)
    lookup: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    parents: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    children: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    exact: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    baskets: set[str] = field(default_factory=set)
    domains: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    domain_labels: dict[str, str] = field(default_factory=dict)
    providers: dict[str, Provider] = field(default_factory=dict)
    by_entity: dict[str, list[Evidence]] = field(default_factory=lambda: defaultdict(list))
    by_domain: dict[str, list[Evidence]] = field(default_factory=lambda: defaultdict(list))
    trials: dict[str, Trial] = field(default_factory=dict)
    trials_at: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    #: class -> trials studying it whose status enrols patients (open only if verified recently: Trial.open_since)
    enrolling_studying: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    #: (trial, provider) pairs whose site says it takes no patients (withdrawn, completed, ...)
    closed_sites: set[tuple[str, str]] = field(default_factory=set)
    #: provider -> its network membership (role, status, covered domains, end)
    memberships: dict[str, Membership] = field(default_factory=dict)
    #: (class, levels) -> the basket classes above it: the hierarchy's closure, filled on first use
    baskets_above: dict[tuple[str, int], frozenset[str]] = field(default_factory=dict)
    #: class -> centre -> its evidence about the class (kg.expertise.referral_precompute.prepare fills it)
    by_entity_centre: dict[str, dict[str, list[Evidence]]] = field(default_factory=dict)
    #: centre -> (latitude, longitude in radians, cosine of the latitude), filled by answers that measure it
    radians: dict[str, tuple[float, float, float]] = field(default_factory=dict)
    #: (domains, day, weights) -> the membership side of an answer (kg.expertise.referral_precompute.domain_part)
    domain_parts: dict[Any, Any] = field(default_factory=dict)
    #: the candidates precomputed for the entities with the most evidence (kg.expertise.referral_precompute)
    prepared: Any = None


def parse_date(text: str | None) -> date | None:
    """``2024-03-01``, ``2024-03`` or ``2024`` as a date (first day of the period); None otherwise."""
    if not text:
        return None
    m = re.match(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", text)
    if not m:
        return None
    return date(int(m.group(1)), int(m.group(2) or 1), int(m.group(3) or 1))



def close_entities(index: Index, text: str, limit: int = 5) -> list[tuple[str, str, str]]:
    """The entities whose label, synonym or code is closest to ``text``: (IRI, label, matched key)."""
    # token_sort_ratio compares whole names: WRatio's partial matching let short codes such as
    # "ASTR" outrank the intended label ("gastro stromal tumr" → Astrocytoma first)
    found = process.extract(text.strip().casefold(), list(index.lookup), scorer=fuzz.token_sort_ratio, limit=8)
    out: list[tuple[str, str, str]] = []
    seen: set[str] = set()
    for choice, _score, _ in found:
        for iri in sorted(index.lookup[choice] - seen):
            seen.add(iri)
            out.append((iri, index.labels.get(iri, iri), choice))
    return out[:limit]


def resolve(index: Index, text: str) -> str:
    """The entity IRI for ``text``: an IRI, a CURIE (ORPHA:44890, NCIT:C3868, oncotree:GIST), a bare
    Orphanet code (44890) or OncoTree code (GIST), a subgroup slug, a label or a synonym; case-insensitive.

    Several matches: an Orphanet class first, then OncoTree, then subgroups, then by IRI.
    Raises NotFoundError with the closest labels and codes as suggestions.
    """
    key = text.strip().casefold()
    if not key:
        raise NotFoundError("empty entity name")
    hits = index.lookup.get(key) or index.lookup.get("orpha:" + key) or set()
    if hits:
        return min(hits, key=lambda iri: (0 if "/entity/orpha/" in iri else 1 if "/entity/" in iri else 2, iri))
    suggestions = [f"{label} <{iri}> (matched {choice!r})" for iri, label, choice in close_entities(index, key)]
    raise NotFoundError(f"no cancer entity matches {text!r}"
                        + (f"; closest: {'; '.join(suggestions)}" if suggestions else ""), suggestions)
