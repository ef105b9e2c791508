"""The JSON shapes of the REST API, built from the catalogue (one function per shape)."""

from __future__ import annotations

import re
import sys
from typing import Any, NamedTuple

import orjson
import pyoxigraph as ox

from api.rest.catalogue import ENTITIES, Catalogue, of_type
from api.rest.common import kept_json
from api.rest.ids import entity_id, local_id
from kg.core.trial_status import enrols, open_as_of, today
from kg.core.vocab import BASE, DCTERMS, GEO, OBOINOWL, ORG, RDFS, RKG, SCHEMA, SKOS


def norm_phase(text: str | None) -> str:
    """``PHASE2/PHASE3`` and ``Phase 2/Phase 3`` → ``phase2/phase3``."""
    return re.sub(r"[\s_]+", "", (text or "")).casefold()


def ref(cat: Catalogue, iri: str) -> dict[str, str]:
    """``{"id", "label"}`` of any node the API serves."""
    kind = iri[len(BASE):].split("/", 1)[0]
    if kind in ("entity", "subgroup"):
        return {"id": entity_id(iri), "label": cat.label(iri)}
    ident = local_id(iri, kind) if kind in ("centre", "trial", "publication", "domain", "network") else iri
    return {"id": ident, "label": cat.label(iri)}


def domains_of(cat: Catalogue, entity: str) -> list[dict[str, Any]]:
    """The entity's EURACAN domains with the rule and ancestor that assigned each."""
    out = []
    nodes = cat.strings(entity, RKG.domainAssignment)
    cat.preload(entity, RKG.domainAssignment)
    for node in nodes:
        domain = cat.first(node, RKG.assignedDomain)
        if domain:
            via = cat.first(node, RKG.viaAncestor)
            out.append({**ref(cat, domain), "rule": cat.first(node, RKG.assignmentRule),
                        "viaAncestor": ref(cat, via) if via and via != entity else None})
    listed = {d["id"] for d in out}
    for domain in cat.strings(entity, RKG.inDomain):
        if local_id(domain, "domain") not in listed:
            out.append({**ref(cat, domain), "rule": None, "viaAncestor": None})
    return sorted(out, key=lambda d: (int(d["id"][1:]) if d["id"][1:].isdigit() else 99, d["rule"] or ""))


def domain_exclusion_of(cat: Catalogue, entity: str) -> dict[str, str] | None:
    """Why the entity has no EURACAN domain on purpose (``{"category", "reason"}``), or None."""
    category = cat.first(entity, RKG.domainExclusion)
    if category is None:
        return None
    return {"category": category, "reason": cat.first(entity, RKG.domainExclusionReason) or ""}


def alterations_of(cat: Catalogue, cls: str) -> list[dict[str, str]]:
    """Alteration classes a subgroup requires (``⊑ ∃ rkg:hasAlteration.X`` restrictions, alone or in
    an intersection): the ``alteration-requirements`` read query."""
    return [{"id": a[len(BASE):], "label": cat.label(a)} for a in cat.required_alterations(cls)]


def epidemiology_of(cat: Catalogue, entity: str) -> list[dict[str, Any]]:
    """Orphanet incidence and prevalence records, sorted by measure and geography."""
    rows = []
    nodes = cat.strings(entity, RKG.hasEpidemiology)
    cat.preload(entity, RKG.hasEpidemiology)
    for node in nodes:
        rows.append({"measure": cat.first(node, RKG.measure), "valueClass": cat.first(node, RKG.valueClass),
                     "meanValue": cat.number(node, RKG.meanValue), "geographic": cat.first(node, RKG.geographic),
                     "qualification": cat.first(node, RKG.qualification), "source": cat.first(node, DCTERMS.source),
                     "incidenceLowerPer100k": cat.number(node, RKG.incidenceLowerPer100k),
                     "incidenceUpperPer100k": cat.number(node, RKG.incidenceUpperPer100k)})
    return sorted(rows, key=lambda r: tuple(str(r[k] or "") for k in ("measure", "geographic", "valueClass", "source")))


def rarity_of(cat: Catalogue, entity: str) -> str | None:
    """``rare`` / ``not rare`` / ``undetermined`` by the RARECARE rule, or None when not computed."""
    value = cat.first(entity, RKG.rarecareRarity)
    return {RKG.RareByRarecare.value: "rare", RKG.NotRareByRarecare.value: "not rare",
            RKG.RarityUndetermined.value: "undetermined"}.get(value or "")


def entity_summary(cat: Catalogue, iri: str) -> dict[str, Any]:
    return {**ref(cat, iri), "iri": iri, "disorderType": cat.first(iri, RKG.disorderType),
            "domains": [d["id"] for d in domains_of(cat, iri)], "rarity": rarity_of(cat, iri)}


