"""Development-half diagnostic for the ROR share of issue #16 (never reads the test-half gold labels).

For every European site of a **dev-half** trial (``trial_split.tsv``) in a built store, prints the
institution node it resolved to, by which rule, and whether that node carries a ROR IRI. For each node
without one it lists the registry records of the site's country whose place agrees (same folded city, or
within 15 km) and whose names are closest to the facility name (rapidfuzz token-set ratio ≥ 70), so a
developer sees whether the registry holds the institution and why the resolver missed it. It is a hint,
not a label: nothing here is scored or written into the data.

Run: ``PYTHONPATH=. python tests/gold/sites_dev_ror.py STORE ../shared/data/ror/<dump.zip> [--all]``
(``--all`` also lists the sites whose node has a ROR IRI).
"""

from __future__ import annotations

import argparse
import math
import sys
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path

from rapidfuzz import fuzz

from loaders.ror_dump import RorRecord, read
from loaders.trials import fold

GOLD = Path(__file__).parent
#: geographic Europe (EU/EEA, UK, Switzerland, the Balkans, Ukraine, Belarus, Moldova, Russia)
EUROPE = frozenset(["AD", "AL", "AT", "BA", "BE", "BG", "BY", "CH", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GB", "GR", "HR", "HU", "IE", "IS", "IT", "LI", "LT", "LU", "LV", "MC", "MD", "ME", "MK", "MT", "NL", "NO", "PL", "PT", "RO", "RS", "RU", "SE", "SI", "SK", "SM", "UA", "VA", "XK"])
RKG = "https://w3id.org/rarekg/ontology/"
QUERY = f"""
PREFIX rkg: <{RKG}>
PREFIX sssom: <https://w3id.org/sssom/>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX schema: <https://schema.org/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?rid ?facility ?city ?country ?status ?rule ?provider ?label
       (GROUP_CONCAT(DISTINCT STR(?ror); separator=" ") AS ?rors) WHERE {{
  ?trial rkg:hasSite ?site ; dcterms:identifier ?rid .
  OPTIONAL {{ ?site rkg:facilityName ?facility }}
  OPTIONAL {{ ?site schema:addressLocality ?city }}
  OPTIONAL {{ ?site schema:addressCountry ?country }}
  OPTIONAL {{ ?site rkg:resolutionStatus ?status }}
  OPTIONAL {{ ?site sssom:curation_rule_text ?rule }}
  OPTIONAL {{ ?site rkg:atProvider ?provider . OPTIONAL {{ ?provider rdfs:label ?label }}
             OPTIONAL {{ ?provider ?p ?ror . FILTER(STRSTARTS(STR(?ror), "https://ror.org/")) }} }}
}} GROUP BY ?rid ?facility ?city ?country ?status ?rule ?provider ?label"""


def dev_trials() -> set[str]:
    """The registry ids of the development half."""
    lines = (GOLD / "trial_split.tsv").read_text(encoding="utf-8").splitlines()[1:]
    return {rid for rid, _, half in (line.split("\t") for line in lines) if half == "dev"}


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(h))


class Registry:
    """The dump's records by country, for candidate look-ups."""

    def __init__(self, records: Sequence[RorRecord]) -> None:
        self.by_country: dict[str, list[RorRecord]] = defaultdict(list)
        self.city_points: dict[tuple[str, str], tuple[float, float]] = {}
        for r in records:
            for cc in {loc.country for loc in r.locations}:
                self.by_country[cc].append(r)
            for loc in r.locations:
                if loc.latitude is not None and loc.longitude is not None:
                    self.city_points.setdefault((loc.country, fold(loc.city)), (loc.latitude, loc.longitude))

    def candidates(self, facility: str, city: str, country: str, limit: int = 3) -> list[tuple[float, RorRecord]]:
        point = self.city_points.get((country, fold(city)))
        out = []
        for r in self.by_country.get(country, ()):
            near = any(fold(loc.city) == fold(city) or point and loc.latitude is not None
                       and loc.longitude is not None and _km(point, (loc.latitude, loc.longitude)) <= 15
                       for loc in r.locations)
            if not near:
                continue
            best = max(fuzz.token_set_ratio(fold(facility), fold(n.value)) for n in r.names)
            if best >= 70:
                out.append((best, r))
        return sorted(out, key=lambda x: -x[0])[:limit]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("store", type=Path)
    parser.add_argument("dump", type=Path)
    parser.add_argument("--all", action="store_true")
    args = parser.parse_args(argv)
    from kg.store.embedded import EmbeddedStore

    store = EmbeddedStore(args.store, read_only=True)
    try:
        rows = [{k: str(getattr(v, "value", v)) for k, v in r.items() if v is not None} for r in store.select(QUERY)]
    finally:
        store.close()
    dev = dev_trials()
    rows = [r for r in rows if r["rid"] in dev and r.get("country", "") in EUROPE]
    registry = Registry(list(read(args.dump)))
    nodes: dict[str, list[dict[str, str]]] = defaultdict(list)
    counts: Counter[str] = Counter()
    for r in rows:
        counts[r.get("status", "?")] += 1
        if r.get("provider"):
            nodes[r["provider"]].append(r)
    with_ror = {p for p, rs in nodes.items() if rs[0].get("rors")}
    print(f"dev European sites: {len(rows)} {dict(counts)}; nodes: {len(nodes)}, with a ROR IRI: {len(with_ror)}")
    held = 0
    for provider, rs in sorted(nodes.items(), key=lambda kv: (bool(kv[1][0].get("rors")), kv[0])):
        first = rs[0]
        if first.get("rors") and not args.all:
            continue
        cands = [] if first.get("rors") else registry.candidates(first.get("facility", ""), first.get("city", ""),
                                                                 first.get("country", ""))
        held += bool(cands)
        print(f"\n{provider.rsplit('/', 1)[-1]}  [{first.get('label', '')}]  {first.get('rors', '') or 'NO ROR'}")
        for r in rs:
            print(f"    {r['rid']}  {r.get('facility', '')[:70]} ({r.get('city', '')}, {r.get('country', '')})"
                  f"  {r.get('rule', '')}")
        for score, rec in cands:
            where = ", ".join(sorted({f"{loc.city} {loc.country}" for loc in rec.locations}))
            print(f"    ? {score:.0f} {rec.id} {rec.display} ({where}; {','.join(rec.types)}; {rec.status})")
    print(f"\nnodes without a ROR IRI that have a close registry candidate: {held}")
    for r in rows:
        if r.get("status") != "resolved":
            print(f"  not resolved: {r['rid']} {r.get('facility', '')[:70]} ({r.get('city', '')}) {r.get('rule', '')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
