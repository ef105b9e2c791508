"""Figures of a store: triples per named graph, instances per class, and the domain counts."""

from __future__ import annotations

from kg.store.graphstore import GraphStore
from kg.store.output import compact, format_table

#: Domain figures as (label, SPARQL returning ?n). One place, shared by the CLI and the API.
FIGURES: list[tuple[str, str]] = [
    ("Orphanet entities", "SELECT (COUNT(DISTINCT ?e) AS ?n) { ?e rkg:orphaCode ?c }"),
    ("OncoTree entities", "SELECT (COUNT(DISTINCT ?e) AS ?n) { ?e rkg:oncotreeCode ?c }"),
    ("molecular subgroups", "SELECT (COUNT(DISTINCT ?e) AS ?n) { ?e rdfs:subClassOf [ owl:onProperty rkg:hasAlteration ] }"),
    ("basket classes", "SELECT (COUNT(DISTINCT ?e) AS ?n) { ?e rkg:isBasket true }"),
    ("entity mappings", ("SELECT (COUNT(DISTINCT ?m) AS ?n) { ?m a owl:Axiom ; owl:annotatedProperty ?p "
     "VALUES ?p { skos:exactMatch skos:closeMatch skos:broadMatch skos:narrowMatch } }")),
    ("entities with a domain", "SELECT (COUNT(DISTINCT ?e) AS ?n) { ?e rkg:inDomain ?d }"),
    ("cancer domains", "SELECT (COUNT(DISTINCT ?d) AS ?n) { ?d a rkg:CancerDomain }"),
    ("healthcare providers", "SELECT (COUNT(DISTINCT ?c) AS ?n) { ?c a rkg:HealthcareProvider }"),
    ("memberships", "SELECT (COUNT(DISTINCT ?m) AS ?n) { ?m a org:Membership }"),
    ("countries with a provider", "SELECT (COUNT(DISTINCT ?k) AS ?n) { ?c a rkg:HealthcareProvider ; schema:addressCountry ?k }"),
    ("genes", "SELECT (COUNT(DISTINCT ?g) AS ?n) { ?g rdfs:subClassOf+ rkg:Gene }"),
    ("clinical trials", "SELECT (COUNT(DISTINCT ?t) AS ?n) { ?t a rkg:ClinicalTrial }"),
    ("publications", "SELECT (COUNT(DISTINCT ?p) AS ?n) { ?p a rkg:Publication }"),
    ("evidence items", "SELECT (COUNT(DISTINCT ?e) AS ?n) { ?e a rkg:Evidence }"),
    ("trial sites", "SELECT (COUNT(DISTINCT ?s) AS ?n) { ?s a rkg:TrialSite }"),
    ("trial sites resolved to a provider", "SELECT (COUNT(DISTINCT ?s) AS ?n) { ?s rkg:resolutionStatus \"resolved\" }"),
    *[(f"trial sites resolved by {label}", ("SELECT (COUNT(DISTINCT ?s) AS ?n) { ?s rkg:resolutionStatus \"resolved\" ; "
       f"sssom:curation_rule_text ?r FILTER(STRSTARTS(?r, \"{step}:\")) }}"))
      for label, step in (("curated aliases", "curated"), ("the registry (ROR)", "registry"),
                          ("the open world (new institutions)", "open-world"))],
    ("trial sites resolved with medium confidence (a generic name unique in its city)",
     "SELECT (COUNT(DISTINCT ?s) AS ?n) { ?s a rkg:TrialSite ; sssom:curation_rule_text ?r FILTER(CONTAINS(?r, \"confidence=medium\")) }"),
    ("trial sites generic (never guessed)", "SELECT (COUNT(DISTINCT ?s) AS ?n) { ?s rkg:resolutionStatus \"generic\" }"),
    ("trial sites unresolved", "SELECT (COUNT(DISTINCT ?s) AS ?n) { ?s rkg:resolutionStatus \"unresolved\" }"),
    ("institutions from the registry (ROR)", ("SELECT (COUNT(DISTINCT ?p) AS ?n) { ?x rkg:atProvider|rkg:affiliatedWith ?p "
     "FILTER(STRSTARTS(STR(?p), \"https://w3id.org/rarekg/centre/ror-\")) }")),
    ("institutions from the open world", ("SELECT (COUNT(DISTINCT ?p) AS ?n) { ?x rkg:atProvider|rkg:affiliatedWith ?p "
     "FILTER(STRSTARTS(STR(?p), \"https://w3id.org/rarekg/centre/ow-\")) }")),
    ("affiliations linked to a provider", "SELECT (COUNT(*) AS ?n) { ?a rkg:affiliatedWith ?p }"),
    ("providers without membership, with evidence", "SELECT (COUNT(DISTINCT ?p) AS ?n) { ?e rkg:aboutProvider ?p ; rkg:evidenceKind ?k FILTER(?k != obo:ECO_0000304) FILTER NOT EXISTS { ?p org:hasMembership ?m } }"),
    ("trials linked to an entity", "SELECT (COUNT(DISTINCT ?t) AS ?n) { ?t rkg:studiesEntity ?e }"),
    ("publications linked to an entity", "SELECT (COUNT(DISTINCT ?p) AS ?n) { ?p rkg:topicEntity ?e }"),
    ("trial alteration mentions", "SELECT (COUNT(DISTINCT ?l) AS ?n) { ?l a rkg:AlterationLink }"),
]


def graph_counts(store: GraphStore) -> list[tuple[str, int]]:
    return [(g.value, store.count(g)) for g in store.graphs()]


def figures(store: GraphStore) -> list[tuple[str, int]]:
    out = []
    for label, sparql in FIGURES:
        rows = store.select(sparql)
        out.append((label, int(rows[0]["n"].value) if rows and "n" in rows[0] else 0))
    return out


def class_counts(store: GraphStore) -> list[tuple[str, int]]:
    rows = store.select("SELECT ?class (COUNT(DISTINCT ?s) AS ?n) { ?s a ?class } "
                        "GROUP BY ?class ORDER BY DESC(?n) ?class")
    return [(compact(r["class"]), int(r["n"].value)) for r in rows]


def stats_table(store: GraphStore) -> str:
    """The text printed by ``rarekg stats``."""
    if not store.graphs():
        return "the store is empty: run `rarekg build` first"
    parts = []
    gc = graph_counts(store)
    parts.append(format_table(["graph", "triples"], [{"graph": _lit(g), "triples": _lit(n)} for g, n in gc]))
    parts.append(f"total: {sum(n for _, n in gc)} triples in {len(gc)} named graphs\n")
    parts.append(format_table(["figure", "count"], [{"figure": _lit(k), "count": _lit(v)} for k, v in figures(store)]))
    parts.append("")
    # the network's coverage, stated wherever members are counted (issue 18; kg/expertise/members_on_record.py)
    from kg.expertise.members_on_record import members_on_record
    parts.append("EURACAN " + members_on_record(store.select)["statement"] + "\n")
    parts.append(format_table(["class", "instances"], [{"class": _lit(c), "instances": _lit(n)}
                                                      for c, n in class_counts(store)]))
    return "\n".join(parts)


def _lit(value: object):  # type: ignore[no-untyped-def]
    import pyoxigraph as ox
    return ox.Literal(str(value))
