"""``/api/v1/entities/{id}/centres``: the explained referral ranking.

The ranking itself (score components, evidence, fallback to the nearest ancestor with evidence,
great-circle distance, open trials) is :mod:`kg.expertise.referral`'s; this module validates the request,
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
from api.rest.problems import Problem, bad_param
from api.rest.responses import declare
from api.rest.views import centre_summary, ref
from kg.core.trial_status import today
from kg.core.vocab import BASE, DCTERMS

router = APIRouter(prefix="/api/v1", tags=["referral"])

_EXAMPLE = {
    "entity": {"id": "ORPHA:44890", "label": "Gastrointestinal stromal tumor"},
    "basis": "entity", "fallback": None, "domains": ["Connective tissue (sarcomas)"], "notes": [],
    "openAsOf": "2026-12-07",
    "query": {"country": "FR", "lat": None, "lon": None, "max_km": None, "members_only": False},
    "items": [{"rank": 1, "score": 7.5, "components": {"membership": 3.0, "trials": 3.5, "publications": 1.0},
               "distanceKm": None,
               "centre": {"id": "centre-leon-berard", "label": "Centre Léon Bérard", "city": "Lyon", "country": "FR"},
               "evidence": [{"kind": "membership", "about": {"id": "G1", "label": "G1"}, "relation": "domain",
                             "source": "https://euracan.eu/", "date": "2024"}], "evidenceTotal": 1,
               "openTrials": [{"id": "NCT00000000", "label": "A recruiting trial", "status": "Recruiting",
                               "statusVerified": "2026-10-01"}]}],
    "page": {"limit": 20, "total": 1, "returned": 1, "next": None}}


def engine(backend: Any, cat: Catalogue) -> tuple[Any, Any]:
    """kg.expertise.referral's index of the served store and its ranking weights, built once per snapshot."""
    def build() -> tuple[Any, Any]:
        from kg.expertise.referral import load_config
        from kg.expertise.referral_geo import country_origin
        from kg.expertise.referral_load import load_index
        from kg.expertise.referral_precompute import prepare
        built = (load_index(backend.store), load_config())
        prepare(built[0], built[1], today())   # the heaviest entities' candidates (kg.expertise.referral_precompute)
        country_origin("FR")   # the capitals table (a second to read), before the first patient country asks
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
        country: Annotated[str | None, Query(examples=["PL"], description=(
            "The patient's country (ISO alpha-2, any European country): only its centres; with none on "
            "record, the network's centres abroad with the distance from its capital"))] = None,
        lat: Annotated[float | None, Query(examples=[45.76], description="Patient latitude (in Europe)")] = None,
        lon: Annotated[float | None, Query(examples=[4.84], description="Patient longitude (in Europe)")] = None,
        max_km: Annotated[float | None, Query(examples=[500],
                                              description="Only centres within this distance (needs lat and lon)")] = None,
        members_only: Annotated[bool, Query(description="Only network member centres")] = False,
        outside_network: Annotated[bool, Query(description="Also centres outside the network's countries "
                                                           "(EU/EEA): Switzerland, the UK, North America ...")] = False,
        limit: LimitParam = 20, cursor: CursorParam = None) -> Response:
    from kg.core.errors import ParameterError
    from kg.expertise.referral_geo import validate_location
    found = _entity(request, cat, entity)
    if isinstance(found, Response):
        return found
    try:   # a bad or non-European location is the client's error: 400 naming the parameter
        validate_location(lat, lon, max_km, country)
    except ParameterError as exc:
        raise bad_param(exc.parameter, _reason(exc)) from None

    def build() -> Any:
        from kg.core.errors import ParameterError
        from kg.expertise.referral import ReferralOptions, fill_evidence, rank
        from kg.expertise.referral_precompute import prepare
        index, cfg = engine(request.app.state.backend, cat)
        prepare(index, cfg, today())   # a no-op but on a server's first answer of a new day
        opts = ReferralOptions(country=country.upper() if country else None, lat=lat, lon=lon, max_km=max_km,
                               members_only=members_only, limit=None, outside_network=outside_network,
                               lazy_evidence=True)
        try:
            answer = rank(index, found.iri, opts, cfg, query=entity)
        except ParameterError as exc:
            raise bad_param(exc.parameter, _reason(exc)) from None
        # page first, then make the evidence of that page's centres only (a root entity has hundreds)
        ranked = list(enumerate(answer.centres, 1))
        chunk, info, headers = page(request, ranked, [(n,) for n, _ in ranked], limit, cursor)
        fill_evidence(index, [r for _, r in chunk], cfg, opts.today or today())
        chunk = [_centre_row(cat, n, r) for n, r in chunk]
        fallback = None
        if answer.fallback:
            fallback = {"ancestors": [ref(cat, a) for a in answer.fallback["ancestors"]],
                        "distance": answer.fallback["distance"]}
        abroad = None
        if answer.abroad:
            abroad = {"country": answer.abroad["country"], "from": answer.abroad["from"],
                      "nearest": [{"centre": {"id": local_id(n["centre"], "centre"), "label": n["name"]}, "distanceKm": n["km"]}
                                  for n in answer.abroad.get("nearest", [])]}
        return {"entity": ref(cat, found.iri), "basis": answer.basis, "fallback": fallback, "abroad": abroad,
                "domains": answer.domains, "notes": answer.notes, "openAsOf": answer.open_as_of,
                "query": {"country": country, "lat": lat, "lon": lon, "max_km": max_km, "members_only": members_only,
                          "outside_network": outside_network},
                "items": chunk, "page": info}, headers
    return cached(request, cat, build)


