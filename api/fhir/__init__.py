"""FHIR R4B (4.3.0, JSON) under ``/fhir/``: read by id and a few search parameters, searches as Bundles.
Every answer is built by the ``fhir.resources`` R4B models (:mod:`api.fhir.resources`).

| resource | read | search parameters |
| --- | --- | --- |
| Organization (centre) | ``/fhir/Organization/{slug}`` | ``name`` (contains), ``address-country`` |
| Location (centre) | ``/fhir/Location/{slug}`` | ``address-country``, ``name`` |
| HealthcareService (centre × domain) | ``/fhir/HealthcareService/{slug}.{G}`` | ``specialty`` (G1..G10), ``organization`` |
| ResearchStudy (trial) | ``/fhir/ResearchStudy/{id}`` | ``status``, ``condition`` (entity id, e.g. ORPHA:44890) |

``_count`` (default 20, at most 100) and ``_offset`` page a search. Errors are OperationOutcome.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from api.fhir import resources as fr
from api.rest.catalogue import Catalogue
from api.rest.common import MAX_LIMIT, CatalogueDep, cached
from api.rest.ids import NotFound, local_id, resolve
from api.rest.problems import FHIR_MEDIA, Problem
from api.rest.responses import fhir
from api.rest.search import fold
from api.rest.views import centre_rows, trial_rows
from api.settings import public_base
from kg.core.vocab import RKG

router = APIRouter(prefix="/fhir", tags=["FHIR R4B"])
Count = Annotated[int, Query(alias="_count", ge=0, description=f"Entries per page (at most {MAX_LIMIT})")]
Offset = Annotated[int, Query(alias="_offset", ge=0, description="Entries to skip")]


def _read(cat: Catalogue, kind: str, ident: str, build: Callable[[str], Any]) -> dict[str, Any]:
    try:
        found = resolve(cat, kind, ident)
    except NotFound:
        raise Problem(404, "Not found", f"no {kind} with id {ident!r}") from None
    if found.status != 200 and fr._fhir_id(found.canonical) != ident:
        raise Problem(404, "Not found", f"no resource with id {ident!r}; try {found.canonical!r}")
    return fr.json_ready(build(found.iri))


def _search(request: Request, cat: Catalogue, rows: list[Any], build: Callable[[Any], dict[str, Any]],
            count: int, offset: int) -> Any:
    used = min(count, MAX_LIMIT)
    base = public_base(request.app.state.settings)   # never the request's Host: the Bundle is cached
    chunk = rows[offset:offset + used]
    params = [(k, v) for k, v in request.query_params.multi_items() if k not in ("_offset", "_count")]
    next_url = (f"{base}{request.url.path}?{urlencode(params + [('_count', used), ('_offset', offset + used)])}"
                if offset + used < len(rows) else None)
    headers = {"X-Rarekg-Limit-Clamped": f"requested={count}; used={used}"} if count > used else {}
    query = request.url.query
    self_url = f"{base}{request.url.path}" + (f"?{query}" if query else "")
    return fr.json_ready(fr.bundle([build(r) for r in chunk], base, len(rows), self_url, next_url)), headers


@router.get("/metadata", summary="CapabilityStatement", response_class=Response,
            responses=fhir("The CapabilityStatement"))
async def metadata(request: Request, cat: CatalogueDep) -> Response:
    def build() -> dict[str, Any]:
        kinds = {"Organization": ["name", "address-country"], "Location": ["name", "address-country"],
                 "HealthcareService": ["specialty", "organization"], "ResearchStudy": ["status", "condition"]}
        return fr.json_ready(fr.capability_statement(kinds))
    return cached(request, cat, build, FHIR_MEDIA)


@router.get("/Organization/{ident}", summary="A centre as Organization", response_class=Response,
            responses=fhir("The Organization", 404, 422))
async def read_organization(ident: str, request: Request, cat: CatalogueDep) -> Response:
    return cached(request, cat, lambda: _read(cat, "centre", ident, lambda i: fr.organization(cat, i)), FHIR_MEDIA)


@router.get("/Location/{ident}", summary="A centre's position as Location", response_class=Response,
            responses=fhir("The Location", 404, 422))
async def read_location(ident: str, request: Request, cat: CatalogueDep) -> Response:
    return cached(request, cat, lambda: _read(cat, "centre", ident, lambda i: fr.location(cat, i)), FHIR_MEDIA)


def _centres(cat: Catalogue, name: str | None, country: str | None) -> list[str]:
    rows = centre_rows(cat)     # the table of every centre, read column by column
    if country:
        rows = [r for r in rows if (r["country"] or "") == country.upper()]
    if name:
        rows = [r for r in rows if fold(name) in fold(r["label"])]
    return [r["iri"] for r in rows]


@router.get("/Organization", summary="Search centres (Bundle)", response_class=Response,
            responses=fhir("A searchset Bundle of Organization", 422))
async def search_organizations(request: Request, cat: CatalogueDep, count: Count = 20, offset: Offset = 0,
                               name: str | None = None,
                               country: Annotated[str | None, Query(alias="address-country", pattern=r"^[A-Za-z]{2}$")] = None
                               ) -> Response:
    return cached(request, cat, lambda: _search(request, cat, _centres(cat, name, country),
                                                lambda c: fr.organization(cat, c), count, offset), FHIR_MEDIA)


@router.get("/Location", summary="Search centre locations (Bundle)", response_class=Response,
            responses=fhir("A searchset Bundle of Location", 422))
async def search_locations(request: Request, cat: CatalogueDep, count: Count = 20, offset: Offset = 0,
                           name: str | None = None,
                           country: Annotated[str | None, Query(alias="address-country", pattern=r"^[A-Za-z]{2}$")] = None
                           ) -> Response:
    return cached(request, cat, lambda: _search(request, cat, _centres(cat, name, country),
                                                lambda c: fr.location(cat, c), count, offset), FHIR_MEDIA)


@router.get("/HealthcareService/{ident}", summary="A centre's expert service for one domain", response_class=Response,
            responses=fhir("The HealthcareService", 404, 422))
async def read_service(ident: str, request: Request, cat: CatalogueDep) -> Response:
    def build() -> dict[str, Any]:
        if ident not in fr.services(cat):
            raise Problem(404, "Not found", f"no HealthcareService {ident!r} (ids are <centre>.<domain>, e.g. "
                          f"{next(iter(fr.services(cat)), 'centre.G1')})")
        return fr.json_ready(fr.healthcare_service(cat, ident))
    return cached(request, cat, build, FHIR_MEDIA)


@router.get("/HealthcareService", summary="Search expert services by domain or centre (Bundle)", response_class=Response,
            responses=fhir("A searchset Bundle of HealthcareService", 422))
async def search_services(request: Request, cat: CatalogueDep, count: Count = 20, offset: Offset = 0,
                          specialty: Annotated[str | None, Query(pattern=r"^(.*\|)?[Gg]\d{1,2}$", examples=["G1"])] = None,
                          organization: Annotated[str | None, Query(examples=["Organization/centre-leon-berard"])] = None
                          ) -> Response:
    def rows() -> list[str]:
        out = sorted(fr.services(cat))
        if specialty:
            out = [s for s in out if s.endswith("." + specialty.rsplit("|", 1)[-1].upper())]
        if organization:
            slug = organization.rsplit("/", 1)[-1]
            out = [s for s in out if local_id(fr.services(cat)[s][0], "centre") == slug]
        return out
    return cached(request, cat, lambda: _search(request, cat, rows(), lambda s: fr.healthcare_service(cat, s),
                                                count, offset), FHIR_MEDIA)


@router.get("/ResearchStudy/{ident}", summary="A trial as ResearchStudy", response_class=Response,
            responses=fhir("The ResearchStudy", 404, 422))
async def read_study(ident: str, request: Request, cat: CatalogueDep) -> Response:
    return cached(request, cat, lambda: _read(cat, "trial", ident, lambda t: fr.research_study(cat, t)), FHIR_MEDIA)


@router.get("/ResearchStudy", summary="Search trials by FHIR status or condition (Bundle)", response_class=Response,
            responses=fhir("A searchset Bundle of ResearchStudy", 400, 422))
async def search_studies(request: Request, cat: CatalogueDep, count: Count = 20, offset: Offset = 0,
                         status: Annotated[str | None, Query(examples=["active"])] = None,
                         condition: Annotated[str | None, Query(examples=["ORPHA:44890"])] = None) -> Response:
    def rows() -> list[str]:
        out = cat.trials
        if status:   # a ResearchStudy's status is its registry status mapped (the trials' table holds it)
            mapped = {r.id: fr.fhir_status(r.status) for r in trial_rows(cat)}
            out = [t for t in out if mapped[local_id(t, "trial")] == status]
        if condition:
            try:
                entity = resolve(cat, "entity", condition.rsplit("|", 1)[-1]).iri
            except NotFound:
                raise Problem(400, "Invalid parameter", f"condition: unknown entity {condition!r}") from None
            studying = set(cat.subjects(RKG.studiesEntity, entity))
            out = [t for t in out if t in studying]
        return out
    return cached(request, cat, lambda: _search(request, cat, rows(), lambda t: fr.research_study(cat, t),
                                                count, offset), FHIR_MEDIA)
