"""The embedded store against the Oxigraph server and Virtuoso 7 on the same queries, same run.

    .venv/bin/python bench/bench_backends.py [--data DIR --synthetic] [--runs 50] [--budget 5]

Builds the same graph (the default dataset, or a ``bench/synth.py corpus`` corpus) into an on-disk embedded
store and, through :class:`kg.store.remote.RemoteStore`, into a fresh Oxigraph server and a fresh
Virtuoso (both started from temporary folders on 127.0.0.1 by ``tests/services.py`` and stopped by
PID), then times every query of ``queries/`` with its example parameters on each, as a Python
caller of :class:`kg.store.graphstore.GraphStore` sees it (so the remote figures include HTTP and parsing).
A backend whose binary is missing is left out with a note.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import _common  # noqa: F401
import services
import synth
from _common import p50_p99, table, timed_runs

from kg.core.errors import RarekgError
from kg.core.ontology import DATA_DIR
from kg.store import queries
from kg.store.embedded import EmbeddedStore
from kg.store.graphstore import GraphStore
from kg.store.remote import open_backend
from rarekg.build import DEFAULT_SOURCES, build


def cases() -> list[tuple[str, dict[str, str]]]:
    out = []
    for name, q in sorted(queries.library().items()):
        example = next((e for e in q.examples if e.strip()), "")
        out.append((name, dict(p.split("=", 1) for p in example.split()) if example else {}))
    return out


def measure(store: GraphStore, runs: int, budget_s: float) -> dict[str, tuple[float, float] | str]:
    out: dict[str, tuple[float, float] | str] = {}
    for name, params in cases():
        q = queries.get(name)
        bindings = q.bind(params)
        try:
            out[name] = p50_p99(timed_runs(lambda i, q=q, b=bindings: store.select(q.text, b),
                                                runs=runs, budget_s=budget_s))
        except RarekgError as exc:
            out[name] = f"error: {str(exc)[:60]}"
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DATA_DIR)
    parser.add_argument("--synthetic", action="store_true", help="--data is a `bench/synth.py corpus` corpus")
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--budget", type=float, default=5.0)
    args = parser.parse_args()
    sources = synth.sources() if args.synthetic else DEFAULT_SOURCES
    work = Path(tempfile.mkdtemp(prefix="rarekg-bench-backends-"))
    started: list[services.Service] = []
    results: dict[str, dict[str, tuple[float, float] | str]] = {}
    builds: dict[str, tuple[float, int]] = {}
    try:
        stores: dict[str, GraphStore] = {"embedded": EmbeddedStore(work / "embedded")}
        for kind, binary, start in (("oxigraph", services.oxigraph_binary(), services.start_oxigraph),
                                    ("virtuoso", services.virtuoso_binary(), services.start_virtuoso)):
            if binary is None:
                print(f"note: {kind} is not installed; left out")
                continue
            service = start(work / kind, binary)
            started.append(service)
            stores[kind] = open_backend(service.url, **{k.removeprefix("RAREKG_BACKEND_").lower(): v
                                                        for k, v in service.env.items() if k != "RAREKG_BACKEND"})
        for kind, store in stores.items():
            t0 = time.perf_counter()
            build(store, args.data, sources=sources)
            builds[kind] = (time.perf_counter() - t0, store.count())
            results[kind] = measure(store, args.runs, args.budget)
    finally:
        for service in started:
            service.stop()
        shutil.rmtree(work, ignore_errors=True)
    kinds = list(results)
    print(table(["backend", "build s", "triples"], [[k, builds[k][0], builds[k][1]] for k in kinds]))
    print()
    rows = []
    for name, _ in cases():
        row: list[object] = [name]
        for k in kinds:
            v = results[k][name]
            row.append(v if isinstance(v, str) else f"{v[0]:.2f} / {v[1]:.2f}")
        rows.append(row)
    print(table(["query (p50 / p99 ms)", *kinds], rows))


if __name__ == "__main__":
    main()
