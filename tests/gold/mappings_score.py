"""Score a built graph's OncoTree → Orphanet mappings against ``mappings_gold.tsv``.

The gold file (protocol in ``mappings_protocol.md``) gives, for 80 randomly drawn rare solid OncoTree
types, the one Orphanet counterpart a curator signs and its SKOS predicate, or ``NONE``. This module reads
the mappings a built graph holds, as the ontology models them (SSSOM's RDF form, #19): an ``owl:Axiom`` with
``owl:annotatedSource`` (``.../entity/oncotree/<CODE>``), ``owl:annotatedTarget`` (``.../entity/orpha/<n>``)
and ``owl:annotatedProperty`` (a SKOS IRI); the Orphanet hierarchy is the graph's ``rdfs:subClassOf``
between Orphanet classes. Only mappings whose subject is a sampled type are judged.

Each emitted row about a sampled type is

* **right** — the gold target with the gold predicate;
* **implied** — true but not the gold row: a ``broadMatch`` to a proper ancestor of a gold ``exactMatch``
  or ``broadMatch`` target, or a ``narrowMatch`` to a proper descendant of a gold ``exactMatch`` or
  ``narrowMatch`` target (the curator's row is the most informative one; these follow from it);
* **wrong** — anything else: another target, the gold target with another predicate, or any row for a
  type whose gold says ``NONE``.

Figures: precision = right / emitted (strict) and (right + implied) / emitted (lenient); recall = gold
rows with a counterpart that the graph holds exactly / gold rows with a counterpart, and the looser share
whose gold target is reached with any predicate.

Run: ``PYTHONPATH=$PWD python tests/gold/mappings_score.py --store PATH [--gold FILE] [--json]``.
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

GOLD = Path(__file__).parent / "mappings_gold.tsv"
COLUMNS = ["oncotree_code", "oncotree_name", "predicate", "orpha", "orpha_label", "reason"]
PREDICATES = {"exactMatch", "closeMatch", "broadMatch", "narrowMatch"}
ONCOTREE = "https://w3id.org/rarekg/entity/oncotree/"
ORPHA = "https://w3id.org/rarekg/entity/orpha/"
SKOS = "http://www.w3.org/2004/02/skos/core#"

MAPPINGS = """
SELECT DISTINCT ?subject ?predicate ?object WHERE {
  ?mapping a owl:Axiom ; owl:annotatedSource ?subject ; owl:annotatedTarget ?object ;
           owl:annotatedProperty ?predicate .
}"""
ORPHA_PARENTS = """
SELECT DISTINCT ?child ?parent WHERE {
  ?child rdfs:subClassOf ?parent .
  FILTER(STRSTARTS(STR(?child), "https://w3id.org/rarekg/entity/orpha/")
         && STRSTARTS(STR(?parent), "https://w3id.org/rarekg/entity/orpha/"))
}"""


@dataclass(frozen=True)
class GoldMapping:
    """One sampled OncoTree type and its curated counterpart (``orpha`` None for NONE)."""

    code: str
    predicate: str | None
    orpha: str | None
    line: int


def read_gold(path: Path = GOLD) -> list[GoldMapping]:
    """The rows of a mappings gold file. Raises GoldFormatError naming the file and line."""
    rows = []
    for number, cells in tsv_rows(path, COLUMNS):
        code, _name, predicate, orpha = cells[:4]
        if predicate == "NONE" and orpha == "NONE":
            rows.append(GoldMapping(code, None, None, number))
        elif predicate in PREDICATES and orpha.startswith("ORPHA:") and orpha[6:].isdigit():
            rows.append(GoldMapping(code, predicate, orpha[6:], number))
        else:
            raise GoldFormatError(f"{path}:{number}: predicate/orpha {predicate!r}/{orpha!r} must be a SKOS "
                                  f"match and ORPHA:n, or NONE/NONE")
    return rows


def read_mappings(store: Any) -> tuple[dict[str, set[tuple[str, str]]], dict[str, set[str]]]:
    """(OncoTree code -> {(predicate local name, ORPHA code)}, ORPHA code -> parent codes) from a store."""
    emitted: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for row in store.select(MAPPINGS):
        subject, obj, predicate = row["subject"].value, row["object"].value, row["predicate"].value
        if subject.startswith(ONCOTREE) and obj.startswith(ORPHA) and predicate.startswith(SKOS):
            emitted[subject.removeprefix(ONCOTREE)].add((predicate.removeprefix(SKOS), obj.removeprefix(ORPHA)))
    parents: dict[str, set[str]] = defaultdict(set)
    for row in store.select(ORPHA_PARENTS):
        parents[row["child"].value.removeprefix(ORPHA)].add(row["parent"].value.removeprefix(ORPHA))
    return emitted, parents


def ancestors(code: str, parents: dict[str, set[str]]) -> set[str]:
    """The proper ancestors of an ORPHA code.

    >>> sorted(ancestors("3", {"3": {"2"}, "2": {"1"}}))
    ['1', '2']
    """
    found: set[str] = set()
    todo = [code]
    while todo:
        for parent in parents.get(todo.pop(), ()):
            if parent not in found:
                found.add(parent)
                todo.append(parent)
    return found


def verdict(gold: GoldMapping, predicate: str, orpha: str, parents: dict[str, set[str]]) -> str:
    """``right``, ``implied`` or ``wrong`` for one emitted row about a sampled type (module docstring)."""
    if gold.orpha is None:
        return "wrong"
    if orpha == gold.orpha:
        return "right" if predicate == gold.predicate else "wrong"
    if predicate == "broadMatch" and gold.predicate in {"exactMatch", "broadMatch"} \
            and orpha in ancestors(gold.orpha, parents):
        return "implied"
    if predicate == "narrowMatch" and gold.predicate in {"exactMatch", "narrowMatch"} \
            and gold.orpha in ancestors(orpha, parents):
        return "implied"
    return "wrong"


def score(gold: list[GoldMapping], emitted: dict[str, set[tuple[str, str]]],
          parents: dict[str, set[str]]) -> dict[str, Any]:
    """Precision, recall and the rows judged, for the sampled types (see the module docstring)."""
    counts = {"right": 0, "implied": 0, "wrong": 0}
    judged, missed = [], []
    with_counterpart = exact = reached = 0
    for row in gold:
        rows = emitted.get(row.code, set())
        for predicate, orpha in sorted(rows):
            v = verdict(row, predicate, orpha, parents)
            counts[v] += 1
            judged.append({"oncotree_code": row.code, "predicate": predicate, "orpha": f"ORPHA:{orpha}", "verdict": v,
                           "gold": f"{row.predicate} ORPHA:{row.orpha}" if row.orpha else "NONE"})
        if row.orpha is not None:
            with_counterpart += 1
            exact += (row.predicate, row.orpha) in rows
            reached += any(orpha == row.orpha for _, orpha in rows)
            if (row.predicate, row.orpha) not in rows:
                missed.append({"oncotree_code": row.code, "gold": f"{row.predicate} ORPHA:{row.orpha}",
                               "emitted": [f"{p} ORPHA:{o}" for p, o in sorted(rows)]})
    total = sum(counts.values())
    return {
        "sampled_types": len(gold), "types_with_counterpart": with_counterpart, "emitted": total, **counts,
        "precision": ratio(counts["right"], total), "lenient_precision": ratio(counts["right"] + counts["implied"], total),
        "recall": ratio(exact, with_counterpart), "target_recall": ratio(reached, with_counterpart),
        "judged": judged, "missed": missed,
    }


def report(result: dict[str, Any]) -> str:
    """A plain-text summary of :func:`score`'s result."""
    lines = [
        f"sampled types: {result['sampled_types']} ({result['types_with_counterpart']} with an Orphanet counterpart)",
        (f"emitted rows about them: {result['emitted']} (right {result['right']}, implied {result['implied']}, "
         f"wrong {result['wrong']})"),
        f"precision {result['precision']} (lenient {result['lenient_precision']})",
        f"recall {result['recall']} (gold target reached with any predicate: {result['target_recall']})",
        "", "wrong rows:",
    ]
    lines += [f"  {j['oncotree_code']} {j['predicate']} {j['orpha']} (gold: {j['gold']})"
              for j in result["judged"] if j["verdict"] == "wrong"]
    lines += ["", "gold rows not held:"]
    lines += [f"  {m['oncotree_code']}: gold {m['gold']}, emitted {m['emitted'] or 'nothing'}" for m in result["missed"]]
    return "\n".join(lines)


def score_store(store: Any, args: Any) -> dict[str, Any]:
    """Score the mappings of an opened store against the gold file ``args.gold``."""
    emitted, parents = read_mappings(store)
    return score(read_gold(args.gold), emitted, parents)


def main(argv: list[str] | None = None) -> int:
    """Score the store named on the command line; prints a report (or JSON with --json)."""
    return run_scorer(argv, __doc__ or "", GOLD, [], score_store, report)


if __name__ == "__main__":
    sys.exit(main())
