"""The held-out gold set of trial sites → institutions (issue #16): integrity, its scorer, and the figures.

The gold file is curated data: one case per failing row, a message that says how to fix it, and a check
that it is in canonical order. The scorer is tested on a hand-made graph with known figures. The marked
test builds the graph with the shared trials and prints the figures (no thresholds yet).
"""

from __future__ import annotations

import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest
from conftest import REPO
from gold.score_sites import (
    COLUMNS,
    GOLD_FILE,
    GoldFileError,
    GoldSite,
    graph_sites,
    read_gold,
    read_graph,
    report,
    score,
)
from gold.sites_extract import sites_of_test_half
from gold.sites_ror_search import records
from gold.split import ids_in_half

GOLD = read_gold()


def test_gold_file_is_in_canonical_order_without_duplicate_sites():
    keys = [(s.registry_id, s.site_index) for s in GOLD]
    assert keys == sorted(keys), "sort sites_test.tsv by (registry_id, site_index)"
    assert len(keys) == len(set(keys)), "a (registry_id, site_index) appears twice"


def test_gold_file_covers_the_test_half_only():
    assert {s.registry_id for s in GOLD} <= ids_in_half("test")


@pytest.mark.parametrize("column", ["institution_name", "ror_id", "ror_alt", "parent_group"])
def test_each_institution_key_has_one_value_of(column):
    values: dict[str, set] = defaultdict(set)
    for site in GOLD:
        if site.institution_key:
            values[site.institution_key].add(getattr(site, column))
    clashes = {key: vals for key, vals in values.items() if len(vals) > 1}
    assert not clashes, f"give every row of one institution_key the same {column}: {clashes}"


def test_each_institution_name_has_one_key():
    keys: dict[str, set] = defaultdict(set)
    for site in GOLD:
        if site.institution_key:
            keys[site.institution_name].add(site.institution_key)
    assert not {n: k for n, k in keys.items() if len(k) > 1}, "one institution under two keys"


@pytest.mark.parametrize("site", [s for s in GOLD if not s.identifiable], ids=lambda s: f"{s.registry_id}/{s.site_index}")
def test_unidentifiable_site_carries_no_institution(site):
    assert not (site.institution_name or site.ror_id or site.parent_group), \
        f"line {site.line}: a site that is not identifiable has no institution, ROR id or group"
    assert site.evidence, f"line {site.line}: say why the site is not identifiable (evidence)"


@pytest.mark.parametrize("site", [s for s in GOLD if s.identifiable], ids=lambda s: f"{s.registry_id}/{s.site_index}")
def test_identifiable_site_says_what_and_why(site):
    assert site.institution_name and site.evidence, f"line {site.line}: fill institution_name and evidence"
    assert site.institution_key == site.institution_key.lower().strip() and " " not in site.institution_key, \
        f"line {site.line}: institution_key is a lower-case slug"


def test_european_flag_follows_the_country():
    flags: dict[str, set] = defaultdict(set)
    for site in GOLD:
        flags[site.country].add(site.european)
    assert all(len(v) == 1 for v in flags.values()), f"one european flag per country: {dict(flags)}"


def test_every_scored_institution_lies_in_one_country():
    countries: dict[str, set] = defaultdict(set)
    for site in GOLD:
        if site.identifiable and site.european:
            countries[site.institution_key].add(site.country)
    assert not {k: c for k, c in countries.items() if len(c) > 1}


@pytest.mark.shared
def test_gold_rows_are_exactly_the_sites_of_the_test_half_files(shared_data):
    expected = [(s.registry_id, s.index, s.facility, s.city, s.country) for s in sites_of_test_half(shared_data / "trials")]
    got = [(s.registry_id, s.site_index, s.facility, s.city, s.country) for s in GOLD]
    assert got == expected, "regenerate the first five columns with tests/gold/sites_extract.py"


@pytest.mark.shared
def test_every_ror_id_is_a_record_of_the_registry_copy(shared_data):
    (dump,) = sorted((shared_data / "ror").glob("*.zip"))
    held = {rec["id"] for rec in records(dump)}
    cited = {iri: s.line for s in GOLD for iri in [s.ror_id, *s.ror_alt] if iri}
    assert not {iri: line for iri, line in cited.items() if iri not in held}, "ROR ids absent from the registry"


# -- the reader rejects a malformed file, naming file and line -------------------------------------------

def _gold_text(*rows: list[str]) -> str:
    return "\n".join(["\t".join(COLUMNS), *("\t".join(r) for r in rows)]) + "\n"


ROW = ["NCT1", "0", "Hôpital Cochin", "Paris", "France", "yes", "yes", "fr-aphp-cochin", "AP-HP Hôpital Cochin",
       "https://ror.org/00ph8tk69", "", "AP-HP", "name", ""]


