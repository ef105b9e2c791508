"""Throughput of the rarekg endpoint against the Oxigraph server, same run, same data, loopback.

    .venv/bin/python bench/bench_endpoint.py --store /path/to/built/store [--seconds 10]

Dumps the store to N-Quads, bulk-loads it into a fresh ``oxigraph`` folder, starts
``oxigraph serve-read-only --union-default-graph`` and ``rarekg serve`` (Granian HTTP processes),
and drives each with 16 keep-alive connections for a bounded time on two queries: a point query
(the label of one entity) and a referral-sized query (the centres of one cancer domain). Neither
server sees the same query twice in a row: each request takes the next of many entity IRIs (the
point query) or the next of the ten domains (the referral query), the same list for both servers.
Prints requests/s, p50/p99 and the ratio rarekg / Oxigraph, and rarekg's ``/health`` (the floor
set by the HTTP layer alone). The load client is ``wrk`` with a Lua script when installed (apt
``wrk``), else an httpx+asyncio client (which needs a core of its own and so caps both servers lower).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import httpx

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
POINT = "SELECT ?label WHERE { <{iri}> <http://www.w3.org/2000/01/rdf-schema#label> ?label }"
REFERRAL = """PREFIX org: <http://www.w3.org/ns/org#>
PREFIX rkg: <https://w3id.org/rarekg/ontology/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX schema: <https://schema.org/>
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT ?centre ?name ?city ?country ?role ?source WHERE {
  ?m a org:Membership ; org:member ?centre ; rkg:coversDomain <{iri}> ;
     org:role ?role ; dcterms:source ?source .
  ?centre rdfs:label ?name .
  OPTIONAL { ?centre schema:addressLocality ?city }
  OPTIONAL { ?centre schema:addressCountry ?country }
} ORDER BY ?country ?name"""
CONNECTIONS = 16
#: how many entity IRIs the point query cycles through
POINT_IRIS = 2000
DOMAINS = [f"https://w3id.org/rarekg/domain/G{i}" for i in range(1, 11)]
#: wrk: each request takes the next path of the file given after ``--`` (one per line)
WRK_SCRIPT = """
local paths = {}
local i = 0
function init(args)
  for line in io.lines(args[1]) do paths[#paths + 1] = line end
  i = math.random(#paths)
end
function request()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(url: str, deadline_s: float = 60) -> None:
    t0 = time.monotonic()
    while time.monotonic() - t0 < deadline_s:
        try:
            httpx.get(url, params={"query": "ASK {}"}, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} not ready within {deadline_s} s")


def run_wrk(base: str, paths: list[str], seconds: float, work: Path) -> dict[str, float]:
    """wrk on ``base`` cycling through ``paths``."""
    (work / "paths.lua").write_text(WRK_SCRIPT)
    (work / "paths.txt").write_text("\n".join(paths) + "\n")
    out = subprocess.run(["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{int(seconds)}s", "--latency",
                          "-s", str(work / "paths.lua"),
                          "-H", "Accept: application/sparql-results+json", base, "--", str(work / "paths.txt")],
                         capture_output=True, text=True, check=True).stdout
    return wrk_figures(out)


def wrk_figures(out: str) -> dict[str, float]:
    """Requests/s, p50 and p99 (ms) and non-2xx/3xx answers from the text wrk --latency prints."""
    def ms(label: str) -> float:
        value, unit = re.search(rf"{label}%\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
            "p50": ms("50"), "p99": ms("99"), "errors": float(errors.group(1)) if errors else 0.0}


async def _httpx_load(base: str, paths: list[str], seconds: float) -> dict[str, float]:
    latencies: list[float] = []
    errors = 0
    stop_at = time.monotonic() + seconds
    counter = iter(range(10**12))

    async def one(client: httpx.AsyncClient) -> None:
        nonlocal errors
        while time.monotonic() < stop_at:
            t = time.perf_counter()
            r = await client.get(base + paths[next(counter) % len(paths)],
                                 headers={"Accept": "application/sparql-results+json"})
            latencies.append(time.perf_counter() - t)
            errors += r.status_code != 200

    limits = httpx.Limits(max_connections=CONNECTIONS, max_keepalive_connections=CONNECTIONS)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:
        t0 = time.monotonic()
        await asyncio.gather(*(one(client) for _ in range(CONNECTIONS)))
        elapsed = time.monotonic() - t0
    latencies.sort()
    return {"rps": len(latencies) / elapsed, "p50": latencies[len(latencies) // 2] * 1000,
            "p99": latencies[int(len(latencies) * 0.99)] * 1000, "errors": float(errors)}


def measure(url: str, paths: list[str], seconds: float, work: Path) -> dict[str, float]:
    """Load ``url`` (scheme and authority) cycling through ``paths`` for ``seconds``."""
    if shutil.which("wrk"):
        return run_wrk(url, paths, seconds, work)
    return asyncio.run(_httpx_load(url, paths, seconds))


def entity_iris(store: Path, limit: int) -> list[str]:
    """Up to ``limit`` IRIs that have a label in ``store`` (sorted, so both servers get the same)."""
    sys.path.insert(0, str(REPO))
    from kg.store.embedded import EmbeddedStore
    view = EmbeddedStore(store, read_only=True)
    rows = view.select(f"SELECT DISTINCT ?s WHERE {{ ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l . "
                       f"FILTER(isIRI(?s)) }} ORDER BY ?s LIMIT {limit}")
    view.close()
    return [row["s"].value for row in rows]


def query_paths(endpoint_path: str, template: str, iris: list[str]) -> list[str]:
    return [f"{endpoint_path}?{urlencode({'query': template.replace('{iri}', iri)})}" for iri in iris]


def start(cmd: list[str], env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True, env=env)


def stop(proc: subprocess.Popen[bytes]) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


def oxigraph_copy(store: Path, work: Path) -> Path:
    """The same data for the Oxigraph server: `rarekg export` of ``store``, bulk-loaded with
    `oxigraph load` into ``work/ox``, which is returned."""
    subprocess.run([str(BIN / "rarekg"), "export", "--store", str(store), "--out", str(work / "dump")],
                   check=True, capture_output=True)
    dump = next((work / "dump").glob("*.nq.gz"))
    subprocess.run(["gunzip", "-k", str(dump)], check=True)
    subprocess.run([str(BIN / "oxigraph"), "load", "--location", str(work / "ox"), "--file",
                    str(dump.with_suffix(""))], check=True, capture_output=True)
    return work / "ox"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--store", type=Path, required=True, help="a built rarekg store")
    ap.add_argument("--seconds", type=float, default=10, help="load time per server and query")
    ap.add_argument("--processes", type=int, default=2, help="rarekg HTTP processes")
    ap.add_argument("--rarekg", default=str(BIN / "rarekg"),
                    help="command that runs rarekg (e.g. another checkout's, to compare versions)")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="rarekg-bench-"))
    oxigraph_copy(args.store, work)
    iris = entity_iris(args.store, POINT_IRIS)
    ox_port, rk_port = free_port(), free_port()
    servers = {
        "oxigraph": (start([str(BIN / "oxigraph"), "serve-read-only", "--location", str(work / "ox"),
                            "--bind", f"127.0.0.1:{ox_port}", "--union-default-graph"]),
                     f"http://127.0.0.1:{ox_port}", "/query"),
        "rarekg": (start([*shlex.split(args.rarekg), "serve", "--store", str(args.store), "--port", str(rk_port),
                          "--no-build"], env={**os.environ, "RAREKG_PROCESSES": str(args.processes)}),
                   f"http://127.0.0.1:{rk_port}", "/sparql"),
    }
    client = "wrk" if shutil.which("wrk") else "httpx+asyncio"
    print(f"client {client}, {CONNECTIONS} connections, {args.seconds:g} s per run, rarekg with "
          f"{args.processes} HTTP processes; point query over {len(iris)} IRIs, referral over {len(DOMAINS)} domains")
    try:
        for _, base, path in servers.values():
            wait_ready(base + path)
        for qname, template, values in (("point", POINT, iris), ("referral", REFERRAL, DOMAINS)):
            results = {}
            for name, (_, base, path) in servers.items():
                paths = query_paths(path, template, values)
                measure(base, paths, 2, work)  # warm up
                results[name] = r = measure(base, paths, args.seconds, work)
                print(f"{qname:9} {name:9} {r['rps']:9.0f} req/s  p50 {r['p50']:7.2f} ms  "
                      f"p99 {r['p99']:7.2f} ms  errors {r['errors']:.0f}")
            print(f"{qname:9} ratio rarekg/oxigraph = {results['rarekg']['rps'] / results['oxigraph']['rps']:.2f}")
        r = measure(servers["rarekg"][1], ["/health"], args.seconds, work)
        print(f"{'health':9} {'rarekg':9} {r['rps']:9.0f} req/s  p50 {r['p50']:7.2f} ms  "
              f"p99 {r['p99']:7.2f} ms  errors {r['errors']:.0f}  (the HTTP layer alone)")
    finally:
        for proc, _, _ in servers.values():
            stop(proc)
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
