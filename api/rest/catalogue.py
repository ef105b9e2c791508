"""The read model of the REST and FHIR handlers: the questions they answer, asked of the store
through the read queries of the library (``queries/read/*.rq``, :mod:`kg.store.queries`), whatever the store.

A :class:`Catalogue` reads the facts of a node (``out``: ``node-facts``) and the nodes pointing at a
node (``into``: ``node-referrers``) on first use and keeps them in one bounded LRU cache keyed by
the store generation; the lists it serves come from ``entity-classes`` and ``nodes-of-type``, the
whole-list tables (every centre, every trial) from one column query per property
(``column-of-type``, ``entity-column``), aggregates from their own queries. Nothing reads the
whole graph into Python: over a remote SPARQL server the web process holds what it was asked
about, at most :data:`LAZY_CACHE` nodes (docs/decisions/0020-one-read-path.md).

Over the embedded store (what ``rarekg serve`` runs) a single-pattern read (``node-facts``,
``node-referrers``, a column) is evaluated straight on the store's indexes
(:meth:`kg.store.graphstore.GraphStore.triples`, where the store is ``indexed``), the same pattern
without a SPARQL parse (microseconds a node); ``load_catalogue(store, via_queries=True)`` runs the
query text instead, and the tests check that both give the same answers. The cached single-pattern
reads and the ``out``/``into`` indexes over them are in :mod:`api.rest.reader`. Nothing here writes
to the store.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

import pyoxigraph as ox

from api.rest.reader import Incoming, Outgoing, Reader, key, term_of
from kg.core.vocab import RDF, RDFS, RKG
from kg.store.graphstore import GraphStore

T = TypeVar("T")

#: nodes (and (node, predicate) pairs) whose facts the read cache keeps: about 3.5 KB a node at
#: scale 100, so at most some 70 MB, whatever a client crawls (a read costs tens of µs embedded,
#: about a millisecond from a server on the same host)
LAZY_CACHE = 20_000
#: a column query and its bindings but ``predicate`` (see :meth:`Catalogue.prefetch`)
Within = tuple[str, Mapping[str, ox.NamedNode]]
#: the entities of ``entity-classes``, as :meth:`Catalogue.prefetch` reads their columns
ENTITIES: Within = ("entity-column", {})
#: nodes above which :meth:`Catalogue.preload` reads their facts in one query rather than one by one
PRELOAD_MIN = 20


def of_type(cls: ox.NamedNode) -> Within:
    """The nodes typed ``cls``, as :meth:`Catalogue.prefetch` reads their columns."""
    return ("column-of-type", {"class": cls})


@dataclass
class Catalogue:
    """Triples indexed by subject and by object, plus the typed node lists the API serves."""

    out: Any = field(default_factory=dict)    # subject key -> {predicate IRI: [object terms]}
    into: Any = field(default_factory=dict)   # object IRI -> {predicate IRI: [subject keys]}
    reader: Reader | None = None              # the read queries behind ``out`` and ``into``
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
    #: the store whose indexes a prefetch scans (None: read through the queries)
    store: GraphStore | None = None

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

    def prefetch(self, subjects: Iterable[str], predicates: Iterable[ox.NamedNode],
                 within: Within | None = None) -> Catalogue:
        """This catalogue, with ``predicates`` of ``subjects`` read up front, predicate by predicate.

        For summaries of every trial or centre: nothing is left in the lazy caches, and each
        predicate is read the cheaper way, counted by the store first: one index scan when the
        predicate is mostly about these subjects (a trial's title), one lookup per subject when
        the subjects hold a small part of it (the labels of 50k trials among 2M labels). Read
        through the queries (a remote server), a predicate is one column query over ``within``
        (the nodes of a class, or the entities), which must hold every subject; without
        ``within`` the nodes are read one by one, as the catalogue itself reads them. The view
        answers exactly as this catalogue does (other subjects and predicates are read from it);
        drop it when done."""
        if self.store is None and within is None:
            return self
        keep = subjects if isinstance(subjects, (set, frozenset)) else set(subjects)
        columns = dict(self.out.columns) if isinstance(self.out, _Prefetched) else {}
        for predicate in predicates:
            data: dict[str, list[Any]] = {}
            for subject, term in self._read(predicate, keep, within):
                held = data.setdefault(subject, [])
                if term not in held:    # a triple held by several graphs
                    held.append(term)
            columns[predicate.value] = (keep, data)
        base = self.out.base if isinstance(self.out, _Prefetched) else self.out
        return replace(self, out=_Prefetched(base, columns))

    def _read(self, predicate: ox.NamedNode, keep: set[str] | frozenset[str],
              within: Within | None = None) -> Iterator[tuple[str, Any]]:
        if self.store is None:      # one column query
            assert self.reader is not None and within is not None
            name, values = within
            for row in self.reader.run(name, **values, predicate=predicate):
                subject = key(row["node"])
                if subject in keep:
                    yield subject, row["value"]
            return
        total = int(self.store.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s <{predicate.value}> ?o }}")[0]["n"].value)
        # an index scan costs about 7 µs a triple in Python, a lookup about 18 µs (scale 100)
        if total <= 3 * len(keep):
            yield from ((s, o) for s, o in self.scan(predicate) if s in keep)
            return
        for subject in keep:
            term = term_of(subject)
            if term is not None:
                for _, _, o in self.store.triples(term, predicate, None, distinct=False):
                    yield subject, o

    def run(self, name: str, **values: ox.NamedNode) -> list[dict[str, Any]]:
        """Rows of read query ``name`` on the store (not cached: for aggregates kept by the caller).
        Raises QueryError / StoreError."""
        assert self.reader is not None
        return self.reader.run(name, **values)

    def preload(self, node: str, predicate: ox.NamedNode, *, incoming: bool = False) -> None:
        """:meth:`Reader.preload`: the facts of the nodes ``node`` points at (or that point at it),
        when they are more than :data:`PRELOAD_MIN` (fewer are read node by node: a two-pattern
        query costs a server more than a few single-node reads, Virtuoso 7 seconds)."""
        if self.reader is None or self.reader.indexed:
            return
        many = (len(self.subjects(predicate, node)) if incoming else len(self.values(node, predicate))) > PRELOAD_MIN
        if many:
            self.reader.preload(node, predicate, incoming=incoming)

    def required_alterations(self, cls: str) -> list[str]:
        """The ``alteration-requirements`` of a class, sorted (cached with the reads)."""
        assert self.reader is not None
        reader = self.reader
        k = (reader.generation, "alteration-requirements", cls)
        held = reader.cache.get(k)
        if held is None:
            term = term_of(cls)
            held = sorted(key(r["alteration"]) for r in reader.run("alteration-requirements", **{"class": term})
                          ) if isinstance(term, ox.NamedNode) else []
            reader.cache.put(k, held)
        return held  # type: ignore[no-any-return]

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


def load_catalogue(store: GraphStore, count: Callable[[], int] | None = None, generation: int = 0, *,
                   via_queries: bool = False) -> Catalogue:
    """A :class:`Catalogue` of ``store`` as of ``generation``, its reads cached; ``count`` gives the
    triple count (default: the store counts). ``via_queries`` runs the read queries' text on an
    embedded store too, instead of reading its indexes.

    Raises QueryError / StoreError from the store."""
    reader = Reader(store, generation, cache_size=LAZY_CACHE, indexed=False if via_queries else None)
    cat = Catalogue(out=Outgoing(reader), into=Incoming(reader), reader=reader,
                    store=store if reader.indexed and store.indexed else None)
    cat.count, cat.select = count or store.count, store.select
    cat.entities = [key(r["entity"]) for r in reader.run("entity-classes")]
    cat.centres = _of_type(reader, RKG.HealthcareProvider)
    cat.trials = _of_type(reader, RKG.ClinicalTrial)
    cat.publications = _of_type(reader, RKG.Publication)
    cat.domains = sorted(_of_type(reader, RKG.CancerDomain),
                         key=lambda d: (cat.number(d, RKG.domainNumber) or 0, d))
    return cat


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


def _of_type(reader: Reader, cls: ox.NamedNode) -> list[str]:
    return sorted(key(r["node"]) for r in reader.run("nodes-of-type", **{"class": cls}))
