"""Compare two built stores triple by triple, up to the vocabulary changes of issue #19.

    python bench/vocab_diff.py BEFORE_STORE AFTER_STORE [--examples N]

BEFORE_STORE is a store built before the alignment with standard vocabularies, AFTER_STORE one built
after it from the same data (``rarekg build --store DIR ...``). Every quad of BEFORE is rewritten by
the rules of :data:`RULES` (the list in docs/decisions/0019-standard-vocabularies.md); the script
then prints, per named graph, how many quads each rule rewrote and every quad that the rules do not
explain (added or removed), so "the same triples except for the vocabulary changes" is checked, not
claimed. Load IRIs and times differ between any two builds and are masked in both; blank nodes are
named by a hash of what they say (so identical blank-node structures count once: the figures are
distinct quads). The ontology graph is the vocabulary itself: only its size is shown; its file's
checksum and every graph's ``void:triples`` (when it is the graph's true size) are masked in the
meta graph. Exit status 1 when a graph other than the ontology and the reasoner's has unexplained quads.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path

import pyoxigraph as ox

from kg.core.vocab import (
    ALTERATION_KINDS,
    CHECKSUM,
    CONFIDENCE,
    DCTERMS,
    ECO_CURATED_STATEMENT,
    ECO_MEMBERSHIP,
    ECO_PUBLICATION,
    ECO_TRIAL_SITE,
    FILE_NAME,
    JUSTIFICATION,
    MAPPING,
    MAPPING_OBJECT,
    MAPPING_PREDICATE,
    MAPPING_SUBJECT,
    MATCH_STRING,
    META_GRAPH,
    OBOINOWL,
    ONTOLOGY_GRAPH,
    PROV,
    RATIONALE,
    RDF,
    RDFS,
    REVIEWER,
    RKG,
    RULE,
    SHA256,
    SKOS,
    SPDX,
    VERSION,
    VOID,
    XSD,
    graph_iri,
    hgnc_iri,
    mint,
)
from kg.store.embedded import open_store

Quad = tuple[str, ox.NamedNode | ox.BlankNode, ox.NamedNode, ox.NamedNode | ox.BlankNode | ox.Literal]

#: old predicate -> new predicate (same subject and object)
PREDICATES = {
    RKG.linkRule: RULE, RKG.linkScore: CONFIDENCE, RKG.matchedText: MATCH_STRING, RKG.confidence: CONFIDENCE,
    RKG.mappingJustification: JUSTIFICATION, RKG.matchedOn: RATIONALE, RKG.mappingReviewer: REVIEWER,
    RKG.subjectEntity: MAPPING_SUBJECT, RKG.objectEntity: MAPPING_OBJECT, RKG.mappingPredicate: MAPPING_PREDICATE,
    RKG.linkSubject: MAPPING_SUBJECT, RKG.linkedEntity: MAPPING_OBJECT, RKG.linkedAlteration: MAPPING_OBJECT,
    RKG.path: FILE_NAME,
}
#: old object -> new object (same subject and predicate)
OBJECTS = {
    RKG.EntityMapping: MAPPING, RKG.EntityLink: MAPPING,
    RKG.MembershipEvidence: ECO_MEMBERSHIP, RKG.TrialSiteEvidence: ECO_TRIAL_SITE,
    RKG.PublicationEvidence: ECO_PUBLICATION, RKG.CuratedStatementEvidence: ECO_CURATED_STATEMENT,
    **{RKG.term(name.capitalize()): so for name, so in ALTERATION_KINDS.items()},
}
_LOAD = re.compile(r"^(https://w3id\.org/rarekg/load/[^/]+/)\d{8}T\d+Z$")
_LOAD_LABEL = re.compile(r"^(load of \S+ at ).*$")


def read(path: Path) -> list[Quad]:
    """Every quad of the store at ``path`` with what differs between any two builds masked: load IRIs
    and times; and what the changed ontology file changes in the meta graph: its checksum, and the
    void:triples of each graph when it is that graph's true size (checked here, so a wrong count
    still shows)."""
    store = open_store(path, read_only=True)
    out: list[Quad] = []
    sizes: dict[str, int] = {}
    for graph in store.graphs():
        buf = io.BytesIO()
        store.dump(buf, "ntriples", graph)
        triples = list(ox.parse(buf.getvalue(), format=ox.RdfFormat.N_TRIPLES))
        sizes[graph.value] = len(triples)
        for t in triples:
            out.append((graph.value, _mask(t.subject), t.predicate, _mask(t.object, t.predicate)))
    ontology_file = {q[1].value.rsplit("/", 1)[1] for q in out if q[2] in (RKG.path, FILE_NAME)
                     and q[3].value.endswith("ontology/rarekg.ttl")}
    generated = {q[1].value: q[3].value for q in out if q[2] == PROV.generated}
    sizes |= {load: sizes.get(graph, -1) for load, graph in generated.items()}  # before #19 the load had it
    return [_mask_meta(q, sizes, ontology_file) for q in out]


def _mask_meta(q: Quad, sizes: dict[str, int], ontology_file: set[str]) -> Quad:
    g, s, p, o = q
    if g != META_GRAPH.value:
        return q
    if p == VOID.triples and int(o.value) == sizes.get(s.value if isinstance(s, ox.NamedNode) else "", -1):
        o = ox.Literal("<the graph's size>")
    for digest in ontology_file:
        s = ox.NamedNode(s.value.replace(digest, "ONTOLOGY-FILE")) if isinstance(s, ox.NamedNode) else s
        if isinstance(o, ox.NamedNode):
            o = ox.NamedNode(o.value.replace(digest, "ONTOLOGY-FILE"))
        elif isinstance(o, ox.Literal) and o.value == digest:
            o = ox.Literal("ONTOLOGY-FILE", datatype=o.datatype)
    return g, s, p, o


def _mask(term: ox.NamedNode | ox.BlankNode | ox.Literal, predicate: ox.NamedNode | None = None):  # type: ignore[no-untyped-def]
    if isinstance(term, ox.NamedNode):
        m = _LOAD.match(term.value)
        return ox.NamedNode(m.group(1) + "*") if m else term
    if isinstance(term, ox.Literal) and predicate in (PROV.startedAtTime, PROV.endedAtTime):
        return ox.Literal("*")
    if isinstance(term, ox.Literal) and predicate == RDFS.label and _LOAD_LABEL.match(term.value):
        return ox.Literal(_LOAD_LABEL.sub(r"\1*", term.value))
    return term


def rewrite(quads: list[Quad]) -> tuple[list[Quad], Counter[str]]:
    """``quads`` as the new vocabulary says them, and how many quads each rule touched."""
    rules: Counter[str] = Counter()
    by_subject: dict[str, list[Quad]] = defaultdict(list)
    for q in quads:
        by_subject[str(q[1])].append(q)
    generated = {str(q[1]): q[3] for q in quads if q[2] == PROV.generated}
    out: list[Quad] = []
    for g, s, p, o in quads:
        for rule, new in _rules(g, s, p, o, by_subject, generated):
            if rule:
                rules[rule] += 1
            out += new
    return out, rules


def _rules(g: str, s, p, o, by_subject: dict[str, list[Quad]], generated: dict[str, object]) -> Iterable[tuple[str, list[Quad]]]:  # type: ignore[no-untyped-def]
    """(rule name or "", the quads that replace (g, s, p, o))."""
    if g == ONTOLOGY_GRAPH.value:
        return [("", [(g, s, p, o)])]
    if p == OBOINOWL.hasDbXref and isinstance(o, ox.Literal) and o.value.startswith("HGNC:"):
        return [("gene HGNC literal xref -> skos:exactMatch identifiers.org IRI", [(g, s, SKOS.exactMatch, hgnc_iri(o.value))])]
    if g == META_GRAPH.value:
        graph = generated.get(str(s))
        if p == VOID.triples and graph is not None:
            return [("void:triples moved from the load to the graph", [(g, graph, p, o)])]
        if p == RKG.sourceVersion and graph is not None:
            return [("rkg:sourceVersion on the load -> pav:version on the graph", [(g, graph, VERSION, o)])]
        if p == DCTERMS.license and graph is not None:
            return [("dcterms:license moved from the load to the graph", [(g, graph, p, o)])]
        if p == RDF.type and o == RKG.Load:
            return [("load also typed prov:Activity; graph prov:wasGeneratedBy its load",
                     [(g, s, p, o), (g, s, RDF.type, PROV.Activity), (g, generated[str(s)], PROV.wasGeneratedBy, s)])]
        if p == RKG.sha256:
            c = mint("source", f"{o.value}/sha256")
            return [("rkg:sha256 -> spdx:checksum node (algorithm, value)",
                     [(g, s, CHECKSUM, c), (g, c, RDF.type, SPDX.Checksum), (g, c, SPDX.algorithm, SHA256),
                      (g, c, SPDX.checksumValue, ox.Literal(o.value, datatype=XSD.hexBinary))])]
    if p == RDF.type and o in (RKG.ConditionLink, RKG.AlterationLink):
        return [(f"{o.value.rsplit('/', 1)[1]} also typed owl:Axiom", [(g, s, p, o), (g, s, RDF.type, MAPPING)])]
    if p in (RKG.linkSubject,):
        prop = _link_property(by_subject[str(s)], o)
        return [("rkg:linkSubject -> owl:annotatedSource, + owl:annotatedProperty",
                 [(g, s, MAPPING_SUBJECT, o), (g, s, MAPPING_PREDICATE, prop)])]
    if p in PREDICATES:
        return [(f"{_short(p)} -> {_short(PREDICATES[p])}", [(g, s, PREDICATES[p], o)])]
    if o in OBJECTS:
        return [(f"{_short(o)} -> {_short(OBJECTS[o])}", [(g, s, p, OBJECTS[o])])]
    return [("", [(g, s, p, o)])]


def _link_property(node_quads: list[Quad], subject) -> ox.NamedNode:  # type: ignore[no-untyped-def]
    if any(q[2] == RDF.type and q[3] == RKG.AlterationLink for q in node_quads):
        return RKG.eligibleAlteration
    return RKG.studiesEntity if "/trial/" in subject.value else RKG.topicEntity


def _short(term: ox.NamedNode) -> str:
    for prefix, iri in (("rkg:", RKG.iri), ("sssom:", "https://w3id.org/sssom/"), ("owl:", "http://www.w3.org/2002/07/owl#"),
                        ("obo:", "http://purl.obolibrary.org/obo/"), ("spdx:", SPDX.iri), ("rdfs:", RDFS.iri)):
        if term.value.startswith(iri):
            return prefix + term.value[len(iri):]
    return term.value


def canonical(quads: Iterable[Quad]) -> dict[str, set[str]]:
    """N-Quads lines by graph, each blank node named by a hash of its outgoing triples."""
    quads = list(quads)
    out_of: dict[tuple[str, str], list[Quad]] = defaultdict(list)
    for q in quads:
        if isinstance(q[1], ox.BlankNode):
            out_of[(q[0], q[1].value)].append(q)
    memo: dict[tuple[str, str], str] = {}

    def name(g: str, term: object) -> str:
        if not isinstance(term, ox.BlankNode):
            return str(term)
        key = (g, term.value)
        if key not in memo:
            memo[key] = "_:" + hashlib.sha256("\n".join(sorted(
                f"{q[2]} {name(g, q[3])}" for q in out_of[key])).encode()).hexdigest()[:16]
        return memo[key]
    result: dict[str, set[str]] = defaultdict(set)
    for g, s, p, o in quads:
        result[g].add(f"{name(g, s)} {p} {name(g, o)}")
    return result


def report(before: list[Quad], after: list[Quad], examples: int, emit: Callable[[str], None] = print) -> int:
    """Print the comparison; the number of unexplained quads outside the ontology and inferred graphs."""
    mapped, rules = rewrite(before)
    old, new, raw = canonical(mapped), canonical(after), canonical(before)
    emit("Vocabulary rules applied to the build before (quads of BEFORE each rule rewrote):")
    for rule, n in sorted(rules.items(), key=lambda kv: (-kv[1], kv[0])):
        emit(f"  {n:7d}  {rule}")
    emit("")
    emit(f"{'graph':48} {'before':>8} {'after':>8} {'same':>8} {'unexplained +':>14} {'unexplained -':>14}")
    bad = 0
    for g in sorted(set(old) | set(new)):
        o, n = old.get(g, set()), new.get(g, set())
        if g == ONTOLOGY_GRAPH.value:
            emit(f"{g:48} {len(raw.get(g, ())):8d} {len(n):8d}   (the vocabulary itself: not compared)")
            continue
        same = len(raw.get(g, set()) & n)
        emit(f"{g:48} {len(raw.get(g, ())):8d} {len(n):8d} {same:8d} {len(n - o):14d} {len(o - n):14d}")
        if g != graph_iri("inferred").value:
            bad += len(n - o) + len(o - n)
        for sign, rows in (("+", sorted(n - o)), ("-", sorted(o - n))):
            for row in rows[:examples]:
                emit(f"    {sign} {row}")
            if len(rows) > examples:
                emit(f"    {sign} ... {len(rows) - examples} more")
    return bad


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--examples", type=int, default=10, help="unexplained quads shown per graph and sign")
    args = parser.parse_args(argv)
    bad = report(read(args.before), read(args.after), args.examples)
    print(f"\nunexplained quads outside the ontology and inferred graphs: {bad}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