def synonyms_of(cat: Catalogue, iri: str) -> list[dict[str, str | None]]:
    terms = cat.values(iri, SKOS.altLabel)
    return sorted(({"text": t.value, "language": t.language if isinstance(t, ox.Literal) else None}
                   for t in terms), key=lambda s: (s["language"] or "", s["text"]))


def mappings_of(cat: Catalogue, iri: str) -> list[dict[str, Any]]:
    out = []
    for pred in ("exactMatch", "closeMatch", "broadMatch", "narrowMatch"):
        for target in cat.strings(iri, SKOS.term(pred)):
            inside = target.startswith(BASE)
            out.append({"predicate": f"skos:{pred}", "iri": target,
                        **({"id": entity_id(target), "label": cat.label(target)} if inside else {})})
    return out


def centre_summary(cat: Catalogue, iri: str, *, preload: bool = True) -> dict[str, Any]:
    """A centre in brief. ``preload`` reads its memberships' facts in one query first (over a server)."""
    if preload:
        cat.preload(iri, ORG.hasMembership)
    return {**ref(cat, iri), "iri": iri, "city": cat.first(iri, SCHEMA.addressLocality),
            "country": cat.first(iri, SCHEMA.addressCountry), "lat": cat.number(iri, GEO.lat),
            "lon": cat.number(iri, GEO.long), "memberships": memberships_of(cat, iri)}


def memberships_of(cat: Catalogue, centre: str) -> list[dict[str, Any]]:
    out = []
    for m in cat.strings(centre, ORG.hasMembership):
        role = cat.first(m, ORG.role) or ""
        out.append({"network": local_id(cat.first(m, ORG.organization) or BASE + "network/unknown", "network"),
                    "role": role.rsplit("/", 1)[-1], "status": cat.first(m, RKG.membershipStatus),
                    "domains": sorted((local_id(d, "domain") for d in cat.strings(m, RKG.coversDomain)),
                                      key=lambda d: int(d[1:]) if d[1:].isdigit() else 99),
                    "sources": cat.strings(m, DCTERMS.source), "date": cat.first(m, DCTERMS.date)})
    return out


#: what centre_summary and trial_summary read of the node itself (prefetched for whole-graph lists)
_CENTRE_COLUMNS = (RDFS.label, SCHEMA.addressLocality, SCHEMA.addressCountry, GEO.lat, GEO.long, ORG.hasMembership)
_MEMBERSHIP_COLUMNS = (ORG.organization, ORG.role, RKG.membershipStatus, RKG.coversDomain, DCTERMS.source, DCTERMS.date)
_TRIAL_COLUMNS = (RDFS.label, DCTERMS.title, RKG.acronym, RKG.overallStatus, RKG.statusDate, RKG.phase, SCHEMA.startDate,
                  RKG.hasSite)


def centre_rows(cat: Catalogue) -> list[dict[str, Any]]:
    """:func:`centre_summary` of every centre, in ``cat.centres`` order: read column by column
    (:meth:`Catalogue.prefetch`) once per snapshot, for every list, count and matrix of centres."""
    def build() -> list[dict[str, Any]]:
        view = cat.prefetch(cat.centres, _CENTRE_COLUMNS, of_type(RKG.HealthcareProvider))
        memberships = {m for c in cat.centres for m in view.strings(c, ORG.hasMembership)}
        view = view.prefetch(memberships, _MEMBERSHIP_COLUMNS, of_type(ORG.Membership))
        return [centre_summary(view, c, preload=False) for c in cat.centres]
    return cat.kept("centre-rows", build)


def centre_ref(cat: Catalogue, iri: str) -> dict[str, str]:
    """:func:`ref` of a centre, from :func:`centre_rows` (read once for every centre) rather than
    read centre by centre: a centre may have hundreds of collaborators."""
    index = cat.kept("centre-refs", lambda: {r["iri"]: {"id": r["id"], "label": r["label"]} for r in centre_rows(cat)})
    held = index.get(iri)
    return dict(held) if held is not None else ref(cat, iri)


class TrialRow(NamedTuple):
    """A trial's :func:`trial_summary`, serialised, with the fields the list filters on."""

    id: str
    open: bool
    status: str | None
    phase: str | None
    countries: tuple[str, ...]
    json: orjson.Fragment   # the summary as JSON, embedded as is in an answer


