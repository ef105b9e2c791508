"""Memory of ``rarekg serve --backend`` (the web process over an Oxigraph server) while it answers
the REST questions, and the latency of the same questions over the embedded store.

    .venv/bin/python bench/bench_remote_memory.py --store STORE --work DIR [--calls 25] [--port-base 8680]

``STORE`` is a built on-disk store (e.g. ``python bench/synth.py build --dataset CORPUS --store STORE``
after ``python bench/synth.py corpus --scale 100``). Its published graphs are dumped as N-Quads into ``DIR`` and bulk
loaded into an Oxigraph server database (``oxigraph load``; both kept in ``DIR`` for the next run),
or with ``--share-store`` the server opens the store's live generation read-only (same engine
version, same files), served by the ``oxigraph`` command of PyPI's ``oxigraph`` package on
127.0.0.1:PORT_BASE. Then, one
after the other and never together (two cores), two web processes answer the same bounded list of
REST and FHIR calls:

1. ``rarekg serve --backend http://127.0.0.1:PORT_BASE/`` on PORT_BASE+1 (what the issue bounds:
   at scale 100 the web process stays under 1 GB);
2. ``rarekg serve --store STORE`` on PORT_BASE+2 (the embedded store, query workers included).

A sampler sums the resident memory (VmRSS) of each ``rarekg serve`` process tree every 0.1 s from
start (its start-up reads included) to stop; each process's own peak is its VmHWM. Every call is a
first call (distinct ids, so no answer comes from the response cache); each kind's p50 is printed
for both stores with the ratio remote / embedded. Servers are stopped by PID.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

import _common  # noqa: F401  (puts the repository and tests/ on sys.path)
import httpx
from _common import table
from bench_serve import tree
from services import oxigraph_binary

from kg.store.embedded import EmbeddedStore


def prepare_server_db(store_path: Path, work: Path, binary: str, share: bool = False) -> Path:
    """``work/oxdb``: an Oxigraph server database holding the store's published graphs (made once);
    with ``share``, the store's live generation itself (the same engine and files, opened read-only
    by the server: no copy, minutes saved at scale 100)."""
    if share:
        from kg.store import generations
        return generations.live_dir(store_path, create=False)
    db = work / "oxdb"
    if (db / "CURRENT").exists():
        return db
    dump = work / "graph.nq"
    if not dump.exists():
        store = EmbeddedStore(store_path, read_only=True)
        with dump.open("wb") as out:
            store.dump(out, "nquads")
        store.close()
    subprocess.run([binary, "load", "--lenient", "--location", str(db), "--file", str(dump)], check=True)
    return db


def start(cmd: list[str], log: Path, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
                                env={**os.environ, **(env or {})})


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop a process we started (its whole session, by its PID)."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)


def wait_ready(proc: subprocess.Popen[bytes], url: str, deadline_s: float) -> float:
    t0 = time.monotonic()
    while time.monotonic() - t0 < deadline_s:
        if proc.poll() is not None:
            raise RuntimeError(f"{url}: the server exited with {proc.returncode}")
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return time.monotonic() - t0
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{url} not ready after {deadline_s} s")


class Sampler(threading.Thread):
    """The summed VmRSS of a process tree every 0.1 s, and each process's VmHWM, until stopped."""

    def __init__(self, root: int) -> None:
        super().__init__(daemon=True)
        self.root, self.peak_tree, self.peaks, self.done = root, 0.0, {}, threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            procs = tree(self.root)
            self.peak_tree = max(self.peak_tree, sum(rss for rss, _, _ in procs.values()))
            for pid, (_, hwm, role) in procs.items():
                self.peaks[pid] = (max(hwm, self.peaks.get(pid, (0.0, ""))[0]), role)
            self.done.wait(0.1)


