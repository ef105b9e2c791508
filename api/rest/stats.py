"""``/api/v1/stats``: what the graph holds, counted from the served snapshot."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.rest.catalogue import Catalogue
from api.rest.common import CatalogueDep, cached
from api.rest.views import centre_summary, trial_summary
from kg.vocab import BASE, RKG

router = APIRouter(prefix="/api/v1", tags=["stats"])


@router.get("/stats", summary="Counts: entities by source, centres, members, countries, trials, publications")
async def stats(request: Request, cat: CatalogueDep) -> Response:
    return cached(request, cat, lambda: counts(cat))


def counts(cat: Catalogue) -> dict[str, Any]:
    """The figures of the served graph."""
    centres = [centre_summary(cat, c) for c in cat.centres]
    trials = [trial_summary(cat, t) for t in cat.trials]
    by_prefix = {name: sum(1 for e in cat.entities if e.startswith(BASE + prefix))
                 for name, prefix in (("orphanet", "entity/orpha/"), ("oncotree", "entity/oncotree/"),
                                      ("subgroups", "subgroup/"))}
    return {"triples": cat.triples, "entities": {"total": len(cat.entities), **by_prefix},
            "entitiesWithDomain": sum(1 for e in cat.entities if cat.values(e, RKG.inDomain)),
            "domains": len(cat.domains), "centres": len(centres),
            "memberCentres": sum(1 for c in centres if c["memberships"]),
            "countries": len({c["country"] for c in centres if c["country"]}),
            "memberCountries": len({c["country"] for c in centres if c["memberships"] and c["country"]}),
            "trials": len(trials), "openTrials": sum(1 for t in trials if t["open"]),
            "publications": len(cat.publications),
            "evidence": len(cat.into.get(RKG.Evidence.value, {}).get("http://www.w3.org/1999/02/22-rdf-syntax-ns#type", []))}
