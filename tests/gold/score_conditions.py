"""Score a built graph's trial → Orphanet entity links against ``conditions_test.tsv``.

The gold file (protocol in ``conditions_protocol.md``) gives, for each condition, keyword and MeSH text of
each test-half trial, the Orphanet code(s) a curator expects, or ``NONE``. This module reads what a built
graph asserts, as the ontology models it (``ontology/rarekg.ttl``):

* trial level: ``?trial rkg:studiesEntity ?entity``;
* text level: a link node, an SSSOM mapping (``owl:Axiom``, since #19) with ``owl:annotatedSource ?trial``,
  ``owl:annotatedProperty rkg:studiesEntity``, ``owl:annotatedTarget ?entity``, ``rkg:linkField`` (condition,
  condition-mesh, keyword, mesh-heading, title, eligibility) and the text: ``sssom:subject_label`` on an
  ``rkg:ConditionLink`` (one per text, #17), ``sssom:match_string`` on the best-text node of each entity.

Trials are found by ``rkg:nctId`` or ``rkg:ctisNumber``; entities are Orphanet classes
``https://w3id.org/rarekg/entity/orpha/<code>`` (links to other vocabularies are counted apart and not
scored, since the gold set is Orphanet's).

A link is attributed to a gold row when its field corresponds (gold ``condition`` ← ``condition``;
``keyword`` ← ``keyword``; ``mesh`` ← ``condition-mesh`` or ``mesh-heading``) and its matched text, case-
and space-folded, equals the row's text or occurs in it as a whole-word span (a linker may record the
span it matched). Links from titles or eligibility text have no gold row: they count at trial level only.

Figures (all micro-averaged over codes unless named otherwise):

* per condition text: precision = attributed links whose code is expected / attributed links;
  recall = expected codes reached by an attributed link / expected codes; and the share of rows whose
  predicted set equals the expected set exactly (``NONE`` rows count as exact when nothing is linked);
* per trial: recall = expected codes (union over the trial's rows) among the trial's ``studiesEntity``
  codes / expected codes, micro and macro (mean over trials with an expected code); precision likewise;
* rare-cancer trials (``rare_cancer_trial`` = yes) without any Orphanet entity, and without an entity of
  any vocabulary.

Links to OncoTree classes are not Orphanet links; ``--through-mappings`` counts each as a link to the
Orphanet classes the graph's own mappings call exact or close to it (a second, kinder reading).

Run: ``PYTHONPATH=$PWD python tests/gold/score_conditions.py --store PATH [--gold FILE] [--json]
[--through-mappings]``.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

GOLD = Path(__file__).parent / "conditions_test.tsv"
COLUMNS = ["registry_id", "field", "text", "expected", "expected_label", "rare_cancer_trial", "note"]
FIELDS = ("condition", "keyword", "mesh")
ORPHA_CURIE = re.compile(r"ORPHA:\d+")
ORPHA_IRI = re.compile(r"^https://w3id\.org/rarekg/entity/orpha/(\d+)$")
# gold field -> the rkg:linkField values that stand for it
LINK_FIELDS = {"condition": {"condition"}, "keyword": {"keyword"}, "mesh": {"condition-mesh", "mesh-heading"}}

TRIAL_ENTITIES = """
SELECT DISTINCT ?id ?entity WHERE {
  ?trial rkg:studiesEntity ?entity .
  { ?trial rkg:nctId ?id } UNION { ?trial rkg:ctisNumber ?id }
}"""
# OncoTree (or other) classes that the graph's own mappings call exact or close to an Orphanet class
EQUIVALENTS = """
SELECT DISTINCT ?entity ?orpha WHERE {
  ?mapping a owl:Axiom ; owl:annotatedSource ?entity ; owl:annotatedTarget ?orpha ;
           owl:annotatedProperty ?predicate .
  FILTER(?predicate IN (skos:exactMatch, skos:closeMatch))
}"""
TEXT_LINKS = """
SELECT DISTINCT ?id ?entity ?field ?text WHERE {
  ?link owl:annotatedSource ?trial ; owl:annotatedProperty rkg:studiesEntity ; owl:annotatedTarget ?entity .
  OPTIONAL { ?link rkg:linkField ?field }
  OPTIONAL { ?link <https://w3id.org/sssom/subject_label> ?label }
  OPTIONAL { ?link <https://w3id.org/sssom/match_string> ?best FILTER NOT EXISTS { ?link a rkg:ConditionLink } }
  BIND(COALESCE(?label, ?best) AS ?text)
  { ?trial rkg:nctId ?id } UNION { ?trial rkg:ctisNumber ?id }
}"""


class GoldFormatError(ValueError):
    """The gold file is not in the shape its protocol gives (the message names file and line)."""


def tsv_rows(path: Path, columns: list[str]) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) of each row of a gold TSV whose header is ``columns``. Raises GoldFormatError naming the
    file and line for another header or a row of another width."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        if (header := next(reader, None)) != columns:
            raise GoldFormatError(f"{path}:1: header must be {columns}, found {header}")
        for number, cells in enumerate(reader, start=2):
            if len(cells) != len(columns):
                raise GoldFormatError(f"{path}:{number}: {len(cells)} cells, expected {len(columns)}")
            yield number, cells


@dataclass(frozen=True)
class GoldRow:
    """One labelled text of a trial."""

    registry_id: str
    field: str
    text: str
    expected: frozenset[str]
    rare_cancer_trial: bool
    line: int


@dataclass
class Links:
    """What a graph asserts: entity codes per trial, and (trial, link field, matched text, code) per link.

    ``trials_with_any_entity`` holds the trials linked to an entity of any vocabulary (OncoTree too)."""

    trial_codes: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    text_links: list[tuple[str, str, str, str]] = field(default_factory=list)
    other_vocabulary: int = 0
    trials_with_any_entity: set[str] = field(default_factory=set)


def fold(text: str) -> str:
    """Case- and space-folded text, for comparing a matched text with a gold text.

    >>> fold("  Gastrointestinal   Stromal Tumor ")
    'gastrointestinal stromal tumor'
    """
    return " ".join(text.casefold().split())


def read_gold(path: Path = GOLD) -> list[GoldRow]:
    """The rows of a conditions gold file. Raises GoldFormatError naming the file and line."""
    rows = []
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(reader, None)
        if header not in (COLUMNS, [*COLUMNS, "source_url"]):
            raise GoldFormatError(f"{path}:1: header must be {COLUMNS} (and optionally source_url), found {header}")
        for number, cells in enumerate(reader, start=2):
            if len(cells) != len(header):
                raise GoldFormatError(f"{path}:{number}: {len(cells)} cells, expected {len(header)}")
            rid, fld, text, expected, _label, rare, _note = cells[:len(COLUMNS)]
            if fld not in FIELDS:
                raise GoldFormatError(f"{path}:{number}: field {fld!r} is not one of {FIELDS}")
            if rare not in {"yes", "no"}:
                raise GoldFormatError(f"{path}:{number}: rare_cancer_trial must be yes or no, found {rare!r}")
            curies = [] if expected == "NONE" else expected.split("|")
            if any(not ORPHA_CURIE.fullmatch(curie) for curie in curies):
                raise GoldFormatError(f"{path}:{number}: expected must be NONE or ORPHA:n codes joined by |, "
                                      f"found {expected!r}")
            codes = frozenset(curie.removeprefix("ORPHA:") for curie in curies)
            rows.append(GoldRow(rid, fld, text, codes, rare == "yes", number))
    return rows


def trial_texts(path: Path) -> list[tuple[str, str]]:
    """(field, text) of every condition, keyword and MeSH term of one trial file, as the protocol
    names them (legacy XML, API v2 JSON, CTIS JSON); white space around each text stripped."""
    if path.suffix == ".xml":
        root = ET.parse(path).getroot()
        paths = {"condition": "condition", "keyword": "keyword", "mesh": "condition_browse/mesh_term"}
        return [(fld, (el.text or "").strip()) for fld, xpath in paths.items() for el in root.findall(xpath)]
    record = json.loads(path.read_text(encoding="utf-8"))
    if "ctNumber" in record:
        conditions = record.get("authorizedPartI", {}).get("medicalConditions", [])
        return [("condition", c["medicalCondition"].strip()) for c in conditions]
    module = record["protocolSection"].get("conditionsModule", {})
    meshes = record.get("derivedSection", {}).get("conditionBrowseModule", {}).get("meshes", [])
    return ([("condition", t.strip()) for t in module.get("conditions", [])]
            + [("keyword", t.strip()) for t in module.get("keywords", [])]
            + [("mesh", m["term"].strip()) for m in meshes])


def read_links(store: Any, *, through_mappings: bool = False) -> Links:
    """The trial → Orphanet entity links a store holds (any object with kg.store.embedded's ``select``).

    With ``through_mappings``, a link to another vocabulary's class (OncoTree) also counts as a link to
    each Orphanet class that the graph's own mappings call exact or close to it."""
    equivalents: dict[str, set[str]] = defaultdict(set)
    if through_mappings:
        for row in store.select(EQUIVALENTS):
            code = ORPHA_IRI.match(row["orpha"].value)
            if code:
                equivalents[row["entity"].value].add(code.group(1))
    links = Links()
    for row in store.select(TRIAL_ENTITIES):
        links.trials_with_any_entity.add(row["id"].value)
        codes = orpha_codes(row["entity"].value, equivalents)
        links.trial_codes[row["id"].value] |= codes
        links.other_vocabulary += not ORPHA_IRI.match(row["entity"].value)
    for row in store.select(TEXT_LINKS):
        if "field" in row and "text" in row:
            for code in orpha_codes(row["entity"].value, equivalents):
                links.text_links.append((row["id"].value, row["field"].value, row["text"].value, code))
    return links


def orpha_codes(iri: str, equivalents: dict[str, set[str]]) -> set[str]:
    """The Orphanet code of an entity IRI, or the codes its equivalents give, or none."""
    code = ORPHA_IRI.match(iri)
    return {code.group(1)} if code else set(equivalents.get(iri, ()))


def attributed(row: GoldRow, links: Links) -> set[str]:
    """The Orphanet codes of the links that stand for one gold row's text."""
    text = fold(row.text)
    found = set()
    for rid, link_field, matched, code in links.text_links:
        if rid != row.registry_id or link_field not in LINK_FIELDS[row.field]:
            continue
        span = fold(matched)
        if span == text or (span and re.search(rf"(?<!\w){re.escape(span)}(?!\w)", text)):
            found.add(code)
    return found


def score(gold: list[GoldRow], links: Links) -> dict[str, Any]:
    """Text-level and trial-level figures, with the rows and trials that miss (see the module docstring)."""
    tp = predicted = expected = exact = 0
    misses, wrong = [], []
    by_trial: dict[str, set[str]] = defaultdict(set)
    rare: dict[str, bool] = {}
    for row in gold:
        got = attributed(row, links)
        hits = got & row.expected
        tp, predicted, expected = tp + len(hits), predicted + len(got), expected + len(row.expected)
        exact += got == row.expected
        if row.expected - got:
            misses.append({"registry_id": row.registry_id, "field": row.field, "text": row.text,
                           "expected": sorted(row.expected), "linked": sorted(got)})
        if got - row.expected:
            wrong.append({"registry_id": row.registry_id, "field": row.field, "text": row.text,
                          "expected": sorted(row.expected), "linked": sorted(got)})
        by_trial[row.registry_id] |= row.expected
        rare[row.registry_id] = rare.get(row.registry_id, False) or row.rare_cancer_trial
    t_tp = t_pred = t_exp = 0
    recalls, trials = [], []
    for rid in sorted(by_trial):
        want, have = by_trial[rid], links.trial_codes.get(rid, set())
        t_tp, t_pred, t_exp = t_tp + len(want & have), t_pred + len(have), t_exp + len(want)
        if want:
            recalls.append(len(want & have) / len(want))
        trials.append({"registry_id": rid, "rare_cancer_trial": rare[rid], "expected": sorted(want),
                       "linked": sorted(have), "missed": sorted(want - have), "extra": sorted(have - want)})
    return {
        "rows": len(gold),
        "text": {"precision": ratio(tp, predicted), "recall": ratio(tp, expected), "exact_rows": ratio(exact, len(gold)),
                 "linked": predicted, "correct": tp, "expected": expected},
        "trial": {"precision": ratio(t_tp, t_pred), "recall": ratio(t_tp, t_exp),
                  "macro_recall": ratio(sum(recalls), len(recalls)), "trials": len(by_trial)},
        "rare_trials_without_entity": [t["registry_id"] for t in trials if t["rare_cancer_trial"] and not t["linked"]],
        "rare_trials_without_any_vocabulary_entity": [t["registry_id"] for t in trials if t["rare_cancer_trial"]
                                                      and t["registry_id"] not in links.trials_with_any_entity],
        "links_to_other_vocabularies": links.other_vocabulary,
        "text_misses": misses, "text_wrong": wrong, "trials": trials,
    }


def ratio(part: float, whole: float) -> float | None:
    """``part / whole`` rounded to 3 places, or None when ``whole`` is 0."""
    return round(part / whole, 3) if whole else None


def report(result: dict[str, Any]) -> str:
    """A plain-text summary of :func:`score`'s result."""
    text, trial = result["text"], result["trial"]
    lines = [
        f"gold rows: {result['rows']}; trials: {trial['trials']}",
        (f"per condition text: precision {text['precision']} ({text['correct']}/{text['linked']} links), "
        f"recall {text['recall']} ({text['correct']}/{text['expected']} expected codes), exact rows {text['exact_rows']}"),
        f"per trial: recall {trial['recall']} (macro {trial['macro_recall']}), precision {trial['precision']}",
(f"rare-cancer trials without any Orphanet entity: {len(result['rare_trials_without_entity'])} "
         f"{result['rare_trials_without_entity']}"),
        (f"rare-cancer trials without an entity of any vocabulary: "
         f"{len(result['rare_trials_without_any_vocabulary_entity'])} {result['rare_trials_without_any_vocabulary_entity']}"),
        f"links to other vocabularies (not scored unless --through-mappings): {result['links_to_other_vocabularies']}",
        "", "text rows missing an expected code:",
    ]
    lines += [f"  {m['registry_id']} {m['field']} {m['text']!r}: expected {m['expected']}, linked {m['linked']}"
              for m in result["text_misses"]]
    lines += ["", "text rows with a code not expected:"]
    lines += [f"  {m['registry_id']} {m['field']} {m['text']!r}: expected {m['expected']}, linked {m['linked']}"
              for m in result["text_wrong"]]
    lines += ["", "trials (missed / extra codes):"]
    lines += [f"  {t['registry_id']}: missed {t['missed']} extra {t['extra']}" for t in result["trials"]
              if t["missed"] or t["extra"]]
    return "\n".join(lines)


def run_scorer(argv: list[str] | None, doc: str, gold: Path, extra: list[tuple[str, str]],
               score_store: Callable[[Any, argparse.Namespace], dict[str, Any]],
               render: Callable[[dict[str, Any]], str]) -> int:
    """The command line both gold scorers share: ``--store``, ``--gold``, ``--json`` and ``extra`` flags
    (name, help); ``score_store(store, args)`` scores the opened store, ``render`` prints the result."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--store", required=True, type=Path, help="a store built by `rarekg build --store`")
    parser.add_argument("--gold", type=Path, default=gold, help="the gold file (default: %(default)s)")
    parser.add_argument("--json", action="store_true", help="print the full result as JSON")
    for flag, text in extra:
        parser.add_argument(flag, action="store_true", help=text)
    args = parser.parse_args(argv)
    if not args.store.is_dir():
        parser.error(f"--store {args.store}: no store there")
    from kg.store.embedded import EmbeddedStore

    store = EmbeddedStore(args.store, read_only=True)
    try:
        result = score_store(store, args)
    finally:
        store.close()
    print(json.dumps(result, indent=2) if args.json else render(result))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Score the store named on the command line; prints a report (or JSON with --json)."""
    return run_scorer(argv, __doc__ or "", GOLD,
                      [("--through-mappings", "also count links to OncoTree classes through the graph's exact/close mappings")],
                      lambda store, args: score(read_gold(args.gold), read_links(store, through_mappings=args.through_mappings)),
                      report)


if __name__ == "__main__":
    sys.exit(main())
