"""Dereferenceable IRIs: every IRI under ``https://w3id.org/rarekg/`` resolves by the same path.

``GET /centre/centre-leon-berard`` describes ``https://w3id.org/rarekg/centre/centre-leon-berard``:
HTML for people (label, types, every property with linked values, incoming links), or by content
negotiation (or ``?format=``) Turtle, JSON-LD (with the published context ``/context.jsonld``),
N-Triples or RDF/XML. The RDF answer is the resource's outgoing triples, the triples of blank nodes
they reach (OWL restrictions), and one page of :data:`INCOMING_PAGE` incoming triples; ``?page=N``
gives the next ones, announced by a ``Link: <...>; rel="next"`` header (and a link in the HTML),
up to page :data:`MAX_PAGE` (the SPARQL endpoint has the rest).
``/ontology`` is the ontology: its whole graph as Turtle or RDF/XML, or an HTML index of its terms.
Unknown: 404.

Every answer's work is bounded, whatever the IRI: a busy class such as ``rkg:Evidence`` has
millions of incoming ``rdf:type`` links at scale 100, so incoming links are read one page at a
time in the store's index order (never sorted as a whole; stable for one store state), and labels
are fetched only for the terms shown (at most :data:`LABELS_CAP`). The store is read in the
threadpool, off the event loop, and an answer that misses the query deadline
(``RAREKG_QUERY_TIMEOUT_S``) is a 504 problem.
"""

from __future__ import annotations

import asyncio
import html
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import quote

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from api.backend import Backend, BackendDep
from api.rest.responses import format_parameter, query_parameters, rdf_document
from api.results import GRAPH_MEDIA, choose_graph_format, graph_bytes, parse_accept
from api.settings import public_base
from api.sparql import problem
from kg.core.vocab import BASE, KINDS, ONTOLOGY_GRAPH, ONTOLOGY_IRI, PREFIXES, RDF, RDFS, compact_iri
from kg.store.graphstore import GraphStore

router = APIRouter(tags=["linked data"])

#: incoming triples per page
INCOMING_PAGE = 500
#: deepest page served: a page is found by walking the index past the links before it (0.4 s for
#: 76,000 at scale 10), so the links past 100,000 are left to the SPARQL endpoint
MAX_PAGE = 200
#: outgoing triples read per node of the description (its blank-node closure included)
OUT_CAP = 10_000
#: terms whose labels an HTML page looks up
LABELS_CAP = 2 * INCOMING_PAGE + 500
_OUT = f"SELECT DISTINCT ?s ?p ?o WHERE {{ ?s ?p ?o }} ORDER BY ?p ?o LIMIT {OUT_CAP}"
#: not DISTINCT (that hashes every link before the page, 3x slower): a link held by two graphs
#: comes twice, once per graph, and is shown once when both fall in one page
_IN = "SELECT ?x ?p ?s WHERE {{ ?x ?p ?s }} LIMIT {limit} OFFSET {offset}"
_LABELS = "SELECT ?t ?l WHERE {{ VALUES ?t {{ {terms} }} ?t rdfs:label ?l }}"
_TERMS = ("SELECT DISTINCT ?t ?type ?l WHERE { ?t a ?type ; rdfs:label ?l "
          "FILTER(STRSTARTS(STR(?t), STR(rkg:))) } ORDER BY ?type ?t")
LD_FORMATS = {"turtle", "ntriples", "rdfxml", "jsonld"}
T = TypeVar("T")
_PATH_SAFE = "/:@!$&'()*+,;=-._~"


@dataclass
class Description:
    """What one page of a resource shows: its outgoing triples (with their blank-node closure), one
    page of incoming triples, whether more follow, and (for HTML) the labels of the terms shown."""

    out: list[ox.Triple]
    incoming: list[ox.Triple]
    page: int = 1
    more: bool = False
    labels: dict[str, str] = field(default_factory=dict)


