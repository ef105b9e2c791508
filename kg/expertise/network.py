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
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from typing import Any

import networkx as nx
from networkx.algorithms import community

from kg.core.errors import NotFoundError
from kg.core.vocab import RKG
from kg.expertise.referral_index import ENTITY_PREFIXES
from kg.store.embedded import GraphStore
from kg.store.queries import column, first_values, stream


def collaboration_graph(providers: dict[str, tuple[str, str, bool]], trial_sites: Iterable[tuple[str, str]],
                        pub_authors: Iterable[tuple[str, str]]) -> nx.Graph:
    """The weighted collaboration network (pure): ``providers`` maps each centre to (name, country,
    member); ``trial_sites`` and ``pub_authors`` are (trial or publication, centre) pairs."""
    g = nx.Graph()
    for c, (name, country, member) in providers.items():
        g.add_node(c, name=name, country=country, member=member)
    for pairs, attr in ((trial_sites, "trials"), (pub_authors, "publications")):
        groups: dict[str, set[str]] = {}
        for shared, c in pairs:
            groups.setdefault(shared, set()).add(c)
        for members in groups.values():
            for a, b in combinations(sorted(members), 2):
                data = g.get_edge_data(a, b) or {"trials": 0, "publications": 0}
                data[attr] += 1
                g.add_edge(a, b, trials=data["trials"], publications=data["publications"],
                           weight=data["trials"] + data["publications"])
    return g


def _through(store: GraphStore, link: str, at: str) -> set[tuple[str, str]]:
    """(subject, centre) pairs of ``?subject link ?x . ?x at ?centre`` (a trial's sites, a
    publication's authorships), joined from two columns of the read queries."""
    via: dict[str, list[str]] = {}
    for subject, x in column(store, link):
        via.setdefault(x, []).append(subject)
    return {(subject, c) for x, c in column(store, at) for subject in via.get(x, ())}


def load_collaboration(store: GraphStore) -> nx.Graph:
    """The collaboration network of the centres in ``store``, read with the library's read queries
    (``nodes-of-type``, ``column-of-type``, ``property-column``)."""
    found = [r["node"].value for r in stream(store, "nodes-of-type", {"class": RKG.HealthcareProvider})]
    typed = "rkg:HealthcareProvider"
    name = first_values(column(store, "rdfs:label", of_type=typed))
    country = first_values(column(store, "schema:addressCountry", of_type=typed))
    member = {c for c, _ in column(store, "org:hasMembership", of_type=typed)}
    providers = {c: (name.get(c, c), country.get(c, ""), c in member) for c in found}
    return collaboration_graph(providers, _through(store, "rkg:hasSite", "rkg:atProvider"),
                               _through(store, "rkg:hasAuthorship", "rkg:affiliatedWith"))


def load_hierarchy(store: GraphStore) -> nx.DiGraph:
    """The entity hierarchy as a DiGraph with edges parent -> child, nodes labelled."""
    dag = nx.DiGraph()
    dag.add_edges_from((parent, child) for child, parent in column(store, "rdfs:subClassOf", iri_values=True)
                       if child != parent and child.startswith(ENTITY_PREFIXES) and parent.startswith(ENTITY_PREFIXES))
    for e, label in first_values(column(store, "rdfs:label", entities=True)).items():
        if e in dag:
            dag.nodes[e]["label"] = label
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
