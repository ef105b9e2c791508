"""Which registry records the repository's default dataset keeps (``data/ror/records.jsonl``).

The default graph needs, from the registry:

1. the record of every curated centre and institution with a ROR id (``data/euracan/centres.tsv``,
   ``data/institutions/institutions.tsv``, column ``ror``), so they carry its identifiers;
2. for the site resolution of the default trials (``data/evidence``; :mod:`loaders.link.registry` reads
   these records), the records a site may resolve to, in a site's city or within
   :data:`NEAR_KM` of it (suburbs such as La Tronche for Grenoble; a city is placed at the mean
   position of its registry records, as the resolver does):

   * every hospital (ROR type healthcare): the resolver's candidates by distinctive words and for
     generic names, which it draws from hospitals only;
   * a record of the other types a site can be (education, nonprofit, facility, government, other:
     Institut Curie is typed nonprofit, Gustave Roussy facility) only when the distinctive words of
     one of its names (without its city's words and short function words such as "de", "of") all
     occur in the facility name of a site of that place, since the resolver matches such records by
     their exact name only. This is a superset of the resolver's exact-name rule up to its own
     normalisation (an abbreviation such as "St" for "Saint" in a site name can hide a record);
3. the closure of 1-2 over ``parent`` and ``successor`` relationships, so a hospital's group or
   university and an inactive record's successors are there too.

A build with ``--data DIR`` reads the full dump instead (:func:`loaders.ror.load`).
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from kg.core.records import LoadReport
from kg.core.text import plain
from loaders.ror_dump import RorRecord

KEPT_TYPES = frozenset({"healthcare"})
NAMED_TYPES = frozenset({"education", "nonprofit", "facility", "government", "other"})
#: words that say nothing about which organisation a name is
FUNCTION_WORDS = frozenset({"de", "del", "della", "di", "du", "des", "la", "le", "les", "l", "d", "the", "of", "and",
                            "et", "y", "i", "e", "und", "fur", "der", "den", "het", "van", "von", "en", "a", "an"})
FOLLOWED = ("parent", "successor")
#: a record this close to a site's city (km) is in its place, as in loaders.link.registry
NEAR_KM = 12.0
_WORD = re.compile(r"[a-z0-9]+")

Place = tuple[str, str]  # (folded city, ISO country)


@dataclass(frozen=True)
class Wanted:
    ids: frozenset[str]                      # ROR IRIs named by the curated files
    places: frozenset[Place]                 # the default trials' site places
    words: dict[Place, frozenset[str]] = field(default_factory=dict)  # words of the facility names there


def fold_city(city: str) -> str:
    """A city name compared without case, accents or surrounding space: ``"Besançon "`` -> ``"besancon"``."""
    return plain(city).strip()


def words(text: str) -> set[str]:
    """The folded words of a text: ``"Institut Gustave-Roussy"`` -> ``{"institut", "gustave", "roussy"}``."""
    return set(_WORD.findall(plain(text)))


def wanted(data_dir: Path) -> Wanted:
    """What the default dataset under ``data_dir`` asks of the registry (see the module docstring).
    A folder being compiled (``rarekg data compile --to DIR``) holds the compiled sources but not the
    curated files; those are then read from the repository's dataset. Raises DataError as the
    curated and evidence readers do."""
    from kg.core.ontology import DATA_DIR
    from loaders import evidence
    from loaders.institutions import candidates

    curated = data_dir if (data_dir / "euracan" / "centres.tsv").is_file() else DATA_DIR
    ids = frozenset(c.ror for c in candidates(curated) if c.ror)
    _, trials, _ = evidence.read_evidence(data_dir, LoadReport("evidence"))
    by_place: dict[Place, set[str]] = defaultdict(set)
    for site in (s for t in trials for s in t.sites):
        if site.city and site.country_code:
            by_place[(fold_city(site.city), site.country_code)] |= words(site.facility or "")
    return Wanted(ids, frozenset(by_place), {p: frozenset(w) for p, w in by_place.items()})


def select(records: Iterable[RorRecord], want: Wanted, report: LoadReport) -> list[RorRecord]:
    """The records ``want`` asks for, with their parent and successor closure, sorted by id. A
    wanted id the registry lacks is a warning (kind ``curated-ror-not-in-dump``)."""
    by_id = {r.id: r for r in records}
    for rid in sorted(want.ids - by_id.keys()):
        report.warn("curated-ror-not-in-dump", f"the curated files name {rid}, which the dump does not hold",
                    record=rid)
    centres = _place_centres(by_id.values(), want.places)
    todo = [rid for rid in want.ids if rid in by_id]
    todo += [r.id for r in by_id.values() if _wanted_for_sites(r, want, centres)]
    kept: set[str] = set()
    while todo:
        rid = todo.pop()
        if rid in kept or rid not in by_id:
            continue
        kept.add(rid)
        todo.extend(target for kind in FOLLOWED for target in by_id[rid].related(kind))
    return [by_id[rid] for rid in sorted(kept)]


def _place_centres(records: Iterable[RorRecord], places: frozenset[Place]) -> dict[Place, tuple[float, float]]:
    """Each site place at the mean position of the registry's records in it (places without any
    record have no centre and are matched by name only)."""
    sums: dict[Place, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    for record in records:
        for loc in record.locations:
            place = (fold_city(loc.city), loc.country)
            if place in places and loc.latitude is not None and loc.longitude is not None:
                acc = sums[place]
                acc[0], acc[1], acc[2] = acc[0] + loc.latitude, acc[1] + loc.longitude, acc[2] + 1
    return {p: (a[0] / a[2], a[1] / a[2]) for p, a in sums.items()}


def _places_of(record: RorRecord, want: Wanted, centres: dict[Place, tuple[float, float]]) -> set[Place]:
    found = set()
    for loc in record.locations:
        place = (fold_city(loc.city), loc.country)
        if place in want.places:
            found.add(place)
        if loc.latitude is not None and loc.longitude is not None:
            found.update(p for p, c in centres.items()
                         if p[1] == loc.country and km((loc.latitude, loc.longitude), c) <= NEAR_KM)
    return found


def _wanted_for_sites(record: RorRecord, want: Wanted, centres: dict[Place, tuple[float, float]]) -> bool:
    types = set(record.types)
    if not types & (KEPT_TYPES | NAMED_TYPES):
        return False
    places = _places_of(record, want, centres)
    if not places:
        return False
    if types & KEPT_TYPES:
        return True
    ignored = FUNCTION_WORDS | {w for loc in record.locations for w in words(loc.city)}
    site_words = set().union(*(want.words.get(p, frozenset()) for p in places))
    return any((words(n.value) - ignored) and (words(n.value) - ignored) <= site_words for n in record.names)


def km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in km between two (latitude, longitude) points.

    >>> round(km((48.85341, 2.3488), (45.74846, 4.84671)))
    393
    """
    la1, lo1, la2, lo2 = map(math.radians, (*a, *b))
    h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))
