"""The in-memory index the referral ranks from, built once per store state, and entity resolution.

A handful of SPARQL queries read the whole expertise picture (entities, hierarchy, mappings,
domains, providers, evidence, trials and their sites); :func:`build_index` turns their rows into
plain dictionaries, so a referral is a few dictionary walks and never a SPARQL round per candidate.
:func:`index_for` caches the index per store, keyed by the published graphs and their current loads:
a rebuild (new loads) invalidates it.
"""

from __future__ import annotations

import re
import weakref
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from rapidfuzz import fuzz, process

from kg.errors import NotFoundError
from kg.store import GraphStore
from kg.vocab import BASE, RKG

ENTITY_PREFIXES = (BASE + "entity/", BASE + "subgroup/")


def entity_filter(var: str) -> str:
    """A SPARQL expression true when ``var`` is a rarekg entity or subgroup class IRI."""
    return " || ".join(f'STRSTARTS(STR({var}), "{p}")' for p in ENTITY_PREFIXES)

OPEN_STATUSES = frozenset({"recruiting", "not yet recruiting", "active not recruiting", "active",
                           "enrolling by invitation", "ongoing recruiting", "authorised recruiting"})
KIND_NAMES = {RKG.MembershipEvidence.value: "membership", RKG.TrialSiteEvidence.value: "trial",
              RKG.PublicationEvidence.value: "publication",
              RKG.CuratedStatementEvidence.value: "curated_statement"}

Q_ENTITIES = """SELECT ?e ?p ?v WHERE {
  VALUES ?p { rdfs:label skos:altLabel oboInOwl:hasDbXref rkg:orphaCode rkg:oncotreeCode rkg:inDomain rkg:isBasket }
  ?e ?p ?v . FILTER(isIRI(?e) && (""" + entity_filter("?e") + """)) }"""
Q_EDGES = """SELECT ?s ?p ?o WHERE {
  VALUES ?p { rdfs:subClassOf skos:exactMatch skos:broadMatch skos:narrowMatch }
  ?s ?p ?o . FILTER(isIRI(?o) && (""" + entity_filter("?s") + """)) }"""
Q_PROVIDERS = """SELECT ?c ?name ?city ?country ?lat ?long ?member WHERE {
  ?c a rkg:HealthcareProvider . OPTIONAL { ?c rdfs:label ?name } OPTIONAL { ?c schema:addressLocality ?city }
  OPTIONAL { ?c schema:addressCountry ?country } OPTIONAL { ?c geo:lat ?lat ; geo:long ?long }
  BIND(EXISTS { ?c org:hasMembership ?m } AS ?member) }"""
Q_EVIDENCE = """SELECT ?ev ?c ?kind ?entity ?domain ?date ?from WHERE {
  ?ev rkg:aboutProvider ?c ; rkg:evidenceKind ?kind .
  OPTIONAL { ?ev rkg:aboutEntity ?entity } OPTIONAL { ?ev rkg:aboutDomain ?domain }
  OPTIONAL { ?ev dcterms:date ?date } OPTIONAL { ?ev prov:wasDerivedFrom ?from } }"""
Q_TRIALS = """SELECT ?t ?title ?status ?studied ?site ?c WHERE {
  ?t rkg:overallStatus ?status . OPTIONAL { ?t dcterms:title ?title } OPTIONAL { ?t rkg:studiesEntity ?studied }
  OPTIONAL { ?t rkg:hasSite ?site . ?site rkg:atProvider ?c } }"""
Q_DOMAINS = """SELECT ?d ?label ?notation WHERE { ?d a rkg:CancerDomain .
  OPTIONAL { ?d rdfs:label ?label } OPTIONAL { ?d skos:notation ?notation } }"""
Q_LOADS = """SELECT ?g ?load WHERE { GRAPH <https://w3id.org/rarekg/graph/meta> { ?g rkg:currentLoad ?load } }"""


@dataclass(frozen=True)
class Provider:
    iri: str
    name: str
    city: str | None
    country: str | None
    lat: float | None
    lon: float | None
    member: bool


@dataclass(frozen=True)
class Evidence:
    iri: str
    provider: str
    kind: str                 # membership | trial | publication | curated_statement
    entity: str | None
    domain: str | None
    date: date | None
    derived_from: str | None


@dataclass
class Trial:
    iri: str
    title: str
    status: str
    open: bool
    studies: set[str] = field(default_factory=set)
    providers: set[str] = field(default_factory=set)


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


def _v(row: dict, key: str) -> str | None:
    term = row.get(key)
    return term.value if term is not None else None


def is_open(status: str) -> bool:
    """Whether a registry status means the trial is open or about to be (either spelling)."""
    return re.sub(r"[\s_,]+", " ", status.strip().lower()) in OPEN_STATUSES


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


