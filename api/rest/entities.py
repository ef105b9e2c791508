"""``/api/v1/entities``: search and autocomplete, one entity in full, its trials.

The explained referral ranking (``/entities/{id}/centres``) is in :mod:`api.rest.referral`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from api.rest.catalogue import Catalogue, of_type
from api.rest.common import CatalogueDep, CursorParam, LimitParam, cached, canonical, page
from api.rest.ids import entity_id
from api.rest.problems import bad_param
from api.rest.responses import declare
from api.rest.search import search
from api.rest.views import (
    alterations_of,
    codes_of,
    domain_exclusion_of,
    domains_of,
    entity_summary,
    entity_view,
    epidemiology_of,
    mappings_of,
    norm_phase,
    rarity_of,
    ref,
    synonyms_of,
    trial_summaries,
)
from kg.core.trial_status import status_matches
from kg.core.vocab import BASE, DCTERMS, RDFS, RKG, SKOS

router = APIRouter(prefix="/api/v1", tags=["entities"])
EntityId = Annotated[str, "An entity id in any form: ORPHA:44890, 44890, oncotree:GIST, GIST, NCIT:C3868, a label"]

_SEARCH_EXAMPLE = {"q": "gastrointestinal stromal", "items": [{
    "id": "ORPHA:44890", "label": "Gastrointestinal stromal tumor", "iri": "https://w3id.org/rarekg/entity/orpha/44890",
    "disorderType": "Disease", "domains": ["G1"], "rarity": "rare", "score": 90.0,
    "matched": {"text": "Gastrointestinal stromal tumor", "field": "label", "language": "en"}}],
    "page": {"limit": 20, "total": 1, "returned": 1, "next": None}}


@router.get("/entities", summary="Search cancer entities by label, synonym or code (autocomplete)",
            responses={200: {"content": {"application/json": {"example": _SEARCH_EXAMPLE}}}, **declare(400, 422)})
async def list_entities(request: Request, cat: CatalogueDep,
                        q: Annotated[str | None, Query(description="Text to match: a name, synonym (any language) or "
                                                       "code (ORPHA:44890, GIST, NCIT:C3868)", examples=["GIST"],
                                                       max_length=200)] = None,
                        domain: Annotated[str | None, Query(description="Only entities in this EURACAN domain",
                                                            examples=["G1"], pattern=r"^[Gg]\d{1,2}$")] = None,
                        limit: LimitParam = 20, cursor: CursorParam = None) -> Response:
    def build() -> Any:
        if q is not None and not q.strip():
            raise bad_param("q", "must not be empty")
        if q:
            found = [(m.entity, {"score": m.score, "matched": {"text": m.name.text, "field": m.name.field,
                                                                "language": m.name.language}}) for m in search(cat, q)]
        else:
            found = [(e, {}) for e in cat.entities]
        if domain:
            wanted, every = domain.upper(), entity_view(cat)
            found = [(e, extra) for e, extra in found if wanted in entity_summary(every, e)["domains"]]
        keys = [(i,) for i in range(len(found))]
        chunk, info, headers = page(request, found, keys, limit, cursor)
        items = [{**entity_summary(cat, e), **extra} for e, extra in chunk]
        return {"q": q, "items": items, "page": info}, headers
    return cached(request, cat, build)


@router.get("/entities/{entity:path}/trials", summary="Trials for an entity or its subtypes (incl. molecular subgroups)",
            responses=declare(400, 404, 422, redirects=True))
async def entity_trials(entity: str, request: Request, cat: CatalogueDep,
                        status: Annotated[str | None, Query(
                            description="Registry status in any spelling, e.g. Recruiting, or `open` for a trial "
                                        "that enrols or is about to (Recruiting, Not yet recruiting, Enrolling by "
                                        "invitation; CTIS recruiting or not started) and whose status was verified "
                                        "within 12 months (RAREKG_OPEN_STATUS_MAX_AGE_DAYS)", examples=["open"])] = None,
                        phase: Annotated[str | None, Query(description="Phase, e.g. `Phase 3` or PHASE3",
                                                           examples=["Phase 3"])] = None,
                        country: Annotated[str | None, Query(pattern=r"^[A-Za-z]{2}$", description="A site's "
                                                             "country, ISO 3166-1 alpha-2", examples=["FR"])] = None,
                        alteration: Annotated[str | None, Query(description="A gene or alteration the trial's "
                                                                "eligibility or subgroup names, e.g. NTRK3 or KIT",
                                                                examples=["NTRK3"], max_length=100)] = None,
                        limit: LimitParam = 20, cursor: CursorParam = None) -> Response:
    found = canonical(request, cat, "entity", entity)
    if isinstance(found, Response):
        return found

    def build() -> Any:
        rows = _trials_for(cat, found.iri, status, phase, country, alteration)
        chunk, info, headers = page(request, rows, [(r["id"],) for r in rows], limit, cursor)
        return {"entity": ref(cat, found.iri), "items": chunk, "page": info}, headers
    return cached(request, cat, build)


@router.get("/entities/{entity:path}", summary="One cancer entity: hierarchy, cross-references, domains, "
            "molecular subgroups, incidence and rarity, sources",
            responses=declare(404, 422, redirects=True))
async def get_entity(entity: str, request: Request, cat: CatalogueDep) -> Response:
    found = canonical(request, cat, "entity", entity)
    if isinstance(found, Response):
        return found
    return cached(request, cat, lambda: entity_detail(cat, found.iri))


def entity_detail(cat: Catalogue, iri: str) -> dict[str, Any]:
    """Everything the API says about one entity."""
    cat.preload(iri, RDFS.subClassOf, incoming=True)    # the children's facts in one query (over a server)
    children = cat.children(iri)
    return {**ref(cat, iri), "iri": iri, "definition": cat.first(iri, SKOS.definition),
            "disorderType": cat.first(iri, RKG.disorderType), "ageOfOnset": cat.strings(iri, RKG.ageOfOnset),
            "synonyms": synonyms_of(cat, iri), "codes": codes_of(cat, iri), "mappings": mappings_of(cat, iri),
            "parents": [ref(cat, p) for p in cat.parents(iri)],
            "children": [ref(cat, c) for c in children if not c.startswith(BASE + "subgroup/")],
            "molecularSubgroups": [{**ref(cat, c), "alterations": alterations_of(cat, c)}
                                   for c in children if c.startswith(BASE + "subgroup/")],
            "alterations": alterations_of(cat, iri),
            "domains": domains_of(cat, iri), "domainExclusion": domain_exclusion_of(cat, iri),
            "rarity": rarity_of(cat, iri),
            "epidemiology": epidemiology_of(cat, iri),
            "sources": _sources(cat, iri)}


def _sources(cat: Catalogue, iri: str) -> list[str]:
    local = iri[len(BASE):]
    origin = ("Orphanet (ORPHAnomenclature, ORPHAclassification, Orphadata epidemiology)" if "/orpha/" in local
              else "OncoTree (MSKCC)" if "/oncotree/" in local else "rarekg curated molecular subgroups")
    return [origin, *cat.strings(iri, DCTERMS.source)]


def descendants(cat: Catalogue, iri: str, depth: int = 6) -> dict[str, int]:
    """The entity and its subclasses down to ``depth`` levels, with their distance (cached)."""
    memo = cat.memo.setdefault("descendants", {})
    if iri in memo:
        return memo[iri]  # type: ignore[no-any-return]
    found = {iri: 0}
    frontier = [iri]
    for level in range(1, depth + 1):
        frontier = [c for node in frontier for c in cat.children(node) if c not in found]
        for c in frontier:
            found.setdefault(c, level)
    memo[iri] = found
    return found


def _trials_for(cat: Catalogue, iri: str, status: str | None, phase: str | None, country: str | None,
                alteration: str | None) -> list[dict[str, Any]]:
    reach = descendants(cat, iri)
    best: dict[str, tuple[int, str]] = {}
    for node, distance in reach.items():
        for trial in cat.subjects(RKG.studiesEntity, node):
            if trial not in best or (distance, node) < best[trial]:
                best[trial] = (distance, node)
    rows = []
    ordered = sorted(best.items())
    summaries = trial_summaries(cat, [t for t, _ in ordered])
    # many trials' alterations in one column query over every trial, rather than one read per trial
    view = cat.prefetch(best, (RKG.eligibleAlteration,), of_type(RKG.ClinicalTrial)) if len(best) > 300 else cat
    for (trial, (distance, via)), summary in zip(ordered, summaries, strict=True):
        row = {**summary, "distance": distance, "via": ref(cat, via),
               "eligibleAlterations": [{"id": a[len(BASE):], "label": cat.label(a)}
                                       for a in view.strings(trial, RKG.eligibleAlteration)],
               "viaAlterations": alterations_of(cat, via) if via.startswith(BASE + "subgroup/") else []}
        if _keep(row, status, phase, country, alteration):
            rows.append(row)
    return rows


def _keep(row: dict[str, Any], status: str | None, phase: str | None, country: str | None,
          alteration: str | None) -> bool:
    if status and not status_matches(status, row["status"], row.get("statusVerified")):
        return False
    if phase and norm_phase(phase) not in norm_phase(row["phase"]).split("/"):
        return False
    if country and country.upper() not in row["countries"]:
        return False
    if alteration:
        text = alteration.casefold()
        names = [a["id"].casefold() + " " + a["label"].casefold() for a in row["eligibleAlterations"] + row["viaAlterations"]]
        if not any(text in n for n in names):
            return False
    return True


__all__ = ["descendants", "entity_detail", "entity_id", "router"]
