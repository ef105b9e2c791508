"""Dereferenceable IRIs: every IRI under ``https://w3id.org/rarekg/`` resolves by the same path.

``GET /centre/centre-leon-berard`` describes ``https://w3id.org/rarekg/centre/centre-leon-berard``:
HTML for people (label, types, every property with linked values, incoming links), or by content
negotiation (or ``?format=``) Turtle, JSON-LD (with the published context ``/context.jsonld``),
N-Triples or RDF/XML. The RDF answer is the resource's outgoing triples, the triples of blank nodes
they reach (OWL restrictions), and up to :data:`INCOMING_CAP` incoming triples. ``/ontology`` is
the ontology: its whole graph as Turtle or RDF/XML, or an HTML index of its terms. Unknown: 404.
"""

from __future__ import annotations

import html
import json
from typing import Any

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from api.backend import BackendDep
from api.results import GRAPH_MEDIA, choose_graph_format, graph_bytes, parse_accept
from api.sparql import problem
from kg.store import GraphStore
from kg.vocab import BASE, KINDS, ONTOLOGY_GRAPH, ONTOLOGY_IRI, PREFIXES, RDF, RDFS

router = APIRouter(tags=["linked data"])

INCOMING_CAP = 1000
_OUT = "SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?p ?o"
_IN = f"SELECT DISTINCT ?x ?p ?s WHERE {{ ?x ?p ?s }} ORDER BY ?p ?x LIMIT {INCOMING_CAP + 1}"
_LABELS_OUT = "SELECT DISTINCT ?s ?t ?l WHERE { { ?s ?t ?o } UNION { ?s ?p ?t } ?t rdfs:label ?l }"
_LABELS_IN = "SELECT DISTINCT ?s ?t ?l WHERE { ?t ?p ?s . ?t rdfs:label ?l }"
_TERMS = ("SELECT DISTINCT ?t ?type ?l WHERE { ?t a ?type ; rdfs:label ?l "
          "FILTER(STRSTARTS(STR(?t), STR(rkg:))) } ORDER BY ?type ?t")
LD_FORMATS = {"turtle", "ntriples", "rdfxml", "jsonld"}


def describe(store: GraphStore, iri: ox.NamedNode) -> tuple[list[ox.Triple], list[ox.Triple], bool]:
    """(outgoing triples with their blank-node closure, incoming triples, incoming truncated)."""
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
    incoming = [ox.Triple(r["x"], r["p"], iri) for r in store.select(_IN, {"s": iri})]
    truncated = len(incoming) > INCOMING_CAP
    return out, incoming[:INCOMING_CAP], truncated


def json_ld(triples: list[ox.Triple], base: str) -> bytes:
    """JSON-LD that refers to the published context; keys, ``@id`` and ``@type`` as compact IRIs."""
    nodes = json.loads(graph_bytes(triples, "jsonld"))
    if isinstance(nodes, dict):
        nodes = nodes.get("@graph", [nodes])
    return json.dumps({"@context": f"{base}/context.jsonld", "@graph": [_compact(n) for n in nodes]},
                      ensure_ascii=False, indent=1).encode()


def compact_iri(iri: str) -> str:
    """``prefix:local`` for an IRI under a project prefix (longest namespace wins), else the IRI."""
    best = max(((p, ns) for p, ns in PREFIXES.items() if iri.startswith(ns) and len(iri) > len(ns)),
               key=lambda item: len(item[1]), default=None)
    return f"{best[0]}:{iri[len(best[1]):]}" if best else iri


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


def resource_html(iri: ox.NamedNode, out: list[ox.Triple], incoming: list[ox.Triple], truncated: bool,
                  labels: dict[str, str], extra: str = "") -> str:
    """The HTML page of one resource."""
    mine = [t for t in out if t.subject == iri]
    label = next((t.object.value for t in mine if t.predicate == RDFS.label), compact_iri(iri.value))
    types = ", ".join(_link(t.object, labels) for t in mine if t.predicate == RDF.type) or "—"
    rows = "".join(f"<tr><th>{_link(t.predicate, labels)}</th><td>{_link(t.object, labels)}</td></tr>"
                   for t in mine)
    inc = "".join(f"<tr><td>{_link(t.subject, labels)}</td><th>{_link(t.predicate, labels)}</th></tr>"
                  for t in incoming)
    more = f"<p>Only the first {INCOMING_CAP} incoming links are shown.</p>" if truncated else ""
    path = html.escape(iri.value[len(BASE) - 1:])
    alt = " · ".join(f'<a href="{path}?format={f}">{n}</a>' for f, n in
                     (("turtle", "Turtle"), ("jsonld", "JSON-LD"), ("ntriples", "N-Triples"), ("rdfxml", "RDF/XML")))
    return (f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{html.escape(label)} · rarekg</title>"
            f"<link rel=stylesheet href=/web/style.css></head><body><nav><a href=/sparql>SPARQL</a> · "
            f"<a href=/downloads>downloads</a> · <a href=/ontology>ontology</a></nav>"
            f"<h1 id=label>{html.escape(label)}</h1><p><code id=iri>{html.escape(iri.value)}</code></p>"
            f"<p>Types: <span id=types>{types}</span></p><p>As data: {alt}</p>{extra}"
            f"<h2>Properties</h2><table class=results id=properties><tbody>{rows}</tbody></table>"
            f"<h2>Incoming links</h2><table class=results id=incoming><tbody>{inc}</tbody></table>{more}"
            f"</body></html>")