def _entity_rows(index: Index, rows: list[dict]) -> None:
    for r in rows:
        e, p, v = r["e"].value, r["p"].value, r["v"].value
        index.entities.add(e)
        if p == "http://www.w3.org/2000/01/rdf-schema#label":
            index.labels.setdefault(e, v)
            _add_key(index, v, e)
        elif p == RKG.inDomain.value:
            index.domains[e].add(v)
        elif p == RKG.isBasket.value:
            if v == "true":
                index.baskets.add(e)
        else:
            _add_key(index, v, e)   # altLabel, xref CURIE, orpha code, oncotree code
    for e in index.entities:
        _add_key(index, e, e)
        _add_key(index, e[len(BASE):], e)
        if e.startswith(BASE + "subgroup/"):
            _add_key(index, e[len(BASE + "subgroup/"):], e)


def _edge_rows(index: Index, rows: list[dict]) -> None:
    for r in rows:
        s, p, o = r["s"].value, r["p"].value, r["o"].value
        if s == o:
            continue
        if p.endswith("#exactMatch"):
            if o.startswith(ENTITY_PREFIXES):
                index.exact[s].add(o)
                index.exact[o].add(s)
            continue
        child, parent = (o, s) if p.endswith("#narrowMatch") else (s, o)
        if not (child.startswith(ENTITY_PREFIXES) and parent.startswith(ENTITY_PREFIXES)):
            continue
        index.parents[child].add(parent)
        index.children[parent].add(child)


def _float(text: str | None) -> float | None:
    return float(text) if text is not None else None


def build_index(entity_rows: list[dict], edge_rows: list[dict], provider_rows: list[dict],
                evidence_rows: list[dict], trial_rows: list[dict], domain_rows: list[dict]) -> Index:
    """The referral index from the rows of the index queries (pure: no store access)."""
    index = Index()
    _entity_rows(index, entity_rows)
    _edge_rows(index, edge_rows)
    for r in domain_rows:
        index.domain_labels[r["d"].value] = _v(r, "notation") or _v(r, "label") or r["d"].value
    for r in provider_rows:
        iri = r["c"].value
        index.providers[iri] = Provider(iri, _v(r, "name") or iri, _v(r, "city"), _v(r, "country"),
                                        _float(_v(r, "lat")), _float(_v(r, "long")), _v(r, "member") == "true")
    for r in trial_rows:
        iri = r["t"].value
        trial = index.trials.get(iri)
        if trial is None:
            trial = index.trials[iri] = Trial(iri, _v(r, "title") or iri, r["status"].value, is_open(r["status"].value))
        if "studied" in r:
            trial.studies.add(r["studied"].value)
        if "c" in r:
            trial.providers.add(r["c"].value)
            index.trials_at[r["c"].value].add(iri)
    seen: set[str] = set()
    for r in evidence_rows:
        ev = Evidence(r["ev"].value, r["c"].value, KIND_NAMES.get(r["kind"].value, "other"),
                      _v(r, "entity"), _v(r, "domain"), parse_date(_v(r, "date")), _v(r, "from"))
        key = f"{ev.iri}|{ev.entity}|{ev.domain}"
        if key in seen or ev.provider not in index.providers:
            continue
        seen.add(key)
        if ev.entity:
            index.by_entity[ev.entity].append(ev)
        if ev.domain and ev.kind == "membership":
            index.by_domain[ev.domain].append(ev)
    return index


def load_index(store: GraphStore) -> Index:
    """Run the index queries on ``store`` and build the index. Raises QueryError/StoreError."""
    return build_index(store.select(Q_ENTITIES), store.select(Q_EDGES), store.select(Q_PROVIDERS),
                       store.select(Q_EVIDENCE), store.select(Q_TRIALS), store.select(Q_DOMAINS))


_CACHE: weakref.WeakKeyDictionary[GraphStore, tuple[tuple, Index]] = weakref.WeakKeyDictionary()


def state_key(store: GraphStore) -> tuple:
    """What identifies a store's state: its published graphs and their current loads."""
    loads = tuple(sorted((r["g"].value, r["load"].value) for r in store.select(Q_LOADS)))
    return tuple(g.value for g in store.graphs()), loads


def index_for(store: GraphStore) -> Index:
    """The index of ``store``'s current state, built on first use and cached until the state changes."""
    key = state_key(store)
    cached = _CACHE.get(store)
    if cached is not None and cached[0] == key:
        return cached[1]
    index = load_index(store)
    _CACHE[store] = (key, index)
    return index




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
    choices = list(index.lookup)
    # token_sort_ratio compares whole names: WRatio's partial matching let short codes such as
    # "ASTR" outrank the intended label ("gastro stromal tumr" → Astrocytoma first)
    found = process.extract(key, choices, scorer=fuzz.token_sort_ratio, limit=8)
    suggestions: list[str] = []
    seen: set[str] = set()
    for choice, _score, _ in found:
        for iri in sorted(index.lookup[choice] - seen):
            seen.add(iri)
            suggestions.append(f"{index.labels.get(iri, iri)} <{iri}> (matched {choice!r})")
    suggestions = suggestions[:5]
    raise NotFoundError(f"no cancer entity matches {text!r}"
                        + (f"; closest: {'; '.join(suggestions)}" if suggestions else ""), suggestions)
