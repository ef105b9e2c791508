"""The rarekg command, run as users run it: a real process, real store on disk."""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox


def rarekg(*args: str, timeout: int = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "rarekg.cli", *args], check=False, capture_output=True,
                          text=True, timeout=timeout)


def test_unknown_option_is_a_one_line_usage_error() -> None:
    proc = rarekg("stats", "--no-such-option")
    assert proc.returncode == 2
    assert "unrecognized arguments: --no-such-option" in proc.stderr


def test_unknown_library_query_exit_2_lists_known(tmp_path: Path) -> None:
    proc = rarekg("query", "--store", str(tmp_path / "s"), "--name", "no-such-query")
    assert proc.returncode == 2
    err = proc.stderr.strip().splitlines()
    assert len(err) == 1 and "unknown query 'no-such-query'" in err[0] and "centres-by-domain" in err[0]


def test_missing_query_file_exit_2(tmp_path: Path) -> None:
    proc = rarekg("query", "--store", str(tmp_path / "s"), "--file", str(tmp_path / "nope.rq"))
    assert proc.returncode == 2 and "query file not found" in proc.stderr


def test_bad_parameter_names_it(built_store_path: Path) -> None:
    proc = rarekg("query", "--store", str(built_store_path), "--name", "centres-by-domain",
                  "--param", "domian=G1")
    assert proc.returncode == 2 and "no parameter 'domian'" in proc.stderr


def test_query_inline_ask_and_formats(built_store_path: Path) -> None:
    proc = rarekg("query", "--store", str(built_store_path), "-e", "ASK { ?s a rkg:CancerDomain }")
    assert proc.returncode == 0 and proc.stdout.strip() == "true"
    proc = rarekg("query", "--store", str(built_store_path), "--format", "json", "-e",
                  "SELECT ?n { ?d skos:notation ?n } ORDER BY ?n LIMIT 2")
    assert proc.returncode == 0
    rows = json.loads(proc.stdout)["results"]["bindings"]
    assert [r["n"]["value"] for r in rows] == ["G1", "G10"]


def test_library_query_with_parameter(built_store_path: Path) -> None:
    proc = rarekg("query", "--store", str(built_store_path), "--name", "entity-by-code",
                  "--param", "code=ORPHA:44890", "--format", "csv")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert lines[0] == "entity,label,code"
    assert lines[1:] == ["https://w3id.org/rarekg/entity/orpha/44890,Gastrointestinal stromal tumor,ORPHA:44890"]


def test_malformed_inline_query_exit_2(built_store_path: Path) -> None:
    proc = rarekg("query", "--store", str(built_store_path), "-e", "SELECT ?s WHERE { ?s ?p }")
    assert proc.returncode == 2 and "malformed SPARQL query" in proc.stderr


def test_stats_reports_graphs_and_figures(built_store_path: Path) -> None:
    proc = rarekg("stats", "--store", str(built_store_path))
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    for graph in ("graph/ontology", "graph/orphanet", "graph/oncotree", "graph/euracan",
                  "graph/subgroups", "graph/mappings", "graph/inferred", "graph/meta"):
        assert graph in out
    assert "cancer domains" in out and "Orphanet entities" in out


def test_export_nquads_round_trips_with_manifest(built_store_path: Path, tmp_path: Path) -> None:
    proc = rarekg("export", "--store", str(built_store_path), "--out", str(tmp_path / "dumps"))
    assert proc.returncode == 0, proc.stderr
    manifest = json.loads((tmp_path / "dumps" / "manifest.json").read_text())
    dump = tmp_path / "dumps" / manifest[0]["file"]
    assert manifest[0]["bytes"] == dump.stat().st_size and len(manifest[0]["sha256"]) == 64
    with gzip.open(dump, "rb") as fh:
        quads = list(ox.parse(fh, ox.RdfFormat.N_QUADS))
    graphs = {q.graph_name.value for q in quads}
    assert "https://w3id.org/rarekg/graph/orphanet" in graphs
    assert not any("/_staging/" in g for g in graphs)


