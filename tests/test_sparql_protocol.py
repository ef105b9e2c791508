"""The SPARQL 1.1 Protocol over real HTTP on loopback: every protocol case with its status code,
datasets, formats, limits (timeout that kills the worker, row cap, isolation), CORS, discovery."""

from __future__ import annotations

import concurrent.futures
import os
import time
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pyoxigraph as ox
import pytest
import rdflib
from services import start_rarekg as start
from services import stop_process as stop
from services import wait_ready

Q_DOMAINS = "SELECT (COUNT(*) AS ?n) { ?d a rkg:CancerDomain }"
# A cross product of the whole graph with itself, counted: minutes of work, one row.
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


@pytest.fixture(scope="module")
def server_process(built_store_path: Path):
    os.environ.update(RAREKG_QUERY_TIMEOUT_S="3", RAREKG_MAX_ROWS="500", RAREKG_PROCESSES="1",
                      RAREKG_QUERY_WORKERS="2", RAREKG_ADMIN_TOKEN="")
    try:
        proc, base = start(built_store_path, "--no-build")
    finally:
        for k in ("RAREKG_QUERY_TIMEOUT_S", "RAREKG_MAX_ROWS", "RAREKG_PROCESSES", "RAREKG_QUERY_WORKERS",
                  "RAREKG_ADMIN_TOKEN"):
            os.environ.pop(k)
    try:
        wait_ready(proc, base, 60)
        yield proc, base
    finally:
        stop(proc)


@pytest.fixture(scope="module")
def server(server_process) -> str:  # type: ignore[no-untyped-def]
    return server_process[1]  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def server_pid(server_process) -> int:  # type: ignore[no-untyped-def]
    return server_process[0].pid  # type: ignore[no-any-return]


def n(r: httpx.Response) -> int:
    return int(r.json()["results"]["bindings"][0]["n"]["value"])


# -- protocol cases -------------------------------------------------------------------------------
CASES = [
    ("GET query", {"method": "GET", "params": {"query": Q_DOMAINS}}, 200),
    ("POST form", {"method": "POST", "data": {"query": Q_DOMAINS}}, 200),
    ("POST sparql-query", {"method": "POST", "content": Q_DOMAINS,
                               "headers": {"Content-Type": "application/sparql-query"}}, 200),
    ("POST sparql-query charset", {"method": "POST", "content": Q_DOMAINS,
                                       "headers": {"Content-Type": "application/sparql-query; charset=utf-8"}}, 200),
    ("malformed query", {"method": "GET", "params": {"query": "SELECT ?s WHERE { ?s ?p }"}}, 400),
    ("no query in form", {"method": "POST", "data": {"format": "json"}}, 400),
    ("two queries GET", {"method": "GET", "params": [("query", Q_DOMAINS), ("query", Q_DOMAINS)]}, 400),
    ("two queries form", {"method": "POST", "content": urlencode([("query", Q_DOMAINS), ("query", Q_DOMAINS)]),
                              "headers": {"Content-Type": "application/x-www-form-urlencoded"}}, 400),
    ("query in URL and body", {"method": "POST", "params": {"query": Q_DOMAINS}, "content": Q_DOMAINS,
                                   "headers": {"Content-Type": "application/sparql-query"}}, 400),
    ("query and update", {"method": "GET", "params": {"query": Q_DOMAINS, "update": "DROP ALL"}}, 400),
    ("text/plain body", {"method": "POST", "content": Q_DOMAINS, "headers": {"Content-Type": "text/plain"}}, 415),
    ("no content type", {"method": "POST", "content": Q_DOMAINS}, 415),
    ("non-UTF-8 body", {"method": "POST", "content": b"ASK { ?s ?p \"\xe9\" }",
                            "headers": {"Content-Type": "application/sparql-query"}}, 400),
    ("non-UTF-8 form", {"method": "POST", "content": b"query=ASK%20%7B%7D%E9",
                            "headers": {"Content-Type": "application/x-www-form-urlencoded"}}, 400),
    ("update form", {"method": "POST", "data": {"update": "DROP ALL"}}, 403),
    ("update body", {"method": "POST", "content": "DROP ALL",
                         "headers": {"Content-Type": "application/sparql-update"}}, 403),
    ("update GET", {"method": "GET", "params": {"update": "DROP ALL"}}, 403),
    ("update text as query", {"method": "GET", "params": {"query": "DROP ALL"}}, 400),
    ("not acceptable", {"method": "GET", "params": {"query": Q_DOMAINS}, "headers": {"Accept": "image/png"}}, 406),
    ("unknown format", {"method": "GET", "params": {"query": Q_DOMAINS, "format": "pdf"}}, 406),
    ("too large", {"method": "POST", "content": "#" * 1_000_001,
                       "headers": {"Content-Type": "application/sparql-query"}}, 413),
    ("PUT", {"method": "PUT", "content": "x"}, 405),
    ("DELETE", {"method": "DELETE"}, 405),
    ("PATCH", {"method": "PATCH", "content": "x"}, 405),
]


