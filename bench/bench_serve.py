"""Memory of the whole ``rarekg serve`` process tree over a built store, and the first-call times
of the whole-graph answers, under a bounded load.

    .venv/bin/python bench/bench_serve.py --store STORE [--processes N] [--rounds 6]

The server starts with its default settings (or ``--processes``); a sampler sums the resident
memory (VmRSS) of the parent, the HTTP processes and their query workers every 0.1 s. Once it is
ready, every whole-graph REST answer, the service description and VoID are asked twice (first
call, then from the response cache), then broad SPARQL queries from 4 clients load every query
worker. Printed: ready time, the sampled peak and the final RSS of the tree, each process's peak
(VmHWM; their sum bounds the tree's peak from above), and the call times. Target (issue #8):
at most 2 GB at scale 100.
"""

from __future__ import annotations

import argparse
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import _common  # noqa: F401  (puts the repository and tests/ on sys.path)
import httpx
from _common import peak_rss_mb, rss_mb, table
from services import start_rarekg, stop_process, wait_ready

WHOLE_GRAPH = ["/api/v1/trials", "/api/v1/trials?status=open&country=FR", "/api/v1/centres", "/api/v1/domains",
               "/api/v1/stats", "/api/v1/coverage", "/fhir/HealthcareService", "/api/v1/trials/NOPE",
               "/api/v1/publications/NOPE", "/api/v1/centres/NOPE", "/api/v1/entities/ORPHA:44890/centres",
               "/sparql", "/.well-known/void"]
BROAD = ["SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
         "SELECT ?s ?l WHERE { ?s a rkg:Publication ; rdfs:label ?l } LIMIT 50000",
         "SELECT ?t ?l WHERE { ?t a rkg:ClinicalTrial ; rdfs:label ?l ; rkg:hasSite ?x } LIMIT 50000",
         "SELECT ?e ?p WHERE { ?e rkg:aboutProvider ?p ; rkg:aboutEntity ?x } LIMIT 100000"]


ROLES = ("parent (rarekg serve)", "HTTP process", "query worker")


def tree(root: int) -> dict[int, tuple[float, float, str]]:
    """``pid -> (RSS MB, peak MB, role)`` of ``root`` and its descendants."""
    pids, depth, out, i = [root], {root: 0}, {}, 0
    while i < len(pids):
        try:
            children = [int(k) for k in Path(f"/proc/{pids[i]}/task/{pids[i]}/children").read_text().split()]
        except OSError:
            children = []
        depth.update((c, depth[pids[i]] + 1) for c in children)
        pids += children
        i += 1
    for pid in pids:
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_text()
            role = "resource tracker" if "resource_tracker" in cmd else ROLES[min(depth[pid], 2)]
            out[pid] = (rss_mb(pid), peak_rss_mb(pid), role)
        except (OSError, RuntimeError):   # the process ended meanwhile (a zombie's status has no VmRSS)
            continue
    return out


def total_rss(processes: dict[int, tuple[float, float, str]]) -> float:
    """The summed RSS (MB) of a :func:`tree`."""
    return sum(rss for rss, _, _ in processes.values())


class Sampler(threading.Thread):
    """The largest summed RSS of a process tree, sampled every 0.1 s."""

    def __init__(self, root: int) -> None:
        super().__init__(daemon=True)
        self.root, self.peak, self.done = root, 0.0, threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            self.peak = max(self.peak, total_rss(tree(self.root)))
            time.sleep(0.1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--store", type=Path, required=True, help="a built on-disk store")
    parser.add_argument("--processes", type=int, help="RAREKG_PROCESSES (default: the server's own)")
    parser.add_argument("--rounds", type=int, default=6, help="rounds of the broad queries (bounded load)")
    args = parser.parse_args()
    env = {"RAREKG_PROCESSES": str(args.processes)} if args.processes else {}
    t0 = time.monotonic()
    proc, base = start_rarekg(args.store, "--no-build", env=env)
    sampler = Sampler(proc.pid)
    sampler.start()
    rows = []
    try:
        wait_ready(proc, base, 1800)
        ready = time.monotonic() - t0
        with httpx.Client(base_url=base, timeout=600) as client:
            for path in WHOLE_GRAPH:
                times = []
                for _ in range(2):
                    t1 = time.perf_counter()
                    status = client.get(path, headers={"Accept": "text/turtle"} if path == "/sparql" else {}).status_code
                    times.append(time.perf_counter() - t1)
                rows.append([path, status, f"{times[0]:.2f}", f"{times[1] * 1000:.1f}"])
        after_rest = total_rss(tree(proc.pid))

        def broad(query: str) -> int:
            with httpx.Client(base_url=base, timeout=600) as c:
                return c.post("/sparql", data={"query": query}, headers={"Accept": "application/sparql-results+json"}).status_code
        with ThreadPoolExecutor(4) as pool:
            statuses = list(pool.map(broad, BROAD * args.rounds))
        final = tree(proc.pid)
        sampler.peak = max(sampler.peak, total_rss(final))
    finally:
        sampler.done.set()
        stop_process(proc)
    print(table(["request", "status", "first call s", "second call ms"], rows))
    print(f"\nbroad queries: {len(statuses)} answered, statuses {sorted(set(statuses))}")
    print(table(["process", "RSS MB", "peak MB"],
                [[role, f"{rss:.0f}", f"{peak:.0f}"] for rss, peak, role in final.values()]))
    print(f"\nready after {ready:.0f} s; tree RSS after the REST calls {after_rest:.0f} MB, after the broad queries "
          f"{sum(r for r, _, _ in final.values()):.0f} MB; sampled peak {sampler.peak:.0f} MB; sum of the processes' "
          f"peaks {sum(p for _, p, _ in final.values()):.0f} MB (target: at most 2048 MB at scale 100)")


if __name__ == "__main__":
    main()