@pytest.mark.parametrize(("change", "message"), [
    ({1: "first"}, "site_index"),
    ({5: "maybe"}, "yes or no"),
    ({7: ""}, "institution_key"),
    ({9: "https://ror.org/XYZ"}, "not a ROR IRI"),
    ({9: "", 10: "https://ror.org/00ph8tk69"}, "ror_alt without ror_id"),
])
def test_malformed_gold_row_is_refused_with_its_line(tmp_path: Path, change, message):
    row = list(ROW)
    for col, value in change.items():
        row[col] = value
    path = tmp_path / "gold.tsv"
    path.write_text(_gold_text(ROW, row), encoding="utf-8")
    with pytest.raises(GoldFileError, match=rf"gold.tsv:3: .*{message}"):
        read_gold(path)


def test_gold_file_with_a_missing_column_is_refused(tmp_path: Path):
    path = tmp_path / "gold.tsv"
    path.write_text(_gold_text(ROW[:-1]), encoding="utf-8")
    with pytest.raises(GoldFileError, match="gold.tsv:2: 13 columns"):
        read_gold(path)


# -- the scorer on a hand-made graph ----------------------------------------------------------------------

def _site(i: int, key: str, facility: str, ror: str = "") -> GoldSite:
    return GoldSite("NCT1", i, facility, "Paris", "France", True, True, key, key.upper(), ror, (), "", "name", "", i + 2)


def test_scorer_counts_coverage_pairs_and_ror_exactly():
    gold = [_site(0, "a", "A one", "https://ror.org/00ph8tk69"), _site(1, "a", "A two", "https://ror.org/00ph8tk69"),
            _site(2, "a", "A three", "https://ror.org/00ph8tk69"), _site(3, "b", "B", "https://ror.org/05h5v3c50"),
            _site(4, "c", "C")]
    rows = [{"rid": "NCT1", "facility": "A one", "city": "Paris", "provider": "n1"},
            {"rid": "NCT1", "facility": "A two", "city": "PARIS", "provider": "n1"},
            {"rid": "NCT1", "facility": "A three", "city": "Paris"},                 # unresolved
            {"rid": "NCT1", "facility": "B", "city": "Paris", "provider": "n1"},     # wrongly merged with a
            {"rid": "NCT1", "facility": "C", "city": "Paris", "provider": "n2"}]
    rors = [{"provider": "n1", "ror": "https://ror.org/00ph8tk69"}]
    scores = score(gold, graph_sites(rows, rors))
    assert (scores.sites, scores.resolved) == (5, 4)
    # gold-same pairs: a0-a1, a0-a2, a1-a2 = 3; graph-same: a0-a1, a0-b, a1-b = 3; both: a0-a1 = 1
    assert (scores.gold_pairs, scores.graph_pairs, scores.both_pairs) == (3, 3, 1)
    assert (scores.ror_institutions, scores.ror_right) == (2, 1)   # a right; b's node n1 carries a's ROR only
    assert scores.merged == [("n1", ["A", "B"])]
    assert [s.facility for s in scores.unresolved] == ["A three"]
    assert "coverage: 0.800 (4/5)" in report(scores)


def test_scorer_lists_generic_sites_the_graph_resolves_without_scoring_them():
    generic = GoldSite("NCT1", 1, "Research Site", "Lyon", "France", True, False, "", "", "", (), "", "name is generic", "", 3)
    rows = [{"rid": "NCT1", "facility": "A", "city": "Paris", "provider": "n1"},
            {"rid": "NCT1", "facility": "Research Site", "city": "Lyon", "provider": "n9"}]
    scores = score([_site(0, "a", "A"), generic], graph_sites(rows, []))
    assert (scores.sites, scores.resolved, scores.graph_pairs) == (1, 1, 0)
    assert scores.generic_resolved == [(generic, "n9")]


def test_scorer_reports_a_gold_site_the_graph_lacks():
    scores = score([_site(0, "a", "A")], graph_sites([], []))
    assert [s.facility for s in scores.missing] == ["A"] and scores.resolved == 0


# -- the figures on today's build (printed, not yet asserted against thresholds) -----------------------

@pytest.mark.shared
def test_figures_on_the_test_half(shared_data, tmp_path: Path, capsys):
    store = tmp_path / "store"
    proc = subprocess.run([sys.executable, "-m", "rarekg.cli", "build", "--store", str(store), "--data", str(shared_data)],
                          check=False, capture_output=True, text=True, timeout=900, cwd=REPO)
    assert proc.returncode == 0, proc.stderr[-3000:]
    scores = score(read_gold(GOLD_FILE), read_graph(store))
    with capsys.disabled():
        print("\n" + report(scores))
    assert not scores.missing, "every European identifiable gold site is a site of the built graph"
    assert scores.sites == 432
