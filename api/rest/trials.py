"""``/api/v1/trials``: clinical trials, filtered; one trial with its sites, entities and alterations."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from api.rest.catalogue import Catalogue
from api.rest.common import CatalogueDep, CursorParam, LimitParam, cached, canonical, page
from api.rest.responses import declare
from api.rest.views import norm_phase, ref, site_view, trial_rows, trial_summary
from kg.core.trial_status import fold_status, status_matches
from kg.core.vocab import (
    BASE,
    DCTERMS,
    MAPPING_OBJECT,
    MAPPING_PREDICATE,
    MAPPING_SUBJECT,
    MATCH_STRING,
    RKG,
    RULE,
    SCHEMA,
)

router = APIRouter(prefix="/api/v1", tags=["trials"])


@router.get("/trials", summary="Clinical trials, filtered by status, phase and site country",
            responses=declare(400, 422))
async def list_trials(request: Request, cat: CatalogueDep,
                      status: Annotated[str | None, Query(description="Registry status in any spelling, or `open` for a "
                                                                      "trial that enrols or is about to and whose status "
                                                                      "was verified within 12 months (RAREKG_OPEN_STATUS_MAX_AGE_DAYS)",
                                                          examples=["open"])] = None,
                      phase: Annotated[str | None, Query(examples=["Phase 3"])] = None,
                      country: Annotated[str | None, Query(pattern=r"^[A-Za-z]{2}$", examples=["FR"])] = None,
                      limit: LimitParam = 20, cursor: CursorParam = None) -> Response:
    def build() -> Any:
        rows = trial_rows(cat)
        if status:
            rows = [r for r in rows if (r.open if fold_status(status) == "open" else status_matches(status, r.status))]
        if phase:
            rows = [r for r in rows if norm_phase(phase) in norm_phase(r.phase).split("/")]
        if country:
            rows = [r for r in rows if country.upper() in r.countries]
        chunk, info, headers = page(request, [r.json for r in rows], [(r.id,) for r in rows], limit, cursor)
        return {"items": chunk, "page": info}, headers
    return cached(request, cat, build)


@router.get("/trials/{trial}", summary="One trial: identifiers, status, phase, entities, alterations, sites",
            responses=declare(404, 422, redirects=True))
async def get_trial(trial: str, request: Request, cat: CatalogueDep) -> Response:
    found = canonical(request, cat, "trial", trial)
    if isinstance(found, Response):
        return found
    return cached(request, cat, lambda: trial_detail(cat, found.iri))


def trial_detail(cat: Catalogue, iri: str) -> dict[str, Any]:
    """Everything the API says about one trial."""
    sites = cat.strings(iri, RKG.hasSite)
    cat.preload(iri, MAPPING_SUBJECT, incoming=True)    # the links' facts in one query (over a server)
    links = {cat.first(link, MAPPING_OBJECT): link for link in cat.subjects(MAPPING_SUBJECT, iri)
             if cat.first(link, MAPPING_PREDICATE) == RKG.studiesEntity.value
             and not cat.has_type(link, RKG.ConditionLink)}  # the best text per entity, not each text's link
    entities = []
    for entity in cat.strings(iri, RKG.studiesEntity):
        link = links.get(entity)
        entities.append({**ref(cat, entity), "rule": cat.first(link, RULE) if link else None,
                         "field": cat.first(link, RKG.linkField) if link else None,
                         "matchedText": cat.first(link, MATCH_STRING) if link else None})
    return {**trial_summary(cat, iri), "officialTitle": cat.first(iri, RKG.officialTitle),
            "identifiers": cat.strings(iri, DCTERMS.identifier), "secondaryIds": cat.strings(iri, RKG.secondaryId),
            "studyType": cat.first(iri, RKG.studyType), "statusDate": cat.first(iri, RKG.statusDate),
            "completionDate": cat.first(iri, RKG.completionDate),
            "sponsor": cat.first(iri, SCHEMA.sponsor), "collaborators": cat.strings(iri, RKG.collaborator),
            "conditions": cat.strings(iri, RKG.conditionText), "interventions": cat.strings(iri, RKG.interventionName),
            "keywords": cat.strings(iri, RKG.keyword), "referencePmids": cat.strings(iri, RKG.referencePmid),
            "entities": entities,
            "eligibleAlterations": [{"id": a[len(BASE):], "label": cat.label(a)}
                                    for a in cat.strings(iri, RKG.eligibleAlteration)],
            "sites": sorted((site_view(cat, s) for s in sites),
                            key=lambda s: (s["country"] or "", s["city"] or "", s["facility"] or ""))}
