"""``/api/v1/centres``: healthcare providers (network members and institutions found through
evidence), filtered by country, domain and network; one centre with its domains, entities,
trials, publications and collaborators."""

from __future__ import annotations

from collections import Counter
from typing import Annotated, Any

import pyoxigraph as ox
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from api.rest.catalogue import Catalogue, key
from api.rest.common import CatalogueDep, CursorParam, LimitParam, cached, canonical, page
from api.rest.ids import local_id
from api.rest.responses import declare
from api.rest.views import centre_ref, centre_rows, centre_summary, entity_view, ref, trial_summaries
from kg.core.vocab import ECO_CURATED_STATEMENT, ECO_MEMBERSHIP, ECO_PUBLICATION, ECO_TRIAL_SITE, RKG, SKOS

router = APIRouter(prefix="/api/v1", tags=["centres"])
#: the keys of ``evidenceCounts``: the names the evidence kinds had before they were ECO classes (#19)
EVIDENCE_COUNT_KEYS = {ECO_MEMBERSHIP.value: "MembershipEvidence", ECO_TRIAL_SITE.value: "TrialSiteEvidence",
                       ECO_PUBLICATION.value: "PublicationEvidence",
                       ECO_CURATED_STATEMENT.value: "CuratedStatementEvidence"}

_EXAMPLE = {"items": [{"id": "centre-leon-berard", "label": "Centre Léon Bérard", "city": "Lyon", "country": "FR",
                       "lat": 45.7378, "lon": 4.8826, "iri": "https://w3id.org/rarekg/centre/centre-leon-berard",
                       "memberships": [{"network": "euracan", "role": "CoordinatorRole", "status": "confirmed",
                                        "domains": ["G1", "G2"], "sources": ["https://euracan.eu/"], "date": "2024-01-01"}]}],
            "page": {"limit": 20, "total": 1, "returned": 1, "next": None}}


def member_domains(cat: Catalogue, centre: str, network: str | None = None) -> set[str]:
    """Domain ids the centre's memberships (in ``network``, or any) cover."""
    return {d for m in centre_summary(cat, centre)["memberships"]
            if network is None or m["network"] == network for d in m["domains"]}


@router.get("/centres", summary="Centres, filtered by country, domain and network",
            responses={200: {"content": {"application/json": {"example": _EXAMPLE}}}, **declare(400, 422)})
async def list_centres(request: Request, cat: CatalogueDep,
                       country: Annotated[str | None, Query(pattern=r"^[A-Za-z]{2}$", examples=["FR"],
                                                            description="ISO 3166-1 alpha-2 country code")] = None,
                       domain: Annotated[str | None, Query(pattern=r"^[Gg]\d{1,2}$", examples=["G1"],
                                                           description="A EURACAN domain the centre's membership covers")] = None,
                       network: Annotated[str | None, Query(examples=["euracan"], pattern=r"^[a-z0-9-]{1,60}$",
                                                            description="Only members of this network")] = None,
                       limit: LimitParam = 20, cursor: CursorParam = None) -> Response:
    def build() -> Any:
        rows = centre_rows(cat)
        if country:
            rows = [r for r in rows if r["country"] == country.upper()]
        if network:
            rows = [r for r in rows if any(m["network"] == network for m in r["memberships"])]
        if domain:
            rows = [r for r in rows if domain.upper() in {d for m in r["memberships"] for d in m["domains"]}]
        chunk, info, headers = page(request, rows, [(r["id"],) for r in rows], limit, cursor)
        return {"items": chunk, "page": info}, headers
    return cached(request, cat, build)


@router.get("/centres/{centre}", summary="One centre: domains, entities, trials, publications, collaborators",
            responses=declare(404, 422, redirects=True))
async def get_centre(centre: str, request: Request, cat: CatalogueDep) -> Response:
    found = canonical(request, cat, "centre", centre)
    if isinstance(found, Response):
        return found
    return cached(request, cat, lambda: centre_detail(cat, found.iri))


def centre_detail(cat: Catalogue, iri: str) -> dict[str, Any]:
    """Everything the API says about one centre."""
    cat.preload(iri, RKG.aboutProvider, incoming=True)     # the evidence's facts in one query (over a server)
    evidence = cat.subjects(RKG.aboutProvider, iri)
    kinds = Counter(EVIDENCE_COUNT_KEYS.get(kind, kind.rsplit("/", 1)[-1])
                    for kind in (cat.first(e, RKG.evidenceKind) or "" for e in evidence))
    entities: Counter[str] = Counter(x for e in evidence for x in cat.strings(e, RKG.aboutEntity))
    domains = sorted({*member_domains(cat, iri),
                      *(local_id(d, "domain") for e in evidence for d in cat.strings(e, RKG.aboutDomain))},
                     key=lambda d: int(d[1:]) if d[1:].isdigit() else 99)
    trials = centre_trials(cat, iri)
    labels = entity_view(cat) if len(entities) > 1 else cat    # every entity's label, read once for all
    publications = centre_publications(cat, iri)
    return {**centre_summary(cat, iri), "aliases": cat.strings(iri, SKOS.altLabel),
            "domains": domains, "evidenceCounts": dict(sorted(kinds.items())),
            "entities": [{**ref(labels, e), "evidence": n} for e, n in sorted(entities.items(), key=lambda x: (-x[1], x[0]))],
            "trials": trial_summaries(cat, trials),
            "publications": [ref(cat, p) for p in publications],
            "collaborators": collaborators(cat, iri)}


def centre_trials(cat: Catalogue, iri: str) -> list[str]:
    """Trials with a site at the centre (``trials-of-centre``)."""
    return sorted({key(r["trial"]) for r in cat.run("trials-of-centre", centre=ox.NamedNode(iri))})


def centre_publications(cat: Catalogue, iri: str) -> list[str]:
    """Publications with an author affiliated with the centre (``publications-at-centre``)."""
    return sorted({key(r["publication"]) for r in cat.run("publications-at-centre", centre=ox.NamedNode(iri))})


def collaborators(cat: Catalogue, iri: str) -> list[dict[str, Any]]:
    """Other centres sharing a trial or a publication, most shared first (``centre-partners``,
    counted as the library's ``collaborating-centres`` counts them)."""
    shared: dict[str, list[int]] = {}
    for r in cat.run("centre-partners", centre=ox.NamedNode(iri)):
        shared.setdefault(key(r["partner"]), [0, 0])[0 if r["kind"].value == "trial" else 1] += 1
    rows = [{**centre_ref(cat, c), "sharedTrials": t, "sharedPublications": p} for c, (t, p) in shared.items()]
    return sorted(rows, key=lambda r: (-(r["sharedTrials"] + r["sharedPublications"]), r["id"]))


__all__ = ["centre_detail", "member_domains", "router"]