def _labels(store: GraphStore, iri: ox.NamedNode) -> dict[str, str]:
    rows = store.select(_LABELS_OUT, {"s": iri}) + store.select(_LABELS_IN, {"s": iri})
    return {r["t"].value: r["l"].value for r in rows if isinstance(r["t"], ox.NamedNode)}


def _wants(request: Request) -> str | None:
    fmt = request.query_params.get("format")
    ranked = parse_accept(request.headers.get("accept", ""))
    if not fmt and ranked and ranked[0] in ("text/html", "application/xhtml+xml"):
        return "html"
    chosen = choose_graph_format(request.headers.get("accept", ""), fmt)
    return chosen if chosen in LD_FORMATS else None


def _rdf(triples: list[ox.Triple], fmt: str, base: str) -> Response:
    body = json_ld(triples, base) if fmt == "jsonld" else graph_bytes(triples, fmt)
    return Response(body, media_type=GRAPH_MEDIA[fmt][0], headers={"Vary": "Accept"})


def _not_acceptable() -> Response:
    return problem(406, "Not acceptable", "available as text/html, text/turtle, application/ld+json, "
                   "application/n-triples and application/rdf+xml")


@router.get("/context.jsonld", summary="The JSON-LD @context of the linked-data documents")
async def context() -> JSONResponse:
    return JSONResponse({"@context": dict(sorted(PREFIXES.items()))}, media_type="application/ld+json")


@router.get("/ontology", summary="The ontology: Turtle or RDF/XML download, or an HTML index of terms")
async def ontology(request: Request, backend: BackendDep) -> Response:
    store = backend.store
    wanted = _wants(request)
    base = str(request.base_url).rstrip("/")
    if wanted is None:
        return _not_acceptable()
    if wanted != "html":
        triples = [ox.Triple(q.subject, q.predicate, q.object)
                   for q in ox.parse(_dump_graph(store), ox.RdfFormat.N_TRIPLES)]
        return _rdf(triples, wanted, base)
    iri = ox.NamedNode(ONTOLOGY_IRI)
    out, incoming, truncated = describe(store, iri)
    terms = store.select(_TERMS, default_graphs=[ONTOLOGY_GRAPH])
    labels = {r["t"].value: r["l"].value for r in terms}
    index = "".join(f"<li>{_link(r['t'], labels)} <small>({compact_iri(r['type'].value)})</small></li>"
                    for r in terms)
    return HTMLResponse(resource_html(iri, out, incoming, truncated, labels,
                                      f"<h2>Terms</h2><ul id=terms>{index}</ul>"))


def _dump_graph(store: GraphStore) -> bytes:
    import io
    buf = io.BytesIO()
    store.dump(buf, "ntriples", ONTOLOGY_GRAPH)
    return buf.getvalue()


@router.get("/{kind}/{local:path}", summary="Dereference https://w3id.org/rarekg/{kind}/{local}")
async def resource(kind: str, local: str, request: Request, backend: BackendDep) -> Response:
    if kind not in KINDS and kind != "ontology":
        return problem(404, "Not found", f"no resource at /{kind}/{local}")
    iri = ox.NamedNode(f"{BASE}{kind}/{local}")
    wanted = _wants(request)
    if wanted is None:
        return _not_acceptable()
    store = backend.store
    out, incoming, truncated = describe(store, iri)
    if not out and not incoming:
        return problem(404, "Not found", f"{iri.value} is not in the knowledge graph")
    if wanted == "html":
        return HTMLResponse(resource_html(iri, out, incoming, truncated, _labels(store, iri)))
    return _rdf(out + incoming, wanted, str(request.base_url).rstrip("/"))
