"""The public endpoint against hostile clients (issue #15), on a real `rarekg serve` over the built
default store: no calls to other hosts, no worker killed by client input, bounded requests, problem
details for every error, links that no request header can change."""

from __future__ import annotations

import concurrent.futures
import http.server
import os
import socket
import threading
import time
from pathlib import Path
from typing import ClassVar

import httpx
import pytest
from services import serving

PROBLEM = "application/problem+json"
ASK = "ASK { ?s ?p ?o }"


@pytest.fixture(scope="module")
def server(built_store_path: Path):
    """One HTTP process with two query workers, a small memory limit per worker, a public URL."""
    yield from serving(built_store_path, "--no-build", env={
        "RAREKG_PROCESSES": "1", "RAREKG_QUERY_MEMORY_MB": "400", "RAREKG_QUERY_TIMEOUT_S": "20",
        "RAREKG_PUBLIC_URL": "https://kg.example.org/"})


def session_pids(server_url: str) -> set[int]:
    """The process ids of the server's session (HTTP processes and query workers), from /proc."""
    port = int(server_url.rsplit(":", 1)[1])
    health = httpx.get(server_url + "/health").json()
    assert health["query_worker_pids"], health
    owner = _listening_pid(port)
    pgid = os.getpgid(owner)
    out = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.getpgid(int(entry)) == pgid:
                    out.add(int(entry))
            except ProcessLookupError:
                pass
    assert set(health["query_worker_pids"]) <= out
    return out


def _listening_pid(port: int) -> int:
    """The process that listens on ``port`` (the server's session leader holds the socket)."""
    inode = None
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "0A":
                inode = fields[9]
    assert inode, f"nothing listens on {port}"
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if any(os.readlink(f"/proc/{pid}/fd/{fd}") == f"socket:[{inode}]" for fd in os.listdir(f"/proc/{pid}/fd")):
                return int(pid)
        except (FileNotFoundError, PermissionError, ProcessLookupError):
            continue
    raise AssertionError("no process holds the listening socket")


def is_problem(r: httpx.Response, status: int | tuple[int, ...]) -> dict:
    statuses = status if isinstance(status, tuple) else (status,)
    assert r.status_code in statuses, (r.status_code, r.text[:500])
    assert r.headers["content-type"].startswith(PROBLEM), (r.headers.get("content-type"), r.text[:300])
    body = r.json()
    assert body["status"] == r.status_code and body["title"] and body["detail"]
    return body


# -- 1. SERVICE and LOAD ---------------------------------------------------------------------------
class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_POST(self) -> None:
        _Recorder.hits.append(self.path)
        body = b"SECRET-INTERNAL-BODY"
        self.send_response(500)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST

    def log_message(self, *args: object) -> None:
        return None


