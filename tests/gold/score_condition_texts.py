"""Score the condition linker on labelled texts that are in no trial file of the build.

``conditions_dev2.tsv`` (protocol in ``conditions_dev2.md``) holds real condition texts and keywords of
trials outside ``../shared/data``, copied from public registry pages and labelled by
``conditions_protocol.md``. They are development data: rules may be tuned on them. Since no store holds
those trials, this scorer links each trial's texts directly with the build's linker
(:func:`loaders.link.conditions.link_records` over the compiled dataset's :class:`ConditionIndex`) and scores
the result with :func:`score_conditions.score`, so the figures mean what the store-based scorer's mean.
(A text-only record has no MeSH terms; its title is read from ``conditions_titles.tsv`` where one was found, and
``--no-titles`` leaves them out.)

Run: ``PYTHONPATH=$PWD python tests/gold/score_condition_texts.py [--gold FILE] [--dataset DIR] [--json]``.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import defaultdict
from pathlib import Path

from loaders.link.conditions import link_records
from loaders.link.conditions_names import ConditionIndex
from loaders.link.terms import Term

try:
    from gold.score_conditions import GoldRow, Links, read_gold, report, score
except ImportError:  # run as a script: tests/gold itself is on sys.path
    from score_conditions import GoldRow, Links, read_gold, report, score  # type: ignore[no-redef]

GOLD = Path(__file__).with_name("conditions_dev2.tsv")
TITLES = Path(__file__).with_name("conditions_titles.tsv")
DATASET = Path(__file__).parents[2] / "data"
ORPHA_IRI = re.compile(r"^https://w3id\.org/rarekg/entity/orpha/(\d+)$")
#: gold field -> the linker's field name for the same text
TERM_FIELD = {"condition": "condition", "keyword": "keyword", "mesh": "condition-mesh"}


def read_titles(path: Path = TITLES) -> dict[str, str]:
    """registry id -> title, from ``conditions_titles.tsv`` (collected from registry pages, see its .md); ids
    without a title found are left out."""
    if not path.is_file():
        return {}
    lines = path.read_text(encoding="utf-8").splitlines()
    rows = (line.split("\t") for line in lines[1:] if line.strip())
    return {row[0]: row[1] for row in rows if len(row) > 1 and row[1].strip()}


def link_gold_texts(gold: list[GoldRow], index: ConditionIndex, titles: dict[str, str] | None = None) -> Links:
    """What the linker asserts for the gold rows' trials, read as the store-based scorer reads a graph (with
    the trial's title as context where ``titles`` has one)."""
    terms: dict[str, list[Term]] = defaultdict(list)
    for row in gold:
        terms[row.registry_id].append(Term(row.text, TERM_FIELD[row.field]))
    titles = titles or {}
    result = link_records([("trial", rid, ts, titles.get(rid)) for rid, ts in terms.items()], index)
    links = Links()
    for link in result.links:
        rid, iri = link.subject_id, link.match.entity.iri
        links.trials_with_any_entity.add(rid)
        code = ORPHA_IRI.match(iri)
        if not code:
            links.other_vocabulary += 1
            continue
        links.trial_codes[rid].add(code.group(1))
        links.text_links.append((rid, link.term.field, link.term.text, code.group(1)))
    return links


def main(argv: list[str] | None = None) -> int:
    """Score the gold file named on the command line; prints a report (or JSON with --json)."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--gold", type=Path, default=GOLD, help="the gold file (default: %(default)s)")
    parser.add_argument("--dataset", type=Path, default=DATASET, help="the compiled dataset (default: %(default)s)")
    parser.add_argument("--json", action="store_true", help="print the full result as JSON")
    parser.add_argument("--no-titles", action="store_true", help="link without the trials' titles")
    args = parser.parse_args(argv)
    titles = {} if args.no_titles else read_titles()
    result = score(read_gold(args.gold), link_gold_texts(read_gold(args.gold), ConditionIndex.from_data(args.dataset),
                                                         titles))
    print(json.dumps(result, indent=2) if args.json else report(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