@pytest.mark.parametrize("name,kwargs,status", CASES, ids=[c[0] for c in CASES])
def test_protocol_case(server: str, name: str, kwargs: dict, status: int) -> None:
    r = httpx.request(url=server + "/sparql", timeout=30, **kwargs)
    assert r.status_code == status, r.text[:500]
    if status == 200:
        assert n(r) == 10
    else:
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["status"] == status
    if status == 405:
        assert r.headers["allow"] == "GET, POST, OPTIONS"


def test_malformed_query_gives_parser_position(server: str) -> None:
    r = httpx.get(server + "/sparql", params={"query": "SELECT ?s WHERE {\n ?s ?p }"})
    assert r.status_code == 400
    assert "2:" in r.json()["detail"] and "error at" in r.json()["detail"]


# -- datasets -------------------------------------------------------------------------------------
COUNT_GRAPHS = "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
COUNT_DOMAINS_FROM = ("SELECT (COUNT(*) AS ?n) FROM <https://w3id.org/rarekg/graph/ontology> "
                      "WHERE { ?d a rkg:CancerDomain }")


def test_default_graph_is_union_and_named_graphs_addressable(server: str, built_store) -> None:
    assert n(httpx.get(server + "/sparql", params={"query": COUNT_GRAPHS})) == len(built_store.graphs()) >= 8
    assert n(httpx.get(server + "/sparql", params={"query": Q_DOMAINS})) == 10


def test_from_clause_is_honoured(server: str) -> None:
    assert n(httpx.get(server + "/sparql", params={"query": COUNT_DOMAINS_FROM})) == 0
    q = "PREFIX g: <https://w3id.org/rarekg/graph/>\n" + COUNT_DOMAINS_FROM.replace(
        "<https://w3id.org/rarekg/graph/ontology>", "g:euracan")
    assert n(httpx.get(server + "/sparql", params={"query": q})) == 10


def test_protocol_dataset_wins_over_from(server: str) -> None:
    r = httpx.get(server + "/sparql", params={"query": COUNT_DOMAINS_FROM,
                                              "default-graph-uri": "https://w3id.org/rarekg/graph/euracan"})
    assert n(r) == 10
    r = httpx.post(server + "/sparql", data={"query": COUNT_GRAPHS,
                                             "named-graph-uri": ["https://w3id.org/rarekg/graph/euracan",
                                                                 "https://w3id.org/rarekg/graph/ontology"]})
    assert n(r) == 2
    r = httpx.post(server + "/sparql", params={"default-graph-uri": "https://w3id.org/rarekg/graph/oncotree"},
                   content=Q_DOMAINS, headers={"Content-Type": "application/sparql-query"})
    assert n(r) == 0


# -- formats --------------------------------------------------------------------------------------
SELECT_ONE = "SELECT ?n WHERE { <https://w3id.org/rarekg/domain/G7> skos:notation ?n }"
CONSTRUCT_ONE = "CONSTRUCT { ?d skos:notation ?n } WHERE { ?d a rkg:CancerDomain ; skos:notation ?n }"


@pytest.mark.parametrize("accept,fmt,media,expected", [
    ("application/sparql-results+json", None, "application/sparql-results+json", '"value":"G7"'),
    ("application/sparql-results+xml", None, "application/sparql-results+xml", "<literal>G7</literal>"),
    ("text/csv", None, "text/csv", "n\r\nG7\r\n"),
    ("text/tab-separated-values", None, "text/tab-separated-values", '?n\n"G7"\n'),
    ("", "csv", "text/csv", "n\r\nG7\r\n"),
    ("text/csv", "xml", "application/sparql-results+xml", "<literal>G7</literal>"),
])
def test_select_formats(server: str, accept: str, fmt: str | None, media: str, expected: str) -> None:
    params = {"query": SELECT_ONE, **({"format": fmt} if fmt else {})}
    r = httpx.get(server + "/sparql", params=params, headers={"Accept": accept} if accept else {})
    assert r.status_code == 200 and r.headers["content-type"].startswith(media)
    assert expected in r.text


