"""``/api/v1/publications/{id}``: one publication with its authors, affiliations and topics."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.rest.catalogue import Catalogue
from api.rest.common import CatalogueDep, cached, canonical
from api.rest.responses import declare
from api.rest.views import ref
from kg.core.vocab import DCTERMS, RKG, SCHEMA

router = APIRouter(prefix="/api/v1", tags=["publications"])


@router.get("/publications/{publication}", summary="One publication: PMID, DOI, authors and their centres, topics",
            responses=declare(404, 422, redirects=True))
async def get_publication(publication: str, request: Request, cat: CatalogueDep) -> Response:
    found = canonical(request, cat, "publication", publication)
    if isinstance(found, Response):
        return found
    return cached(request, cat, lambda: publication_detail(cat, found.iri))


def publication_detail(cat: Catalogue, iri: str) -> dict[str, Any]:
    """Everything the API says about one publication."""
    authors = []
    cat.preload(iri, RKG.hasAuthorship)     # every authorship's facts in one query (over a server)
    for a in cat.strings(iri, RKG.hasAuthorship):
        centre = cat.first(a, RKG.affiliatedWith)
        authors.append({"name": cat.first(a, SCHEMA.name), "position": int(cat.number(a, RKG.authorPosition) or 0),
                        "affiliation": cat.first(a, RKG.affiliationText),
                        "centre": ref(cat, centre) if centre else None})
    return {**ref(cat, iri), "iri": iri, "pmid": cat.first(iri, RKG.pmid), "doi": cat.first(iri, RKG.doi),
            "pmcid": cat.first(iri, RKG.pmcid), "title": cat.first(iri, DCTERMS.title),
            "journal": cat.first(iri, RKG.journal), "date": cat.first(iri, SCHEMA.datePublished),
            "publicationTypes": cat.strings(iri, RKG.publicationType),
            "meshHeadings": cat.strings(iri, RKG.meshHeadingLabel),
            "majorMeshHeadings": cat.strings(iri, RKG.majorMeshHeadingLabel),
            "topics": [ref(cat, e) for e in cat.strings(iri, RKG.topicEntity)],
            "authors": sorted(authors, key=lambda a: a["position"])}
