"""`rarekg serve` as a real process on loopback: cold start builds the default graph and answers."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest
from services import start_rarekg, stop_process, wait_ready


def test_cold_start_builds_and_answers_ask(tmp_path: Path) -> None:
    proc, base = start_rarekg(tmp_path / "fresh-store")
    try:
        wait_ready(proc, base, 60)  # the issue: answers within 60 s of a cold start
        r = httpx.get(base + "/sparql", params={"query": "ASK { ?s ?p ?o }"},
                      headers={"Accept": "application/sparql-results+json"})
        assert r.status_code == 200 and r.json()["boolean"] is True
    finally:
        stop_process(proc)




def test_get_select_json(server: str) -> None:
    r = httpx.get(server + "/sparql", params={"query": "SELECT ?n { ?d skos:notation ?n } ORDER BY ?n"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/sparql-results+json")
    assert [b["n"]["value"] for b in r.json()["results"]["bindings"]][:2] == ["G1", "G10"]


def test_post_form_and_direct(server: str) -> None:
    q = "SELECT (COUNT(*) AS ?n) { ?d a rkg:CancerDomain }"
    r1 = httpx.post(server + "/sparql", data={"query": q})
    r2 = httpx.post(server + "/sparql", content=q, headers={"Content-Type": "application/sparql-query"})
    assert r1.status_code == r2.status_code == 200
    assert r1.json()["results"]["bindings"][0]["n"]["value"] == "10" == r2.json()["results"]["bindings"][0]["n"]["value"]


@pytest.mark.parametrize("accept,media", [("text/csv", "text/csv"), ("application/sparql-results+xml",
                                          "application/sparql-results+xml"),
                                          ("text/tab-separated-values", "text/tab-separated-values")])
def test_result_formats(server: str, accept: str, media: str) -> None:
    r = httpx.get(server + "/sparql", params={"query": "SELECT ?d { ?d a rkg:CancerDomain } LIMIT 1"},
                  headers={"Accept": accept})
    assert r.status_code == 200 and r.headers["content-type"].startswith(media)


def test_construct_turtle(server: str) -> None:
    r = httpx.get(server + "/sparql", params={"query": "CONSTRUCT { ?d skos:notation ?n } WHERE { ?d skos:notation ?n }"},
                  headers={"Accept": "text/turtle"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/turtle")
    assert '"G7"' in r.text


@pytest.mark.parametrize("kwargs,status", [
    ({"method": "GET", "params": {"query": "SELECT ?s WHERE { ?s ?p }"}}, 400),
    ({"method": "POST", "data": {"format": "json"}}, 400),
    ({"method": "POST", "content": "ASK {}", "headers": {"Content-Type": "text/plain"}}, 415),
    ({"method": "POST", "content": b"\xff\xfe", "headers": {"Content-Type": "application/sparql-query"}}, 400),
    ({"method": "POST", "data": {"update": "DROP ALL"}}, 403),
    ({"method": "POST", "content": "DROP ALL", "headers": {"Content-Type": "application/sparql-update"}}, 403),
    ({"method": "PUT", "content": "x"}, 405),
])
def test_protocol_errors(server: str, kwargs: dict, status: int) -> None:
    method = kwargs.pop("method")
    r = httpx.request(method, server + "/sparql", **kwargs)
    assert r.status_code == status, r.text
    if status != 405:
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["status"] == status


def test_malformed_query_message_has_position(server: str) -> None:
    r = httpx.get(server + "/sparql", params={"query": "SELECT ?s WHERE { ?s ?p }"})
    assert "line 1" in r.json()["detail"] or "column" in r.json()["detail"]


def test_update_text_in_query_is_not_executed(server: str) -> None:
    r = httpx.get(server + "/sparql", params={"query": "DROP ALL"})
    assert r.status_code == 400
    r = httpx.get(server + "/sparql", params={"query": "ASK { ?s ?p ?o }"})
    assert r.json()["boolean"] is True


@pytest.mark.parametrize("delay_s", [1.5, 3.0])
def test_sigterm_while_starting_still_stops(built_store_path: Path, delay_s: float) -> None:
    """Regression: a SIGTERM that reached an HTTP process while its app was still starting was
    missed by Granian, and that process served on forever (the test run hung at teardown)."""
    import os
    import signal
    import subprocess

    proc, _ = start_rarekg(built_store_path, "--no-build")
    time.sleep(delay_s)
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=10)
        pytest.fail(f"rarekg serve did not stop within 20 s of a SIGTERM {delay_s} s after start")


def test_serves_a_remote_backend(oxigraph_server) -> None:  # type: ignore[no-untyped-def]
    """`rarekg serve --backend URL`: one Granian process over a remote SPARQL server, same protocol."""
    import os
    import subprocess
    import sys

    from services import free_port

    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "rarekg.cli", "serve", "--backend", oxigraph_server.url,
                             "--port", str(port), "--no-build"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True, env={**os.environ, **oxigraph_server.env})
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(proc, base, 60)
        r = httpx.get(base + "/sparql", params={"query": "ASK {}"})
        assert r.status_code == 200 and r.json() == {"head": {}, "boolean": True}
        r = httpx.post(base + "/sparql", content="SELECT (1 AS ?one) {}",
                       headers={"Content-Type": "application/sparql-query", "Accept": "text/csv"})
        assert r.status_code == 200 and r.text.splitlines() == ["one", "1"]
        assert httpx.get(base + "/sparql", params={"query": "SELECT ?s WHERE { ?s ?p }"}).status_code == 400
    finally:
        stop_process(proc)


def test_default_process_count_follows_the_store_size(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two HTTP processes for the default graph; one past LARGE_STORE_TRIPLES, where each process
    holds about a gigabyte; a set value wins, and a bad one is named."""
    from pydantic import ValidationError

    from api.settings import LARGE_STORE_TRIPLES, Settings, default_processes

    assert default_processes(72_384) == 2 and default_processes(LARGE_STORE_TRIPLES) == 2
    assert default_processes(LARGE_STORE_TRIPLES + 1) == 1
    assert Settings().processes is None
    monkeypatch.setenv("RAREKG_PROCESSES", "3")
    assert Settings().processes == 3
    monkeypatch.setenv("RAREKG_PROCESSES", "0")
    with pytest.raises(ValidationError, match="processes"):
        Settings()


def test_recorded_triples_are_the_loaded_graphs_sizes(built_store) -> None:  # type: ignore[no-untyped-def]
    """The size the server sizes its layout by is what the build recorded, graph by graph."""
    from kg.core.provenance import recorded_triples
    from kg.core.vocab import META_GRAPH
    from kg.store.embedded import EmbeddedStore

    loaded = sum(built_store.count(g) for g in built_store.graphs() if g != META_GRAPH)
    assert recorded_triples(built_store) == loaded > 70_000
    assert recorded_triples(EmbeddedStore()) == 0
