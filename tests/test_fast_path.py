"""The lean SPARQL path (api/fast.py) and the query workers' framing (api/limits.py), over real HTTP.

A request with an ``Origin`` header goes through the FastAPI app (for CORS); the same request
without one takes the lean path. Both must answer alike. Large answers and many concurrent
clients exercise the frames between the HTTP processes and their query workers.
"""

from __future__ import annotations

import concurrent.futures
from urllib.parse import urlencode

import httpx
import pytest

Q_DOMAINS = "SELECT ?d ?n WHERE { ?d a rkg:CancerDomain ; skos:notation ?n } ORDER BY ?n"
SAME_CASES = [
    ("GET select json", {"method": "GET", "params": {"query": Q_DOMAINS}}),
    ("GET select csv", {"method": "GET", "params": {"query": Q_DOMAINS}, "headers": {"Accept": "text/csv"}}),
    ("GET construct format", {"method": "GET", "params": {"query": "CONSTRUCT WHERE { ?d skos:notation ?n }",
                                                          "format": "ntriples"}}),
    ("POST form", {"method": "POST", "data": {"query": Q_DOMAINS}}),
    ("POST sparql-query", {"method": "POST", "content": Q_DOMAINS,
                           "headers": {"Content-Type": "application/sparql-query"}}),
    ("POST dataset", {"method": "POST", "params": {"default-graph-uri": "https://w3id.org/rarekg/graph/oncotree"},
                      "content": Q_DOMAINS, "headers": {"Content-Type": "application/sparql-query"}}),
    ("malformed", {"method": "GET", "params": {"query": "SELECT ?s WHERE { ?s ?p }"}}),
    ("two queries", {"method": "GET", "params": [("query", "ASK {}"), ("query", "ASK {}")]}),
    ("update GET", {"method": "GET", "params": {"update": "DROP ALL"}}),
    ("update POST", {"method": "POST", "content": "DROP ALL", "headers": {"Content-Type": "application/sparql-update"}}),
    ("415", {"method": "POST", "content": "ASK {}", "headers": {"Content-Type": "text/plain"}}),
    ("non-UTF-8", {"method": "POST", "content": b"ASK { ?s ?p \"\xe9\" }",
                   "headers": {"Content-Type": "application/sparql-query"}}),
    ("not acceptable", {"method": "GET", "params": {"query": "ASK {}"}, "headers": {"Accept": "image/png"}}),
]


def vary(r: httpx.Response) -> set[str]:
    return {v.strip().lower() for v in r.headers.get("vary", "").split(",") if v.strip()}


@pytest.mark.parametrize("name,kwargs", SAME_CASES, ids=[c[0] for c in SAME_CASES])
def test_lean_path_and_app_answer_alike(server: str, name: str, kwargs: dict) -> None:
    lean = httpx.request(url=server + "/sparql", timeout=30, **kwargs)
    headers = {**kwargs.get("headers", {}), "Origin": "https://example.org"}
    app = httpx.request(url=server + "/sparql", timeout=30, **{**kwargs, "headers": headers})
    assert lean.status_code == app.status_code, (lean.text[:300], app.text[:300])
    assert lean.content == app.content
    for header in ("content-type", "x-rarekg-rows", "x-rarekg-truncated"):
        assert lean.headers.get(header) == app.headers.get(header), header
    # the CORS middleware adds Origin to Vary when it answers an Origin
    assert vary(lean) == vary(app) - {"origin"}
    assert app.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-origin" not in lean.headers


def test_large_answer_crosses_the_worker_socket_whole(server: str) -> None:
    count = httpx.get(server + "/sparql", params={"query": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"}, timeout=60)
    total = int(count.json()["results"]["bindings"][0]["n"]["value"])
    r = httpx.get(server + "/sparql", params={"query": "SELECT ?s ?p ?o { ?s ?p ?o }"}, timeout=120)
    assert r.status_code == 200
    rows = r.json()["results"]["bindings"]   # parses: the body arrived whole
    assert len(rows) == int(r.headers["x-rarekg-rows"]) == min(total, 100_000)
    assert len(r.content) > 4 * 1024 * 1024  # far more than one read from the worker's socket


def test_concurrent_clients_each_get_their_own_answer(server: str) -> None:
    codes = [f"G{i}" for i in range(1, 11)] * 6

    def ask(code: str) -> tuple[str, list[str]]:
        query = f'SELECT ?d WHERE {{ ?d skos:notation "{code}" }}'
        r = httpx.post(server + "/sparql", content=urlencode({"query": query}), timeout=30,
                       headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert r.status_code == 200, r.text
        return code, [b["d"]["value"] for b in r.json()["results"]["bindings"]]

    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(ask, codes))
    for code, iris in answers:
        assert iris == [f"https://w3id.org/rarekg/domain/{code}"]
