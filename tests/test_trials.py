"""Trial loaders on the real registry files: ClinicalTrials.gov v2 JSON and legacy XML, EU CTIS JSON;
merging of double registrations; the compiled default set; incremental update of the evidence graph."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode

from kg.core.errors import DataError
from kg.core.records import LoadReport
from kg.core.vocab import RKG, SCHEMA, graph_iri, mint
from kg.store.embedded import EmbeddedStore
from loaders import ctgov, ctis, evidence, trials


def _legacy(shared: Path, nct: str) -> trials.Trial:
    (trial,) = ctgov.read_legacy(shared / "trials" / "ctgov_legacy_xml" / f"{nct}.xml", LoadReport("t"))
    return trial


def _all(shared: Path) -> tuple[list[trials.Trial], LoadReport]:
    report = LoadReport("evidence")
    found, _ = evidence.read_path(shared / "trials", report)
    return found, report


def test_gist_trial_nct00685828_from_legacy_xml(shared_data: Path) -> None:
    t = _legacy(shared_data, "NCT00685828")
    assert t.sites == []  # the record lists no <location>
    assert t.sponsor == "European Organisation for Research and Treatment of Cancer - EORTC"
    assert t.collaborators == ["Italian Sarcoma Group", "Australasian Gastro-Intestinal Trials Group",
                               "Scandinavian Sarcoma Group"]
    assert t.conditions == ["Gastrointestinal Stromal Tumor"]
    assert t.condition_mesh == [trials.MeshTerm("Gastrointestinal Stromal Tumors")]
    assert t.keywords == ["gastrointestinal stromal tumor"]
    assert t.interventions == ["imatinib mesylate"]
    assert (t.overall_status, t.phase, t.study_type) == ("Unknown status", "Phase 3", "Interventional")
    assert (t.start_date, t.completion_date, t.status_date) == ("2001-01", "2002-02", "2014-07")
    assert t.other_ids == ["EORTC-62005", "AGITG-AGO102-GIST", "ISG-62005", "SSG-15"]
    assert t.reference_pmids == ["18525340", "19620483", "18653326", "17336514", "16624552", "16876399", "16110036"]
    assert t.results_posted is False
    assert t.eligibility.startswith("DISEASE CHARACTERISTICS:")


def test_gist_trial_nct00367861_sites(shared_data: Path) -> None:
    t = _legacy(shared_data, "NCT00367861")
    assert t.sponsor == "Centre Leon Berard"
    assert len(t.sites) == 8
    assert t.sites[0] == trials.TrialSite(facility="Institut Bergonié", city="Bordeaux", country="France",
                                          country_code="FR", zip="33000")
    assert [s.city for s in t.sites].count("Lyon") == 2


def test_eudract_number_found_in_org_study_id(shared_data: Path) -> None:
    t = _legacy(shared_data, "NCT02997358")
    assert t.eudract_ids == ["2016-002186-56"]
    assert t.sites[0].facility == "Gustave Roussy" and t.sites[0].state == "Val de Marne"


def test_v2_study_with_coordinates_mesh_ids_and_results(shared_data: Path) -> None:
    (t,) = ctgov.read_v2(shared_data / "trials" / "ctgov_api_v2_json" / "NCT03275402.json", LoadReport("t"))
    assert t.phase == "PHASE2/PHASE3" and t.overall_status == "TERMINATED" and t.results_posted is True
    assert trials.MeshTerm("Neuroblastoma", "D009447") in t.condition_mesh
    assert len(t.sites) == 8
    assert (t.sites[0].facility, t.sites[0].lat, t.sites[0].lon, t.sites[0].country_code) == (
        "Childrens Hospital Los Angeles", 34.05223, -118.24368, "US")
    assert "39083105" in t.reference_pmids


def test_ctis_record_carries_nct_eudract_and_ctis_ids(shared_data: Path) -> None:
    (t,) = ctis.read(shared_data / "trials" / "ctis_json" / "2024-510663-34-00.json", LoadReport("t"))
    assert (t.nct_ids, t.eudract_ids, t.ctis_ids) == (["NCT04494412"], ["2019-001588-63"], ["2024-510663-34-00"])
    assert t.canonical_id == "NCT04494412"
    assert [s.country_code for s in t.sites] == ["ES", "ES", "IT", "IT", "IT", "IT"]
    assert t.sites[0].org_id == "ORG-100023083"
    assert t.sponsor == "Glaxosmithkline Research & Development Limited"
    (old,) = ctis.read(shared_data / "trials" / "ctis_json" / "2023-508143-51-01.json", LoadReport("t"))
    assert old.overall_status == "Authorised, not started" and old.eudract_ids == ["2021-004994-30"]
    assert old.sponsor == "Roessingh Centrum Voor Revalidatie" and len(old.sites) == 2


def test_every_real_trial_file_loads_with_exact_counts(shared_data: Path) -> None:
    found, report = _all(shared_data)
    assert report.problems == []
    assert len(found) == 73       # 32 seen since 2018, and the 41 of ctgov_legacy_xml_2018/_2023 (#16)
    assert sum(len(t.sites) for t in found) == 1260
    sites = [s for t in found for s in t.sites]
    # a 1990s record names a state that no longer exists: it has no ISO 3166-1 code, and none is guessed
    no_code = [(s.facility, s.country) for s in sites if not s.country_code]
    assert no_code == [("Institute of Oncology and Radiology of Serbia", "Former Yugoslavia")]
    assert all(re.fullmatch(r"[A-Z]{2}", s.country_code) for s in sites if s.country_code)


def test_same_trial_registered_twice_is_one_node(shared_data: Path, tmp_path: Path) -> None:
    # a CTIS record of the transitioned EudraCT trial 2016-002186-56 (NCT02997358): derived from the
    # real CTIS record by giving it that EudraCT number
    raw = json.loads((shared_data / "trials" / "ctis_json" / "2023-508143-51-01.json").read_text())
    raw["eudraCtInfo"]["eudraCtCode"] = "2016-002186-56"
    (tmp_path / "ctis.json").write_text(json.dumps(raw))
    shutil.copy(shared_data / "trials" / "ctgov_legacy_xml" / "NCT02997358.xml", tmp_path / "a.xml")
    shutil.copy(shared_data / "trials" / "ctgov_legacy_xml" / "NCT02997358.xml", tmp_path / "b.xml")
    found, _ = evidence.read_path(tmp_path, LoadReport("t"))
    assert len(found) == 1
    (t,) = found
    assert (t.nct_ids, t.eudract_ids, t.ctis_ids) == (["NCT02997358"], ["2016-002186-56"], ["2023-508143-51-01"])
    assert len(t.sites) == 3  # Gustave Roussy once, plus the two CTIS sites
    triples = set(trials.to_triples(t))
    node = mint("trial", "NCT02997358")
    assert (node, RKG.ctisNumber, Literal("2023-508143-51-01")) in triples
    assert (node, RKG.eudractNumber, Literal("2016-002186-56")) in triples
    # the CTIS record is newer (2024) than the 2018 dump, so its status is the trial's status
    assert t.overall_status == "Authorised, not started"


def test_trial_triples_of_gist_trial(shared_data: Path) -> None:
    triples = set(trials.to_triples(_legacy(shared_data, "NCT00367861")))
    node = mint("trial", "NCT00367861")
    site1 = mint("site", "NCT00367861/1")
    assert (node, RKG.conditionText, Literal("Gastro-intestinal Stromal Tumors (GIST)")) in triples
    assert (node, RKG.meshTerm, Literal("Gastrointestinal Stromal Tumors")) in triples
    assert (node, RKG.hasSite, site1) in triples
    assert (site1, SCHEMA.addressCountry, Literal("FR")) in triples
    assert (site1, RKG.facilityName, Literal("Institut Bergonié")) in triples
    assert sum(1 for t in triples if t[1] == RKG.hasSite) == 8


def test_malformed_study_in_page_is_reported_and_rest_loads(shared_data: Path, tmp_path: Path) -> None:
    v2 = shared_data / "trials" / "ctgov_api_v2_json"
    page = {"studies": [json.loads((v2 / "NCT03275402.json").read_text()), {"protocolSection": {}},
                        json.loads((v2 / "NCT01987596.json").read_text())]}
    path = tmp_path / "page.json"
    path.write_text(json.dumps(page))
    report = LoadReport("t")
    found = list(ctgov.read_v2(path, report))
    assert [t.canonical_id for t in found] == ["NCT03275402", "NCT01987596"]
    (problem,) = report.problems
    assert problem.path == str(path) and problem.record == "study 2" and problem.kind == "bad-study"


def test_whole_file_not_in_format_raises(tmp_path: Path) -> None:
    bad = tmp_path / "NCT0.xml"
    bad.write_text("<clinical_study><id_info>")
    with pytest.raises(DataError, match="NCT0.xml"):
        list(evidence.load_path(tmp_path, LoadReport("t")))
    other = tmp_path / "x.json"
    other.write_text('{"protocolSection": ')
    with pytest.raises(DataError, match="x.json"):
        list(ctgov.read_v2(other, LoadReport("t")))


def test_unrelated_files_are_skipped(shared_data: Path) -> None:
    report = LoadReport("t")
    list(evidence.load_path(shared_data / "oncotree", report))
    assert report.counts["trials"] == 0 and report.counts["files-skipped"] >= 1


def test_compiled_default_set_is_current_and_loads(shared_data: Path, repo_data: Path, tmp_path: Path) -> None:
    report = LoadReport("evidence")
    evidence.compile(shared_data, tmp_path, report)
    for name in (evidence.TRIALS_FILE, evidence.PUBLICATIONS_FILE):
        committed = (repo_data / "evidence" / name).read_text(encoding="utf-8")
        assert committed == (tmp_path / "evidence" / name).read_text(encoding="utf-8"), (
            f"data/evidence/{name} is stale: run `rarekg data compile`")
        lines = committed.splitlines()
        assert lines == sorted(lines)
    load_report = LoadReport("evidence")
    triples = list(evidence.load(repo_data, load_report))
    assert (load_report.counts["trials"], load_report.counts["sites"]) == (27, 429)
    assert (load_report.counts["publications"], load_report.counts["authorships"]) == (6, 57)
    assert evidence.TRIPLE_BOUNDS[0] <= len(set(triples)) <= evidence.TRIPLE_BOUNDS[1]


def _status(store: EmbeddedStore, nct: str) -> list[str]:
    rows = store.select("SELECT ?t ?s WHERE { ?t rkg:overallStatus ?s }", {"t": mint("trial", nct)})
    return sorted(r["s"].value for r in rows)


def test_reloading_newer_version_replaces_old_facts(shared_data: Path, tmp_path: Path) -> None:
    src = shared_data / "trials" / "ctgov_legacy_xml" / "NCT00367861.xml"
    text = src.read_text(encoding="utf-8")
    newer = (text.replace("<overall_status>Completed</overall_status>", "<overall_status>Terminated</overall_status>")
             .replace('<last_update_posted type="Estimate">February 24, 2014', '<last_update_posted type="Actual">March 3, 2020'))
    assert newer != text
    v1, v2 = tmp_path / "v1", tmp_path / "v2"
    v1.mkdir(), v2.mkdir()
    shutil.copy(src, v1 / src.name)
    (v2 / src.name).write_text(newer, encoding="utf-8")
    store = EmbeddedStore()
    other = graph_iri("orphanet")
    store.replace_graph(other, [(NamedNode("https://example.org/x"), RKG.orphaCode, Literal("44890"))])
    graph = graph_iri("evidence")
    store.replace_graph(graph, evidence.load_path(v1, LoadReport("evidence")))
    assert _status(store, "NCT00367861") == ["Completed"]
    count = store.count(graph)
    store.replace_graph(graph, evidence.load_path(v2, LoadReport("evidence")))
    assert _status(store, "NCT00367861") == ["Terminated"]
    assert store.count(graph) == count
    assert store.count(other) == 1
    # both versions in one load: the newer registration gives the status
    shutil.copy(src, v2 / "old-copy.xml")
    store.replace_graph(graph, evidence.load_path(v2, LoadReport("evidence")))
    assert _status(store, "NCT00367861") == ["Terminated"]
