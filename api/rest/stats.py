"""``/api/v1/stats``: what the graph holds, counted from the served snapshot."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.rest.catalogue import Catalogue
from api.rest.common import CatalogueDep, cached
from api.rest.responses import declare
from api.rest.views import centre_rows, entity_view, trial_rows
from kg.core.trial_status import today
from kg.core.vocab import BASE, RKG
from kg.expertise.members_on_record import members_on_record

router = APIRouter(prefix="/api/v1", tags=["stats"])


@router.get("/stats", summary="Counts: entities by source, centres, members, countries, trials, publications",
            responses=declare())
async def stats(request: Request, cat: CatalogueDep) -> Response:
    return cached(request, cat, lambda: counts(cat))


def counts(cat: Catalogue) -> dict[str, Any]:
    """The figures of the served graph."""
    centres, trials = centre_rows(cat), trial_rows(cat)
    by_prefix = {name: sum(1 for e in cat.entities if e.startswith(BASE + prefix))
                 for name, prefix in (("orphanet", "entity/orpha/"), ("oncotree", "entity/oncotree/"),
                                      ("subgroups", "subgroup/"))}
    return {"triples": cat.triples, "entities": {"total": len(cat.entities), **by_prefix},
            "entitiesWithDomain": sum(1 for e in cat.entities if entity_view(cat).values(e, RKG.inDomain)),
            "domains": len(cat.domains), "centres": len(centres),
            "memberCentres": sum(1 for c in centres if c["memberships"]),
            "countries": len({c["country"] for c in centres if c["country"]}),
            "memberCountries": len({c["country"] for c in centres if c["memberships"] and c["country"]}),
            "membersOnRecord": members_on_record(cat.select),
            "trials": len(trials), "openTrials": sum(1 for t in trials if t.open),
            "openAsOf": today().isoformat(),
            "publications": len(cat.publications),
            # counted by the store: the list of every evidence node is the largest of the graph
            "evidence": int(cat.run("evidence-count")[0]["n"].value)}
