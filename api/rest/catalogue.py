"""An in-process, read-only view of the published graphs for the REST and FHIR handlers.

The REST API answers from Python lookups so that a request costs microseconds, not a SPARQL round
trip. A :class:`Catalogue` indexes triples by subject (``out``) and by object (``into``):

- over the embedded store (what ``rarekg serve`` runs), both indexes are *lazy* views of the
  store's own indexes (:meth:`kg.store.EmbeddedStore.triples`), filled per subject or per
  (object, predicate) on first use and kept in a bounded cache, so memory does not grow with the
  graph (the eager snapshot of every triple took over 10 GB at scale 100, bench/README.md);
- over a remote SPARQL server, where a lookup is an HTTP round trip, :func:`load_catalogue` reads
  every triple of the union default graph once into plain dicts (about 70k on the default graph).

Either way the snapshot is rebuilt when the backend's ``generation`` changes (an admin update, or
another process's update seen through the marker file). Nothing here writes to the store.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Container, Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

import pyoxigraph as ox

from kg.store import EmbeddedStore, GraphStore
from kg.vocab import BASE, RDF, RDFS, RKG

T = TypeVar("T")

_ALL = "SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o }"


def key(term: Any) -> str:
    """The index key of a term: the IRI, ``_:id`` for a blank node, the lexical form of a literal."""
    if isinstance(term, ox.BlankNode):
        return "_:" + term.value
    return str(term.value)


@dataclass
class Catalogue:
    """Triples indexed by subject and by object, plus the typed node lists the API serves."""

    out: Any = field(default_factory=dict)    # subject key -> {predicate IRI: [object terms]}
    into: Any = field(default_factory=dict)   # object IRI -> {predicate IRI: [subject keys]}
    entities: list[str] = field(default_factory=list)
    centres: list[str] = field(default_factory=list)
    trials: list[str] = field(default_factory=list)
    publications: list[str] = field(default_factory=list)
    domains: list[str] = field(default_factory=list)
    count: Any = None   # () -> int: the store's triple count over its published graphs (on first use)
    #: caches that live as long as this snapshot (search results, serialised answers)
    memo: dict[Any, Any] = field(default_factory=dict)
    #: (SPARQL SELECT) -> rows as dicts: aggregates over the whole graph, evaluated by the store
    select: Any = None
    #: the lazy indexes' store (None for a snapshot, which holds every triple already)
    store: EmbeddedStore | None = None

    def kept(self, name: str, build: Callable[[], T]) -> T:
        """``build()``, run once per snapshot and kept in :attr:`memo` under ``name`` (views made
        by :meth:`prefetch` share it)."""
        if name not in self.memo:
            self.memo[name] = build()
        return self.memo[name]  # type: ignore[no-any-return]

    @property
    def triples(self) -> int:
        """The store's triple count, graph by graph (as ``rarekg stats`` and VoID count)."""
        return self.kept("triples", lambda: int(self.count()) if callable(self.count) else 0)

    @property
    def entity_set(self) -> set[str]:
        """:attr:`entities` as a set, for membership tests."""
        return self.kept("entity-set", lambda: set(self.entities))

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

    # -- whole-graph reads ---------------------------------------------------------------------------
    def scan(self, predicate: ox.NamedNode) -> Iterator[tuple[str, Any]]:
        """``(subject key, object term)`` of every triple with ``predicate``: one index scan over
        the store, nothing kept. A triple held by several graphs may come once per graph."""
        if self.store is None:
            for subject, props in self.out.items():
                for term in props.get(predicate.value, ()):
                    yield subject, term
            return
        for s, _, o in self.store.triples(None, predicate, None, distinct=False):
            yield key(s), o

    def prefetch(self, subjects: Iterable[str], predicates: Iterable[ox.NamedNode]) -> Catalogue:
        """This catalogue, with ``predicates`` of ``subjects`` read up front, predicate by predicate.

        For summaries of every trial or centre: nothing is left in the lazy caches, and each
        predicate is read the cheaper way, counted by the store first: one index scan when the
        predicate is mostly about these subjects (a trial's title), one lookup per subject when
        the subjects hold a small part of it (the labels of 50k trials among 2M labels). The view
        answers exactly as this catalogue does (other subjects and predicates are read from it);
        drop it when done."""
        if self.store is None:
            return self     # a snapshot holds every triple in memory already
        keep = subjects if isinstance(subjects, (set, frozenset)) else set(subjects)
        columns = dict(self.out.columns) if isinstance(self.out, _Prefetched) else {}
        for predicate in predicates:
            data: dict[str, list[Any]] = {}
            for subject, term in self._read(predicate, keep):
                held = data.setdefault(subject, [])
                if term not in held:    # a triple held by several graphs
                    held.append(term)
            columns[predicate.value] = (keep, data)
        base = self.out.base if isinstance(self.out, _Prefetched) else self.out
        return replace(self, out=_Prefetched(base, columns))

    def _read(self, predicate: ox.NamedNode, keep: set[str] | frozenset[str]) -> Iterator[tuple[str, Any]]:
        assert self.store is not None
        total = int(self.store.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s <{predicate.value}> ?o }}")[0]["n"].value)
        # an index scan costs about 7 µs a triple in Python, a lookup about 18 µs (scale 100)
        if total <= 3 * len(keep):
            yield from ((s, o) for s, o in self.scan(predicate) if s in keep)
            return
        for subject in keep:
            term = _term(subject)
            if term is not None:
                for _, _, o in self.store.triples(term, predicate, None, distinct=False):
                    yield subject, o

    # -- hierarchy -----------------------------------------------------------------------------------
    def parents(self, iri: str) -> list[str]:
        """Named superclasses that are cancer entities (asserted or inferred)."""
        entity_set = self.entity_set
        return sorted({key(t) for t in self.values(iri, RDFS.subClassOf)
                       if isinstance(t, ox.NamedNode) and key(t) in entity_set})

    def children(self, iri: str) -> list[str]:
        """Named subclasses that are cancer entities."""
        entity_set = self.entity_set
        return [s for s in self.subjects(RDFS.subClassOf, iri) if s in entity_set]


