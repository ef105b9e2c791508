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


def _busiest_iri(built_store) -> tuple[str, int]:
    rows = built_store.select(
        "SELECT ?o (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o { ?s ?p ?o "
        "FILTER(isIRI(?o) && STRSTARTS(STR(?o), STR(rkg:)) && ?o != rkg:) } } GROUP BY ?o ORDER BY DESC(?n) LIMIT 1")
    return rows[0]["o"].value, int(rows[0]["n"].value)


def test_busy_iri_pages_every_incoming_link_once(server: str, built_store) -> None:
    """Regression (#15): the incoming links were cut at 1,000 after sorting every one of them."""
    import pyoxigraph as ox

    from api.linked_data import INCOMING_PAGE

    iri, total = _busiest_iri(built_store)
    assert total > 2 * INCOMING_PAGE, (iri, total)
    url: str | None = local(server, iri) + "?format=ntriples"
    pages: list[set[tuple[str, str]]] = []
    while url:
        r = httpx.get(url, timeout=60)
        assert r.status_code == 200, r.text
        incoming = {(t.subject.value, t.predicate.value) for t in ox.parse(r.content, ox.RdfFormat.N_TRIPLES)
                    if t.object == ox.NamedNode(iri)}
        assert 0 < len(incoming) <= INCOMING_PAGE
        pages.append(incoming)
        url = r.links.get("next", {}).get("url")
        url = server + url if url and url.startswith("/") else url
        assert len(pages) <= total // INCOMING_PAGE + 1
    seen = set().union(*pages)
    assert sum(map(len, pages)) == len(seen) == total  # every link, none twice
    html = httpx.get(local(server, iri), headers={"Accept": "text/html"}, timeout=60).text
    assert 'rel=next href="' in html and "?page=2" in html
    last = httpx.get(local(server, iri) + f"?page={len(pages)}", headers={"Accept": "text/html"}, timeout=60).text
    assert "rel=next" not in last and "rel=prev" in last


@pytest.mark.parametrize("page", ["0", "-1", "x", "99999999", "1.5"])
def test_bad_page_is_a_400_problem(server: str, page: str) -> None:
    r = httpx.get(local(server, CLB), params={"page": page}, headers={"Accept": "text/turtle"})
    assert r.status_code == 400 and r.headers["content-type"] == "application/problem+json"
    assert "'page'" in r.json()["detail"]


def test_invalid_iri_path_is_a_404_problem(server: str) -> None:
    r = httpx.get(server + "/centre/a%20b")
    assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"


class _Watched:
    """An in-memory store with one class of 5,000 labelled instances that counts the rows every
    query of a description returns, and can hold such queries for ``hold_s`` seconds."""

    def __init__(self) -> None:
        import threading

        import pyoxigraph as ox

        from kg.store.embedded import EmbeddedStore

        class Store(EmbeddedStore):
            def select(inner, sparql, bindings=None, **kw):
                rows = super().select(sparql, bindings, **kw)
                if self.watching:
                    self.rows += len(rows)
                    self.entered.set()
                    self.release.wait(self.hold_s)
                return rows

        self.store = Store()
        self.rows, self.watching, self.hold_s = 0, False, 0.0
        self.entered, self.release = threading.Event(), threading.Event()
        g, busy = ox.NamedNode(W3ID + "graph/test"), ox.NamedNode(W3ID + "ontology/Evidence")
        quads = [ox.Quad(busy, ox.NamedNode(str(rdflib.RDFS.label)), ox.Literal("Evidence"), g)]
        for i in range(5_000):
            node = ox.NamedNode(f"{W3ID}evidence/e{i}")
            quads += [ox.Quad(node, ox.NamedNode(str(rdflib.RDF.type)), busy, g),
                      ox.Quad(node, ox.NamedNode(str(rdflib.RDFS.label)), ox.Literal(f"evidence {i}"), g)]
        self.store._store.extend(quads)


def test_describe_reads_a_bounded_number_of_rows() -> None:
    """Regression (#15): the labels of every incoming link were fetched, unbounded."""
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.linked_data import INCOMING_PAGE, LABELS_CAP
    from api.settings import Settings

    watched = _Watched()
    with TestClient(create_app(watched.store, Settings(query_workers=0))) as client:
        watched.watching = True
        r = client.get("/ontology/Evidence", headers={"Accept": "text/html"})
        assert r.status_code == 200 and "?page=2" in r.text
        assert r.text.count(">evidence ") == INCOMING_PAGE  # the links shown are labelled
    assert watched.rows <= INCOMING_PAGE + 1 + LABELS_CAP + 10, watched.rows


def test_describe_runs_off_the_event_loop_and_under_the_deadline() -> None:
    """Regression (#15): a description ran on the event loop (every other request waited) with no
    deadline."""
    import threading
    import time

    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.settings import Settings

    watched = _Watched()
    with TestClient(create_app(watched.store, Settings(query_workers=0, query_timeout_s=1.0))) as client:
        watched.watching, watched.hold_s = True, 4.0
        answers: list[httpx.Response] = []
        slow = threading.Thread(target=lambda: answers.append(client.get("/ontology/Evidence?format=turtle")))
        slow.start()
        assert watched.entered.wait(10)
        t0 = time.monotonic()
        assert client.get("/context.jsonld").status_code == 200
        others_waited = time.monotonic() - t0
        slow.join(20)
        watched.release.set()
    assert others_waited < 1.0, f"another request waited {others_waited:.1f} s for the description"
    assert answers and answers[0].status_code == 504, answers and answers[0].text
    assert answers[0].headers["content-type"] == "application/problem+json"


