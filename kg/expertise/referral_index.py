"""The in-memory index the referral ranks from, built once per store state, and entity resolution.

One single-pattern SPARQL query per property reads the whole expertise picture (entities, hierarchy,
mappings, domains, providers, evidence, trials and their sites); :func:`load_index` streams their rows
into plain dictionaries (interned IRIs, slotted records), so a referral is a few dictionary walks and
never a SPARQL round per candidate.
:func:`index_for` caches the index per store, keyed by the published graphs and their current loads:
a rebuild (new loads) invalidates it.
"""

from __future__ import annotations

import gc
import re
import sys
import weakref
from collections import defaultdict
from collections.abc import Container, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from rapidfuzz import fuzz, process

from kg.core.errors import NotFoundError
from kg.core.trial_status import enrols, site_closed, verification_day
from kg.core.vocab import BASE, EVIDENCE_KIND_NAMES, RKG
from kg.store.embedded import EmbeddedStore, GraphStore, iter_rows

ENTITY_PREFIXES = (BASE + "entity/", BASE + "subgroup/")


def entity_filter(var: str) -> str:
    """A SPARQL expression true when ``var`` is a rarekg entity or subgroup class IRI."""
    return " || ".join(f'STRSTARTS(STR({var}), "{p}")' for p in ENTITY_PREFIXES)

KIND_NAMES = EVIDENCE_KIND_NAMES  # ECO class -> membership | trial | publication | curated_statement

#: The index is read with one single-pattern query per property, streamed and joined in Python:
#: pyoxigraph hash-joins OPTIONAL groups against full scans (minutes and gigabytes at scale 10),
#: whereas one pattern is one index scan, and no query's answer nears a server's row cap.
ENTITY_PROPERTIES = ("rdfs:label", "skos:altLabel", "oboInOwl:hasDbXref", "rkg:orphaCode", "rkg:oncotreeCode",
                     "rkg:inDomain", "rkg:isBasket")
EDGE_PROPERTIES = ("rdfs:subClassOf", "skos:exactMatch", "skos:broadMatch", "skos:narrowMatch")
PROVIDER_PROPERTIES = {"name": "rdfs:label", "city": "schema:addressLocality", "country": "schema:addressCountry",
                       "lat": "geo:lat", "long": "geo:long", "member": "org:hasMembership"}
Q_DOMAINS = """SELECT ?d ?label ?notation WHERE { ?d a rkg:CancerDomain .
  OPTIONAL { ?d rdfs:label ?label } OPTIONAL { ?d skos:notation ?notation } }"""
Q_LOADS = """SELECT ?g ?load WHERE { GRAPH <https://w3id.org/rarekg/graph/meta> { ?g rkg:currentLoad ?load } }"""


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


def _add_key(index: Index, key: str, iri: str) -> None:
    index.lookup[key.strip().casefold()].add(iri)


def pairs(store: GraphStore, prop: str, where: str = "") -> Iterator[tuple[str, str]]:
    """``(subject, object)`` values of every ``?s prop ?o`` (plus the ``where`` patterns/filters), streamed.

    Raises QueryError/StoreError from the store."""
    for row in iter_rows(store.query(f"SELECT ?s ?o WHERE {{ ?s {prop} ?o . {where} }}")):
        yield row["s"].value, row["o"].value


def first_values(store: GraphStore, prop: str, where: str = "", keep: Container[str] | None = None) -> dict[str, str]:
    """``subject -> value`` of one property; of several values the least, so the index is deterministic."""
    out: dict[str, str] = {}
    for s, o in pairs(store, prop, where):
        if (keep is None or s in keep) and (s not in out or o < out[s]):
            out[s] = o
    return out


def load_entities(index: Index, store: GraphStore) -> None:
    """Labels, lookup keys, domains and baskets of every entity and subgroup class."""
    where = f"FILTER(isIRI(?s) && ({entity_filter('?s')}))"
    labels = first_values(store, "rdfs:label", where)
    index.labels.update(labels)
    for e, v in labels.items():
        index.entities.add(e)
        _add_key(index, v, e)
    for prop in ENTITY_PROPERTIES[1:]:
        for e, v in pairs(store, prop, where):
            index.entities.add(e)
            if prop == "rkg:inDomain":
                index.domains[e].add(v)
            elif prop == "rkg:isBasket":
                if v == "true":
                    index.baskets.add(e)
            else:
                _add_key(index, v, e)   # altLabel, xref CURIE, orpha code, oncotree code
    for e in index.entities:
        _add_key(index, e, e)
        _add_key(index, e[len(BASE):], e)
        if e.startswith(BASE + "subgroup/"):
            _add_key(index, e[len(BASE + "subgroup/"):], e)


