"""Collaboration network analytics and the entity hierarchy DAG on the fixture graph."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import pytest

from kg.core.errors import NotFoundError
from kg.expertise import network

B = "https://w3id.org/rarekg/"


@pytest.fixture(scope="module")
def collab(query_fixture_store):  # type: ignore[no-untyped-def]
    return network.load_collaboration(query_fixture_store)


def test_collaboration_edges_and_weights(collab) -> None:  # type: ignore[no-untyped-def]
    edges = {(a.rsplit("/", 1)[1], b.rsplit("/", 1)[1]): (d["trials"], d["publications"], d["weight"])
             for a, b, d in collab.edges(data=True)}
    assert {tuple(sorted(k)): v for k, v in edges.items()} == {
        ("alpha", "delta"): (1, 0, 1), ("alpha", "gamma"): (1, 0, 1),
        ("alpha", "beta"): (1, 0, 1), ("beta", "gamma"): (0, 1, 1)}
    assert collab.number_of_nodes() == 4


def test_centrality_and_communities(collab) -> None:  # type: ignore[no-untyped-def]
    s = network.analyse(collab)
    assert s.degree[B + "centre/alpha"] == 1.0
    assert s.betweenness[B + "centre/alpha"] == pytest.approx(2 / 3)
    assert s.betweenness[B + "centre/delta"] == 0.0
    assert sorted(n for c in s.communities for n in c) == sorted(collab.nodes)
    assert "centres 4, collaboration links 4, isolated centres 0" in network.summary_text(collab, s)


def test_exports(collab, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    s = network.analyse(collab)
    network.export_graphml(collab, tmp_path / "n.graphml")
    network.export_json(collab, s, tmp_path / "n.json")
    assert nx.read_graphml(tmp_path / "n.graphml").number_of_edges() == 4
    data = json.loads((tmp_path / "n.json").read_text())
    assert len(data["links"]) == 4 and data["communities"] == s.communities


def test_hierarchy_nearest_and_lowest_common_ancestor(query_fixture_store) -> None:  # type: ignore[no-untyped-def]
    dag = network.load_hierarchy(query_fixture_store)
    assert nx.is_directed_acyclic_graph(dag)
    exon11 = B + "subgroup/gist-kit-exon11"
    assert network.nearest_ancestor(dag, exon11, lambda a: "/entity/orpha/" in a) == (B + "entity/orpha/200", 2)
    assert network.nearest_ancestor(dag, exon11, lambda a: a.endswith("kit-basket")) == (B + "subgroup/kit-basket", 1)
    assert network.lowest_common_ancestors(dag, exon11, B + "subgroup/liposarcoma-mdm2") == [B + "entity/orpha/100"]
    with pytest.raises(NotFoundError):
        network.nearest_ancestor(dag, B + "entity/orpha/999999", lambda a: True)
