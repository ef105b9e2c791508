"""OWL classification with HermiT (through owlready2): the inferred class hierarchy.

The ontology plus the molecular definitions (genes, gene families, alteration classes, subgroups,
basket classes; see docs/ontology-terms.md) go to HermiT, which infers, for example, that every
NTRK-fusion subgroup is a subclass of the NTRK-fusion basket class and of
rkg:MolecularlyDefinedEntity. :func:`classify` returns those inferred ``rdfs:subClassOf`` links.

Pass the superclass chain of the subgroups' parent entities too (at least parent ⊑
rkg:CancerEntity): a subgroup that is not known to be a cancer entity is not a basket member.

HermiT runs on Java (17 is enough). Pellet is not used: the Pellet jar of owlready2 0.50/0.51 needs
Java 25 (see docs/decisions/0001-ontology-and-vocabularies.md).
"""

from __future__ import annotations

import io
import os
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import owlready2
import pyoxigraph as ox

from kg.checks.shacl import ONTOLOGY_PATH, load_ontology_triples
from kg.core.errors import OntologyError, ReasonerError
from kg.core.vocab import ONTOLOGY_GRAPH, OWL, RDF, RDFS, graph_iri
from kg.store.graphstore import GraphStore

_SUBCLASS = RDFS.subClassOf
_EQUIVALENT = OWL.equivalentClass
_THING = OWL.Thing.value
_NOTHING = OWL.Nothing.value

AxiomInput = bytes | Iterable[ox.Triple | ox.Quad | tuple]


@dataclass
class ReasonerResult:
    """What HermiT inferred: new subclass links between named classes, and how long it took."""

    inferred: list[ox.Triple] = field(default_factory=list)  # (sub rdfs:subClassOf super), not asserted
    classes: int = 0        # named classes seen
    seconds: float = 0.0    # wall time of the whole call (JVM start included)

    def superclasses(self, iri: str) -> set[str]:
        """IRIs of the inferred superclasses of the class ``iri``."""
        return {t.object.value for t in self.inferred if t.subject.value == iri}


def _as_triples(axioms: AxiomInput) -> list[ox.Triple]:
    """Axioms as pyoxigraph triples. Raises OntologyError naming the line of malformed N-Triples."""
    if isinstance(axioms, bytes):
        try:
            return list(ox.parse(axioms, format=ox.RdfFormat.N_TRIPLES))
        except SyntaxError as err:
            raise OntologyError(f"malformed N-Triples axioms: {err.msg}", path="<axioms>",
                                line=err.lineno) from err
    out = []
    for t in axioms:
        if isinstance(t, ox.Quad):
            out.append(t.triple)
        elif isinstance(t, ox.Triple):
            out.append(t)
        else:
            out.append(ox.Triple(*t))
    return out


def _named_edges(triples: Iterable[ox.Triple]) -> dict[str, set[str]]:
    """Asserted subclass edges between named classes (a named equivalence counts both ways)."""
    edges: dict[str, set[str]] = {}
    for t in triples:
        if not (isinstance(t.subject, ox.NamedNode) and isinstance(t.object, ox.NamedNode)):
            continue
        if t.predicate == _SUBCLASS:
            edges.setdefault(t.subject.value, set()).add(t.object.value)
        elif t.predicate == _EQUIVALENT:
            edges.setdefault(t.subject.value, set()).add(t.object.value)
            edges.setdefault(t.object.value, set()).add(t.subject.value)
    return edges


def _closure(edges: dict[str, set[str]]) -> dict[str, set[str]]:
    """For each class, every class reachable through subclass edges (itself excluded)."""
    result: dict[str, set[str]] = {}
    for start, parents in edges.items():
        seen: set[str] = set()
        stack = list(parents)
        while stack:
            node = stack.pop()
            if node in seen:
                continue
            seen.add(node)
            stack.extend(edges.get(node, ()))
        seen.discard(start)
        result[start] = seen
    return result


def _declarations(triples: list[ox.Triple]) -> list[ox.Triple]:
    """owl:Class declarations for named classes used in subclass axioms but never declared."""
    declared = {t.subject.value for t in triples if t.predicate == RDF.type}
    used = set()
    for t in triples:
        if t.predicate in (_SUBCLASS, _EQUIVALENT):
            used.update(n.value for n in (t.subject, t.object) if isinstance(n, ox.NamedNode))
    return [ox.Triple(ox.NamedNode(iri), RDF.type, OWL.Class) for iri in sorted(used - declared)]


#: JVM options for HermiT's short run: the client compiler only (C1) halves the JVM's CPU time
#: (0.95 -> 0.5 s at the default dataset) with the same output; the build runs it beside the loaders.
HERMIT_JVM_OPTIONS = "-XX:TieredStopAtLevel=1"