@pytest.mark.parametrize("accept,fmt,rdf_format", [
    ("text/turtle", None, ox.RdfFormat.TURTLE), ("application/n-triples", None, ox.RdfFormat.N_TRIPLES),
    ("application/rdf+xml", None, ox.RdfFormat.RDF_XML), ("application/ld+json", None, ox.RdfFormat.JSON_LD),
    ("application/n-quads", None, ox.RdfFormat.N_QUADS), ("application/trig", None, ox.RdfFormat.TRIG),
    ("", "jsonld", ox.RdfFormat.JSON_LD), ("text/csv", "nquads", ox.RdfFormat.N_QUADS),
])
def test_construct_formats_parse_back(server: str, accept: str, fmt: str | None, rdf_format: ox.RdfFormat) -> None:
    params = {"query": CONSTRUCT_ONE, **({"format": fmt} if fmt else {})}
    r = httpx.get(server + "/sparql", params=params, headers={"Accept": accept} if accept else {})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith(rdf_format.media_type)
    parsed = list(ox.parse(r.content, rdf_format))
    assert len(parsed) == 10
    assert {q.object.value for q in parsed} == {f"G{i}" for i in range(1, 11)}


def test_ask_formats(server: str) -> None:
    q = "ASK { <https://w3id.org/rarekg/domain/G7> skos:notation \"G7\" }"
    assert httpx.get(server + "/sparql", params={"query": q}).json() == {"head": {}, "boolean": True}
    r = httpx.get(server + "/sparql", params={"query": q}, headers={"Accept": "application/sparql-results+xml"})
    assert "<boolean>true</boolean>" in r.text


# -- limits ---------------------------------------------------------------------------------------
def test_row_cap_truncates_with_signal(server: str) -> None:
    r = httpx.get(server + "/sparql", params={"query": "SELECT ?s WHERE { ?s a owl:Class }"})
    assert r.status_code == 200
    assert r.headers["x-rarekg-truncated"] == "true" and r.headers["x-rarekg-rows"] == "500"
    assert len(r.json()["results"]["bindings"]) == 500
    # regression: under uvloop a reply read in more than one chunk from the worker's pipe was
    # taken for a dead worker (500); this answer is tens of KiB
    assert len(r.content) > 32768
    r = httpx.get(server + "/sparql", params={"query": "SELECT ?d WHERE { ?d a rkg:CancerDomain }"})
    assert r.headers["x-rarekg-truncated"] == "false" and r.headers["x-rarekg-rows"] == "10"


def test_timeout_kills_worker_and_others_still_answered(server: str) -> None:
    killed_before = httpx.get(server + "/health").json()["killed_for_timeout"]
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        t0 = time.monotonic()
        runaway = pool.submit(httpx.get, server + "/sparql", params={"query": RUNAWAY}, timeout=60)
        time.sleep(0.3)
        latencies = []
        for _ in range(20):  # point queries while the runaway query holds one worker
            t = time.monotonic()
            r = httpx.get(server + "/sparql", params={"query": SELECT_ONE}, timeout=10)
            latencies.append(time.monotonic() - t)
            assert r.status_code == 200 and r.json()["results"]["bindings"][0]["n"]["value"] == "G7"
        answer = runaway.result()
        elapsed = time.monotonic() - t0
    assert answer.status_code == 504 and answer.json()["title"] == "Query timeout"
    assert 3 <= elapsed < 10
    assert max(latencies) < 2.0
    assert httpx.get(server + "/health").json()["killed_for_timeout"] == killed_before + 1
    for _ in range(4):  # the replaced worker and the others keep answering
        assert n(httpx.get(server + "/sparql", params={"query": Q_DOMAINS}, timeout=10)) == 10


