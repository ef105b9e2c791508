"""A remote SPARQL 1.1 server as the store: :class:`RemoteStore` implements :class:`kg.store.graphstore.GraphStore`.

Queries go through the SPARQL 1.1 Protocol, updates through SPARQL 1.1 Update, loads through the
Graph Store Protocol (HTTP POST of N-Triples into a graph). Each source keeps its named graph. The
server's known differences (result JSON, row cap, endpoint paths, authentication) are described in
:mod:`kg.store.backends`.

Atomic replacement works as in the embedded store (see :class:`kg.store.staging.Batch`): a source's triples
are POSTed into a private staging graph ``graph/_staging/<uuid>``, counted and checked, and then
all staged graphs are moved over the published ones with **one** SPARQL Update request (``MOVE``).
If anything fails before that request, only staging graphs (never visible to readers) are touched,
and they are dropped. Oxigraph applies one update request in one transaction; Virtuoso runs it as
one SQL transaction of its SPARQL endpoint.

That request can take long at scale, and its connection can fail after the server committed it.
It has its own timeout (``RAREKG_BACKEND_PUBLISH_TIMEOUT_S``, default 600 s). When it fails
without an answer (a transport error, a timeout, 502/503/504), the client asks the server what it
holds before trying again: a staging graph that is gone means the move was committed, and the
publish is done; otherwise it sends the idempotent form of the update
(:func:`kg.store.graphstore.publish_update`), which replaces each graph only while its staging graph holds
triples. Sending the plain ``MOVE`` again would empty the published graph if the first had committed.

Settings (arguments win over the environment): ``RAREKG_BACKEND`` (base URL), and
``RAREKG_BACKEND_QUERY_URL``, ``_UPDATE_URL``, ``_STORE_URL``, ``_USER``, ``_PASSWORD``, ``_KIND``
(oxigraph, virtuoso or generic; detected from the ``Server`` header when unset), ``_TIMEOUT_S``
(every request but the publish), ``_PUBLISH_TIMEOUT_S`` (the publishing update),
``_MAX_ROWS`` (the server's row cap, for Virtuoso's ResultSetMaxRows).
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import IO, Any

import httpx
import pyoxigraph as ox
from pydantic_settings import BaseSettings, SettingsConfigDict

from kg.core.errors import QueryError, StoreError
from kg.core.retry import Retryable, RetryPolicy
from kg.core.vocab import BASE, PREFIXES, STAGING_PREFIX
from kg.store import backends
from kg.store.backends import Flavour
from kg.store.embedded import has_dataset_clause
from kg.store.graphstore import RDF_FORMATS, GraphStore, Term, Triple, publish_update
from kg.store.staging import Batch

GRAPH_PREFIX = BASE + "graph/"
#: an IRI naming no graph: the default graph of a query when nothing is published
EMPTY_GRAPH = "urn:x-rarekg:no-graph"
#: triples per Graph Store POST
CHUNK = 50_000
#: pauses between attempts of a request that is safe to repeat
RETRY_PAUSES = (0.2, 0.6, 1.5)
RETRY_STATUS = {502, 503, 504}
#: bytes of an answer kept in memory; a longer answer is spooled to a temporary file and parsed from
#: there row by row, so the web process never holds a whole-column answer's text (bench/README.md)
SPOOL_BYTES = 4 * 1024 * 1024
#: pauses before the publishing update is checked and sent again (the server may be busy committing)
PUBLISH_PAUSES = (1.0, 3.0, 10.0)


class BackendSettings(BaseSettings):
    """Where the server is and how to log in (environment prefix ``RAREKG_BACKEND_``)."""

    model_config = SettingsConfigDict(env_prefix="RAREKG_BACKEND_")

    url: str | None = None
    query_url: str | None = None
    update_url: str | None = None
    store_url: str | None = None
    user: str | None = None
    password: str | None = None
    kind: str | None = None
    timeout_s: float = 60.0
    publish_timeout_s: float = 600.0
    max_rows: int | None = None


@dataclass(frozen=True)
class Endpoints:
    """The three URLs of a server and its flavour."""

    query: str
    update: str
    store: str
    flavour: Flavour


def resolve(settings: BackendSettings) -> Endpoints:
    """The endpoints of ``settings``: explicit URLs, else paths under ``url`` by the flavour.

    Raises StoreError when no URL is given or the base URL cannot be reached to detect the kind."""
    base = settings.url
    if not base and not settings.query_url:
        raise StoreError("no backend: give --backend URL or set RAREKG_BACKEND")
    if settings.kind:
        flavour = backends.flavour_named(settings.kind)
    elif base:
        flavour = _detect(base, settings.timeout_s)
    else:
        flavour = backends.GENERIC
    if settings.max_rows is not None:
        flavour = replace(flavour, max_rows=settings.max_rows or None)
    root = (base or "").rstrip("/") + "/"
    return Endpoints(query=settings.query_url or root + flavour.query_path,
                     update=settings.update_url or root + flavour.update_path,
                     store=settings.store_url or root + flavour.store_path, flavour=flavour)


def _detect(base: str, timeout_s: float) -> Flavour:
    try:
        response = httpx.get(base, timeout=timeout_s)
    except httpx.HTTPError as exc:
        raise StoreError(f"backend {base} cannot be reached: {exc!r}") from exc
    return backends.flavour_from_server_header(response.headers.get("server"))


def open_backend(url: str | None = None, **overrides: Any) -> RemoteStore:
    """A RemoteStore for ``url`` (or ``$RAREKG_BACKEND``), other settings from the environment."""
    values = {k: v for k, v in overrides.items() if v is not None}
    if url:
        values["url"] = url
    env = BackendSettings()
    if not values.get("url") and env.url is None:
        import os
        values["url"] = os.environ.get("RAREKG_BACKEND")
    return RemoteStore(BackendSettings(**{**env.model_dump(exclude_none=True), **values}))


class RemoteStore(GraphStore):
    """A SPARQL 1.1 server (Query, Update, Graph Store Protocol) as a :class:`GraphStore`.

    Raises StoreError, naming the URL, when the server cannot be reached (after retries for
    requests that are safe to repeat) or answers with an error; QueryError when it rejects a
    query or update as malformed (HTTP 400)."""

    #: seconds the list of published graphs is reused before it is asked again
    graphs_ttl_s = 2.0

    def __init__(self, settings: BackendSettings | None = None) -> None:
        self.settings = settings or BackendSettings()
        self.endpoints = resolve(self.settings)
        self.flavour = self.endpoints.flavour
        auth = None
        if self.settings.user is not None:
            pair = (self.settings.user, self.settings.password or "")
            auth = httpx.DigestAuth(*pair) if self.flavour.digest_auth else httpx.BasicAuth(*pair)
        self._http = httpx.Client(timeout=self.settings.timeout_s)
        self._auth = auth
        self._published: tuple[float, list[ox.NamedNode]] | None = None
        #: whether the server's union default graph is exactly the published graphs (asked with them)
        self._union = False

    def __repr__(self) -> str:
        return f"RemoteStore({self.endpoints.query}, {self.flavour.name})"

    # -- HTTP -----------------------------------------------------------------------------------------
    def _request(self, method: str, url: str, *, safe: bool, auth: bool = False,
                 into: IO[bytes] | None = None, **kw: Any) -> httpx.Response:
        """One request; retried on transport errors and 502/503/504 when ``safe`` (idempotent),
        and on connection failures (nothing was sent) always. With ``into``, a successful answer's
        body is written to that file (left at its start) instead of being held by the response."""
        def failed(exc: httpx.TransportError) -> Exception:
            """A transport error after the request may have reached the server."""
            if not safe:
                return StoreError(f"{method} {url} failed: {exc!r} (not retried: not idempotent)")
            return Retryable(repr(exc))

        def attempt() -> httpx.Response:
            request = self._http.build_request(method, url, **kw)
            try:
                response = self._http.send(request, auth=self._auth if auth else None, stream=True)
            except httpx.ConnectError as exc:
                raise Retryable(repr(exc)) from exc
            except httpx.TransportError as exc:
                raise failed(exc) from exc
            try:
                if response.status_code in RETRY_STATUS and safe:
                    response.read()
                    raise Retryable(f"HTTP {response.status_code}", response=response)
                if into is None or response.status_code >= 300:
                    response.read()
                    return backends.checked(response, method, url)
                into.seek(0)
                into.truncate()
                for chunk in response.iter_bytes(1 << 16):
                    into.write(chunk)
                into.seek(0)
                return response
            except httpx.TransportError as exc:
                raise failed(exc) from exc
            finally:
                response.close()

        try:
            return RetryPolicy.fixed(RETRY_PAUSES).call(attempt)
        except Retryable as exc:
            if exc.response is not None:   # the last answer was a 502/503/504: say what the server said
                return backends.checked(exc.response, method, url)
            raise StoreError(f"{method} {url} failed after {len(RETRY_PAUSES) + 1} attempts: {exc.problem}") from exc

    def _dataset(self, default: list[ox.NamedNode] | None,
                 named: list[ox.NamedNode] | None, sparql: str = "") -> list[tuple[str, str]]:
        """The protocol's dataset parameters: the published graphs, named one by one, unless the
        server's union default graph is exactly them (an Oxigraph server holding no staging graph,
        no foreign graph and an empty default graph), which it evaluates several times faster
        than a dataset of named graphs (decision 0020)."""
        published = None if default is not None and named is not None else self.graphs()
        if (default is None and named is None and self._union and published
                and not has_dataset_clause(sparql)):
            return [("union-default-graph", "")]
        default = default if default is not None else published
        named = named if named is not None else published
        params = [("default-graph-uri", g.value) for g in default or []] or [("default-graph-uri", EMPTY_GRAPH)]
        return params + ([("named-graph-uri", g.value) for g in named or []]
                         or [("named-graph-uri", EMPTY_GRAPH)])

    def _post_query(self, sparql: str, dataset: list[tuple[str, str]],
                    into: IO[bytes] | None = None) -> httpx.Response:
        accept = "application/sparql-results+json, application/n-triples;q=0.9, text/turtle;q=0.8"
        return self._request("POST", self.endpoints.query, safe=True, into=into, headers={"Accept": accept},
                             data={"query": sparql, **backends.multi(dataset)})

    def _spooled_query(self, sparql: str, dataset: list[tuple[str, str]]) -> tuple[str, IO[bytes]]:
        """POST a query and keep its answer in a spooled file (memory up to :data:`SPOOL_BYTES`,
        then disk): the content type and the file, positioned at its start."""
        spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES, prefix="rarekg-answer-")  # noqa: SIM115 (handed to the parser, which reads it after this returns)
        try:
            response = self._post_query(sparql, dataset, into=spool)  # type: ignore[arg-type]
        except BaseException:
            spool.close()
            raise
        return response.headers.get("content-type", ""), spool  # type: ignore[return-value]

    # -- reading --------------------------------------------------------------------------------------
    def query(self, sparql: str, *, bindings: Mapping[str, Term] | None = None,
              default_graphs: list[ox.NamedNode] | None = None,
              named_graphs: list[ox.NamedNode] | None = None) -> Any:
        text = backends.with_prefixes(backends.inline_bindings(sparql, bindings))
        media, spool = self._spooled_query(text, self._dataset(default_graphs, named_graphs, sparql))
        if "sparql-results" in media or "application/json" in media:
            return backends.parse_results_file(spool, self.flavour, self.endpoints.query)
        with spool:
            body = spool.read()
        triples = backends.parse_graph(body, media, self.endpoints.query)
        backends.check_row_cap(len(triples), self.flavour, self.endpoints.query)
        return triples

    def graphs(self) -> list[ox.NamedNode]:
        cached = self._published
        if cached is not None and time.monotonic() - cached[0] < self.graphs_ttl_s:
            return cached[1]
        response = self._post_query(self.flavour.graphs_query, [])
        rows = backends.parse_results(response.content, self.flavour, self.endpoints.query)
        every = {s["g"].value for s in rows if isinstance(s["g"], ox.NamedNode)}  # type: ignore[union-attr]
        names = sorted(g for g in every if g.startswith(GRAPH_PREFIX) and not g.startswith(STAGING_PREFIX))
        published = [ox.NamedNode(n) for n in names]
        self._union = (self.flavour.union_default_graph and len(names) == len(every)
                       and not self._post_query("ASK { ?s ?p ?o }", []).json().get("boolean", True))
        self._published = (time.monotonic(), published)
        return published

    def count(self, graph: ox.NamedNode | None = None) -> int:
        graphs = [graph] if graph is not None else self.graphs()
        if not graphs:
            return 0
        rows = self.select("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
                           default_graphs=[], named_graphs=graphs)
        return int(rows[0]["n"].value)

    def dump(self, out: IO[bytes], fmt: str, graph: ox.NamedNode | None = None) -> None:
        rdf_format = RDF_FORMATS.get(fmt)
        if rdf_format is None:
            raise QueryError(f"unknown export format {fmt!r}; expected one of {sorted(RDF_FORMATS)}")
        if graph is None and fmt not in ("nquads", "trig"):
            raise QueryError(f"format {fmt!r} holds one graph: name the graph, or use nquads or trig")
        graphs = [graph] if graph is not None else self.graphs()
        prefixes = PREFIXES if fmt in ("turtle", "trig") else None
        if graph is not None:
            ox.serialize(self._graph_triples(graph), out, rdf_format, prefixes=prefixes)
            return
        quads = [ox.Quad(t.subject, t.predicate, t.object, g) for g in graphs for t in self._graph_triples(g)]
        ox.serialize(quads, out, rdf_format, prefixes=prefixes)

    def _graph_triples(self, graph: ox.NamedNode) -> list[ox.Triple]:
        response = self._request("GET", self.endpoints.store, safe=True, auth=True,
                                 params={"graph": graph.value},
                                 headers={"Accept": "application/n-triples, text/turtle;q=0.9"})
        triples = backends.parse_graph(response.content, response.headers.get("content-type", ""),
                                       self.endpoints.store)
        backends.check_row_cap(len(triples), self.flavour, self.endpoints.store)
        return triples

    # -- writing --------------------------------------------------------------------------------------
    def update(self, sparql: str) -> None:
        """Run a SPARQL Update on the server (repeated only if the connection failed)."""
        try:
            self._request("POST", self.endpoints.update, safe=False, auth=True,
                          data={"update": backends.with_prefixes(sparql)})
        finally:
            self._published = None

    def batch(self, meta_graph: ox.NamedNode | None = None) -> Batch:
        """Graph replacements published together by one update request (see :class:`kg.store.staging.Batch`)."""
        return Batch(self, meta_graph)  # type: ignore[arg-type]

    def drop_graph(self, graph: ox.NamedNode) -> None:
        self.update(f"DROP SILENT GRAPH {graph}")

    def _stage(self, staging: ox.NamedNode, triples: Iterable[Triple]) -> int:
        """POST ``triples`` into ``staging`` in chunks; returns the distinct count on the server.

        Triples with a blank node all go in the last request: a blank node label is scoped to one
        document, so splitting them would split the node."""
        with_bnodes: list[ox.Triple] = []
        for chunk in backends.chunks(triples, CHUNK):
            plain = [t for t in chunk if not backends.has_bnode(t)]
            with_bnodes.extend(t for t in chunk if backends.has_bnode(t))
            if plain:
                self._post_triples(staging, plain, safe=True)   # re-POSTing ground triples changes nothing
        if with_bnodes:
            self._post_triples(staging, with_bnodes, safe=False)
        return self.count(staging)

    def _post_triples(self, graph: ox.NamedNode, triples: list[ox.Triple], *, safe: bool) -> None:
        body = ox.serialize(triples, None, ox.RdfFormat.N_TRIPLES)
        self._request("POST", self.endpoints.store, safe=safe, auth=True, params={"graph": graph.value},
                      content=body, headers={"Content-Type": self.flavour.upload_media})

    def _publish(self, staged: list[tuple[ox.NamedNode, ox.NamedNode, int]],
                 staging_meta: ox.NamedNode | None, meta_graph: ox.NamedNode | None) -> None:
        """Send the publishing update; when it fails without an answer, find out whether the server
        committed it before sending it again, in its idempotent form (see the module's text).
        Raises StoreError when every attempt failed (the server then holds the old graphs or the
        new ones, never a mix: each attempt is one transaction), QueryError when it is refused."""
        update = publish_update(staged, staging_meta, meta_graph)
        probe = next((staging for _, staging, count in staged if count), None)
        tried = False

        def attempt() -> None:
            nonlocal update, tried
            if tried:   # the last attempt got no answer: was it committed?
                if probe is not None and not self._holds(probe):
                    return  # the move was committed; only its answer was lost
                update = publish_update(staged, staging_meta, meta_graph, idempotent=True)
            tried = True
            self._post_update(update)

        try:
            RetryPolicy.fixed(PUBLISH_PAUSES).call(attempt)
        except _NoAnswer as exc:
            raise StoreError(f"publishing to {self.endpoints.update} failed after {len(PUBLISH_PAUSES) + 1} "
                             f"attempts ({exc}); the server holds the previous graphs or the new ones") from exc
        finally:
            self._published = None

    def _post_update(self, sparql: str) -> None:
        """POST one update with the publish timeout. Raises _NoAnswer when its outcome is unknown."""
        url = self.endpoints.update
        try:
            response = self._http.request("POST", url, auth=self._auth, timeout=self.settings.publish_timeout_s,
                                          data={"update": backends.with_prefixes(sparql)})
        except httpx.TransportError as exc:
            raise _NoAnswer(f"POST {url}: {exc!r}") from exc
        if response.status_code in RETRY_STATUS:
            raise _NoAnswer(f"POST {url}: HTTP {response.status_code}")
        backends.checked(response, "POST", url)

    def _holds(self, graph: ox.NamedNode) -> bool:
        """Whether the server holds triples in ``graph`` (asked again if the connection fails)."""
        return bool(self.query("ASK { GRAPH ?g { ?s ?p ?o } }", default_graphs=[], named_graphs=[graph]))

    def _discard(self, graphs: Iterable[ox.NamedNode]) -> None:
        ops = " ;\n".join(f"DROP SILENT GRAPH {g}" for g in graphs)
        if ops:
            self.update(ops)

    def optimize(self) -> None:
        """Nothing to do: the server manages its own storage."""

    def close(self) -> None:
        self._http.close()


class _NoAnswer(Retryable):
    """An update got no answer that says whether it was applied."""