@pytest.fixture(scope="module")
def internal_host():
    """An "internal" HTTP server on loopback that records every request and answers an error body."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.mark.parametrize("template", [
    "SELECT * WHERE {{ SERVICE <{url}/x> {{ ?s ?p ?o }} }}",
    "select * where {{ service silent <{url}/x> {{ ?s ?p ?o }} }}",
    "PREFIX in: <{url}/> SELECT * WHERE {{ SERVICE in:x {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ \\u0053ERVICE <{url}/x> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ ?a ?b ?c . SERVICE ?where {{ ?s ?p ?o }} VALUES ?where {{ <{url}/x> }} }}",
    "ASK {{ {{ SERVICE <{url}/x> {{ ?s ?p ?o }} }} UNION {{ ?s ?p ?o }} }}",
])
def test_service_is_refused_and_never_called(server: str, internal_host: str, template: str) -> None:
    _Recorder.hits.clear()
    query = template.format(url=internal_host)
    for r in (httpx.get(server + "/sparql", params={"query": query}),
              httpx.post(server + "/sparql", data={"query": query}),
              httpx.post(server + "/sparql", content=query, headers={"Content-Type": "application/sparql-query"})):
        body = is_problem(r, 400)
        assert body["invalidParams"][0]["name"] == "query" and "SERVICE" in body["detail"]
        assert "SECRET" not in r.text
    time.sleep(0.3)
    assert _Recorder.hits == []


@pytest.mark.parametrize("query", [
    'SELECT ?o WHERE { ?s rdfs:label ?o FILTER(CONTAINS(?o, "SERVICE <http://127.0.0.1:1/x> {")) } LIMIT 1',
    "SELECT ?s WHERE { ?s ?p ?o } LIMIT 1 # SERVICE <http://127.0.0.1:1/x> { ?s ?p ?o }",
    "SELECT ?s WHERE { ?s <http://example.org/SERVICE> ?o } LIMIT 1",
    "SELECT ?service WHERE { ?service ?p ?o } LIMIT 1",
])
def test_service_word_outside_syntax_is_not_refused(server: str, query: str) -> None:
    r = httpx.get(server + "/sparql", params={"query": query})
    assert r.status_code == 200, r.text


@pytest.fixture(scope="module")
def allowing_server(built_store_path: Path, internal_host: str):
    """A server whose operator allows SERVICE under the internal host and has an admin token."""
    yield from serving(built_store_path, "--no-build", env={
        "RAREKG_PROCESSES": "1", "RAREKG_SERVICE_ALLOWED_PREFIXES": internal_host + "/allowed/",
        "RAREKG_ADMIN_TOKEN": "s3cret"})


def test_allowed_service_is_called_but_its_error_body_not_echoed(allowing_server: str, internal_host: str) -> None:
    _Recorder.hits.clear()
    r = httpx.get(allowing_server + "/sparql",
                  params={"query": f"SELECT * WHERE {{ SERVICE <{internal_host}/allowed/q> {{ ?s ?p ?o }} }}"})
    body = is_problem(r, 400)
    assert "SECRET" not in r.text and "not shown" in body["detail"]
    assert _Recorder.hits, "the allowed endpoint was not called"
    other = httpx.get(allowing_server + "/sparql",
                      params={"query": f"SELECT * WHERE {{ SERVICE <{internal_host}/other> {{ ?s ?p ?o }} }}"})
    assert "not under a prefix" in is_problem(other, 400)["detail"]


def test_load_and_update_service_are_refused_even_for_the_admin(allowing_server: str, internal_host: str) -> None:
    _Recorder.hits.clear()
    auth = {"Authorization": "Bearer s3cret", "Content-Type": "application/sparql-update"}
    for update in (f"LOAD <{internal_host}/data.ttl> INTO GRAPH <https://w3id.org/rarekg/graph/x>",
                   f"load silent <{internal_host}/data.ttl>",
                   (f"INSERT {{ GRAPH <https://w3id.org/rarekg/graph/x> {{ ?s ?p ?o }} }} WHERE "
                    f"{{ SERVICE <{internal_host}/other> {{ ?s ?p ?o }} }}")):
        body = is_problem(httpx.post(allowing_server + "/sparql", content=update, headers=auth), 400)
        assert body["invalidParams"][0]["name"] == "update"
    time.sleep(0.3)
    assert _Recorder.hits == []


# -- 2. client input never kills a query worker -----------------------------------------------------
DEEP = "SELECT * WHERE " + "{" * 5000 + "?s ?p ?o" + "}" * 5000
MALFORMED: list[tuple[str, dict, tuple[int, ...]]] = [
    ("GET", {"params": {"query": ASK, "default-graph-uri": "not an iri"}}, (400,)),
    ("GET", {"params": {"query": ASK, "named-graph-uri": "relative/iri"}}, (400,)),
    ("GET", {"params": {"query": ASK, "default-graph-uri": ""}}, (400,)),
    ("POST", {"data": {"query": ASK, "named-graph-uri": "http://a b"}}, (400,)),
    ("GET", {"params": {"query": "SELECT ?s WHERE { ?s ?p }"}}, (400,)),
    ("GET", {"params": {"query": ""}}, (400,)),
    ("GET", {"params": [("query", ASK), ("query", ASK)]}, (400,)),
    ("GET", {"params": {"query": ASK, "update": "CLEAR ALL"}}, (400,)),
    ("GET", {"params": {"query": ASK, "format": "no-such-format"}}, (406,)),
    ("GET", {"params": {"query": "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 1"},
             "headers": {"Accept": "application/sparql-results+json"}}, (406,)),
    ("POST", {"content": b"\xff\xfeASK{}", "headers": {"Content-Type": "application/sparql-query"}}, (400,)),
    ("POST", {"content": ASK, "headers": {"Content-Type": "text/plain"}}, (415,)),
    ("GET", {"params": {"update": "CLEAR ALL"}}, (403,)),
    ("POST", {"data": {"update": "DROP ALL"}}, (403,)),
    ("GET", {"params": {"query": DEEP}}, (400, 414)),
    ("POST", {"content": DEEP, "headers": {"Content-Type": "application/sparql-query"}}, (400,)),
    ("POST", {"content": "SELECT * WHERE { FILTER(" + "!" * 20000 + "true) }",
              "headers": {"Content-Type": "application/sparql-query"}}, (400,)),
    ("POST", {"content": "SELECT * WHERE { FILTER(" + "1+" * 20000 + "1) }",
              "headers": {"Content-Type": "application/sparql-query"}}, (400,)),
    ("GET", {"params": {"query": "SELECT * WHERE { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }"}}, (400,)),
    ("GET", {"params": {"query": "ASK { ?s ?p \"\x00\" }"}}, (200, 400)),
    ("GET", {"params": {"query": 'SELECT ?x WHERE { BIND("\\uD800" AS ?x) }'}}, (200, 400)),
    ("GET", {"params": {"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 99999999999999999999999"}}, (400,)),
    ("GET", {"params": {"query": "SELECT * WHERE { ?s nope:p ?o }"}}, (400,)),
    ("GET", {"params": {"query": "SELECT * WHERE { VALUES (?a ?b) { (1) } }"}}, (400,)),
    ("POST", {"content": "query=%ff%fe", "headers": {"Content-Type": "application/x-www-form-urlencoded"}}, (400,)),
    ("POST", {"content": b"x" * 1_100_000, "headers": {"Content-Type": "application/sparql-query"}}, (413,)),
]


def test_malformed_requests_never_kill_a_worker(server: str) -> None:
    assert len(MALFORMED) >= 20
    before = session_pids(server)
    replaced = httpx.get(server + "/health").json()["replaced_workers"]
    normal_ok = []
    stop = threading.Event()

    def normal_client() -> None:
        with httpx.Client(timeout=20) as client:
            while not stop.is_set():
                r = client.get(server + "/sparql", params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?d a rkg:CancerDomain }"})
                normal_ok.append(r.status_code == 200 and r.json()["results"]["bindings"][0]["n"]["value"] == "10")
                time.sleep(0.05)

    watcher = threading.Thread(target=normal_client)
    watcher.start()
    try:
        with httpx.Client(timeout=30) as client, concurrent.futures.ThreadPoolExecutor(4) as pool:
            def one(i: int) -> None:
                method, kwargs, statuses = MALFORMED[i % len(MALFORMED)]
                r = client.request(method, server + "/sparql", **kwargs)
                if r.status_code != 200:
                    is_problem(r, statuses)
                else:
                    assert 200 in statuses, (i % len(MALFORMED), r.text[:200])
            list(pool.map(one, range(1000)))
    finally:
        stop.set()
        watcher.join()
    assert normal_ok and all(normal_ok), normal_ok.count(False)
    assert httpx.get(server + "/health").json()["replaced_workers"] == replaced
    assert session_pids(server) == before


# -- 4. request limits on every path ----------------------------------------------------------------
@pytest.mark.parametrize("path", ["/sparql", "/api/v1/centres", "/fhir/Organization", "/no/such/path"])
def test_oversized_body_is_refused_before_reading_on_every_path(server: str, path: str) -> None:
    big = b"x" * 2_000_000
    for headers in ({"Content-Type": "application/sparql-query"},
                    {"Content-Type": "application/sparql-query", "Origin": "https://elsewhere.example"}):
        is_problem(httpx.post(server + path, content=big, headers=headers), 413)

    def chunks():  # no Content-Length: the limit holds while reading
        for _ in range(40):
            yield b"y" * 65536
    is_problem(httpx.post(server + path, content=chunks(), headers={"Origin": "https://elsewhere.example"}), 413)


def test_bounded_body_with_origin_still_reaches_the_app(server: str) -> None:
    """The body read (within the limit) in front of the app is handed on whole, CORS included."""
    r = httpx.post(server + "/sparql", content=ASK, headers={"Content-Type": "application/sparql-query",
                                                             "Origin": "https://elsewhere.example"})
    assert r.status_code == 200 and r.json()["boolean"] is True
    assert r.headers["access-control-allow-origin"] == "*"


def test_declared_length_is_answered_without_sending_the_body(server: str) -> None:
    answer = raw_request(server, b"POST /sparql HTTP/1.1\r\nHost: x\r\nOrigin: https://o.example\r\n"
                         b"Content-Type: application/sparql-query\r\nContent-Length: 5000000000\r\n\r\n")
    assert answer.startswith("HTTP/1.1 413") and PROBLEM in answer


def raw_request(server: str, head: bytes) -> str:
    """Send ``head`` (a request without body) on a raw socket; the start of the answer."""
    port = int(server.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(head)
        return sock.recv(65536).decode(errors="replace")


def test_long_query_string_and_large_headers(server: str) -> None:
    # on a raw socket, as a client would send it; Granian answers a bare 414 only past 64 KiB
    answer = raw_request(server, b"GET /sparql?query=ASK%7B%3Fs%20%3Fp%20%22" + b"a" * 40_000
                         + b"%22%7D HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert answer.startswith("HTTP/1.1 414") and PROBLEM in answer, answer[:300]
    is_problem(httpx.get(server + "/api/v1/centres", headers={"X-Big": "b" * 20_000}), 431)


# -- 8. every error is a problem --------------------------------------------------------------------
@pytest.mark.parametrize("method,path", [
    ("GET", "/centre/a%20b"), ("GET", "/no/such/page"), ("DELETE", "/health"), ("GET", "/web/nope.js"),
    ("GET", "/api/v1/centres?limit=-5"), ("PUT", "/sparql"), ("GET", "/sparql/examples/x"),
])
def test_every_error_is_a_problem(server: str, method: str, path: str) -> None:
    r = httpx.request(method, server + path)
    assert r.status_code >= 400
    is_problem(r, r.status_code)


# -- 3. public base URL ------------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/fhir/Organization?_count=2", "/.well-known/void", "/sparql/examples",
                                  "/sparql"])
def test_host_header_cannot_poison_links(server: str, path: str) -> None:
    hostile = {"Host": "evil.example", "X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "gopher",
               "Accept": "application/fhir+json" if path.startswith("/fhir") else "text/turtle"}
    first = httpx.get(server + path, headers=hostile, timeout=60)
    assert first.status_code == 200, first.text[:300]
    second = httpx.get(server + path, headers={"Accept": hostile["Accept"]}, timeout=60)
    for r in (first, second):
        assert "evil.example" not in r.text and "gopher" not in r.text
        assert "https://kg.example.org/" in r.text
    if path.startswith("/fhir"):
        bundle = second.json()
        assert bundle["entry"] and all(e["fullUrl"].startswith("https://kg.example.org/fhir/") for e in bundle["entry"])
        assert all(link["url"].startswith("https://kg.example.org/fhir/Organization?") for link in bundle["link"])


@pytest.mark.parametrize("path", ["/centre/centre-leon-berard", "/ontology"])
def test_host_header_cannot_poison_linked_data_context(server: str, path: str) -> None:
    hostile = {"Host": "evil.example", "X-Forwarded-Host": "evil.example", "Accept": "application/ld+json"}
    first = httpx.get(server + path, headers=hostile, timeout=60)
    assert first.status_code == 200, first.text[:300]
    second = httpx.get(server + path, headers={"Accept": "application/ld+json"}, timeout=60)
    for r in (first, second):
        assert "evil.example" not in r.text
        assert "https://kg.example.org/" in r.text      # the JSON-LD @context is under the public base


# -- 6. memory limit ---------------------------------------------------------------------------------
RUNAWAY = "SELECT ?a ?b ?x ?y WHERE { ?a ?p ?x . ?b ?q ?y } ORDER BY ?x ?y ?a ?b"


def test_runaway_query_is_stopped_for_memory_and_others_are_answered(server: str) -> None:
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        runaway = pool.submit(httpx.get, server + "/sparql", params={"query": RUNAWAY}, timeout=60)
        answered = 0
        while not runaway.done():
            r = httpx.get(server + "/sparql", params={"query": "SELECT ?d WHERE { ?d a rkg:CancerDomain }"}, timeout=30)
            assert r.status_code == 200, r.text
            answered += 1
        answer = runaway.result()
    body = is_problem(answer, 503)
    assert body["title"] == "Out of memory" and answer.headers["retry-after"]
    assert answered > 0
    deadline = time.monotonic() + 30
    while len(httpx.get(server + "/health").json()["query_worker_pids"]) < 2 and time.monotonic() < deadline:
        time.sleep(0.5)
    assert len(httpx.get(server + "/health").json()["query_worker_pids"]) == 2
    assert httpx.get(server + "/sparql", params={"query": ASK}).json()["boolean"] is True
