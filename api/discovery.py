"""Discovery: the SPARQL Service Description, VoID (per-graph counts and partitions), DCAT of the
dumps, and the query library as SHACL ``sh:SPARQLExecutable`` examples.

Resources of this service (endpoint, VoID document, dump files) are named under the public base
URL (``RAREKG_PUBLIC_URL``, see :func:`api.settings.public_base`), never by the ``Host`` a client sent; the datasets they describe are the named graphs' own IRIs (``https://w3id.org/rarekg/graph/...``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response

from api.backend import Backend, BackendDep
from api.rest.responses import rdf_document
from api.results import GRAPH_MEDIA, choose_graph_format, graph_bytes
from api.settings import prefixes, public_base
from kg import __version__
from kg.core.vocab import BASE, DCAT, DCTERMS, PREFIXES, RDF, RDFS, SCHEMA, SD, SH, VOID, XSD
from kg.store import queries
from kg.store.graphstore import GraphStore

router = APIRouter(tags=["discovery"])

FORMATS = ox.NamedNode("http://www.w3.org/ns/formats/")
_FORMAT_IRIS = ["SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
                "Turtle", "N-Triples", "RDF_XML", "JSON-LD", "N-Quads", "TriG"]
SPDX = "http://spdx.org/rdf/terms#"
Triples = list[ox.Triple]


def _lit(value: Any) -> ox.Literal:
    if isinstance(value, bool):
        return ox.Literal(str(value).lower(), datatype=XSD.boolean)
    if isinstance(value, int):
        return ox.Literal(str(value), datatype=XSD.integer)
    return ox.Literal(str(value))


def _t(s: Any, p: ox.NamedNode, o: Any) -> ox.Triple:
    return ox.Triple(s, p, o if isinstance(o, (ox.NamedNode, ox.BlankNode, ox.Literal)) else _lit(o))


def service_description(base: str, counts: dict[str, int] | None = None, update: bool = False,
                        federated: bool = False) -> Triples:
    """SPARQL 1.1 Service Description of ``{base}/sparql``, with its dataset when the triples of
    each published graph (``counts``, :meth:`api.backend.Backend.graph_counts`) are given;
    ``federated``: the operator allows some SERVICE endpoints (:mod:`api.federation`)."""
    svc = ox.NamedNode(f"{base}/sparql")
    out = [_t(svc, RDF.type, SD.Service), _t(svc, SD.endpoint, svc),
           _t(svc, SD.supportedLanguage, SD.SPARQL11Query),
           _t(svc, SD.feature, SD.UnionDefaultGraph),
           _t(svc, RDFS.label, "rarekg SPARQL endpoint"),
           _t(svc, DCTERMS.description, "Knowledge graph of rare adult cancers. The default graph is the "
              "union of every published named graph (sources, mappings, inferred triples, provenance)."),
           _t(svc, VOID.inDataset, ox.NamedNode(f"{base}/.well-known/void"))]
    if update:
        out.append(_t(svc, SD.supportedLanguage, SD.SPARQL11Update))
    if federated:
        out.append(_t(svc, SD.feature, SD.BasicFederatedQuery))
    out += [_t(svc, SD.resultFormat, ox.NamedNode(FORMATS.value + f)) for f in _FORMAT_IRIS]
    if counts is not None:
        dataset, default = ox.BlankNode(), ox.BlankNode()
        out += [_t(svc, SD.defaultDataset, dataset), _t(dataset, RDF.type, SD.Dataset),
                _t(dataset, SD.defaultGraph, default), _t(default, RDF.type, SD.Graph),
                _t(default, VOID.triples, sum(counts.values()))]
        for iri, n in counts.items():
            named, graph = ox.BlankNode(), ox.NamedNode(iri)
            out += [_t(dataset, SD.namedGraph, named), _t(named, SD.name, graph), _t(named, SD.graph, graph),
                    _t(graph, RDF.type, SD.Graph), _t(graph, VOID.triples, n)]
    return out


_CLASS_PARTITION = "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c ORDER BY ?c"
_PROPERTY_PARTITION = "SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p ORDER BY ?p"
#: one count per query: the two distinct sets at once made a 450 MB peak at scale 100, one 200 MB
_SUBJECTS = "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o }"
_OBJECTS = "SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?s ?p ?o }"


@dataclass(frozen=True)
class GraphStatistics:
    """What VoID says of one named graph."""

    graph: ox.NamedNode
    triples: int
    subjects: int
    objects: int
    classes: list[tuple[Any, int]]      # (class, distinct instances), by class
    properties: list[tuple[Any, int]]   # (property, triples), by property


def void_statistics(store: GraphStore, counts: dict[str, int]) -> list[GraphStatistics]:
    """Distinct subjects and objects and the class and property partitions of every graph: a
    scan of the whole store (24 s at scale 100), so computed once per store state."""
    out = []
    for iri, n in counts.items():
        graph = ox.NamedNode(iri)
        subjects, objects = (int(store.select(q, default_graphs=[graph])[0]["n"].value) for q in (_SUBJECTS, _OBJECTS))
        out.append(GraphStatistics(
            graph, n, subjects, objects,
            [(r["c"], int(r["n"].value)) for r in store.select(_CLASS_PARTITION, default_graphs=[graph])],
            [(r["p"], int(r["n"].value)) for r in store.select(_PROPERTY_PARTITION, default_graphs=[graph])]))
    return out


def void_description(base: str, statistics: list[GraphStatistics], members: str | None = None) -> Triples:
    """VoID of the whole graph and of each named graph: triples, distinct subjects and objects,
    class partitions (entities per class) and property partitions (triples per property); ``members``
    is the network coverage sentence ("members on record: N of 102 reported", kg/expertise/members_on_record.py)."""
    whole = ox.NamedNode(f"{base}/.well-known/void")
    out = [_t(whole, DCTERMS.description, "EURACAN " + members)] if members else []
    out += [_t(whole, RDF.type, VOID.Dataset), _t(whole, RDF.type, DCAT.Dataset),
           _t(whole, DCTERMS.title, "rarekg: knowledge graph of rare adult cancers"),
           _t(whole, DCTERMS.hasVersion, __version__),
           _t(whole, VOID.sparqlEndpoint, ox.NamedNode(f"{base}/sparql")),
           _t(whole, VOID.uriSpace, BASE), _t(whole, VOID.triples, sum(g.triples for g in statistics))]
    out += [_t(whole, VOID.vocabulary, ox.NamedNode(iri)) for p, iri in sorted(PREFIXES.items()) if p != "rkgd"]
    for g in statistics:
        graph = g.graph
        out += [_t(whole, VOID.subset, graph), _t(graph, RDF.type, VOID.Dataset), _t(graph, VOID.triples, g.triples),
                _t(graph, VOID.distinctSubjects, g.subjects), _t(graph, VOID.distinctObjects, g.objects),
                _t(graph, VOID.classes, len(g.classes)), _t(graph, VOID.properties, len(g.properties))]
        for cls, n in g.classes:
            part = ox.BlankNode()
            out += [_t(graph, VOID.classPartition, part), _t(part, VOID.term("class"), cls),
                    _t(part, VOID.entities, n)]
        for prop, n in g.properties:
            part = ox.BlankNode()
            out += [_t(graph, VOID.propertyPartition, part), _t(part, VOID.property, prop),
                    _t(part, VOID.triples, n)]
    return out


def dcat_description(base: str, files: list[dict[str, Any]]) -> Triples:
    """DCAT distributions of the dump files listed by :mod:`api.downloads`."""
    dataset = ox.NamedNode(f"{base}/.well-known/void")
    catalog = ox.NamedNode(f"{base}/downloads")
    out = [_t(catalog, RDF.type, DCAT.Catalog), _t(catalog, DCTERMS.title, "rarekg downloads"),
           _t(catalog, DCAT.dataset, dataset), _t(dataset, RDF.type, DCAT.Dataset),
           _t(dataset, DCTERMS.title, "rarekg: knowledge graph of rare adult cancers"),
           _t(dataset, DCAT.version, __version__)]
    for entry in files:
        dist = ox.NamedNode(f"{base}/downloads/{entry['file']}")
        checksum = ox.BlankNode()
        out += [_t(dataset, DCAT.distribution, dist), _t(dist, RDF.type, DCAT.Distribution),
                _t(dist, DCTERMS.title, entry["title"]), _t(dist, DCAT.downloadURL, dist),
                _t(dist, DCAT.mediaType, ox.NamedNode("https://www.iana.org/assignments/media-types/"
                                                      + entry["media"])),
                _t(dist, DCAT.byteSize, ox.Literal(str(entry["bytes"]), datatype=XSD.nonNegativeInteger)),
                _t(dist, DCTERMS.license, ox.NamedNode(entry["license_iri"])),
                _t(dist, DCTERMS.rights, entry["license"]), _t(dist, DCAT.version, entry["version"]),
                _t(dist, ox.NamedNode(SPDX + "checksum"), checksum),
                _t(checksum, ox.NamedNode(SPDX + "algorithm"), ox.NamedNode(SPDX + "checksumAlgorithm_sha256")),
                _t(checksum, ox.NamedNode(SPDX + "checksumValue"),
                   ox.Literal(entry["sha256"], datatype=XSD.hexBinary))]
        if entry.get("graph"):
            out.append(_t(dist, DCTERMS.source, ox.NamedNode(entry["graph"])))
    return out


_FORM = re.compile(r"(?i)^\s*(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.MULTILINE)
_USED_PREFIX = re.compile(r"(?<![\w<?$])([A-Za-z][\w-]*):(?=[\w])")


def executable_text(text: str) -> str:
    """The library query with PREFIX lines for the project prefixes it uses (runs anywhere)."""
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    used = sorted({p for p in _USED_PREFIX.findall(body) if p in PREFIXES})
    return "".join(f"PREFIX {p}: <{PREFIXES[p]}>\n" for p in used) + body.strip() + "\n"


def examples(base: str) -> tuple[list[dict[str, Any]], Triples]:
    """The query library as (JSON list for the query page, sh:SPARQLExecutable triples)."""
    listing: list[dict[str, Any]] = []
    out: Triples = []
    endpoint = ox.NamedNode(f"{base}/sparql")
    for name, q in queries.library().items():
        text = executable_text(q.text)
        form = (_FORM.search("\n".join(l for l in text.splitlines() if not l.startswith("PREFIX")))
                or _FORM.search("SELECT")).group(1).lower()
        node = ox.NamedNode(f"{base}/sparql/examples#{name}")
        out += [_t(node, RDF.type, SH.SPARQLExecutable),
                _t(node, RDF.type, SH.term(f"SPARQL{form.capitalize()}Executable")),
                _t(node, RDFS.label, q.title), _t(node, RDFS.comment, q.description),
                _t(node, SH.term(form), text), _t(node, SCHEMA.target, endpoint)]
        out += [_t(node, SCHEMA.keywords, f"parameter ?{p.name} ({p.type}): {p.description}") for p in q.params]
        listing.append({"name": name, "title": q.title, "description": q.description, "query": text,
                        "form": form, "params": [{"name": p.name, "type": p.type, "description": p.description}
                                                 for p in q.params], "examples": q.examples})
    return listing, out


def _rdf_response(request: Request, triples: Triples) -> Response:
    fmt = choose_graph_format(request.headers.get("accept", ""), request.query_params.get("format"))
    if fmt is None:
        from api.sparql import problem
        return problem(406, "Not acceptable", "available as " + ", ".join(m for m, _ in GRAPH_MEDIA.values()))
    return Response(graph_bytes(triples, fmt), media_type=GRAPH_MEDIA[fmt][0], headers={"Vary": "Accept"})


def _base(request: Request) -> str:
    """The public base URL (a setting), never one derived from the request's ``Host``."""
    return public_base(request.app.state.settings)


