"""The synthetic corpus: deterministic, in the original formats the real loaders read, linear in scale."""

from __future__ import annotations

import filecmp
import json
import statistics
import sys
from pathlib import Path

import pytest

from kg.core.errors import DataError
from kg.core.records import LoadReport
from kg.core.vocab import graph_iri
from kg.store.embedded import EmbeddedStore
from loaders import euracan, evidence
from loaders.trials import fold
from rarekg.build import build
from rarekg.cli import main

# the generator is a benchmark tool, not part of the product (decision 0017)
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import synth


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth") / "scale1"
    assert synth.main(["corpus", "--scale", "1", "--out", str(out)]) == 0
    return out


def _files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def test_same_scale_gives_identical_files(corpus: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    synth.write_corpus(1, again)
    assert _files(corpus) == _files(again)
    assert [f for f in _files(corpus) if not filecmp.cmp(corpus / f, again / f, shallow=False)] == []
    assert "raw/ctgov/page-0001.json" in _files(corpus) and "raw/pubmed/efetch-0001.xml" in _files(corpus)


def test_real_loaders_read_every_record(corpus: Path) -> None:
    report = LoadReport("evidence")
    found, pubs = evidence.read_path(corpus / "raw", report)
    assert len(found) == 500 and len(pubs) == 1000
    assert report.errors == []
    assert report.counts["files-ctgov-v2"] == 1 and report.counts["files-pubmed-xml"] == 1
    assert found[0].nct_ids[0].startswith("NCT9")
    assert pubs[0].pmid == "39000000" and pubs[0].authors and pubs[0].authors[0].affiliations


def test_distributions_are_realistic(corpus: Path) -> None:
    studies = json.loads((corpus / "raw/ctgov/page-0001.json").read_text())["studies"]
    sites = [len(s["protocolSection"]["contactsLocationsModule"]["locations"]) for s in studies]
    assert 0.25 <= sites.count(1) / len(sites) <= 0.45          # about a third single-site
    assert 2 <= statistics.median(sites) <= 4 and max(sites) >= 30
    statuses = {s["protocolSection"]["statusModule"]["overallStatus"] for s in studies}
    assert {"COMPLETED", "RECRUITING", "TERMINATED"} <= statuses
    labels = set(synth.entity_labels())
    conditions = [c for s in studies for c in s["protocolSection"]["conditionsModule"]["conditions"]]
    assert all(c in labels for c in conditions)
    centres, _ = synth.places()
    centre_names = {fold(c.name) for c in centres}
    facilities = [fold(loc["facility"]) for s in studies for loc in s["protocolSection"]["contactsLocationsModule"]["locations"]]
    exact = sum(f in centre_names for f in facilities) / len(facilities)
    assert 0.1 <= exact <= 0.3            # 30 % name a curated centre, about half of those without noise


def test_centres_load_with_the_real_loader(corpus: Path, repo_data: Path) -> None:
    report = LoadReport("euracan")
    triples = list(euracan.load(corpus, report))
    assert report.errors == []
    real = len((repo_data / "euracan" / "centres.tsv").read_text().splitlines())
    assert len((corpus / "euracan" / "centres.tsv").read_text().splitlines()) == real + 8
    assert any("synthetic-centre-00008" in str(t[0]) for t in triples)


def test_build_of_the_corpus(corpus: Path) -> None:
    store = EmbeddedStore()
    report = build(store, corpus, sources=("kg.core.ontology", "loaders.euracan", "synth"), reason=False)
    assert [o.source.name for o in report.outcomes] == ["ontology", "euracan", "evidence"]
    trials = store.select("SELECT (COUNT(?t) AS ?n) WHERE { ?t a rkg:ClinicalTrial }")
    pubs = store.select("SELECT (COUNT(?p) AS ?n) WHERE { ?p a rkg:Publication }")
    assert (int(trials[0]["n"].value), int(pubs[0]["n"].value)) == (500, 1000)
    assert store.count(graph_iri("evidence")) > 20_000   # beyond the default set's bounds


def test_a_corpus_has_every_compiled_source_of_the_repository(corpus: Path, repo_data: Path) -> None:
    """Regression: the ROR source came without its folder in the corpus, so the synthetic build
    stopped on a missing data/ror/records.jsonl (and bench_build with it)."""
    compiled = {p.name for p in repo_data.iterdir() if p.is_dir()}
    assert "ror" in compiled
    assert compiled <= {p.name for p in corpus.iterdir()}


def test_counts_grow_linearly(tmp_path: Path) -> None:
    one, three = synth.counts(1), synth.counts(3)
    assert (three.trials, three.publications, three.extra_centres) == (3 * one.trials, 3 * one.publications,
                                                                       3 * one.extra_centres)
    synth.write_corpus(3, tmp_path, compile=False)
    pages = sorted((tmp_path / "raw" / "ctgov").iterdir())
    assert [len(json.loads(p.read_text())["studies"]) for p in pages] == [1000, 500]
    assert len(list((tmp_path / "raw" / "pubmed").iterdir())) == 3
    assert not (tmp_path / "evidence").exists()
    with pytest.raises(DataError, match="scale must be at least 1"):
        synth.counts(0)


def test_the_product_has_no_synthetic_flag(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["synth", "--scale", "1", "--out", "x"], ["build", "--synthetic"]):
        with pytest.raises(SystemExit) as stopped:
            main(argv)
        assert stopped.value.code == 2
    assert "synth" not in capsys.readouterr().err.split("choose from", 1)[-1].split(")")[0]


def test_building_a_folder_that_is_not_a_corpus_names_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert synth.main(["build", "--dataset", str(tmp_path), "--store", str(tmp_path / "s")]) == 2
    err = capsys.readouterr().err
    assert "not a compiled synthetic corpus" in err and str(tmp_path) in err
