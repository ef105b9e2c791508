"""Where the time of one SPARQL request goes, layer by layer, in one process (no load generator).

    .venv/bin/python bench/profile_endpoint.py --store /path/to/built/store [--runs 3000]

Times the same point query (one request at a time, microseconds per request, median of 5 rounds):
the query alone through ``GraphStore.query`` and serialisation (what a query worker does), the
round trip through a query worker process, the lean ASGI path of :mod:`api.fast` and the full
FastAPI app, both driven as ASGI apps without a network. The HTTP server's own cost is measured
by ``bench_endpoint.py --health`` (throughput of ``/health``). Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from _common import table

from api.app import create_app
from api.fast import with_fast_path
from api.limits import ProcessRunner
from api.query_job import QueryJob, execute
from api.settings import Settings
from kg.store.embedded import EmbeddedStore

POINT = ("SELECT ?n WHERE { <https://w3id.org/rarekg/domain/G7> "
         "<http://www.w3.org/2004/02/skos/core#notation> ?n }")


def per_call_us(run: Callable[[], Any], runs: int) -> float:
    """Median over 5 rounds of the mean microseconds per call."""
    rounds = []
    for _ in range(5):
        t0 = time.perf_counter()
        for _ in range(runs):
            run()
        rounds.append((time.perf_counter() - t0) / runs * 1e6)
    return statistics.median(rounds)


async def per_call_us_async(run: Callable[[], Awaitable[Any]], runs: int) -> float:
    rounds = []
    for _ in range(5):
        t0 = time.perf_counter()
        for _ in range(runs):
            await run()
        rounds.append((time.perf_counter() - t0) / runs * 1e6)
    return statistics.median(rounds)


def asgi_request(app: Any, query: str) -> Callable[[], Awaitable[None]]:
    """One GET /sparql?query=... through ``app``; fails unless it answers 200."""
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
             "scheme": "http", "path": "/sparql", "raw_path": b"/sparql", "root_path": "",
             "query_string": urlencode({"query": query}).encode(), "server": ("127.0.0.1", 80),
             "client": ("127.0.0.1", 5000), "headers": [(b"host", b"127.0.0.1"),
                                                       (b"accept", b"application/sparql-results+json")]}

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start" and message["status"] != 200:
            raise RuntimeError(f"status {message['status']}")

    async def run() -> None:
        await app(dict(scope), receive, send)
    return run


async def profile(store_path: Path, runs: int) -> list[list[object]]:
    store = EmbeddedStore(store_path, read_only=True)
    settings = Settings(store=store_path, query_workers=1)
    job = QueryJob(POINT, None, None, "json", "turtle", settings.max_rows)
    rows: list[list[object]] = []
    query_us = per_call_us(lambda: execute(store, job), runs)
    rows.append(["query + serialisation (GraphStore.query, api.results)", query_us, query_us])
    runner = ProcessRunner(store_path, 1, 30)
    await runner.start()
    await runner.run(job)
    ipc_us = await per_call_us_async(lambda: runner.run(job), runs)
    rows.append(["+ round trip to a query worker process", ipc_us, ipc_us - query_us])
    await runner.close()
    app = create_app(store, settings)
    async with app.router.lifespan_context(app):
        fast = with_fast_path(app)
        await asgi_request(fast, POINT)()
        fast_us = await per_call_us_async(asgi_request(fast, POINT), runs)
        rows.append(["+ lean ASGI path (api.fast: parsing, negotiation, response)", fast_us, fast_us - ipc_us])
        full_us = await per_call_us_async(asgi_request(app, POINT), runs)
        rows.append(["instead: full FastAPI app (middleware, routing, dependencies)", full_us, full_us - ipc_us])
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--store", type=Path, required=True, help="a built rarekg store")
    ap.add_argument("--runs", type=int, default=3000, help="requests per round (5 rounds)")
    args = ap.parse_args()
    rows = asyncio.run(profile(args.store, args.runs))
    print(table(["layer (one request at a time, point query)", "µs per request", "this layer µs"], rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