@router.get("/.well-known/void", summary="VoID description: counts and partitions per named graph", response_class=Response,
            responses=rdf_document("The VoID description (Turtle unless `Accept` asks otherwise)"))
async def void(request: Request, backend: BackendDep) -> Response:
    statistics = await _void_statistics(request, backend)
    from kg.expertise.members_on_record import members_on_record
    members = members_on_record(backend.store.select)["statement"]
    return _rdf_response(request, void_description(_base(request), statistics, members))


async def _void_statistics(request: Request, backend: Backend) -> list[GraphStatistics]:
    """The store's VoID statistics, computed once per store state and process, in a thread (the
    store releases the GIL while it scans, so this process keeps answering meanwhile)."""
    state = request.app.state
    async with state.void_lock:
        key, held = backend.state_key(), state.void
        if held is None or held[0] != key:
            held = state.void = (key, await run_in_threadpool(void_statistics, backend.store, backend.graph_counts()))
    return held[1]  # type: ignore[no-any-return]


@router.get("/sparql/examples", summary="The query library as sh:SPARQLExecutable examples",
            responses=rdf_document("The library (Turtle unless `Accept` asks otherwise)", json_listing=True))
async def sparql_examples(request: Request) -> Response:
    listing, triples = examples(_base(request))
    accept = request.headers.get("accept", "")
    if request.query_params.get("format") == "json" or accept.split(",")[0].strip() == "application/json":
        return JSONResponse(listing)
    return _rdf_response(request, triples)


def sd_with_dataset(request: Request, backend: Backend) -> Triples:
    settings = backend.settings
    return service_description(_base(request), backend.graph_counts(), update=bool(settings.admin_token),
                               federated=bool(prefixes(settings.service_allowed_prefixes)))