def load_edges(index: Index, store: GraphStore) -> None:
    """Parents, children and exact matches between entity classes."""
    for prop in EDGE_PROPERTIES:
        for s, o in pairs(store, prop, f"FILTER(isIRI(?o) && ({entity_filter('?s')}))"):
            if s == o:
                continue
            if prop == "skos:exactMatch":
                if o.startswith(ENTITY_PREFIXES):
                    index.exact[s].add(o)
                    index.exact[o].add(s)
                continue
            child, parent = (o, s) if prop == "skos:narrowMatch" else (s, o)
            if child.startswith(ENTITY_PREFIXES) and parent.startswith(ENTITY_PREFIXES):
                index.parents[child].add(parent)
                index.children[parent].add(child)


def load_providers(index: Index, store: GraphStore) -> None:
    """Every healthcare provider with its name, place, coordinates and whether it has a membership."""
    typed = "?s a rkg:HealthcareProvider ."
    found = {r["s"].value for r in iter_rows(store.query("SELECT ?s WHERE { ?s a rkg:HealthcareProvider }"))}
    v = {key: first_values(store, prop, typed, found) for key, prop in PROVIDER_PROPERTIES.items()}
    for iri in found:
        lat, lon = v["lat"].get(iri), v["long"].get(iri)
        both = lat is not None and lon is not None
        index.providers[iri] = Provider(iri, v["name"].get(iri, iri), v["city"].get(iri), v["country"].get(iri),
                                        float(lat) if both else None, float(lon) if both else None,  # type: ignore[arg-type]
                                        iri in v["member"])


def load_memberships(index: Index, store: GraphStore) -> None:
    """Each provider's membership: covered domains, role, status and end date."""
    member_of = {m: c for m, c in pairs(store, "org:member") if c in index.providers}
    domains: dict[str, set[str]] = defaultdict(set)
    for m, d in pairs(store, "rkg:coversDomain"):
        domains[m].add(d)
    role, status = first_values(store, "org:role", keep=member_of), first_values(store, "rkg:membershipStatus", keep=member_of)
    end = first_values(store, "schema:endDate", keep=member_of)
    start = first_values(store, "schema:startDate", keep=member_of)
    for m, c in sorted(member_of.items()):
        index.memberships[c] = Membership(m, frozenset(domains.get(m, ())), ROLE_NAMES.get(role.get(m, ""), "unspecified"),
                                          status.get(m, "confirmed"), parse_date(end.get(m)), parse_date(start.get(m)))


def load_trials(index: Index, store: GraphStore) -> None:
    """Trials with a status, their title, the classes they study and the providers of their sites."""
    status = first_values(store, "rkg:overallStatus")
    titles = first_values(store, "dcterms:title", keep=status)
    verified = first_values(store, "rkg:statusDate", keep=status)
    for t, st in status.items():
        index.trials[t] = Trial(t, titles.get(t, t), st, enrols(st), verification_day(verified.get(t)))
    del titles, verified
    for t, studied in pairs(store, "rkg:studiesEntity"):
        if t in index.trials:
            trial = index.trials[t]
            trial.studies.add(sys.intern(studied))
            if trial.enrolling:
                index.enrolling_studying[sys.intern(studied)].add(trial.iri)
    trials_of_site: dict[str, list[str]] = defaultdict(list)
    for t, site in pairs(store, "rkg:hasSite"):
        if t in index.trials:
            trials_of_site[site].append(index.trials[t].iri)
    site_status = first_values(store, "rkg:siteStatus")
    for site, c in pairs(store, "rkg:atProvider"):
        c = sys.intern(c)
        closed = site_closed(site_status.get(site))
        for t in trials_of_site.get(site, ()):
            index.trials[t].providers.add(c)
            index.trials_at[c].add(t)
            if closed:
                index.closed_sites.add((t, c))


def _least(rec: dict[str, list], store: GraphStore, prop: str, slot: int) -> None:
    """Put the least value of ``prop`` of each record's subject into ``rec[subject][slot]``."""
    for ev, value in pairs(store, prop):
        r = rec.get(ev)
        if r is not None and (r[slot] is None or value < r[slot]):
            r[slot] = value


