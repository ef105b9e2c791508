"""Dereferenceable IRIs and dumps over real HTTP: HTML, Turtle, JSON-LD, N-Triples, RDF/XML by
content negotiation, 404 for unknown IRIs, the ontology, /downloads, and an rdflib crawl."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import httpx
import pytest
import rdflib
from services import start_rarekg as start
from services import stop_process as stop
from services import wait_ready

W3ID = "https://w3id.org/rarekg/"
CLB = W3ID + "centre/centre-leon-berard"
RKG = rdflib.Namespace(W3ID + "ontology/")
ORG = rdflib.Namespace("http://www.w3.org/ns/org#")


@pytest.fixture(scope="module")
def server(built_store_path: Path, tmp_path_factory: pytest.TempPathFactory):
    import os
    os.environ["RAREKG_DUMP_DIR"] = str(tmp_path_factory.mktemp("dumps"))
    try:
        proc, base = start(built_store_path, "--no-build")
    finally:
        os.environ.pop("RAREKG_DUMP_DIR")
    try:
        wait_ready(proc, base, 60)
        yield base
    finally:
        stop(proc)


def local(server: str, iri: str) -> str:
    return server + "/" + iri.removeprefix(W3ID)


@pytest.mark.parametrize("accept,fmt", [("text/turtle", "turtle"), ("application/n-triples", "nt"),
                                        ("application/rdf+xml", "xml"), ("application/ld+json", "json-ld")])
def test_centre_by_conneg(server: str, accept: str, fmt: str) -> None:
    r = httpx.get(local(server, CLB), headers={"Accept": accept})
    assert r.status_code == 200 and r.headers["content-type"].startswith(accept)
    g = rdflib.Graph().parse(data=r.text, format=fmt, publicID=server + "/")
    clb = rdflib.URIRef(CLB)
    assert (clb, rdflib.RDF.type, RKG.HealthcareProvider) in g
    assert str(g.value(clb, rdflib.RDFS.label)) == "Centre Léon Bérard"
    assert str(g.value(clb, rdflib.URIRef("https://schema.org/addressLocality"))) == "Lyon"
    membership = rdflib.URIRef(W3ID + "membership/centre-leon-berard--euracan")
    assert (clb, ORG.hasMembership, membership) in g and (membership, ORG.member, clb) in g  # in and out


def test_jsonld_uses_published_context(server: str) -> None:
    r = httpx.get(local(server, CLB), headers={"Accept": "application/ld+json"})
    doc = r.json()
    assert doc["@context"] == server + "/context.jsonld"
    node = next(n for n in doc["@graph"] if n["@id"] == "rkgd:centre/centre-leon-berard")
    assert node["rdfs:label"] == [{"@value": "Centre Léon Bérard"}]
    context = httpx.get(server + "/context.jsonld").json()["@context"]
    assert context["rkg"] == W3ID + "ontology/" and context["rkgd"] == W3ID


def test_centre_html_page(server: str, built_store) -> None:
    r = httpx.get(local(server, CLB), headers={"Accept": "text/html"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert '<h1 id=label>Centre Léon Bérard</h1>' in r.text
    assert '<a href="/ontology/HealthcareProvider"' in r.text              # type, linked locally
    assert 'href="/membership/centre-leon-berard--euracan"' in r.text      # outgoing and incoming
    outgoing = built_store.select(f"SELECT (COUNT(DISTINCT *) AS ?n) {{ <{CLB}> ?p ?o }}")
    incoming = built_store.select(f"SELECT (COUNT(DISTINCT *) AS ?n) {{ ?s ?p <{CLB}> }}")
    rows = int(outgoing[0]["n"].value) + int(incoming[0]["n"].value)
    assert rows > 13 and r.text.count("<tr>") == rows  # one row per property value and incoming link
    assert "Lyon" in r.text


def test_entity_and_ontology_term(server: str) -> None:
    r = httpx.get(server + "/entity/orpha/44890", headers={"Accept": "text/turtle"})
    g = rdflib.Graph().parse(data=r.text, format="turtle")
    assert str(g.value(rdflib.URIRef(W3ID + "entity/orpha/44890"), rdflib.RDFS.label)) == \
        "Gastrointestinal stromal tumor"
    r = httpx.get(server + "/ontology/CancerEntity", headers={"Accept": "text/turtle"})
    g = rdflib.Graph().parse(data=r.text, format="turtle")
    term = RKG.CancerEntity
    assert (term, rdflib.RDF.type, rdflib.OWL.Class) in g
    assert g.value(term, rdflib.URIRef("http://www.w3.org/2004/02/skos/core#definition")) is not None


@pytest.mark.parametrize("accept,fmt", [("text/turtle", "turtle"), ("application/rdf+xml", "xml")])
def test_ontology_downloads_whole(server: str, built_store, accept: str, fmt: str) -> None:
    import pyoxigraph as ox
    r = httpx.get(server + "/ontology", headers={"Accept": accept})
    assert r.status_code == 200
    g = rdflib.Graph().parse(data=r.text, format=fmt)
    assert len(g) == built_store.count(ox.NamedNode(W3ID + "graph/ontology"))
    assert (rdflib.URIRef(W3ID + "ontology"), rdflib.RDF.type, rdflib.OWL.Ontology) in g
    html = httpx.get(server + "/ontology", headers={"Accept": "text/html"}).text
    assert '<a href="/ontology/CancerEntity"' in html


@pytest.mark.parametrize("path", ["/centre/no-such-centre", "/entity/orpha/0", "/ontology/NoSuchTerm",
                                  "/nosuchkind/x"])
def test_unknown_iri_is_404(server: str, path: str) -> None:
    r = httpx.get(server + path, headers={"Accept": "text/turtle"})
    assert r.status_code == 404 and r.json()["status"] == 404


def test_crawl_from_centre_by_conneg(server: str) -> None:
    """Follow every rarekg IRI linked from the centre, two hops, with rdflib over HTTP conneg."""
    seen: set[str] = set()
    frontier = [CLB]
    g = rdflib.Graph()
    for _hop in range(3):
        nxt = []
        for iri in frontier:
            if iri in seen:
                continue
            seen.add(iri)
            g.parse(local(server, iri), format="turtle")
            subject = rdflib.URIRef(iri)
            nxt += [str(o) for o in g.objects(subject, None)
                    if isinstance(o, rdflib.URIRef) and str(o).startswith(W3ID)]
        frontier = nxt
    network = rdflib.URIRef(W3ID + "network/euracan")
    membership = rdflib.URIRef(W3ID + "membership/centre-leon-berard--euracan")
    assert membership in {rdflib.URIRef(s) for s in seen}
    assert (membership, ORG.organization, network) in g
    assert str(g.value(network, rdflib.RDFS.label)) == "EURACAN"
    assert (network, rdflib.RDF.type, RKG.Network) in g
    assert seen == {CLB, str(membership), str(network), W3ID + "ontology/CoordinatorRole",
                    W3ID + "ontology/HealthcareProvider"}


def test_downloads_listing_and_files(server: str, built_store) -> None:
    entries = httpx.get(server + "/downloads", headers={"Accept": "application/json"}, timeout=120).json()
    names = [e["file"] for e in entries]
    assert names[0] == "rarekg-0.1.0.nq.gz" and len(entries) == 1 + len(built_store.graphs())
    assert "rarekg-0.1.0-euracan.ttl" in names
    for e in entries:
        assert e["version"] == "0.1.0" and e["license_iri"].startswith("https://")
    nq = next(e for e in entries if e["file"] == "rarekg-0.1.0.nq.gz")
    body = httpx.get(server + "/downloads/" + nq["file"]).content
    assert len(body) == nq["bytes"] and hashlib.sha256(body).hexdigest() == nq["sha256"]
    lines = gzip.decompress(body).decode().splitlines()
    assert len(lines) == built_store.count()
    ttl = next(e for e in entries if e["file"] == "rarekg-0.1.0-euracan.ttl")
    g = rdflib.Graph().parse(data=httpx.get(server + "/downloads/" + ttl["file"]).text, format="turtle")
    import pyoxigraph as ox
    assert len(g) == built_store.count(ox.NamedNode(W3ID + "graph/euracan"))
    assert httpx.get(server + "/downloads/nope.ttl").status_code == 404


def test_downloads_dcat(server: str, built_store) -> None:
    r = httpx.get(server + "/downloads", headers={"Accept": "text/turtle"}, timeout=120)
    g = rdflib.Graph().parse(data=r.text, format="turtle")
    dcat = rdflib.Namespace("http://www.w3.org/ns/dcat#")
    dists = list(g.subjects(rdflib.RDF.type, dcat.Distribution))
    assert len(dists) == 1 + len(built_store.graphs())
    for d in dists:
        assert g.value(d, dcat.byteSize) is not None and g.value(d, rdflib.DCTERMS.license) is not None
    html = httpx.get(server + "/downloads", headers={"Accept": "text/html"}).text
    assert 'href="/downloads/rarekg-0.1.0.nq.gz"' in html


def test_centre_shows_its_registry_identifiers(server: str) -> None:
    """#16 item 4: a centre the registry holds carries its ROR IRI (curated column) and the record's
    Wikidata IRI (graph ror); its page links both."""
    roussy = W3ID + "centre/gustave-roussy"
    r = httpx.get(local(server, roussy), headers={"Accept": "text/turtle"})
    g = rdflib.Graph().parse(data=r.text, format="turtle")
    same = set(g.objects(rdflib.URIRef(roussy), rdflib.URIRef("https://schema.org/sameAs")))
    assert same == {rdflib.URIRef("https://ror.org/0321g0743"), rdflib.URIRef("http://www.wikidata.org/entity/Q266227")}
    page = httpx.get(local(server, roussy), headers={"Accept": "text/html"}).text
    assert "https://ror.org/0321g0743" in page and "http://www.wikidata.org/entity/Q266227" in page
