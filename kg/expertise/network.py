"""Network analytics with networkx: the centres' collaboration network and the entity hierarchy DAG.

* Collaboration: centres are nodes; two centres are linked when they are sites of the same trial
  (``rkg:hasSite``/``rkg:atProvider``) or have authors on the same publication
  (``rkg:hasAuthorship``/``rkg:affiliatedWith``); ``weight`` = shared trials + shared publications.
* Analytics: degree and betweenness centrality (weighted by ``1 / weight`` as distance), communities
  by greedy modularity.
* Hierarchy: entity classes with edges parent -> child (``rdfs:subClassOf`` between rarekg entity
  classes, asserted and inferred) for nearest-ancestor and lowest-common-ancestor questions.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from typing import Any

import networkx as nx
from networkx.algorithms import community

from kg.core.errors import NotFoundError
from kg.expertise.referral_index import entity_filter
from kg.store.embedded import GraphStore

Q_TRIAL_SITES = """SELECT DISTINCT ?t ?c WHERE { ?t rkg:hasSite ?s . ?s rkg:atProvider ?c }"""
Q_PUB_AUTHORS = """SELECT DISTINCT ?p ?c WHERE { ?p rkg:hasAuthorship ?a . ?a rkg:affiliatedWith ?c }"""
Q_PROVIDERS = """SELECT ?c ?name ?country ?member WHERE { ?c a rkg:HealthcareProvider .
  OPTIONAL { ?c rdfs:label ?name } OPTIONAL { ?c schema:addressCountry ?country }
  BIND(EXISTS { ?c org:hasMembership ?m } AS ?member) }"""
Q_SUBCLASS = """SELECT DISTINCT ?child ?parent WHERE { ?child rdfs:subClassOf ?parent .
  FILTER(isIRI(?parent) && (""" + entity_filter("?child") + ") && (" + entity_filter("?parent") + """)) }"""
Q_LABELS = """SELECT ?e ?label WHERE { ?e rdfs:label ?label .
  FILTER(""" + entity_filter("?e") + """) }"""


def collaboration_graph(providers: list[dict], trial_sites: list[dict], pub_authors: list[dict]) -> nx.Graph:
    """The weighted collaboration network from query rows (pure)."""
    g = nx.Graph()
    for r in providers:
        g.add_node(r["c"].value, name=r["name"].value if "name" in r else r["c"].value,
                   country=r["country"].value if "country" in r else "", member=r["member"].value == "true")
    for rows, key, attr in ((trial_sites, "t", "trials"), (pub_authors, "p", "publications")):
        groups: dict[str, set[str]] = {}
        for r in rows:
            groups.setdefault(r[key].value, set()).add(r["c"].value)
        for members in groups.values():
            for a, b in combinations(sorted(members), 2):
                data = g.get_edge_data(a, b) or {"trials": 0, "publications": 0}
                data[attr] += 1
                g.add_edge(a, b, trials=data["trials"], publications=data["publications"],
                           weight=data["trials"] + data["publications"])
    return g


def load_collaboration(store: GraphStore) -> nx.Graph:
    """The collaboration network of the centres in ``store``."""
    return collaboration_graph(store.select(Q_PROVIDERS), store.select(Q_TRIAL_SITES), store.select(Q_PUB_AUTHORS))


def load_hierarchy(store: GraphStore) -> nx.DiGraph:
    """The entity hierarchy as a DiGraph with edges parent -> child, nodes labelled."""
    dag = nx.DiGraph()
    dag.add_edges_from((r["parent"].value, r["child"].value) for r in store.select(Q_SUBCLASS))
    for r in store.select(Q_LABELS):
        if r["e"].value in dag:
            dag.nodes[r["e"].value].setdefault("label", r["label"].value)
    return dag


@dataclass
class NetworkSummary:
    centres: int
    edges: int
    isolated: int
    communities: list[list[str]]
    degree: dict[str, float]
    betweenness: dict[str, float]


def analyse(g: nx.Graph) -> NetworkSummary:
    """Degree and betweenness centrality and greedy-modularity communities (isolates excluded)."""
    degree = nx.degree_centrality(g) if len(g) > 1 else {n: 0.0 for n in g}
    for a, b, d in g.edges(data=True):
        d["distance"] = 1.0 / d["weight"]
    betweenness = nx.betweenness_centrality(g, weight="distance") if len(g) > 2 else {n: 0.0 for n in g}
    connected = g.subgraph(n for n in g if g.degree(n) > 0)
    comms = (community.greedy_modularity_communities(connected, weight="weight")
             if connected.number_of_edges() else [])
    groups = sorted((sorted(c) for c in comms), key=lambda c: (-len(c), c))
    return NetworkSummary(g.number_of_nodes(), g.number_of_edges(), sum(1 for n in g if g.degree(n) == 0),
                          groups, degree, betweenness)


def _ancestors_by_distance(dag: nx.DiGraph, entity: str) -> dict[str, int]:
    if entity not in dag:
        raise NotFoundError(f"{entity} is not in the entity hierarchy")
    return dict(nx.single_source_shortest_path_length(dag.reverse(copy=False), entity))


def nearest_ancestor(dag: nx.DiGraph, entity: str, accept: Callable[[str], bool]) -> tuple[str, int] | None:
    """The closest ancestor (not the entity itself) for which ``accept`` holds, with its distance;
    ties broken by IRI. Raises NotFoundError for an entity not in the hierarchy."""
    found = sorted((d, a) for a, d in _ancestors_by_distance(dag, entity).items() if d > 0 and accept(a))
    return (found[0][1], found[0][0]) if found else None


def lowest_common_ancestors(dag: nx.DiGraph, a: str, b: str) -> list[str]:
    """The common ancestors (reflexive) of ``a`` and ``b`` that have no descendant that is also one."""
    common = set(_ancestors_by_distance(dag, a)) & set(_ancestors_by_distance(dag, b))
    return sorted(c for c in common if not any(d in common for d in nx.descendants(dag, c)))


def export_graphml(g: nx.Graph, path: Path) -> None:
    g2 = g.copy()
    for _, _, d in g2.edges(data=True):
        d.pop("distance", None)
    nx.write_graphml(g2, path)


def export_json(g: nx.Graph, summary: NetworkSummary, path: Path) -> None:
    data: dict[str, Any] = nx.node_link_data(g, edges="links")
    for node in data["nodes"]:
        node["degree_centrality"] = round(summary.degree.get(node["id"], 0.0), 6)
        node["betweenness"] = round(summary.betweenness.get(node["id"], 0.0), 6)
    data["communities"] = summary.communities
    path.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")


def summary_text(g: nx.Graph, s: NetworkSummary, top: int = 10) -> str:
    """A printable summary: sizes, top centres by degree and betweenness, communities."""
    name = lambda n: g.nodes[n].get("name", n)
    lines = [(f"centres {s.centres}, collaboration links {s.edges}, isolated centres {s.isolated}, "
              f"communities {len(s.communities)}")]
    for title, values in (("degree centrality", s.degree), ("betweenness centrality", s.betweenness)):
        ranked = sorted(values.items(), key=lambda kv: (-kv[1], name(kv[0])))[:top]
        lines.append(f"top {title}:")
        lines += [f"  {v:.3f}  {name(n)}" for n, v in ranked if v > 0] or ["  (none above 0)"]
    for i, c in enumerate(s.communities, 1):
        shown = "; ".join(name(n) for n in c[:8]) + (f"; … ({len(c) - 8} more)" if len(c) > 8 else "")
        lines.append(f"community {i} ({len(c)} centres): {shown}")
    return "\n".join(lines)
