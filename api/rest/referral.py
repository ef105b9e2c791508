"""``/api/v1/entities/{id}/centres``: the explained referral ranking.

The ranking itself (score components, evidence, fallback to the nearest ancestor with evidence,
great-circle distance, open trials) is :mod:`kg.referral`'s; this module validates the request,
calls it in-process on its precomputed indexes (built once per store state) and shapes the JSON.
"""

from __future__ import annotations

import gc
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from api.rest.catalogue import Catalogue
from api.rest.common import CatalogueDep, CursorParam, LimitParam, cached, canonical, page
from api.rest.ids import local_id
from api.rest.problems import bad_param
from api.rest.responses import declare
from api.rest.views import centre_summary, ref
from kg.vocab import BASE

router = APIRouter(prefix="/api/v1", tags=["referral"])

_EXAMPLE = {
    "entity": {"id": "ORPHA:44890", "label": "Gastrointestinal stromal tumor"},
    "basis": "entity", "fallback": None, "domains": ["Connective tissue (sarcomas)"], "notes": [],
    "openAsOf": "2026-12-07",
    "query": {"country": "FR", "lat": None, "lon": None, "max_km": None, "members_only": False},
    "items": [{"rank": 1, "score": 7.5, "components": {"membership": 3.0, "trials": 3.5, "publications": 1.0},
               "distanceKm": None,
               "centre": {"id": "centre-leon-berard", "label": "Centre Léon Bérard", "city": "Lyon", "country": "FR"},
               "evidence": [{"kind": "MembershipEvidence", "about": "G1", "source": "https://euracan.eu/", "date": "2024"}],
               "openTrials": [{"id": "NCT00000000", "label": "A recruiting trial", "status": "Recruiting",
                               "statusVerified": "2026-10-01"}]}],
    "page": {"limit": 20, "total": 1, "returned": 1, "next": None}}


def engine(backend: Any, cat: Catalogue) -> tuple[Any, Any]:
    """kg.referral's index of the served store and its ranking weights, built once per snapshot."""
    def build() -> tuple[Any, Any]:
        from kg.referral import load_config
        from kg.referral_index import load_index
        built = (load_index(backend.store), load_config())
        gc.collect()
        gc.freeze()
        return built
    return cat.kept("referral-index", build)


@router.get("/entities/{entity:path}/centres", summary="Ranked centres for an entity, with score components, "
            "evidence, distance and open trials; the fallback ancestor when the entity itself has no evidence",
            responses={200: {"content": {"application/json": {"example": _EXAMPLE}}},
                       **declare(400, 404, 422, redirects=True)})
async def entity_centres(
        entity: str, request: Request, cat: CatalogueDep,
        country: Annotated[str | None, Query(pattern=r"^[A-Za-z]{2}$", examples=["FR"],
                                             description="The patient's country (ISO alpha-2): only its centres")] = None,
        lat: Annotated[float | None, Query(ge=-90, le=90, examples=[45.76], description="Patient latitude")] = None,
        lon: Annotated[float | None, Query(ge=-180, le=180, examples=[4.84], description="Patient longitude")] = None,
        max_km: Annotated[float | None, Query(gt=0, le=20000, examples=[500],
                                              description="Only centres within this distance (needs lat and lon)")] = None,
        members_only: Annotated[bool, Query(description="Only network member centres")] = False,
        limit: LimitParam = 20, cursor: CursorParam = None) -> Response:
    found = canonical(request, cat, "entity", entity)
    if isinstance(found, Response):
        return found
    if (lat is None) != (lon is None):
        raise bad_param("lon" if lon is None else "lat", "lat and lon go together", 422)
    if max_km is not None and lat is None:
        raise bad_param("max_km", "needs lat and lon", 422)

    def build() -> Any:
        from kg.errors import ParameterError
        from kg.referral import ReferralOptions, rank
        index, cfg = engine(request.app.state.backend, cat)
        opts = ReferralOptions(country=country.upper() if country else None, lat=lat, lon=lon, max_km=max_km,
                               members_only=members_only, limit=None)
        try:
            answer = rank(index, found.iri, opts, cfg, query=entity)
        except ParameterError as exc:
            raise bad_param(exc.parameter, str(exc), 422) from None
        # page first, then shape only the page: a row lists every evidence item of its centre, and
        # every ranked centre was shaped, also the rows a page of 20 never sends
        ranked = list(enumerate(answer.centres, 1))
        page_of, info, headers = page(request, ranked, [(n,) for n, _ in ranked], limit, cursor)
        chunk = [_centre_row(cat, n, r) for n, r in page_of]
        fallback = None
        if answer.fallback:
            fallback = {"ancestors": [ref(cat, a) for a in answer.fallback["ancestors"]],
                        "distance": answer.fallback["distance"]}
        return {"entity": ref(cat, found.iri), "basis": answer.basis, "fallback": fallback,
                "domains": answer.domains, "notes": answer.notes, "openAsOf": answer.open_as_of,
                "query": {"country": country, "lat": lat, "lon": lon, "max_km": max_km, "members_only": members_only},
                "items": chunk, "page": info}, headers
    return cached(request, cat, build)


def _centre_row(cat: Catalogue, rank: int, ranked: Any) -> dict[str, Any]:
    summary = centre_summary(cat, ranked.centre)
    return {"rank": rank, "score": ranked.score, "components": ranked.components, "distanceKm": ranked.distance_km,
            "centre": {k: summary[k] for k in ("id", "label", "iri", "city", "country", "lat", "lon")}
            | {"member": ranked.member}, "note": ranked.note,
            "evidence": [_evidence(cat, e) for e in ranked.evidence],
            "openTrials": [{"id": local_id(t["trial"], "trial"), "label": t["title"], "status": t["status"],
                            "statusVerified": t["verified"] or None} for t in ranked.open_trials]}


def _evidence(cat: Catalogue, item: Any) -> dict[str, Any]:
    about = item.about
    return {"kind": item.kind, "about": ref(cat, about) if about.startswith(BASE) else {"id": about, "label": item.about_label},
            "relation": item.relation, "distance": item.distance, "factor": item.factor, "date": item.date,
            "evidence": item.evidence, "derivedFrom": item.derived_from, "openTrial": item.open_trial}


__all__ = ["engine", "router"]
