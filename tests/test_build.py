"""End to end: the default graph from the repository's data, its counts, shapes and provenance."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import rdflib
from rdflib.compare import isomorphic

from kg.core.errors import DataError
from kg.core.vocab import INFERRED_GRAPH, META_GRAPH, graph_iri
from kg.store.embedded import EmbeddedStore
from rarekg.build import DEFAULT_SOURCES, build

SOURCE_NAMES = [m.rsplit(".", 1)[1] for m in DEFAULT_SOURCES]


def scalar(store: EmbeddedStore, sparql: str) -> int:
    return int(store.select(sparql)[0]["n"].value)


def test_every_source_has_its_named_graph(default_graph) -> None:
    store, report = default_graph
    graphs = {g.value for g in store.graphs()}
    expected = {graph_iri(o.source.name).value for o in report.outcomes} | {INFERRED_GRAPH.value, META_GRAPH.value}
    assert graphs == expected
    assert [o.source.name for o in report.outcomes] == [
        "ontology", "euracan", "orphanet", "oncotree", "subgroups", "evidence", "ror", "institutions", "links", "mappings"]
    for outcome in report.outcomes:
        assert outcome.triples == store.count(graph_iri(outcome.source.name)) > 0
        assert not outcome.report.errors, outcome.report.errors[:3]


def test_default_graph_counts(default_graph) -> None:
    store, _ = default_graph
    assert scalar(store, "SELECT (COUNT(*) AS ?n) { ?d a rkg:CancerDomain }") == 10
    assert scalar(store, "SELECT (COUNT(DISTINCT ?e) AS ?n) { ?e rkg:orphaCode ?c }") == 1095
    assert scalar(store, "SELECT (COUNT(DISTINCT ?e) AS ?n) { ?e rkg:oncotreeCode ?c }") == 898
    assert scalar(store, "SELECT (COUNT(DISTINCT ?e) AS ?n) { ?e rkg:isBasket true }") == 6


def test_provenance_for_every_load(default_graph) -> None:
    store, report = default_graph
    rows = store.select("""SELECT ?graph ?n ?files { ?graph rkg:currentLoad ?load ; void:triples ?n .
        { SELECT ?load (COUNT(?f) AS ?files) { ?load prov:used ?f } GROUP BY ?load } }""",
                        default_graphs=[META_GRAPH])
    by_graph = {r["graph"].value: (int(r["n"].value), int(r["files"].value)) for r in rows}
    for outcome in report.outcomes:
        n, files = by_graph[outcome.graph]
        assert n == outcome.triples and files >= 1
    assert by_graph[INFERRED_GRAPH.value][0] == report.inferred_triples


def test_inferred_graph_holds_basket_classification(default_graph) -> None:
    store, _ = default_graph
    rows = store.select("""SELECT ?sub { GRAPH <https://w3id.org/rarekg/graph/inferred> {
        ?sub rdfs:subClassOf <https://w3id.org/rarekg/subgroup/ntrk-fusion-positive-solid-tumour> } }""")
    subs = {r["sub"].value.rsplit("/", 1)[1] for r in rows}
    assert "infantile-fibrosarcoma-etv6-ntrk3" in subs
    assert not any("gist" in s for s in subs)
    # asserted and inferred stay apart: the link is not in the subgroups graph
    assert not store.select("""SELECT ?s { GRAPH <https://w3id.org/rarekg/graph/subgroups> {
        ?s rdfs:subClassOf <https://w3id.org/rarekg/subgroup/ntrk-fusion-positive-solid-tumour> } }""")


def test_built_graph_conforms_to_shapes(default_graph) -> None:
    import io

    from kg.checks.shacl import validate_quads
    from kg.core.vocab import ONTOLOGY_GRAPH

    store, _ = default_graph
    buf = io.BytesIO()
    store.dump(buf, "nquads")
    result = validate_quads(buf.getvalue(), exclude_graphs=[ONTOLOGY_GRAPH])
    assert result.conforms, "\n".join(map(str, result.results[:20]))


def test_rebuild_is_deterministic(default_graph) -> None:
    import io

    store, _ = default_graph
    again = EmbeddedStore()
    build(again, reason=False, sources=[s for s in DEFAULT_SOURCES])
    for name in SOURCE_NAMES:
        a, b = io.BytesIO(), io.BytesIO()
        store.dump(a, "ntriples", graph_iri(name))
        again.dump(b, "ntriples", graph_iri(name))
        ga = rdflib.Graph().parse(data=a.getvalue(), format="nt")
        gb = rdflib.Graph().parse(data=b.getvalue(), format="nt")
        assert len(ga) == len(gb) and isomorphic(ga, gb), name  # blank nodes (OWL axioms) get new ids


def test_strict_build_fails_on_row_errors_and_publishes_nothing(tmp_path: Path, repo_data: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(repo_data, data)
    centres = data / "euracan" / "centres.tsv"
    lines = centres.read_text(encoding="utf-8").splitlines()
    header = lines[0].split("\t")
    cells = lines[1].split("\t")
    cells[header.index("country")] = "XX"
    lines[1] = "\t".join(cells)
    centres.write_text("\n".join(lines) + "\n", encoding="utf-8")
    store = EmbeddedStore()
    store_graphs_before = store.graphs()
    with pytest.raises(DataError, match="euracan"):
        build(store, data, strict=True, reason=False)
    assert store.graphs() == store_graphs_before
    report = build(store, data, strict=False, reason=False)  # lenient: reported, not fatal
    euracan = next(o for o in report.outcomes if o.source.name == "euracan")
    assert any("XX" in p.message for p in euracan.report.errors)
