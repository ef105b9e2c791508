"""Which registry records the repository's default dataset keeps (``data/ror/records.jsonl``).

The default graph needs, from the registry:

1. the record of every curated centre and institution with a ROR id (``data/euracan/centres.tsv``,
   ``data/institutions/institutions.tsv``, column ``ror``), so they carry its identifiers;
2. for the site resolution of the default trials (``data/evidence``): every record of a hospital,
   university or non-profit (ROR types healthcare, education, nonprofit; cancer centres such as
   Institut Curie are typed nonprofit) located in a city where a default trial has a site, so the
   resolver sees every registry candidate of a site's city;
3. the closure of 1-2 over ``parent`` and ``successor`` relationships, so a hospital's group or
   university and an inactive record's successors are there too.

A build with ``--data DIR`` reads the full dump instead (:func:`loaders.ror.load`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from unidecode import unidecode

from loaders.base import LoadReport
from loaders.ror_dump import RorRecord

KEPT_TYPES = frozenset({"healthcare", "education", "nonprofit"})
FOLLOWED = ("parent", "successor")


@dataclass(frozen=True)
class Wanted:
    ids: frozenset[str]                      # ROR IRIs named by the curated files
    places: frozenset[tuple[str, str]]       # (folded city, ISO country) of the default trials' sites


def fold_city(city: str) -> str:
    """A city name compared without case, accents or surrounding space: ``"Besançon "`` -> ``"besancon"``."""
    return unidecode(city).casefold().strip()


def wanted(data_dir: Path) -> Wanted:
    """What the default dataset under ``data_dir`` asks of the registry (see the module docstring).
    Raises DataError as the curated and evidence readers do."""
    from loaders import evidence
    from loaders.institutions import candidates

    ids = frozenset(c.ror for c in candidates(data_dir) if c.ror)
    _, trials, _ = evidence.read_evidence(data_dir, LoadReport("evidence"))
    places = frozenset((fold_city(site.city), site.country_code) for trial in trials for site in trial.sites
                       if site.city and site.country_code)
    return Wanted(ids, places)


def select(records: Iterable[RorRecord], want: Wanted, report: LoadReport) -> list[RorRecord]:
    """The records ``want`` asks for, with their parent and successor closure, sorted by id. A
    wanted id the registry lacks is a warning (kind ``curated-ror-not-in-dump``)."""
    by_id = {r.id: r for r in records}
    for rid in sorted(want.ids - by_id.keys()):
        report.warn("curated-ror-not-in-dump", f"the curated files name {rid}, which the dump does not hold",
                    record=rid)
    todo = [rid for rid in want.ids if rid in by_id]
    todo += [r.id for r in by_id.values() if KEPT_TYPES.intersection(r.types)
             and any((fold_city(loc.city), loc.country) in want.places for loc in r.locations)]
    kept: set[str] = set()
    while todo:
        rid = todo.pop()
        if rid in kept or rid not in by_id:
            continue
        kept.add(rid)
        todo.extend(target for kind in FOLLOWED for target in by_id[rid].related(kind))
    return [by_id[rid] for rid in sorted(kept)]
