"""Score a built graph's EURACAN domain assignments against ``domains_gold.tsv`` (or ``domains_gold2.tsv``).

The gold file (protocol in ``domains_protocol.md``) gives, for randomly drawn Orphanet neoplasm entities, the
EURACAN domains (``G1|G2``) a curator assigns, or ``NONE`` and an exclusion category. This module reads what a
built graph says of the same entities: ``rkg:inDomain`` (``.../domain/G<n>``) and ``rkg:domainExclusion``.

Each sampled entity **agrees** when the graph holds exactly the gold domains (for an exclusion row: no
domain at all). The figure the issue sets (#17: ≥ 0.95) is agreeing rows / rows. Also reported: the rows with
gold domains whose graph domains are exactly those, and the exclusion rows whose graph category is the gold's
(the gold's ``not a neoplasm`` and ``common cancer`` have no graph category; they agree on category when the
graph gives no domain).

Run: ``PYTHONPATH=$PWD python tests/gold/domains_score.py --store PATH [--gold FILE] [--json]``.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

try:
    from gold.score_conditions import GoldFormatError, ratio, run_scorer, tsv_rows
except ImportError:  # run as a script: tests/gold itself is on sys.path
    from score_conditions import GoldFormatError, ratio, run_scorer, tsv_rows  # type: ignore[no-redef]

GOLD = Path(__file__).parent / "domains_gold.tsv"
COLUMNS = ["orpha", "orpha_label", "domains", "exclusion", "reason"]
ORPHA = "https://w3id.org/rarekg/entity/orpha/"
DOMAIN = "https://w3id.org/rarekg/domain/"
#: the gold's exclusion words and the graph's category that says the same (loaders.domain_rules.CATEGORIES)
CATEGORY = {"benign": "benign", "paediatric: ERN PaedCan": "paediatric: ERN PaedCan",
            "haematological: ERN EuroBloodNet": "haematological: ERN EuroBloodNet"}

QUERY = """
PREFIX rkg: <https://w3id.org/rarekg/ontology/>
SELECT ?entity ?domain ?exclusion WHERE {
  { ?entity rkg:inDomain ?domain } UNION { ?entity rkg:domainExclusion ?exclusion }
}"""


@dataclass(frozen=True)
class GoldDomain:
    """One sampled entity: its gold domains (empty for an exclusion) and exclusion category."""

    orpha: str
    label: str
    domains: frozenset[str]
    exclusion: str | None
    line: int


def read_gold(path: Path = GOLD) -> list[GoldDomain]:
    """The rows of a domains gold file. Raises GoldFormatError naming the file and line."""
    rows = []
    for number, cells in tsv_rows(path, COLUMNS):
        orpha, label, domains, exclusion = cells[:4]
        if not (orpha.startswith("ORPHA:") and orpha[6:].isdigit()):
            raise GoldFormatError(f"{path}:{number}: orpha {orpha!r} is not ORPHA:n")
        if (domains == "NONE") == (not exclusion):
            raise GoldFormatError(f"{path}:{number}: exactly one of domains and exclusion is filled")
        codes = frozenset() if domains == "NONE" else frozenset(domains.split("|"))
        if any(not (c.startswith("G") and c[1:].isdigit() and 1 <= int(c[1:]) <= 10) for c in codes):
            raise GoldFormatError(f"{path}:{number}: domains {domains!r} must be G1..G10 joined by '|'")
        rows.append(GoldDomain(orpha[6:], label, codes, exclusion or None, number))
    return rows


def read_domains(store: Any) -> tuple[dict[str, set[str]], dict[str, str]]:
    """(ORPHA code -> domain codes, ORPHA code -> exclusion category) from a store."""
    domains: dict[str, set[str]] = defaultdict(set)
    exclusions: dict[str, str] = {}
    for row in store.select(QUERY):
        entity = row["entity"].value
        if not entity.startswith(ORPHA):
            continue
        if row.get("domain") is not None:
            domains[entity.removeprefix(ORPHA)].add(row["domain"].value.removeprefix(DOMAIN))
        elif row.get("exclusion") is not None:
            exclusions[entity.removeprefix(ORPHA)] = row["exclusion"].value
    return domains, exclusions


def score(gold: list[GoldDomain], domains: dict[str, set[str]], exclusions: dict[str, str]) -> dict[str, Any]:
    """The figures of the module docstring, with every disagreeing row."""
    agree, disagree = 0, []
    with_domains = exact = excluded = same_category = 0
    for row in gold:
        got = frozenset(domains.get(row.orpha, ()))
        if got == row.domains:
            agree += 1
        else:
            disagree.append({"orpha": f"ORPHA:{row.orpha}", "label": row.label, "gold": sorted(row.domains) or
                             [f"NONE ({row.exclusion})"], "graph": sorted(got) or
                             [f"NONE ({exclusions.get(row.orpha, 'no category')})"]})
        if row.domains:
            with_domains += 1
            exact += got == row.domains
        else:
            excluded += 1
            want = CATEGORY.get(row.exclusion or "")
            same_category += not got and (want is None or exclusions.get(row.orpha) == want)
    return {"rows": len(gold), "agree": agree, "agreement": ratio(agree, len(gold)),
            "with_domains": with_domains, "exact_domains": exact, "excluded": excluded,
            "same_category": same_category, "disagree": disagree}


def report(result: dict[str, Any]) -> str:
    lines = [f"sampled entities: {result['rows']}",
             f"agreement {result['agreement']} ({result['agree']}/{result['rows']})",
             (f"gold domains held exactly: {result['exact_domains']}/{result['with_domains']}; "
              f"exclusions with the gold's category: {result['same_category']}/{result['excluded']}")]
    if result["disagree"]:
        lines += ["", "disagreements:"]
        lines += [f"  {d['orpha']} {d['label']}: gold {'|'.join(d['gold'])}, graph {'|'.join(d['graph'])}"
                  for d in result["disagree"]]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    return run_scorer(argv, __doc__ or "", GOLD, [],
                      lambda store, args: score(read_gold(args.gold), *read_domains(store)), report)


if __name__ == "__main__":
    sys.exit(main())
