"""The committed development/test split of the real trial records matches its rule and its files."""

from __future__ import annotations

import pytest
from conftest import REPO
from gold.split import half, ids_in_half, split_rows


def test_half_is_a_stable_hash_of_the_registry_id():
    assert half("NCT00061984") == "test"
    assert half("NCT00002641") == "dev"


@pytest.mark.shared
def test_committed_split_matches_the_shared_trial_files(shared_data):
    expected = ["registry_id\tfile\thalf"] + ["\t".join(row) for row in split_rows(shared_data / "trials")]
    committed = (REPO / "tests" / "gold" / "trial_split.tsv").read_text(encoding="utf-8").splitlines()
    assert committed == expected, "regenerate tests/gold/trial_split.tsv from tests/gold/split.py"


def test_both_halves_hold_unseen_2023_records():
    table = (REPO / "tests" / "gold" / "trial_split.tsv").read_text(encoding="utf-8").splitlines()
    unseen = [line.split("\t") for line in table[1:] if line.split("\t")[1].startswith("ctgov_legacy_xml_2023/")]
    assert len(unseen) == 40
    assert {row[2] for row in unseen} == {"dev", "test"}
    assert ids_in_half("test") & ids_in_half("dev") == set()
