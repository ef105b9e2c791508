"""SHACL validation of the built graph against ``ontology/shapes.ttl``, and loading of the ontology.

The graph is validated as one union of its named graphs (a membership's provider may be typed in
another graph than the membership itself). Typical use, e.g. in an end-to-end test::

    result = validate_store(store)
    assert result.conforms, result.text

Turtle files are parsed with pyoxigraph, whose syntax errors carry line numbers; a malformed
ontology or shapes file raises :class:`~kg.core.errors.OntologyError` naming the file and the line.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import pyoxigraph as ox
import pyshacl
import rdflib
from rdflib.namespace import SH

from kg.core.errors import OntologyError, ValidationFailed
from kg.core.ontology import ONTOLOGY_PATH, SHAPES_PATH, parse_turtle
from kg.core.vocab import XSD

_XSD_STRING = XSD.string.value
GraphInput = rdflib.Graph | rdflib.Dataset


class ShapeResult(NamedTuple):
    """One SHACL result: the node that failed, the property path, the message and the shape."""

    focus: str     # IRI (or ``_:id``) of the focus node
    path: str | None  # IRI of the property path, None for node-level constraints
    message: str
    shape: str     # IRI of the source shape, e.g. https://w3id.org/rarekg/shapes#Membership-source
    severity: str  # "Violation", "Warning" or "Info"


@dataclass
class ValidationResult:
    """The outcome of one validation: conformance, results and pyshacl's text report."""

    conforms: bool
    results: list[ShapeResult] = field(default_factory=list)
    text: str = ""
    triples: int = 0  # size of the validated data graph

    @property
    def violations(self) -> int:
        """Number of results of severity Violation."""
        return sum(1 for r in self.results if r.severity == "Violation")

    def by_shape(self, shape_local: str) -> list[ShapeResult]:
        """Results whose source shape IRI ends with ``#<shape_local>``."""
        return [r for r in self.results if r.shape.endswith("#" + shape_local)]


def load_ontology_triples(path: str | Path = ONTOLOGY_PATH) -> list[ox.Triple]:
    """The ontology as pyoxigraph triples. Raises OntologyError if the file is malformed."""
    return parse_turtle(path)


def load_ontology_rdflib(path: str | Path = ONTOLOGY_PATH) -> rdflib.Graph:
    """The ontology as an rdflib Graph. Raises OntologyError if the file is malformed."""
    return to_rdflib(parse_turtle(path))


def load_shapes(path: str | Path = SHAPES_PATH) -> rdflib.Graph:
    """The SHACL shapes as an rdflib Graph. Raises OntologyError if the file is malformed."""
    return to_rdflib(parse_turtle(path))


def _term(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> rdflib.term.Node:
    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return rdflib.BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return rdflib.Literal(term.value, lang=term.language)
        if term.datatype.value == _XSD_STRING:
            return rdflib.Literal(term.value)
        return rdflib.Literal(term.value, datatype=rdflib.URIRef(term.datatype.value))
    raise OntologyError(f"unsupported RDF term {term!r} (RDF 1.2 triple terms are not validated)")


def to_rdflib(triples: Iterable[ox.Triple | ox.Quad], graph: rdflib.Graph | None = None) -> rdflib.Graph:
    """Add pyoxigraph triples or quads (graph name dropped: the union) to an rdflib Graph."""
    graph = rdflib.Graph() if graph is None else graph
    add = graph.add
    for t in triples:
        add((_term(t.subject), _term(t.predicate), _term(t.object)))  # type: ignore[arg-type]
    return graph


def _union(data: GraphInput) -> rdflib.Graph:
    """A plain Graph: a Dataset becomes the union of all its graphs (pyshacl would split them)."""
    if isinstance(data, rdflib.Dataset):
        union = rdflib.Graph()
        for s, p, o, _g in data.quads((None, None, None, None)):
            union.add((s, p, o))
        return union
    return data


def _results(report: rdflib.Graph) -> list[ShapeResult]:
    results = []
    for res in report.subjects(rdflib.RDF.type, SH.ValidationResult):
        path = report.value(res, SH.resultPath)
        severity = report.value(res, SH.resultSeverity)
        messages = sorted(str(m) for m in report.objects(res, SH.resultMessage))
        results.append(ShapeResult(
            focus=_n3(report.value(res, SH.focusNode)),
            path=str(path) if isinstance(path, rdflib.URIRef) else (None if path is None else path.n3()),
            message="; ".join(messages),
            shape=_n3(report.value(res, SH.sourceShape)),
            severity=str(severity).rsplit("#", 1)[-1] if severity is not None else "Violation",
        ))
    return sorted(results)


def _n3(node: rdflib.term.Node | None) -> str:
    if isinstance(node, rdflib.URIRef):
        return str(node)
    return "" if node is None else node.n3()


def validate(data: GraphInput, *, shapes: rdflib.Graph | None = None, with_ontology: bool = False,
             inference: str = "none") -> ValidationResult:
    """Validate ``data`` (a Graph, or a Dataset taken as the union of its graphs) against the shapes.

    ``with_ontology`` mixes the ontology into the data (so sh:targetClass reaches instances typed
    only by a subclass); ``inference`` is pyshacl's ("none", "rdfs", ...), off by default for speed.
    Raises OntologyError if the shapes or ontology file is malformed.
    """
    graph = _union(data)
    conforms, report, text = pyshacl.validate(
        graph,
        shacl_graph=shapes if shapes is not None else load_shapes(),
        ont_graph=load_ontology_rdflib() if with_ontology else None,
        inference=inference,
        abort_on_first=False,
        allow_warnings=True,
        advanced=True,
    )
    return ValidationResult(conforms=bool(conforms), results=_results(report), text=str(text),
                            triples=len(graph))


def validate_quads(quads: Iterable[ox.Quad | ox.Triple] | bytes, *,
                   exclude_graphs: Iterable[ox.NamedNode] = (), **options: object) -> ValidationResult:
    """Validate quads from the store (pyoxigraph Quads or N-Quads bytes) as the union of their graphs.

    Quads in ``exclude_graphs`` are left out. ``options`` are passed to :func:`validate`.
    Raises OntologyError if the N-Quads bytes are malformed (naming the line).
    """
    if isinstance(quads, bytes):
        try:
            quads = list(ox.parse(quads, format=ox.RdfFormat.N_QUADS))
        except SyntaxError as err:
            raise OntologyError(f"malformed N-Quads: {err.msg}", path="<n-quads>", line=err.lineno) from err
    skip = {g.value for g in exclude_graphs}
    if skip:
        quads = (q for q in quads if not (isinstance(q, ox.Quad) and getattr(q.graph_name, "value", None) in skip))
    return validate(to_rdflib(quads), **options)  # type: ignore[arg-type]


def validate_store(store: ox.Store, **options: object) -> ValidationResult:
    """Validate every quad of a pyoxigraph store (all named graphs and the default graph) as one graph."""
    return validate_quads(store.quads_for_pattern(None, None, None, None), **options)  # type: ignore[arg-type]


def assert_conforms(result: ValidationResult) -> ValidationResult:
    """Return ``result`` if it conforms; raise ValidationFailed with the count and the report otherwise."""
    if not result.conforms:
        raise ValidationFailed(f"SHACL validation found {result.violations} violation(s)", report=result.text)
    return result