def _reason(exc: Any) -> str:
    """The reason of a ParameterError without its "parameter 'x': " prefix (the problem names it)."""
    return str(exc).split(": ", 1)[-1]


def _entity(request: Request, cat: Catalogue, entity: str) -> Any:
    """The entity ``entity`` names (or a redirect); an unknown one is a 404 whose ``closeMatches`` fall
    back to the referral index's fuzzy match on labels and synonyms when the id forms match nothing."""
    try:
        return canonical(request, cat, "entity", entity)
    except Problem as problem:
        if problem.status != 404 or problem.extra.get("closeMatches"):
            raise
        from kg.expertise.referral_index import close_entities
        index, _ = engine(request.app.state.backend, cat)
        problem.extra["closeMatches"] = [ref(cat, iri) | {"matched": key} for iri, _, key in close_entities(index, entity)]
        raise problem from None


def _centre_row(cat: Catalogue, position: int, ranked: Any) -> dict[str, Any]:
    summary = centre_summary(cat, ranked.centre)
    return {"rank": ranked.rank, "position": position, "score": ranked.score, "membership": ranked.membership, "components": ranked.components, "distanceKm": ranked.distance_km,
            "centre": {k: summary[k] for k in ("id", "label", "iri", "city", "country", "lat", "lon")}
            | {"member": ranked.member}, "note": ranked.note,
            # the most telling items (kg.expertise.referral.EVIDENCE_LIMIT) and how many there are in all
            "evidence": [_evidence(cat, e) for e in ranked.evidence], "evidenceTotal": ranked.evidence_total,
            "openTrials": [{"id": local_id(t["trial"], "trial"), "label": t["title"], "status": t["status"],
                            "statusVerified": t["verified"] or None} for t in ranked.open_trials]}


def _evidence(cat: Catalogue, item: Any) -> dict[str, Any]:
    about = item.about
    about_ref = (ref(cat, about) if about.startswith(BASE) else {"id": about, "label": item.about_label}) if about else None
    return {"kind": item.kind, "about": about_ref,
            "relation": item.relation, "distance": item.distance, "factor": item.factor, "date": item.date,
            "evidence": item.evidence, "derivedFrom": item.derived_from, "openTrial": item.open_trial,
            "closedSite": item.closed_site,
            # the page that states it: the registry record, the PubMed record or the membership's source
            "source": min(cat.strings(item.evidence, DCTERMS.source), default=None)}


__all__ = ["engine", "router"]
