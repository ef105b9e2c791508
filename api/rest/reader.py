"""The store's answers to the read model's single-pattern questions, cached (:class:`Reader`), and
the two indexes of :class:`api.rest.catalogue.Catalogue` read through it: the facts of a node
(:class:`Outgoing`, ``node-facts``) and the nodes pointing at it (:class:`Incoming`,
``node-referrers``).

A question is answered from the store's indexes where the store is ``indexed`` (the embedded
store: :meth:`kg.store.graphstore.GraphStore.triples`), else through the read query's text
(``queries/read/*.rq``), and kept in one bounded LRU cache keyed by the store generation.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import pyoxigraph as ox

from kg.store import queries
from kg.store.graphstore import GraphStore


def key(term: Any) -> str:
    """The index key of a term: the IRI, ``_:id`` for a blank node, the lexical form of a literal."""
    if isinstance(term, ox.BlankNode):
        return "_:" + term.value
    return str(term.value)


def term_of(subject: str) -> ox.NamedNode | ox.BlankNode | None:
    """The store term of a subject key; None for text that is no valid IRI (e.g. from a URL)."""
    try:
        return ox.BlankNode(subject[2:]) if subject.startswith("_:") else ox.NamedNode(subject)
    except ValueError:
        return None


class Lru:
    """A dict of at most ``size`` entries that drops the least recently used one when full."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._data: OrderedDict[Any, Any] = OrderedDict()

    def get(self, k: Any) -> Any:
        value = self._data.get(k)
        if value is not None:
            self._data.move_to_end(k)
        return value

    def put(self, k: Any, value: Any) -> None:
        self._data[k] = value
        self._data.move_to_end(k)
        while len(self._data) > self.size:
            self._data.popitem(last=False)

    def __len__(self) -> int:
        return len(self._data)


class Reader:
    """The store's answers to the read model's single-pattern questions (``node-facts``,
    ``node-referrers``), kept in one bounded :class:`Lru` keyed by (store generation, query,
    parameters), of at most ``cache_size`` entries. ``indexed`` (default: whether the store is)
    evaluates them on the store's indexes instead of through the query text: the same pattern, the
    same answer, no SPARQL parse."""

    def __init__(self, store: GraphStore, generation: int = 0, *, cache_size: int,
                 indexed: bool | None = None) -> None:
        self.store, self.generation = store, generation
        self.indexed = store.indexed if indexed is None else indexed
        self.cache = Lru(cache_size)

    def run(self, name: str, **values: ox.NamedNode) -> list[dict[str, Any]]:
        """Rows of read query ``name`` (not cached). Raises QueryError / StoreError."""
        return queries.run(self.store, name, values)

    def facts(self, subject: str) -> dict[str, list[Any]]:
        """``node-facts``: predicate IRI -> objects of ``subject`` (cached)."""
        k = (self.generation, "node-facts", subject)
        props = self.cache.get(k)
        if props is None:
            props = {}
            term = term_of(subject)
            if term is not None and self.indexed:
                for _, p, o in self.store.triples(term, None, None):
                    props.setdefault(p.value, []).append(o)
            elif isinstance(term, ox.NamedNode):    # a blank node cannot be named to a server
                for row in self.run("node-facts", node=term):
                    props.setdefault(row["p"].value, []).append(row["o"])
            self.cache.put(k, props)
        return props  # type: ignore[no-any-return]

    def preload(self, node: str, predicate: ox.NamedNode, *, incoming: bool = False) -> None:
        """Read the facts of every node ``node`` points at through ``predicate`` (``incoming``: of
        every node pointing at it) in one query (``object-facts``, ``referrer-facts``) into the
        cache, where :meth:`facts` finds them: one round trip to a server instead of one per node.
        Nothing to do on an embedded store's indexes (a node's facts cost microseconds there)."""
        term = term_of(node)
        if self.indexed or not isinstance(term, ox.NamedNode):
            return
        k = (self.generation, "preloaded", node, predicate.value, incoming)
        if self.cache.get(k) is not None:
            return
        found: dict[str, dict[str, list[Any]]] = {}
        for row in self.run("referrer-facts" if incoming else "object-facts", node=term, predicate=predicate):
            found.setdefault(key(row["x"]), {}).setdefault(row["p"].value, []).append(row["o"])
        for subject, props in found.items():
            self.cache.put((self.generation, "node-facts", subject), props)
        self.cache.put(k, True)

    def referrers(self, obj: str, predicate: str) -> list[str]:
        """``node-referrers``: subjects of ``?s predicate obj`` (cached)."""
        k = (self.generation, "node-referrers", obj, predicate)
        held = self.cache.get(k)
        if held is None:
            try:
                pattern = (ox.NamedNode(predicate), ox.NamedNode(obj))
            except ValueError:  # text that is no IRI matches nothing
                return []
            if self.indexed:
                held = [key(s) for s, _, _ in self.store.triples(None, *pattern)]
            else:
                held = [key(r["s"]) for r in self.run("node-referrers", predicate=pattern[0], node=pattern[1])]
            self.cache.put(k, held)
        return held  # type: ignore[no-any-return]


class Outgoing:
    """``out`` read through the reader: the properties of one subject, as a dict of every triple would hold them."""

    def __init__(self, reader: Reader) -> None:
        self._reader = reader

    def get(self, subject: str, default: Any = None) -> Any:
        props = self._reader.facts(subject)
        return props if props else default

    def __contains__(self, subject: str) -> bool:
        return self.get(subject) is not None


class Incoming:
    """``into`` read through the reader: for one object, the subjects of each predicate, on demand."""

    def __init__(self, reader: Reader) -> None:
        self._reader = reader

    def get(self, obj: str, default: Any = None) -> IncomingOf:
        """Never missing: an object with no incoming triples gives empty lists, as ``{}`` would."""
        return IncomingOf(self, obj)

    def subjects(self, obj: str, predicate: str) -> list[str]:
        return self._reader.referrers(obj, predicate)


class IncomingOf:
    """What :meth:`Incoming.get` gives: the subjects pointing at one object, by predicate, read when asked."""

    def __init__(self, index: Incoming, obj: str) -> None:
        self._index, self._obj = index, obj

    def get(self, predicate: str, default: Any = None) -> Any:
        return self._index.subjects(self._obj, predicate) or default