def calls(store_path: Path, n: int, seed: int = 7) -> list[tuple[str, str]]:
    """(kind, path) of the bounded call list: ``n`` distinct ids per kind, chosen at random."""
    from api.rest.ids import entity_id, local_id

    store = EmbeddedStore(store_path, read_only=True)
    try:
        def nodes(sparql: str) -> list[str]:
            return [r["x"].value for r in store.select(sparql)]
        entities = nodes("SELECT DISTINCT ?x WHERE { ?x rdfs:subClassOf ?y ; rkg:orphaCode ?c }")
        studied = nodes("SELECT DISTINCT ?x WHERE { ?t rkg:studiesEntity ?x }")
        centres = nodes("SELECT ?x WHERE { ?x a rkg:HealthcareProvider }")
        trials = nodes("SELECT ?x WHERE { ?x a rkg:ClinicalTrial }")
        pubs = nodes("SELECT ?x WHERE { ?x a rkg:Publication } LIMIT 200000")
        labels = [r["l"].value for r in store.select(
            "SELECT ?l WHERE { ?x rkg:orphaCode ?c ; rdfs:label ?l } LIMIT 2000")]
    finally:
        store.close()
    rnd = random.Random(seed)

    def some(xs: list[str], k: int = n) -> list[str]:
        return rnd.sample(sorted(xs), min(k, len(xs)))
    out = [("entity", f"/api/v1/entities/{entity_id(e)}") for e in some(entities)]
    out += [("entity trials", f"/api/v1/entities/{entity_id(e)}/trials") for e in some(studied)]
    out += [("entity search", "/api/v1/entities?q=" + quote(label.split()[0][:6])) for label in some(labels)]
    out += [("centre", f"/api/v1/centres/{local_id(c, 'centre')}") for c in some(centres)]
    out += [("trial", f"/api/v1/trials/{local_id(t, 'trial')}") for t in some(trials)]
    out += [("publication", f"/api/v1/publications/{quote(local_id(p, 'publication'))}") for p in some(pubs)]
    out += [("fhir read", f"/fhir/ResearchStudy/{local_id(t, 'trial')}") for t in some(trials, n // 2)]
    out += [("fhir read", f"/fhir/Organization/{local_id(c, 'centre')}") for c in some(centres, n // 2)]
    out += [("referral", f"/api/v1/entities/{entity_id(e)}/centres?country=FR") for e in some(studied, n // 2)]
    countries = ["FR", "DE", "IT", "ES", "NL", "BE", "PL", "SE", "AT", "PT", "CZ", "DK", "FI", "IE", "GR", "HU"]
    out += [("list", f"/api/v1/trials?country={c}&limit=50") for c in countries[: max(2, n // 4)]]
    out += [("list", f"/api/v1/centres?country={c}") for c in countries[: max(2, n // 4)]]
    out += [("whole graph", p) for p in ("/api/v1/stats", "/api/v1/domains", "/api/v1/coverage",
                                         "/api/v1/trials?status=open", "/fhir/HealthcareService",
                                         "/fhir/ResearchStudy?status=active", "/api/v1/entities?domain=G1")]
    return out


def drive(base: str, todo: list[tuple[str, str]]) -> dict[str, list[float]]:
    """Milliseconds of each call, by kind (one client, one call at a time). A non-2xx/3xx answer fails."""
    times: dict[str, list[float]] = {}
    with httpx.Client(base_url=base, timeout=600) as client:
        for kind, path in todo:
            t0 = time.perf_counter()
            r = client.get(path)
            times.setdefault(kind, []).append((time.perf_counter() - t0) * 1000)
            if r.status_code >= 400 and r.status_code != 404:
                raise RuntimeError(f"{base}{path}: HTTP {r.status_code} {r.text[:300]}")
    return times


def serve_and_drive(cmd: list[str], base: str, log: Path, todo: list[tuple[str, str]],
                    env: dict[str, str] | None = None) -> dict[str, object]:
    proc = start(cmd, log, env)
    sampler = Sampler(proc.pid)
    sampler.start()
    try:
        ready = wait_ready(proc, base + "/health", 3600)
        t0 = time.perf_counter()
        times = drive(base, todo)
        driven = time.perf_counter() - t0
    finally:
        sampler.done.set()
        sampler.join()
        stop(proc)
    http = max((hwm for hwm, role in sampler.peaks.values() if role == "HTTP process"), default=0.0)
    parent = max((hwm for hwm, role in sampler.peaks.values() if role.startswith("parent")), default=0.0)
    return {"ready_s": ready, "drive_s": driven, "times": times, "tree_peak_mb": sampler.peak_tree,
            "http_peak_mb": http, "parent_peak_mb": parent, "peaks": sampler.peaks}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--calls", type=int, default=25, help="distinct ids per kind of question")
    parser.add_argument("--port-base", type=int, default=8680)
    parser.add_argument("--cli", default="rarekg.cli",
                        help="the module of the rarekg command (kg.cli for a checkout from before issue #19's relayout)")
    parser.add_argument("--remote-only", action="store_true", help="measure the web process over the server only")
    parser.add_argument("--share-store", action="store_true",
                        help="the Oxigraph server opens the store's live generation read-only (no dump, no load)")
    args = parser.parse_args()
    binary = oxigraph_binary()
    if binary is None:
        sys.exit("the oxigraph server is not installed (pip install oxigraph)")
    args.work.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    db = prepare_server_db(args.store, args.work, binary, args.share_store)
    print(f"server database ready in {time.perf_counter() - t0:.1f} s: {db}", flush=True)
    todo = calls(args.store, args.calls)
    print(f"{len(todo)} calls per store", flush=True)
    ox_port, remote_port, embedded_port = args.port_base, args.port_base + 1, args.port_base + 2
    server = start([binary, "serve-read-only", "--location", str(db), "--bind", f"127.0.0.1:{ox_port}"],
                   args.work / "oxigraph.log")
    try:
        wait_ready(server, f"http://127.0.0.1:{ox_port}/query?query=ASK%7B%7D", 120)
        rarekg = [sys.executable, "-m", args.cli, "serve", "--host", "127.0.0.1", "--no-build"]
        remote = serve_and_drive(rarekg + ["--backend", f"http://127.0.0.1:{ox_port}/", "--port", str(remote_port)],
                                 f"http://127.0.0.1:{remote_port}", args.work / "remote.log", todo,
                                 {"RAREKG_BACKEND_KIND": "oxigraph"})
    finally:
        stop(server)
    print(f"remote: ready in {remote['ready_s']:.1f} s, {len(todo)} calls in {remote['drive_s']:.1f} s, HTTP process "
          f"peak {remote['http_peak_mb']:.0f} MB, tree peak {remote['tree_peak_mb']:.0f} MB", flush=True)
    if args.remote_only:
        return
    embedded = serve_and_drive(rarekg + ["--store", str(args.store), "--port", str(embedded_port)],
                               f"http://127.0.0.1:{embedded_port}", args.work / "embedded.log", todo)
    print()
    print(table(["web process", "ready s", "calls s", "HTTP process peak MB (VmHWM)", "parent peak MB",
                 "tree peak MB (sampled)"],
                [[name, r["ready_s"], r["drive_s"], r["http_peak_mb"], r["parent_peak_mb"], r["tree_peak_mb"]]
                 for name, r in (("remote (Oxigraph server)", remote), ("embedded", embedded))]))
    print()
    rows = []
    import statistics
    for kind in remote["times"]:
        rt, et = remote["times"][kind], embedded["times"][kind]   # type: ignore[index]
        r50, e50 = statistics.median(rt), statistics.median(et)
        rows.append([kind, len(rt), e50, r50, r50 / e50 if e50 else float("nan"), max(et), max(rt)])
    print(table(["question", "calls", "embedded p50 ms", "remote p50 ms", "ratio remote/embedded",
                 "embedded max ms", "remote max ms"], rows))


if __name__ == "__main__":
    main()