def test_failed_build_changes_nothing(built_store_path: Path, tmp_path: Path, repo_data: Path) -> None:
    import shutil
    store = tmp_path / "store"
    shutil.copytree(built_store_path, store)
    before = rarekg("export", "--store", str(store), "--out", str(tmp_path / "before"))
    assert before.returncode == 0
    broken = tmp_path / "data"
    shutil.copytree(repo_data, broken)
    target = min((broken / "oncotree").glob("*.jsonl"))
    lines = target.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3][: len(lines[3]) // 2]  # truncate one record mid-way
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    proc = rarekg("build", "--store", str(store), "--dataset", str(broken), "--no-reason")
    assert proc.returncode == 1
    assert f"{target}:4" in proc.stderr and "malformed JSON" in proc.stderr
    after = rarekg("export", "--store", str(store), "--out", str(tmp_path / "after"))
    assert after.returncode == 0
    b = json.loads((tmp_path / "before" / "manifest.json").read_text())[0]["sha256"]
    a = json.loads((tmp_path / "after" / "manifest.json").read_text())[0]["sha256"]
    assert a == b, "a failed build must leave every graph as it was"


def test_data_compile_reproduces_committed_dataset(shared_data: Path, repo_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "data"
    proc = rarekg("data", "compile", "--from", str(shared_data), "--to", str(out))
    assert proc.returncode == 0, proc.stderr
    written = sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file())
    assert written, "compile wrote nothing"
    for rel in written:
        assert (out / rel).read_bytes() == (repo_data / rel).read_bytes(), (
            f"data/{rel} differs from a fresh compile: run `rarekg data compile --from {shared_data}`")


def test_data_compile_missing_folder_names_it(tmp_path: Path) -> None:
    proc = rarekg("data", "compile", "--from", str(tmp_path / "nowhere"), "--to", str(tmp_path / "out"))
    assert proc.returncode == 1 and "nowhere" in proc.stderr and not (tmp_path / "out").exists()


def _figures(stats_out: str) -> dict[str, int]:
    """The "figure  count" rows of `rarekg stats`."""
    rows = (line.rsplit(None, 1) for line in stats_out.splitlines() if line.strip())
    return {name.strip(): int(n) for name, n in rows if n.isdigit()}


EVIDENCE_FIGURES = ("clinical trials", "trial sites", "trial sites resolved to a provider", "publications",
                    "affiliations linked to a provider")


def test_build_data_adds_original_files_to_the_default_dataset(built_store_path: Path, shared_data: Path,
                                                               tmp_path: Path) -> None:
    store = tmp_path / "store"
    proc = rarekg("build", "--store", str(store), "--data", str(shared_data), "--no-reason")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "files-skipped=719" in proc.stderr and "files-ctgov-legacy=66" in proc.stderr
    assert " records=23463," in proc.stderr  # ror: the partial registry under --data, not the compiled subset
    default = _figures(rarekg("stats", "--store", str(built_store_path)).stdout)
    stats = rarekg("stats", "--store", str(store))
    assert stats.returncode == 0, stats.stderr
    extra = _figures(stats.stdout)
    assert [default[k] for k in EVIDENCE_FIGURES] == [27, 429, 416, 6, 38]   # 412 curated, 2 registry, 2 open world
    assert [extra[k] for k in EVIDENCE_FIGURES] == [73, 1259, 1231, 16, 49]  # #16: 0 sites unresolved, 28 generic
    q = rarekg("query", "--store", str(store), "--format", "csv", "-e", """
        SELECT ?trial (COUNT(?s) AS ?sites) (COUNT(?p) AS ?linked) {
          ?trial rkg:hasSite ?s . OPTIONAL { ?s rkg:atProvider ?p }
          VALUES ?trial { <https://w3id.org/rarekg/trial/NCT00367861> <https://w3id.org/rarekg/trial/2023-508143-51-01>
                          <https://w3id.org/rarekg/trial/NCT06171568> }
        } GROUP BY ?trial ORDER BY ?trial""")
    assert q.returncode == 0, q.stderr
    base = "https://w3id.org/rarekg/trial/"
    assert q.stdout.replace(base, "").split() == [
        "trial,sites,linked", "2023-508143-51-01,2,2", "NCT00367861,8,8", "NCT06171568,1,1"]
    q = rarekg("query", "--store", str(store), "--format", "csv", "-e",
               "SELECT ?p { <https://w3id.org/rarekg/site/NCT00367861/3> rkg:atProvider ?p }")
    assert q.stdout.split()[1:] == ["https://w3id.org/rarekg/centre/centre-leon-berard"]


def test_build_data_reports_a_malformed_record_and_loads_the_rest(shared_data: Path, tmp_path: Path) -> None:
    folder = tmp_path / "trials"
    shutil.copytree(shared_data / "trials", folder)
    single = folder / "ctgov_api_v2_json" / "NCT06171568.json"
    study = json.loads(single.read_text(encoding="utf-8"))
    single.unlink()
    page = folder / "ctgov_api_v2_json" / "page-0001.json"
    page.write_text(json.dumps({"studies": [study, {"protocolSection": {"statusModule": {}}}]}), encoding="utf-8")
    store = tmp_path / "store"
    proc = rarekg("build", "--store", str(store), "--data", str(folder), "--no-reason")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert f"error: {page} record study 2: [bad-study]" in proc.stderr
    figures = _figures(rarekg("stats", "--store", str(store)).stdout)
    assert [figures[k] for k in EVIDENCE_FIGURES] == [73, 1259, 1222, 6, 38]
    broken = folder / "ctgov_legacy_xml" / "NCT00367861.xml"
    broken.write_text(broken.read_text(encoding="utf-8")[:500], encoding="utf-8")
    proc = rarekg("build", "--store", str(store), "--data", str(folder), "--no-reason")
    assert proc.returncode == 1 and str(broken) in proc.stderr
    assert _figures(rarekg("stats", "--store", str(store)).stdout)["clinical trials"] == 73  # previous graph kept


def test_build_dataset_names_the_compiled_folder(repo_data: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    proc = rarekg("build", "--store", str(store), "--dataset", str(repo_data), "--source", "evidence",
                  "--no-reason")
    assert proc.returncode == 0, proc.stderr[-3000:]
    figures = _figures(rarekg("stats", "--store", str(store)).stdout)
    assert (figures["clinical trials"], figures["publications"]) == (27, 6)
    proc = rarekg("build", "--store", str(store), "--dataset", str(tmp_path / "nowhere"), "--source", "evidence")
    assert proc.returncode == 1 and "nowhere" in proc.stderr


READ_ONLY_COMMANDS = (
    ("query", "-e", "ASK { ?s ?p ?o }"),
    ("stats",),
    ("refer", "GIST"),
    ("network",),
    ("validate", "--no-shacl", "--no-reasoner"),
    ("export", "--out", "{tmp}/dumps"),
    ("institutions", "--unresolved"),
)


def test_read_only_commands_on_a_mistyped_store_fail_and_create_nothing(tmp_path: Path) -> None:
    typo = tmp_path / "typo"
    for command, *rest in READ_ONLY_COMMANDS:
        args = [a.replace("{tmp}", str(tmp_path)) for a in rest]
        proc = rarekg(command, "--store", str(typo), *args)
        err = proc.stderr.strip().splitlines()
        assert proc.returncode == 1, (command, proc.stdout, proc.stderr)
        assert len(err) == 1 and str(typo) in err[0] and "no store" in err[0], (command, err)
        assert not typo.exists(), f"`rarekg {command}` created {typo}"
    (typo).mkdir()  # an empty folder is no store either, and stays empty
    proc = rarekg("query", "--store", str(typo), "-e", "SELECT * { ?s ?p ?o }")
    assert proc.returncode == 1 and "no store" in proc.stderr and list(typo.iterdir()) == []


def test_read_only_commands_do_not_take_the_write_lock(built_store_path: Path, tmp_path: Path) -> None:
    from kg.store.embedded import EmbeddedStore

    copy = tmp_path / "store"
    shutil.copytree(built_store_path, copy)
    writer = EmbeddedStore(copy)  # holds the store's write lock for the whole test, as a build does
    try:
        proc = rarekg("query", "--store", str(copy), "-e", "ASK { ?s a rkg:CancerDomain }")
        assert proc.returncode == 0 and proc.stdout.strip() == "true", proc.stderr
        proc = rarekg("stats", "--store", str(copy))
        assert proc.returncode == 0 and "graph/orphanet" in proc.stdout, proc.stderr
    finally:
        writer.close()


def test_validate_classifies_the_ontology_the_store_publishes(built_store_path: Path, tmp_path: Path) -> None:
    """Regression (#15): the reasoner step classified the repository's ontology file, so it passed
    whatever the store held."""
    from kg.core.vocab import ONTOLOGY_GRAPH
    from kg.store.embedded import EmbeddedStore

    copy = tmp_path / "store"
    shutil.copytree(built_store_path, copy)
    proc = rarekg("validate", "--no-shacl", "--store", str(copy))
    assert proc.returncode == 0 and "reasoner: consistent" in proc.stdout, proc.stdout + proc.stderr
    bad = "https://w3id.org/rarekg/ontology/GeneThatIsACancer"
    store = EmbeddedStore(copy)
    store.update(f"INSERT DATA {{ GRAPH {ONTOLOGY_GRAPH} {{ <{bad}> a owl:Class ; "
                 f"rdfs:subClassOf rkg:Gene , rkg:CancerEntity }} }}")  # declared disjoint by the ontology
    store.close()
    proc = rarekg("validate", "--no-shacl", "--store", str(copy))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert f"1 unsatisfiable (inconsistent) class(es): {bad}" in proc.stdout
