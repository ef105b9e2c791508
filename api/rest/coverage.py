"""``/api/v1/coverage``: EURACAN domains by countries: member centres per cell, and the gaps
(a domain with no member centre in a country that has member centres)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from api.rest.catalogue import Catalogue
from api.rest.common import CatalogueDep, cached
from api.rest.ids import local_id
from api.rest.responses import declare
from api.rest.views import centre_rows
from kg.core.vocab import BASE
from kg.expertise.members_on_record import members_on_record

router = APIRouter(prefix="/api/v1", tags=["coverage"])


@router.get("/coverage", summary="Domains × countries: member centres per cell, providers with evidence, gaps",
            responses=declare(422))
async def coverage(request: Request, cat: CatalogueDep,
                   network: Annotated[str, Query(pattern=r"^[a-z0-9-]{1,60}$", examples=["euracan"],
                                                 description="The network whose members are counted")] = "euracan"
                   ) -> Response:
    return cached(request, cat, lambda: coverage_matrix(cat, network))


def excluded_entities(cat: Catalogue) -> list[dict[str, Any]]:
    """How many entities each exclusion category keeps out of the domains ("benign", ...)."""
    return [{"category": row["category"].value, "entities": int(row["n"].value)} for row in cat.run("excluded-entities")]


def coverage_matrix(cat: Catalogue, network: str) -> dict[str, Any]:
    """Cells for every domain and every country with a member centre of ``network``."""
    members: dict[tuple[str, str], list[str]] = {}
    countries: set[str] = set()
    country_of: dict[str, str] = {}
    for summary in centre_rows(cat):
        country_of[summary["iri"]] = summary["country"] or ""
        for m in summary["memberships"]:
            if m["network"] == network and summary["country"]:
                countries.add(summary["country"])
                for d in m["domains"]:
                    members.setdefault((d, summary["country"]), []).append(summary["id"])
    evidence: dict[tuple[str, str], set[str]] = {}
    # every (provider, domain) pair with evidence about an entity of the domain, joined by the store
    for row in cat.run("evidence-domain-pairs"):
        c = row["c"].value
        if c in country_of:
            evidence.setdefault((local_id(row["d"].value, "domain"), country_of[c]), set()).add(c)
    domain_ids = [local_id(d, "domain") for d in cat.domains]
    ordered = sorted(countries)
    cells = [{"domain": d, "country": k, "memberCentres": len(members.get((d, k), [])),
              "centres": sorted(set(members.get((d, k), []))),
              "providersWithEvidence": len(evidence.get((d, k), ()))} for d in domain_ids for k in ordered]
    gaps = [{"domain": c["domain"], "country": c["country"]} for c in cells if c["memberCentres"] == 0]
    from kg.expertise.referral_geo import european_countries
    return {"network": network, "membersOnRecord": members_on_record(cat.select, BASE + "network/" + network),
            # a patient may be in any European country, members on record or not (the finder offers them all)
            "patientCountries": european_countries(),
            "domains": [{"id": d, "label": cat.label(i)} for d, i in zip(domain_ids, cat.domains)],
            "countries": ordered, "cells": cells, "gaps": gaps,
            "domainsWithoutMembers": [d for d in domain_ids if not any(members.get((d, k)) for k in ordered)],
            "excludedEntities": excluded_entities(cat)}

