"""The development-half gold set of trial sites → institutions (#16, ``tests/gold/sites_dev.tsv``): integrity.

Development data: rules may be tuned on it. Same protocol and columns as the test half's
(``tests/test_gold_sites.py``); only European sites are labelled.
"""

from __future__ import annotations

from collections import defaultdict

import pytest
from conftest import REPO
from gold.score_sites import read_gold
from gold.sites_extract import sites_of
from gold.sites_ror_search import records
from gold.split import ids_in_half, split_rows

DEV = read_gold(REPO / "tests" / "gold" / "sites_dev.tsv")
TEST = read_gold()


def test_dev_gold_is_in_canonical_order_and_of_the_dev_half_only():
    keys = [(s.registry_id, s.site_index) for s in DEV]
    assert keys == sorted(keys) and len(keys) == len(set(keys)), "sort by (registry_id, site_index), no duplicates"
    assert {s.registry_id for s in DEV} <= ids_in_half("dev")
    assert all(s.european for s in DEV), "the dev gold labels European sites only"


@pytest.mark.parametrize("column", ["institution_name", "ror_id", "ror_alt", "parent_group"])
def test_one_value_per_institution_key_across_both_halves(column):
    values: dict[str, set] = defaultdict(set)
    for site in [*DEV, *TEST]:
        if site.institution_key and site.european:
            values[site.institution_key].add(getattr(site, column))
    assert not {k: v for k, v in values.items() if len(v) > 1}, f"one {column} per institution_key in both halves"


def test_identifiable_rows_say_what_and_why():
    for site in DEV:
        if site.identifiable:
            assert site.institution_key and site.institution_name and site.evidence, f"line {site.line}"
        else:
            assert not (site.institution_key or site.ror_id), f"line {site.line}: not identifiable, no institution"


@pytest.mark.shared
def test_dev_gold_rows_are_the_sites_of_the_dev_files_in_its_countries(shared_data):
    countries = {s.country for s in DEV}
    expected = sorted((s.registry_id, s.index, s.facility, s.city, s.country)
                      for rid, file, half in split_rows(shared_data / "trials") if half == "dev"
                      for s in sites_of(rid, shared_data / "trials" / file) if s.country in countries)
    assert [(s.registry_id, s.site_index, s.facility, s.city, s.country) for s in DEV] == expected


@pytest.mark.shared
def test_every_dev_ror_id_is_a_record_of_the_registry_copy(shared_data):
    (dump,) = sorted((shared_data / "ror").glob("*.zip"))
    held = {rec["id"] for rec in records(dump)}
    assert not {iri for s in DEV for iri in [s.ror_id, *s.ror_alt] if iri and iri not in held}
