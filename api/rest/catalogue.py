"""An in-process, read-only snapshot of the published graphs for the REST and FHIR handlers.

The REST API answers from plain Python dicts so that a request costs microseconds, not a SPARQL
round trip: :func:`load_catalogue` reads every triple of the union default graph once (about
70k on the default graph, well under a second) into subject and object indexes, and the snapshot is
rebuilt when the backend's ``generation`` changes (an admin update, or another process's update
seen through the marker file). Nothing here writes to the store.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from kg.store import GraphStore
from kg.vocab import BASE, RDF, RDFS, RKG

_ALL = "SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o }"


def key(term: Any) -> str:
    """The index key of a term: the IRI, ``_:id`` for a blank node, the lexical form of a literal."""
    if isinstance(term, ox.BlankNode):
        return "_:" + term.value
    return str(term.value)


@dataclass
class Catalogue:
    """Triples indexed by subject and by object, plus the typed node lists the API serves."""

    out: dict[str, dict[str, list[Any]]] = field(default_factory=dict)
    into: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    entities: list[str] = field(default_factory=list)
    centres: list[str] = field(default_factory=list)
    trials: list[str] = field(default_factory=list)
    publications: list[str] = field(default_factory=list)
    domains: list[str] = field(default_factory=list)
    triples: int = 0
    #: caches that live as long as this snapshot (search results, serialised answers)
    memo: dict[Any, Any] = field(default_factory=dict)

    # -- generic access ----------------------------------------------------------------------------
    def values(self, subject: str, predicate: ox.NamedNode) -> list[Any]:
        """Objects of ``subject predicate ?o`` (terms), in a stable order."""
        return self.out.get(subject, {}).get(predicate.value, [])

    def strings(self, subject: str, predicate: ox.NamedNode) -> list[str]:
        """The lexical forms / IRIs of the objects, sorted."""
        return sorted(key(t) for t in self.values(subject, predicate))

    def first(self, subject: str, predicate: ox.NamedNode) -> str | None:
        """The first object's lexical form or IRI (English literals first), or None."""
        terms = self.values(subject, predicate)
        if not terms:
            return None
        english = [t for t in terms if isinstance(t, ox.Literal) and t.language == "en"]
        return key(english[0] if english else terms[0])

    def number(self, subject: str, predicate: ox.NamedNode) -> float | None:
        """A numeric literal's value, or None when absent or not a number."""
        text = self.first(subject, predicate)
        try:
            return float(text) if text is not None else None
        except ValueError:
            return None

    def subjects(self, predicate: ox.NamedNode, obj: str) -> list[str]:
        """Subjects of ``?s predicate obj``, sorted."""
        return sorted(self.into.get(obj, {}).get(predicate.value, []))

    def label(self, iri: str) -> str:
        """The node's rdfs:label (English first), else its IRI."""
        return self.first(iri, RDFS.label) or iri

    def has_type(self, iri: str, cls: ox.NamedNode) -> bool:
        return any(key(t) == cls.value for t in self.values(iri, RDF.type))

    # -- hierarchy -----------------------------------------------------------------------------------
    def parents(self, iri: str) -> list[str]:
        """Named superclasses that are cancer entities (asserted or inferred)."""
        entity_set = self.memo.get("entity-set") or self.memo.setdefault("entity-set", set(self.entities))
        return sorted({key(t) for t in self.values(iri, RDFS.subClassOf)
                       if isinstance(t, ox.NamedNode) and key(t) in entity_set})

    def children(self, iri: str) -> list[str]:
        """Named subclasses that are cancer entities."""
        entity_set = self.memo.get("entity-set") or self.memo.setdefault("entity-set", set(self.entities))
        return [s for s in self.subjects(RDFS.subClassOf, iri) if s in entity_set]


def load_catalogue(store: GraphStore) -> Catalogue:
    """Read the store's union default graph into a :class:`Catalogue`.

    Raises QueryError / StoreError from the store."""
    cat = Catalogue()
    out: dict[str, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
    into: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    count = 0
    for row in store.query(_ALL):
        s, p, o = row[0], row[1], row[2]
        sk = key(s)
        out[sk][p.value].append(o)
        if isinstance(o, ox.NamedNode):
            into[o.value][p.value].append(sk)
        count += 1
    cat.out = {s: dict(ps) for s, ps in out.items()}
    cat.into = {o: dict(ps) for o, ps in into.items()}
    cat.triples = count
    cat.entities = _entity_classes(cat)
    cat.centres = _of_type(cat, RKG.HealthcareProvider)
    cat.trials = _of_type(cat, RKG.ClinicalTrial)
    cat.publications = _of_type(cat, RKG.Publication)
    cat.domains = sorted(_of_type(cat, RKG.CancerDomain),
                         key=lambda d: (cat.number(d, RKG.domainNumber) or 0, d))
    return cat


def _of_type(cat: Catalogue, cls: ox.NamedNode) -> list[str]:
    return sorted(s for s in cat.into.get(cls.value, {}).get(RDF.type.value, []) if s.startswith(BASE))


def _entity_classes(cat: Catalogue) -> list[str]:
    """Every named class under rkg:CancerEntity (transitively), sorted."""
    seen: set[str] = set()
    todo = [RKG.CancerEntity.value]
    while todo:
        node = todo.pop()
        for sub in cat.into.get(node, {}).get(RDFS.subClassOf.value, []):
            if sub not in seen and sub.startswith(BASE):
                seen.add(sub)
                todo.append(sub)
    return sorted(seen)