def trial_rows(cat: Catalogue) -> list[TrialRow]:
    """:func:`trial_summary` of every trial, in ``cat.trials`` order, read as :func:`centre_rows` is
    and kept serialised: a third of the memory of the dictionaries (50k trials at scale 100). Kept for
    one answer day (whether a trial is open depends on it); the rows of an earlier day are dropped."""
    name = f"trial-rows/{today().isoformat()}"
    for old in [k for k in cat.memo if isinstance(k, str) and k.startswith("trial-rows/") and not k.startswith(name)]:
        del cat.memo[old]

    def build() -> list[TrialRow]:
        view = cat.prefetch(cat.trials, _TRIAL_COLUMNS, of_type(RKG.ClinicalTrial))
        sites = {site for t in cat.trials for site in view.strings(t, RKG.hasSite)}
        view = view.prefetch(sites, (SCHEMA.addressCountry,), of_type(RKG.TrialSite))
        del sites
        return [_trial_row(trial_summary(view, t, preload=False)) for t in cat.trials]
    return cat.kept(name, build)


def trial_summaries(cat: Catalogue, trials: list[str]) -> list[dict[str, Any]]:
    """:func:`trial_summary` of each of ``trials``, taken from :func:`trial_rows` (read once for every
    trial) rather than read trial by trial: a centre or an entity may have thousands of trials."""
    rows = trial_rows(cat)
    index = cat.kept(f"trial-rows/{today().isoformat()}/by-iri", lambda: dict(zip(cat.trials, rows, strict=True)))
    return [orjson.loads(orjson.dumps(index[t].json)) if t in index else trial_summary(cat, t) for t in trials]


def _trial_row(summary: dict[str, Any]) -> TrialRow:
    intern = sys.intern
    return TrialRow(summary["id"], summary["open"], summary["status"] and intern(summary["status"]),
                    summary["phase"] and intern(summary["phase"]), tuple(intern(c) for c in summary["countries"]),
                    orjson.Fragment(kept_json(summary)))


def trial_summary(cat: Catalogue, iri: str, *, preload: bool = True) -> dict[str, Any]:
    """A trial in brief. ``open`` is judged as of ``openAsOf`` (:func:`kg.core.trial_status.open_as_of`): an
    enrolling status verified longer ago says "last known status ..., verified ..." in ``statusNote``.
    ``preload`` reads its sites' facts in one query first (over a server)."""
    status, verified = cat.first(iri, RKG.overallStatus), cat.first(iri, RKG.statusDate)
    sites = cat.strings(iri, RKG.hasSite)
    if preload:
        cat.preload(iri, RKG.hasSite)
    as_of = today()
    is_open = open_as_of(status, verified, as_of)
    note = None
    if enrols(status) and not is_open:
        note = f"last known status {status}, verified {verified or 'never'}; not counted as open as of {as_of.isoformat()}"
    return {**ref(cat, iri), "iri": iri, "title": cat.first(iri, DCTERMS.title), "acronym": cat.first(iri, RKG.acronym),
            "status": status, "statusVerified": verified, "open": is_open, "openAsOf": as_of.isoformat(),
            "statusNote": note, "phase": cat.first(iri, RKG.phase),
            "startDate": cat.first(iri, SCHEMA.startDate),
            "countries": sorted({c for s in sites if (c := cat.first(s, SCHEMA.addressCountry))}),
            "sites": len(sites)}


def site_view(cat: Catalogue, site: str) -> dict[str, Any]:
    provider = cat.first(site, RKG.atProvider)
    return {"facility": cat.first(site, RKG.facilityName), "city": cat.first(site, SCHEMA.addressLocality),
            "country": cat.first(site, SCHEMA.addressCountry), "status": cat.first(site, RKG.siteStatus),
            "resolution": cat.first(site, RKG.resolutionStatus),
            "centre": ref(cat, provider) if provider else None}


def codes_of(cat: Catalogue, iri: str) -> dict[str, Any]:
    return {"orpha": cat.first(iri, RKG.orphaCode), "oncotree": cat.first(iri, RKG.oncotreeCode),
            "xrefs": cat.strings(iri, OBOINOWL.hasDbXref)}


#: what entity_summary, search and the id resolver read of every entity (and of its domain assignments)
_ENTITY_COLUMNS = (RDFS.label, SKOS.altLabel, OBOINOWL.hasDbXref, RKG.orphaCode, RKG.oncotreeCode, RKG.disorderType,
                   RKG.inDomain, RKG.domainAssignment, RKG.rarecareRarity)
_ASSIGNMENT_COLUMNS = (RKG.assignedDomain, RKG.viaAncestor, RKG.assignmentRule)


def entity_view(cat: Catalogue) -> Catalogue:
    """``cat`` with :data:`_ENTITY_COLUMNS` of every entity read column by column, once per snapshot:
    for the lists, counts and indexes over every entity (one query per column over a server)."""
    def build() -> Catalogue:
        view = cat.prefetch(cat.entities, _ENTITY_COLUMNS, ENTITIES)
        assignments = {a for e in cat.entities for a in view.strings(e, RKG.domainAssignment)}
        return view.prefetch(assignments, _ASSIGNMENT_COLUMNS, of_type(RKG.DomainAssignment))
    return cat.kept("entity-view", build)