def _descendants(pid: int) -> dict[int, tuple[int, str]]:
    """Processes below ``pid``: pid -> (depth, command line), read from /proc."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            parents[int(entry.name)] = (int(stat.rsplit(")", 1)[1].split()[1]), cmd)
    out: dict[int, tuple[int, str]] = {}
    frontier = [(pid, 0)]
    while frontier:
        parent, depth = frontier.pop()
        for child, (ppid, cmd) in parents.items():
            if ppid == parent:
                out[child] = (depth + 1, cmd)
                frontier.append((child, depth + 1))
    return out


def test_query_worker_that_dies_gives_500_and_is_replaced(server: str, server_pid: int) -> None:
    import signal
    workers = [p for p, (depth, cmd) in _descendants(server_pid).items() if depth == 2 and "spawn_main" in cmd]
    assert len(workers) == 2, _descendants(server_pid)   # one HTTP process, two query workers
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        runaway = pool.submit(httpx.get, server + "/sparql", params={"query": RUNAWAY}, timeout=60)
        time.sleep(0.5)
        for pid in workers:
            os.kill(pid, signal.SIGKILL)
        answer = runaway.result()
    assert answer.status_code == 500 and answer.json()["title"] == "Query worker failed", answer.text
    assert "was replaced" in answer.json()["detail"]
    deadline = time.monotonic() + 30   # the replacements start (a few seconds on a busy machine)
    while True:
        r = httpx.get(server + "/sparql", params={"query": Q_DOMAINS}, timeout=10)
        if r.status_code == 200 or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert r.status_code == 200 and n(r) == 10


# -- CORS and discovery ---------------------------------------------------------------------------
def test_cors_preflight_and_simple(server: str) -> None:
    r = httpx.options(server + "/sparql", headers={"Origin": "https://example.org",
                                                   "Access-Control-Request-Method": "POST",
                                                   "Access-Control-Request-Headers": "content-type"})
    assert r.status_code == 200 and r.headers["access-control-allow-origin"] == "*"
    r = httpx.get(server + "/sparql", params={"query": Q_DOMAINS}, headers={"Origin": "https://example.org"})
    assert r.headers["access-control-allow-origin"] == "*"
    assert "X-Rarekg-Truncated" in r.headers["access-control-expose-headers"]


def test_service_description(server: str, built_store) -> None:
    r = httpx.get(server + "/sparql")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/turtle")
    g = rdflib.Graph().parse(data=r.text, format="turtle")
    sd = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    svc = rdflib.URIRef(server + "/sparql")
    assert (svc, sd.endpoint, svc) in g and (svc, sd.supportedLanguage, sd.SPARQL11Query) in g
    names = {str(o) for o in g.objects(None, sd.name)}
    assert len(names) == len(built_store.graphs()) and "https://w3id.org/rarekg/graph/orphanet" in names


def test_void_counts_and_partitions(server: str, built_store) -> None:
    r = httpx.get(server + "/.well-known/void")
    assert r.status_code == 200
    g = rdflib.Graph().parse(data=r.text, format="turtle")
    void = rdflib.Namespace("http://rdfs.org/ns/void#")
    euracan = rdflib.URIRef("https://w3id.org/rarekg/graph/euracan")
    assert int(g.value(euracan, void.triples)) == built_store.count(ox.NamedNode(str(euracan)))
    by_class = {str(g.value(p, void["class"])): int(g.value(p, void.entities))
                for p in g.objects(euracan, void.classPartition)}
    assert by_class["https://w3id.org/rarekg/ontology/CancerDomain"] == 10
    providers = built_store.select("SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c a rkg:HealthcareProvider }",
                                   default_graphs=[ox.NamedNode(str(euracan))])[0]["n"].value
    assert by_class["https://w3id.org/rarekg/ontology/HealthcareProvider"] == int(providers) >= 37
    by_property = {str(g.value(p, void.property)): int(g.value(p, void.triples))
                   for p in g.objects(euracan, void.propertyPartition)}
    assert by_property["http://www.w3.org/2004/02/skos/core#notation"] == 10
    assert len(list(g.objects(None, void.subset))) == len(built_store.graphs())


def test_examples_published(server: str, built_store) -> None:
    listing = httpx.get(server + "/sparql/examples", params={"format": "json"}).json()
    from kg.store.queries import library
    names = [e["name"] for e in listing]
    assert names == sorted(library()) and {"centres-by-domain", "entity-by-code", "graph-summary"} <= set(names)
    r = httpx.get(server + "/sparql/examples", headers={"Accept": "text/turtle"})
    g = list(ox.parse(r.content, ox.RdfFormat.TURTLE))
    sh = "http://www.w3.org/ns/shacl#"
    execs = {t.subject.value for t in g if t.predicate.value.endswith("#type") and t.object.value == sh + "SPARQLExecutable"}
    assert len(execs) == len(names)
    summary = next(e for e in listing if e["name"] == "graph-summary")
    r = httpx.post(server + "/sparql", data={"query": summary["query"]})  # runs as published
    # every graph but graph/meta has a load record
    assert len(r.json()["results"]["bindings"]) == len(built_store.graphs()) - 1