def load_catalogue(store: GraphStore, count: Callable[[], int] | None = None) -> Catalogue:
    """A :class:`Catalogue` over ``store``: lazy indexes over an embedded store, a snapshot of
    every triple over any other. ``count`` gives the triple count (default: the store counts).

    Raises QueryError / StoreError from the store."""
    if isinstance(store, EmbeddedStore):
        cat = Catalogue(out=_Outgoing(store), into=_Incoming(store), store=store)
    else:
        cat = _snapshot(store)
    cat.count, cat.select = count or store.count, store.select
    cat.entities = _entity_classes(cat)
    cat.centres = _of_type(cat, RKG.HealthcareProvider)
    cat.trials = _of_type(cat, RKG.ClinicalTrial)
    cat.publications = _of_type(cat, RKG.Publication)
    cat.domains = sorted(_of_type(cat, RKG.CancerDomain),
                         key=lambda d: (cat.number(d, RKG.domainNumber) or 0, d))
    return cat


def _snapshot(store: GraphStore) -> Catalogue:
    out: dict[str, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
    into: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for row in store.query(_ALL):
        s, p, o = row[0], row[1], row[2]
        sk = key(s)
        out[sk][p.value].append(o)
        if isinstance(o, ox.NamedNode):
            into[o.value][p.value].append(sk)
    return Catalogue(out={s: dict(ps) for s, ps in out.items()}, into={o: dict(ps) for o, ps in into.items()})


#: entries kept by each lazy index before it starts afresh: about 3.5 KB a subject at scale 100,
#: so at most some 70 MB, whatever a client crawls (a lookup costs tens of µs)
_LAZY_CACHE = 20_000


class _Outgoing:
    """``out`` read from the store: the properties of one subject, as the snapshot's dict would hold them."""

    def __init__(self, store: EmbeddedStore) -> None:
        self._store = store
        self._cache: dict[str, dict[str, list[Any]]] = {}

    def get(self, subject: str, default: Any = None) -> Any:
        props = self._cache.get(subject)
        if props is None:
            props = {}
            term = _term(subject)
            for _, p, o in self._store.triples(term, None, None) if term is not None else ():
                props.setdefault(p.value, []).append(o)
            if len(self._cache) >= _LAZY_CACHE:
                self._cache.clear()
            self._cache[subject] = props
        return props if props else default

    def __contains__(self, subject: str) -> bool:
        return self.get(subject) is not None


class _Prefetched:
    """``out`` of a :meth:`Catalogue.prefetch` view: prefetched columns first, then the base index."""

    def __init__(self, base: Any, columns: dict[str, tuple[Container[str], dict[str, list[Any]]]]) -> None:
        self.base, self.columns = base, columns

    def get(self, subject: str, default: Any = None) -> _PrefetchedRow:
        return _PrefetchedRow(self, subject, default)

    def __contains__(self, subject: str) -> bool:
        return subject in self.base


class _PrefetchedRow:
    __slots__ = ("_default", "_subject", "_view")

    def __init__(self, view: _Prefetched, subject: str, default: Any) -> None:
        self._view, self._subject, self._default = view, subject, default

    def get(self, predicate: str, default: Any = None) -> Any:
        column = self._view.columns.get(predicate)
        if column is not None and self._subject in column[0]:
            return column[1].get(self._subject, default)
        props = self._view.base.get(self._subject, self._default)
        return props.get(predicate, default) if props else default


class _Incoming:
    """``into`` read from the store: for one object, the subjects of each predicate, on demand."""

    def __init__(self, store: EmbeddedStore) -> None:
        self._store = store
        self._cache: dict[tuple[str, str], list[str]] = {}

    def get(self, obj: str, default: Any = None) -> _IncomingOf:
        """Never missing: an object with no incoming triples gives empty lists, as ``{}`` would."""
        return _IncomingOf(self, obj)

    def subjects(self, obj: str, predicate: str) -> list[str]:
        held = self._cache.get((obj, predicate))
        if held is None:
            try:
                pattern = (ox.NamedNode(predicate), ox.NamedNode(obj))
            except ValueError:  # text that is no IRI matches nothing
                return []
            held = [key(s) for s, _, _ in self._store.triples(None, *pattern)]
            if len(self._cache) >= _LAZY_CACHE:
                self._cache.clear()
            self._cache[(obj, predicate)] = held
        return held


class _IncomingOf:
    def __init__(self, index: _Incoming, obj: str) -> None:
        self._index, self._obj = index, obj

    def get(self, predicate: str, default: Any = None) -> Any:
        return self._index.subjects(self._obj, predicate) or default


def _term(subject: str) -> ox.NamedNode | ox.BlankNode | None:
    """The store term of a subject key; None for text that is no valid IRI (e.g. from a URL)."""
    try:
        return ox.BlankNode(subject[2:]) if subject.startswith("_:") else ox.NamedNode(subject)
    except ValueError:
        return None


def _of_type(cat: Catalogue, cls: ox.NamedNode) -> list[str]:
    return sorted(s for s in cat.into.get(cls.value, {}).get(RDF.type.value, []) if s.startswith(BASE))


def _entity_classes(cat: Catalogue) -> list[str]:
    """Every named entity or subgroup class under rkg:CancerEntity (transitively), sorted. The
    ontology's own classes on the way (e.g. rkg:MolecularlyDefinedEntity) are walked through but
    are not entities: they have no entity id, and listing one gave an id that answered 404."""
    seen: set[str] = set()
    todo = [RKG.CancerEntity.value]
    while todo:
        node = todo.pop()
        for sub in cat.into.get(node, {}).get(RDFS.subClassOf.value, []):
            if sub not in seen and sub.startswith(BASE):
                seen.add(sub)
                todo.append(sub)
    return sorted(e for e in seen if e.startswith((BASE + "entity/", BASE + "subgroup/")))
