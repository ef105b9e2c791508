"""Scoring condition links against a hand-labelled gold set (``tests/fixtures/condition_links_*.tsv``).

A gold file has one row per (record, field, text, expected entity CURIE), ``NONE`` for a text that must
link to nothing, ``#`` comment lines and a header ``record field term expected``. Three figures are
reported, as issue #17 asks: per condition text (precision and recall over (text, entity) pairs), per
trial (recall of the union of a trial's expected entities) and the trials that have expected entities
but got none.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from kg.core.errors import DataError

#: (record, field, text)
TextKey = tuple[str, str, str]


@dataclass
class Scores:
    """The figures of one scoring run, with the misses and false links by name."""

    texts: int = 0
    tp: int = 0
    fp: int = 0
    fn: int = 0
    trial_expected: int = 0
    trial_found: int = 0
    trials: int = 0
    trials_without_entity: list[str] = field(default_factory=list)
    false_links: list[tuple[TextKey, str]] = field(default_factory=list)
    missed: list[tuple[TextKey, str]] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def trial_recall(self) -> float:
        return self.trial_found / self.trial_expected if self.trial_expected else 1.0

    def summary(self) -> str:
        return (f"{self.texts} texts: TP={self.tp} FP={self.fp} FN={self.fn} precision={self.precision:.3f} "
                f"recall={self.recall:.3f}; per trial recall={self.trial_recall:.3f} over {self.trials} trials; "
                f"trials without an entity: {', '.join(self.trials_without_entity) or 'none'}")


def read_gold(path: Path) -> dict[TextKey, set[str]]:
    """The expected entity CURIEs of each gold text; DataError naming file and line for a bad row."""
    lines = [(n, line) for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if line and not line.startswith("#")]
    if not lines or lines[0][1].split("\t") != ["record", "field", "term", "expected"]:
        raise DataError(f"{path}: header must be 'record<TAB>field<TAB>term<TAB>expected'")
    gold: dict[TextKey, set[str]] = {}
    for n, row in zip((n for n, _ in lines[1:]), csv.reader((line for _, line in lines[1:]), delimiter="\t")):
        if len(row) != 4 or not all(row):
            raise DataError(f"{path}:{n}: expected 4 non-empty tab-separated fields, got {row!r}")
        codes = gold.setdefault((row[0], row[1], row[2]), set())
        if row[3] != "NONE":
            codes.add(row[3])
    return gold


def score(gold: Mapping[TextKey, set[str]], linked: Mapping[TextKey, set[str]]) -> Scores:
    """Compare the entity CURIEs each gold text got (``linked``; absent = none) with the gold."""
    s = Scores(texts=len(gold))
    by_trial_expected: dict[str, set[str]] = defaultdict(set)
    by_trial_got: dict[str, set[str]] = defaultdict(set)
    for key, expected in sorted(gold.items()):
        got = linked.get(key, set())
        s.tp += len(got & expected)
        s.fp += len(got - expected)
        s.fn += len(expected - got)
        s.false_links += [(key, c) for c in sorted(got - expected)]
        s.missed += [(key, c) for c in sorted(expected - got)]
        by_trial_expected[key[0]] |= expected
        by_trial_got[key[0]] |= got
    for record, expected in sorted(by_trial_expected.items()):
        if not expected:
            continue
        s.trials += 1
        s.trial_expected += len(expected)
        s.trial_found += len(expected & by_trial_got[record])
        if not by_trial_got[record] & expected:
            s.trials_without_entity.append(record)
    return s