def describe(store: GraphStore, iri: ox.NamedNode, page: int = 1) -> Description:
    """The outgoing triples of ``iri`` and page ``page`` (from 1) of its incoming triples; reads at
    most :data:`OUT_CAP` triples per node and ``page`` × :data:`INCOMING_PAGE` incoming links."""
    out: list[ox.Triple] = []
    todo: list[Any] = [iri]
    seen: set[Any] = set()
    while todo and len(seen) < 10_000:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        for row in store.select(_OUT, {"s": node}):
            out.append(ox.Triple(node, row["p"], row["o"]))
            if isinstance(row["o"], ox.BlankNode):
                todo.append(row["o"])
    rows = store.select(_IN.format(limit=INCOMING_PAGE + 1, offset=(page - 1) * INCOMING_PAGE), {"s": iri})
    incoming = sorted({ox.Triple(r["x"], r["p"], iri) for r in rows[:INCOMING_PAGE]},
                      key=lambda t: (t.predicate.value, str(t.subject)))
    return Description(out, incoming, page, len(rows) > INCOMING_PAGE)


def labels(store: GraphStore, desc: Description) -> dict[str, str]:
    """Labels of the named nodes a page shows (at most :data:`LABELS_CAP` of them), by IRI."""
    terms: dict[str, ox.NamedNode] = {}
    for t in (*desc.out, *desc.incoming):
        for term in (t.subject, t.predicate, t.object):
            if isinstance(term, ox.NamedNode) and len(terms) < LABELS_CAP:
                terms.setdefault(term.value, term)
    if not terms:
        return {}
    rows = store.select(_LABELS.format(terms=" ".join(str(t) for t in terms.values())))
    return {r["t"].value: r["l"].value for r in rows}


def described(store: GraphStore, iri: ox.NamedNode, page: int, with_labels: bool) -> Description:
    """:func:`describe`, with the labels of what it shows when ``with_labels``."""
    desc = describe(store, iri, page)
    if with_labels:
        desc.labels = labels(store, desc)
    return desc


class Late(Exception):
    """A linked-data answer missed the query deadline."""


async def off_loop(backend: Backend, work: Callable[..., T], *args: Any) -> T:
    """``work(*args)`` in the threadpool, awaited up to the query deadline (raises :class:`Late`).
    A late thread is abandoned, not stopped: every read it makes is bounded, so it ends soon."""
    try:
        return await asyncio.wait_for(asyncio.to_thread(work, *args), backend.settings.query_timeout_s)
    except TimeoutError:
        raise Late(f"the description took longer than {backend.settings.query_timeout_s:g} s") from None


def json_ld(triples: list[ox.Triple], base: str) -> bytes:
    """JSON-LD that refers to the published context; keys, ``@id`` and ``@type`` as compact IRIs."""
    nodes = json.loads(graph_bytes(triples, "jsonld"))
    if isinstance(nodes, dict):
        nodes = nodes.get("@graph", [nodes])
    return json.dumps({"@context": f"{base}/context.jsonld", "@graph": [_compact(n) for n in nodes]},
                      ensure_ascii=False, indent=1).encode()


def _compact(value: Any) -> Any:
    if isinstance(value, list):
        return [_compact(v) for v in value]
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for key, item in value.items():
        if key in ("@id", "@type") and isinstance(item, str):
            out[key] = compact_iri(item) if not item.startswith("_:") else item
        elif key == "@type" and isinstance(item, list):
            out[key] = [compact_iri(t) for t in item]
        elif key.startswith("@"):
            out[key] = item if key != "@graph" else _compact(item)
        else:
            out[compact_iri(key)] = _compact(item)
    return out


def _link(term: Any, labels: dict[str, str]) -> str:
    if isinstance(term, ox.NamedNode):
        href = term.value[len(BASE) - 1:] if term.value.startswith(BASE) else term.value
        text = labels.get(term.value) or compact_iri(term.value)
        return f'<a href="{html.escape(href)}" title="{html.escape(term.value)}">{html.escape(text)}</a>'
    if isinstance(term, ox.BlankNode):
        return f"<span class=bnode>_:{html.escape(term.value)}</span>"
    suffix = f" <small>@{term.language}</small>" if term.language else (
        "" if term.datatype.value.endswith("#string") else f" <small>{compact_iri(term.datatype.value)}</small>")
    return f"{html.escape(term.value)}{suffix}"


