"""Reading the referral's index (:mod:`kg.expertise.referral_index`) from a store, and keeping it per
store state.

One single-pattern SPARQL query per property reads the whole expertise picture; :func:`load_index`
streams their rows into plain dictionaries (interned IRIs, slotted records), so a referral is a few
dictionary walks and never a SPARQL round per candidate. :func:`index_for` caches the index per
store, keyed by the published graphs and their current loads: a rebuild (new loads) invalidates it.
"""

from __future__ import annotations

import gc
import sys
import weakref
from collections import defaultdict
from datetime import date
from typing import Any

from kg.core.trial_status import enrols, site_closed, verification_day
from kg.core.vocab import BASE, RKG
from kg.expertise.referral_index import (
    ENTITY_PREFIXES,
    KIND_NAMES,
    ROLE_NAMES,
    Evidence,
    Index,
    Membership,
    Provider,
    Trial,
    parse_date,
)
from kg.store import queries
from kg.store.embedded import EmbeddedStore, GraphStore
from kg.store.queries import column, first_values

#: The index is read with the library's read queries (queries/read/, decision 0020), one property at a
#: time (property-column, column-of-type, entity-column), streamed and joined in Python: pyoxigraph
#: hash-joins OPTIONAL groups against full scans (minutes and gigabytes at scale 10), whereas one
#: pattern is one index scan, and no query's answer nears a server's row cap.
ENTITY_PROPERTIES = ("rdfs:label", "skos:altLabel", "oboInOwl:hasDbXref", "rkg:orphaCode", "rkg:oncotreeCode",
                     "rkg:inDomain", "rkg:isBasket")
EDGE_PROPERTIES = ("rdfs:subClassOf", "skos:exactMatch", "skos:broadMatch", "skos:narrowMatch")
PROVIDER_PROPERTIES = {"name": "rdfs:label", "city": "schema:addressLocality", "country": "schema:addressCountry",
                       "lat": "geo:lat", "long": "geo:long", "member": "org:hasMembership"}
Q_LOADS = """SELECT ?g ?load WHERE { GRAPH <https://w3id.org/rarekg/graph/meta> { ?g rkg:currentLoad ?load } }"""


def _add_key(index: Index, key: str, iri: str) -> None:
    index.lookup[key.strip().casefold()].add(iri)


def load_entities(index: Index, store: GraphStore) -> None:
    """Labels, lookup keys, domains and baskets of every entity and subgroup class."""
    labels = first_values(column(store, "rdfs:label", entities=True))
    index.labels.update(labels)
    for e, v in labels.items():
        index.entities.add(e)
        _add_key(index, v, e)
    for prop in ENTITY_PROPERTIES[1:]:
        for e, v in column(store, prop, entities=True):
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
        for s, o in column(store, prop, iri_values=True):
            if s == o or not s.startswith(ENTITY_PREFIXES):
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
    found = {r["node"].value for r in queries.stream(store, "nodes-of-type", {"class": RKG.HealthcareProvider})}
    v = {key: first_values(column(store, prop, of_type="rkg:HealthcareProvider"), found)
         for key, prop in PROVIDER_PROPERTIES.items()}
    for iri in found:
        lat, lon = v["lat"].get(iri), v["long"].get(iri)
        both = lat is not None and lon is not None
        index.providers[iri] = Provider(iri, v["name"].get(iri, iri), v["city"].get(iri), v["country"].get(iri),
                                        float(lat) if both else None, float(lon) if both else None,  # type: ignore[arg-type]
                                        iri in v["member"])


def load_memberships(index: Index, store: GraphStore) -> None:
    """Each provider's membership: covered domains, role, status and end date."""
    member_of = {m: c for m, c in column(store, "org:member") if c in index.providers}
    domains: dict[str, set[str]] = defaultdict(set)
    for m, d in column(store, "rkg:coversDomain"):
        domains[m].add(d)
    role = first_values(column(store, "org:role"), member_of)
    status = first_values(column(store, "rkg:membershipStatus"), member_of)
    end = first_values(column(store, "schema:endDate"), member_of)
    start = first_values(column(store, "schema:startDate"), member_of)
    for m, c in sorted(member_of.items()):
        index.memberships[c] = Membership(m, frozenset(domains.get(m, ())), ROLE_NAMES.get(role.get(m, ""), "unspecified"),
                                          status.get(m, "confirmed"), parse_date(end.get(m)), parse_date(start.get(m)))


def load_trials(index: Index, store: GraphStore) -> None:
    """Trials with a status, their title, the classes they study and the providers of their sites."""
    status = first_values(column(store, "rkg:overallStatus"))
    titles = first_values(column(store, "dcterms:title"), status)
    verified = first_values(column(store, "rkg:statusDate"), status)
    for t, st in status.items():
        index.trials[t] = Trial(t, titles.get(t, t), st, enrols(st), verification_day(verified.get(t)))
    del titles, verified
    for t, studied in column(store, "rkg:studiesEntity"):
        if t in index.trials:
            trial = index.trials[t]
            trial.studies.add(sys.intern(studied))
            if trial.enrolling:
                index.enrolling_studying[sys.intern(studied)].add(trial.iri)
    trials_of_site: dict[str, list[str]] = defaultdict(list)
    for t, site in column(store, "rkg:hasSite"):
        if t in index.trials:
            trials_of_site[site].append(index.trials[t].iri)
    site_status = first_values(column(store, "rkg:siteStatus"))
    for site, c in column(store, "rkg:atProvider"):
        c = sys.intern(c)
        closed = site_closed(site_status.get(site))
        for t in trials_of_site.get(site, ()):
            index.trials[t].providers.add(c)
            index.trials_at[c].add(t)
            if closed:
                index.closed_sites.add((t, c))


def _least(rec: dict[str, list], store: GraphStore, prop: str, slot: int) -> None:
    """Put the least value of ``prop`` of each record's subject into ``rec[subject][slot]``."""
    for ev, value in column(store, prop):
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
                           for ev, c in column(store, "rkg:aboutProvider") if c in index.providers}
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
    for ev, d in column(store, "rkg:aboutDomain"):
        if ev in rec:
            domains_of[ev].append(d)
    entity_of: dict[str, list[str]] = defaultdict(list)

    def make(ev: str, entity: str | None, domain: str | None) -> Evidence:
        node = rec[ev]
        return Evidence(node.iri, node.provider, node.kind, entity, domain, node.date, node.derived_from)

    for ev, e in column(store, "rkg:aboutEntity"):
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
    domains = [r["node"].value for r in queries.stream(store, "nodes-of-type", {"class": RKG.CancerDomain})]
    label = first_values(column(store, "rdfs:label", of_type="rkg:CancerDomain"))
    notation = first_values(column(store, "skos:notation", of_type="rkg:CancerDomain"))
    for d in domains:
        index.domain_labels[d] = notation.get(d) or label.get(d) or d
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
