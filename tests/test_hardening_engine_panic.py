"""pyoxigraph's ORDER BY panic (issue #15, finding 11): the upstream failure recorded as a test, and
the server's answer to a query that makes its engine panic.

The reproduction is tests/fixtures/upstream/oxigraph_order_by_panic.py; the report ready to file
upstream is docs/upstream/oxigraph-order-by-total-order-panic.md. When an engine upgrade fixes it,
the two upstream tests fail with "upstream fixed": then drop them, and keep the worker-replacement
test (an engine may panic on other queries)."""

from __future__ import annotations

import concurrent.futures
import importlib.util
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from services import serving

REPRO = Path(__file__).parent / "fixtures" / "upstream" / "oxigraph_order_by_panic.py"
PANIC = "does not correctly implement a total order"
UPSTREAM_FIXED = ("upstream fixed: pyoxigraph {version} no longer {what}; remove this upstream test and "
                  "docs/upstream/oxigraph-order-by-total-order-panic.md")


def repro_triples(name: str = "triples") -> list[ox.Triple]:
    spec = importlib.util.spec_from_file_location("oxigraph_order_by_panic", REPRO)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, name)()  # type: ignore[no-any-return]


def test_upstream_order_by_is_not_a_total_order() -> None:
    """The root cause on three values: ORDER BY's comparison has a cycle 9 < 10.5 < "5" < 9."""
    store = ox.Store()

    def order(values: str) -> list[str]:
        return [r["o"].value for r in store.query(f"SELECT ?o WHERE {{ VALUES ?o {{ {values} }} }} ORDER BY ?o")]
    pairs = [order("9 10.5"), order('10.5 "5"'), order('"5" 9')]
    if pairs != [["9", "10.5"], ["10.5", "5"], ["5", "9"]]:
        pytest.fail(UPSTREAM_FIXED.format(version=ox.__version__, what=f"orders in a cycle ({pairs})"))


def test_upstream_order_by_panic_still_aborts_the_process() -> None:
    """The 42-triple reproduction still aborts the process that runs it (run in a subprocess)."""
    run = subprocess.run([sys.executable, str(REPRO)], check=False, capture_output=True, text=True, timeout=120)
    if run.returncode == 0:
        pytest.fail(UPSTREAM_FIXED.format(version=ox.__version__, what="panics on the reproduction"))
    assert PANIC in run.stderr, run.stderr[-2000:]
    assert run.returncode < 0 or run.returncode == 134, run.returncode   # an abort, not an exception


@pytest.fixture(scope="module")
def panic_server(built_store_path: Path, tmp_path_factory: pytest.TempPathFactory):
    """A copy of the built store with triples the engine panics on in a graph of their own, served
    by one HTTP process with two query workers."""
    copy = tmp_path_factory.mktemp("panic") / "store"
    shutil.copytree(built_store_path, copy)
    from kg.store.embedded import EmbeddedStore
    store = EmbeddedStore(copy)
    store.replace_graph(ox.NamedNode(GRAPH), repro_triples("on_disk_triples"))
    store.close()
    yield from serving(copy, "--no-build", env={"RAREKG_PROCESSES": "1"})


GRAPH = "https://w3id.org/rarekg/graph/panic-repro"
PANICKING = f"SELECT ?o WHERE {{ GRAPH <{GRAPH}> {{ ?s ?p ?o }} }} ORDER BY ?o"
NORMAL = "SELECT (COUNT(*) AS ?n) WHERE { ?d a rkg:CancerDomain }"


def test_panicking_query_is_answered_and_its_worker_replaced(panic_server: str) -> None:
    before = httpx.get(panic_server + "/health").json()
    assert len(before["query_worker_pids"]) == 2
    with httpx.Client(timeout=60) as client, concurrent.futures.ThreadPoolExecutor(4) as pool:
        others = [pool.submit(client.get, panic_server + "/sparql", params={"query": NORMAL}) for _ in range(30)]
        answer = client.get(panic_server + "/sparql", params={"query": PANICKING})
        more = [pool.submit(client.get, panic_server + "/sparql", params={"query": NORMAL}) for _ in range(30)]
        answered = [f.result() for f in others + more]
    assert answer.status_code == 500, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    body = answer.json()
    assert body["title"] == "Query engine failure" and "failed on this query" in body["detail"]
    assert "total order" in body["detail"] and "replaced" in body["detail"]
    assert all(r.status_code == 200 and r.json()["results"]["bindings"][0]["n"]["value"] == "10"
               for r in answered), [r.text[:200] for r in answered if r.status_code != 200]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        health = httpx.get(panic_server + "/health").json()
        if len(health["query_worker_pids"]) == 2:
            break
        time.sleep(0.3)
    assert len(health["query_worker_pids"]) == 2 and health["replaced_workers"] == before["replaced_workers"] + 1
    assert set(health["query_worker_pids"]) != set(before["query_worker_pids"])