def resource_html(iri: ox.NamedNode, desc: Description, extra: str = "") -> str:
    """The HTML page of one resource (one page of its incoming links)."""
    labels = desc.labels
    mine = [t for t in desc.out if t.subject == iri]
    label = next((t.object.value for t in mine if t.predicate == RDFS.label), compact_iri(iri.value))
    types = ", ".join(_link(t.object, labels) for t in mine if t.predicate == RDF.type) or "—"
    rows = "".join(f"<tr><th>{_link(t.predicate, labels)}</th><td>{_link(t.object, labels)}</td></tr>"
                   for t in mine)
    inc = "".join(f"<tr><td>{_link(t.subject, labels)}</td><th>{_link(t.predicate, labels)}</th></tr>"
                  for t in desc.incoming)
    path = html.escape(iri.value[len(BASE) - 1:])
    pages = []
    if desc.page > 1:
        pages.append(f'<a rel=prev href="{path}?page={desc.page - 1}">previous {INCOMING_PAGE}</a>')
    if desc.more and desc.page < MAX_PAGE:
        pages.append(f'<a rel=next href="{path}?page={desc.page + 1}">next {INCOMING_PAGE}</a>')
    elif desc.more:
        pages.append(f"the links past {MAX_PAGE * INCOMING_PAGE} are not paged: ask the <a href=/sparql>SPARQL endpoint</a>")
    nav = f"<p id=pages>Page {desc.page} of the incoming links: {' · '.join(pages)}</p>" if pages else ""
    alt = " · ".join(f'<a href="{path}?format={f}">{n}</a>' for f, n in
                     (("turtle", "Turtle"), ("jsonld", "JSON-LD"), ("ntriples", "N-Triples"), ("rdfxml", "RDF/XML")))
    return (f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{html.escape(label)} · rarekg</title>"
            f"<link rel=stylesheet href=/web/style.css></head><body><nav><a href=/sparql>SPARQL</a> · "
            f"<a href=/downloads>downloads</a> · <a href=/ontology>ontology</a></nav>"
            f"<h1 id=label>{html.escape(label)}</h1><p><code id=iri>{html.escape(iri.value)}</code></p>"
            f"<p>Types: <span id=types>{types}</span></p><p>As data: {alt}</p>{extra}"
            f"<h2>Properties</h2><table class=results id=properties><tbody>{rows}</tbody></table>"
            f"<h2>Incoming links</h2><table class=results id=incoming><tbody>{inc}</tbody></table>{nav}"
            f"</body></html>")


def _wants(request: Request) -> str | None:
    fmt = request.query_params.get("format")
    ranked = parse_accept(request.headers.get("accept", ""))
    if fmt is None and ranked and ranked[0] in ("text/html", "application/xhtml+xml"):
        return "html"
    chosen = choose_graph_format(request.headers.get("accept", ""), fmt)
    return chosen if chosen in LD_FORMATS else None


def _rdf(triples: list[ox.Triple], fmt: str, base: str, next_page: str | None = None) -> Response:
    body = json_ld(triples, base) if fmt == "jsonld" else graph_bytes(triples, fmt)
    headers = {"Vary": "Accept"}
    if next_page:
        headers["Link"] = f'<{next_page}>; rel="next"'
    return Response(body, media_type=GRAPH_MEDIA[fmt][0], headers=headers)


def _page(request: Request) -> int | None:
    """The ``page`` parameter (default 1), or None when it is not a whole number in 1..MAX_PAGE."""
    text = request.query_params.get("page", "1")
    return int(text) if text.isascii() and text.isdigit() and 1 <= int(text) <= MAX_PAGE else None


def _bad_page() -> Response:
    return problem(400, "Bad request", f"parameter 'page': a whole number from 1 to {MAX_PAGE}")


def _late(exc: Late) -> Response:
    return problem(504, "Description timeout", str(exc))


#: the problems every linked-data document may answer besides 406
_LD_ERRORS = {400: f"`page` is not a whole number from 1 to {MAX_PAGE}",
              504: "The description took longer than the time limit"}
_LD_PARAMETERS = query_parameters(
    format_parameter(sorted(LD_FORMATS), "; without either, a browser gets HTML and anything else Turtle"),
    ("page", "The page of incoming links to describe", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}))


def _not_acceptable() -> Response:
    return problem(406, "Not acceptable", "available as text/html, text/turtle, application/ld+json, "
                   "application/n-triples and application/rdf+xml")


