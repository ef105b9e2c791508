"""``/api/v1/domains``: the ten EURACAN domains with their counts of entities and member centres."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.rest.catalogue import Catalogue
from api.rest.common import CatalogueDep, cached
from api.rest.responses import declare
from api.rest.views import centre_rows, ref
from kg.core.vocab import RKG, SKOS

router = APIRouter(prefix="/api/v1", tags=["domains"])


@router.get("/domains", summary="The EURACAN cancer domains (G1..G10) with entity and centre counts",
            responses=declare())
async def list_domains(request: Request, cat: CatalogueDep) -> Response:
    return cached(request, cat, lambda: {"items": domain_rows(cat)})


def domain_rows(cat: Catalogue) -> list[dict[str, Any]]:
    """One row per domain, in G1..G10 order."""
    members: dict[str, set[str]] = {}
    for c in centre_rows(cat):
        for m in c["memberships"]:
            for d in m["domains"]:
                members.setdefault(d, set()).add(c["iri"])
    rows = []
    for d in cat.domains:
        row = ref(cat, d)
        rows.append({**row, "iri": d, "number": int(cat.number(d, RKG.domainNumber) or 0),
                     "definition": cat.first(d, SKOS.definition),
                     "entities": len(cat.subjects(RKG.inDomain, d)), "memberCentres": len(members.get(row["id"], ()))})
    return rows