def load_evidence(index: Index, store: GraphStore) -> None:
    """Evidence by entity, and membership evidence by domain, of known providers.

    One record per evidence node (provider, kind, date, origin) is filled property by property, then
    becomes the node's :class:`Evidence`; the index's entries replace it one by one, so each
    evidence IRI and record is held once while the index is read (the peak memory of a server
    process: 880 MB → see bench/README.md)."""
    rec: dict[str, Any] = {ev: [index.providers[c].iri, None, None, None]
                           for ev, c in pairs(store, "rkg:aboutProvider") if c in index.providers}
    for slot, prop in enumerate(("rkg:evidenceKind", "dcterms:date", "prov:wasDerivedFrom"), 1):
        _least(rec, store, prop, slot)
    dates: dict[str, date | None] = {}              # one date object per distinct day
    for ev in [ev for ev, r in rec.items() if r[1] is None]:
        del rec[ev]                                 # no evidence kind: not evidence (as an inner join)
    for ev, (provider, kind, day, origin) in rec.items():
        rec[ev] = Evidence(ev, provider, KIND_NAMES.get(kind, "other"),
                           None, None, dates.setdefault(day, parse_date(day)) if day else None,
                           sys.intern(origin) if origin else None)
    domains_of: dict[str, list[str]] = defaultdict(list)
    for ev, d in pairs(store, "rkg:aboutDomain"):
        if ev in rec:
            domains_of[ev].append(d)
    entity_of: dict[str, list[str]] = defaultdict(list)

    def make(ev: str, entity: str | None, domain: str | None) -> Evidence:
        node = rec[ev]
        return Evidence(node.iri, node.provider, node.kind, entity, domain, node.date, node.derived_from)

    for ev, e in pairs(store, "rkg:aboutEntity"):
        if ev not in rec:
            continue
        e = sys.intern(e)
        if ev in domains_of:
            entity_of[ev].append(e)
        for d in sorted(set(domains_of.get(ev, ()))) or [None]:
            index.by_entity[e].append(item := make(ev, e, d))
        rec[ev] = item          # the record's place is taken by an entry: one object, not two
    for ev, doms in sorted(domains_of.items()):
        if rec[ev].kind == "membership":
            for d in sorted(set(doms)):
                for e in sorted(set(entity_of.get(ev, ()))) or [None]:
                    index.by_domain[d].append(make(ev, e, d))
    for table in (index.by_entity, index.by_domain):     # a triple stated in two graphs comes twice
        for key, items in table.items():
            if len(items) > 1:
                table[key] = list({(x.iri, x.entity, x.domain): x for x in items}.values())


def load_index(store: GraphStore) -> Index:
    """Read the index from ``store`` (see the module docstring). Raises QueryError/StoreError."""
    index = Index()
    load_entities(index, store)
    load_edges(index, store)
    for r in store.select(Q_DOMAINS):
        index.domain_labels[r["d"].value] = (r["notation"].value if "notation" in r else
                                             r["label"].value if "label" in r else r["d"].value)
    load_providers(index, store)
    load_memberships(index, store)
    load_trials(index, store)
    load_evidence(index, store)
    return index


_CACHE: weakref.WeakKeyDictionary[GraphStore, tuple[tuple, Index]] = weakref.WeakKeyDictionary()


def state_key(store: GraphStore) -> tuple:
    """What identifies a store's state: its published graphs and their current loads."""
    loads = tuple(sorted((r["g"].value, r["load"].value) for r in store.select(Q_LOADS)))
    return tuple(g.value for g in store.graphs()), loads


#: the state key of a store that is a snapshot as of opening (its state cannot change)
SNAPSHOT = ("snapshot",)


def index_for(store: GraphStore) -> Index:
    """The index of ``store``'s current state, built on first use and cached until the state changes.

    A read-only on-disk store is a snapshot as of opening (kg.store.EmbeddedStore): its index is
    kept for the store's life without asking its state again (a SPARQL query per answer, a sixth of
    a referral's time)."""
    cached = _CACHE.get(store)
    if cached is not None and cached[0] is SNAPSHOT:
        return cached[1]
    snapshot = isinstance(store, EmbeddedStore) and store.read_only and store.path is not None
    key = SNAPSHOT if snapshot else state_key(store)
    if cached is not None and cached[0] == key:
        return cached[1]
    index = load_index(store)
    settle()
    _CACHE[store] = (key, index)
    return index


def settle() -> None:
    """Move every object alive now (the index, once loaded) out of the garbage collector's reach.

    The index is millions of long-lived objects; a full collection walks all of them (0.5 s at
    scale 10, seconds at scale 100) and, triggered by an answer's short-lived objects, lands inside
    one referral: the tail of the referral's times (bench/README.md). Reference counting still frees
    an index that is replaced."""
    gc.collect()
    gc.freeze()




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