_RACER = """
import os, sys, time
from pathlib import Path
from kg.store.export import export, export_once
from kg.store.embedded import EmbeddedStore
root, store_path, log, go = map(Path, sys.argv[1:5])
store = EmbeddedStore(store_path, read_only=True)

def write(folder):
    with log.open("a") as fh:
        fh.write(f"{os.getpid()}\\n")
    export(store, folder, "nquads")
    time.sleep(0.5)  # the other process arrives while this one writes

while not go.exists():
    time.sleep(0.001)
print(export_once(root, "state-a", write, wait=True))
"""


def test_two_processes_racing_write_the_dumps_once(built_store_path: Path, tmp_path: Path) -> None:
    """Regression (#15): the export lock was per process; two HTTP processes exported at once."""
    import subprocess
    import sys

    root, log, go = tmp_path / "dumps", tmp_path / "exports.log", tmp_path / "go"
    racers = [subprocess.Popen([sys.executable, "-c", _RACER, str(root), str(built_store_path), str(log), str(go)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    go.touch()
    outs = [r.communicate(timeout=300) for r in racers]
    assert all(r.returncode == 0 for r in racers), [o[1][-2000:] for o in outs]
    assert {o[0].strip() for o in outs} == {str(root / "state-a")}
    assert len(log.read_text().splitlines()) == 1  # one export, whichever process won
    assert sorted(p.name for p in (root / "state-a").iterdir()) == ["manifest.json", "rarekg-0.1.0.nq.gz"]
    assert sorted(p.name for p in root.iterdir()) == [".lock", "state-a"]  # no temporary folder left


def test_export_once_refuses_while_locked_keeps_failures_and_prunes(tmp_path: Path) -> None:
    import fcntl
    import os

    from kg.core.errors import StoreError
    from kg.store.export import LOCK_FILE, ExportBusy, export_once

    root, calls = tmp_path / "dumps", []

    def write(folder: Path) -> None:
        calls.append(folder.name)
        (folder / "f").write_text(folder.name)

    root.mkdir()
    fd = os.open(root / LOCK_FILE, os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)  # another writer holds the folder
    with pytest.raises(ExportBusy):
        export_once(root, "a", write)
    os.close(fd)
    assert calls == [] and not (root / "a").exists()
    for key in ("a", "b", "c"):
        assert export_once(root, key, write) == root / key
    assert export_once(root, "c", write) == root / "c" and len(calls) == 3  # written once
    assert sorted(p.name for p in root.iterdir() if not p.name.startswith(".")) == ["b", "c"]

    def broken(folder: Path) -> None:
        calls.append("broken")
        raise OSError("disk full")

    for _ in range(2):
        with pytest.raises((OSError, StoreError), match="disk full"):
            export_once(root, "d", broken)
    assert calls.count("broken") == 1 and not (root / "d").exists()  # a failed state is not retried


def test_downloads_keep_the_current_and_the_previous_state(tmp_path: Path) -> None:
    """Regression (#15): one folder per store state was written and none was ever removed."""
    import pyoxigraph as ox
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.settings import Settings
    from kg.store.embedded import EmbeddedStore

    store = EmbeddedStore()
    g = ox.NamedNode(W3ID + "graph/test")
    store.replace_graph(g, [(ox.NamedNode(CLB), ox.NamedNode(str(rdflib.RDFS.label)), ox.Literal("CLB"))])
    import fcntl
    import os

    from kg.store.export import LOCK_FILE

    root = tmp_path / "dumps"
    root.mkdir()
    with TestClient(create_app(store, Settings(query_workers=0, dump_dir=root))) as client:
        fd = os.open(root / LOCK_FILE, os.O_RDWR | os.O_CREAT)
        fcntl.flock(fd, fcntl.LOCK_EX)  # another server process is writing the dumps
        busy = client.get("/downloads")
        os.close(fd)
        assert busy.status_code == 503 and busy.headers["retry-after"] == "30"
        assert busy.headers["content-type"] == "application/problem+json"
        states = []
        for i in range(3):
            if i:
                client.app.state.backend.update(f"INSERT DATA {{ GRAPH {g} {{ <{CLB}> <urn:x:n> {i} }} }}")
            r = client.get("/downloads", headers={"Accept": "application/json"})
            assert r.status_code == 200, r.text
            states.append(sorted(p.name for p in root.iterdir() if not p.name.startswith(".")))
            nq = client.get("/downloads/rarekg-0.1.0.nq.gz")
            assert nq.status_code == 200 and len(gzip.decompress(nq.content).splitlines()) == 1 + i
    assert [len(s) for s in states] == [1, 2, 2]
    assert states[2][0] not in states[0]  # the first state went when the third came


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