@contextmanager
def _jvm_options(options: str) -> Iterator[None]:
    """``options`` added to ``JDK_JAVA_OPTIONS`` (read by the ``java`` launcher that owlready2
    starts, which cannot take arguments of ours) inside the block; the variable as it was after."""
    before = os.environ.get("JDK_JAVA_OPTIONS")
    os.environ["JDK_JAVA_OPTIONS"] = f"{before} {options}" if before else options
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("JDK_JAVA_OPTIONS", None)
        else:
            os.environ["JDK_JAVA_OPTIONS"] = before


def _run_hermit(ntriples: bytes, workdir: Path) -> dict[str, set[str]]:
    """Classify with HermiT in a fresh World; the named subclass/equivalence edges afterwards.

    Raises ReasonerError if Java is missing, HermiT fails, or classes are unsatisfiable.
    """
    source = workdir / "input.nt"
    source.write_bytes(ntriples)
    world = owlready2.World()
    try:
        onto = world.get_ontology(source.as_uri()).load(format="ntriples")
        try:
            with onto, _jvm_options(HERMIT_JVM_OPTIONS):
                owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
        except FileNotFoundError as err:
            raise ReasonerError("Java not found: install a JRE (apt-get install default-jre-headless)") from err
        except owlready2.OwlReadyInconsistentOntologyError as err:
            raise ReasonerError("the ontology is inconsistent (HermiT found no model)") from err
        except owlready2.OwlReadyJavaError as err:
            raise ReasonerError(f"HermiT failed: {err}") from err
        unsatisfiable = sorted(c.iri for c in world.inconsistent_classes() if c.iri != _NOTHING)
        if unsatisfiable:
            raise ReasonerError(f"{len(unsatisfiable)} unsatisfiable (inconsistent) class(es): "
                                + ", ".join(unsatisfiable))
        edges: dict[str, set[str]] = {}
        for cls in world.classes():
            for parent in list(cls.is_a) + list(cls.equivalent_to):
                if isinstance(parent, owlready2.ThingClass):
                    edges.setdefault(cls.iri, set()).add(parent.iri)
                    if parent in cls.equivalent_to:
                        edges.setdefault(parent.iri, set()).add(cls.iri)
        return edges
    finally:
        world.close()


#: the published graphs ``rarekg validate`` classifies: the ontology and the molecular definitions
CLASSIFIED_GRAPHS = ("ontology", "subgroups")


def classify_store(store: GraphStore) -> ReasonerResult:
    """Classify what ``store`` publishes (its ontology and subgroups graphs, :data:`CLASSIFIED_GRAPHS`),
    not the repository's ontology file: a changed or damaged published ontology is what is judged.

    Raises ReasonerError as :func:`classify` does, and when the store publishes no ontology graph."""
    published = {g.value for g in store.graphs()}
    graphs = [graph_iri(name) for name in CLASSIFIED_GRAPHS if graph_iri(name).value in published]
    if ONTOLOGY_GRAPH not in graphs:
        raise ReasonerError(f"the store publishes no ontology graph ({ONTOLOGY_GRAPH.value}) to classify")
    buf = io.BytesIO()
    for graph in graphs:
        store.dump(buf, "ntriples", graph)
    return classify(buf.getvalue(), ontology_path=None)


def classify(axioms: AxiomInput = b"", *, ontology_path: str | Path | None = ONTOLOGY_PATH) -> ReasonerResult:
    """Classify the ontology plus ``axioms`` with HermiT; return the subclass links it inferred.

    ``axioms`` is N-Triples bytes or an iterable of pyoxigraph Triples/Quads (graph dropped) or
    (s, p, o) tuples; with ``ontology_path=None`` they are classified alone (they hold the ontology). The result holds every ``sub rdfs:subClassOf super`` between distinct named
    classes (owl:Thing excluded) that holds after reasoning but not in the reflexive-transitive
    closure of the asserted hierarchy: direct inferences and their transitive consequences.

    Raises ReasonerError when Java is missing, HermiT fails, the ontology is inconsistent, or a class
    is unsatisfiable (the message names the classes); OntologyError for malformed input.
    """
    started = time.perf_counter()
    triples = (load_ontology_triples(ontology_path) if ontology_path is not None else []) + _as_triples(axioms)
    triples += _declarations(triples)
    asserted = _named_edges(triples)
    with tempfile.TemporaryDirectory(prefix="rarekg-hermit-") as tmp:
        edges = _run_hermit(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), Path(tmp))
    before = _closure(asserted)
    for sub, supers in asserted.items():
        edges.setdefault(sub, set()).update(supers)
    after = _closure(edges)
    inferred = [
        ox.Triple(ox.NamedNode(sub), _SUBCLASS, ox.NamedNode(sup))
        for sub in sorted(after)
        for sup in sorted(after[sub] - before.get(sub, set()))
        if sup not in (_THING, sub)
    ]
    return ReasonerResult(inferred=inferred, classes=len(after),
                          seconds=time.perf_counter() - started)