@router.get("/context.jsonld", summary="The JSON-LD @context of the linked-data documents", response_class=Response,
            responses={200: {"description": "The @context: prefix -> namespace IRI", "content": {
                "application/ld+json": {"schema": {"type": "object", "required": ["@context"]}}}}})
async def context() -> JSONResponse:
    return JSONResponse({"@context": dict(sorted(PREFIXES.items()))}, media_type="application/ld+json")


@router.get("/ontology", summary="The ontology: Turtle or RDF/XML download, or an HTML index of terms",
            response_class=Response, responses=rdf_document(
                "The ontology graph (Turtle unless `Accept` or `format` asks otherwise), or for a browser an "
                "HTML index of its terms", html=True, formats=LD_FORMATS, errors=_LD_ERRORS),
            openapi_extra=_LD_PARAMETERS)
async def ontology(request: Request, backend: BackendDep) -> Response:
    store = backend.store
    wanted = _wants(request)
    base = public_base(request.app.state.settings)
    page = _page(request)
    if wanted is None:
        return _not_acceptable()
    if page is None:
        return _bad_page()
    try:
        if wanted != "html":
            return _rdf(await off_loop(backend, _ontology_triples, store), wanted, base)
        desc, terms = await off_loop(backend, _ontology_index, store, page)
    except Late as exc:
        return _late(exc)
    index = "".join(f"<li>{_link(r['t'], desc.labels)} <small>({compact_iri(r['type'].value)})</small></li>"
                    for r in terms)
    return HTMLResponse(resource_html(ox.NamedNode(ONTOLOGY_IRI), desc, f"<h2>Terms</h2><ul id=terms>{index}</ul>"))


def _ontology_triples(store: GraphStore) -> list[ox.Triple]:
    import io
    buf = io.BytesIO()
    store.dump(buf, "ntriples", ONTOLOGY_GRAPH)
    return [ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(buf.getvalue(), ox.RdfFormat.N_TRIPLES)]


def _ontology_index(store: GraphStore, page: int) -> tuple[Description, list[dict[str, Any]]]:
    desc = described(store, ox.NamedNode(ONTOLOGY_IRI), page, with_labels=True)
    terms = store.select(_TERMS, default_graphs=[ONTOLOGY_GRAPH])
    desc.labels.update((r["t"].value, r["l"].value) for r in terms)
    return desc, terms


@router.get("/{kind}/{local:path}", summary="Dereference https://w3id.org/rarekg/{kind}/{local}",
            response_class=Response, responses=rdf_document(
                "The resource's description (Turtle unless `Accept` or `format` asks otherwise), or for a "
                "browser its HTML page", html=True, formats=LD_FORMATS,
                errors={404: "No such resource in the knowledge graph (or no such page of its incoming links)",
                        422: "Request validation (declared for every route with parameters; string path "
                             "parameters always pass it)", **_LD_ERRORS}),
            openapi_extra=_LD_PARAMETERS)
async def resource(kind: str, local: str, request: Request, backend: BackendDep) -> Response:
    if kind not in KINDS and kind != "ontology":
        return problem(404, "Not found", f"no resource at /{kind}/{local}")
    try:
        iri = ox.NamedNode(f"{BASE}{kind}/{local}")
    except ValueError:
        return problem(404, "Not found", f"/{kind}/{local} is not a valid IRI path")
    wanted = _wants(request)
    page = _page(request)
    if wanted is None:
        return _not_acceptable()
    if page is None:
        return _bad_page()
    try:
        desc = await off_loop(backend, described, backend.store, iri, page, wanted == "html")
    except Late as exc:
        return _late(exc)
    if not desc.out and not desc.incoming:
        return problem(404, "Not found", f"{iri.value} is not in the knowledge graph"
                       + (f" (or has no page {page} of incoming links)" if page > 1 else ""))
    if wanted == "html":
        return HTMLResponse(resource_html(iri, desc))
    fmt = f"&format={wanted}" if request.query_params.get("format") else ""
    next_page = f"/{kind}/{quote(local, safe=_PATH_SAFE)}?page={page + 1}{fmt}" if desc.more and page < MAX_PAGE else None
    return _rdf(desc.out + desc.incoming, wanted, public_base(request.app.state.settings), next_page)
