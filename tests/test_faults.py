"""Crash safety of a build: ``rarekg build`` killed with SIGKILL at named points (kg/store/faults.py).

After each kill the store must still answer (``rarekg stats``, a query) and publish exactly the
graphs it held before the build or exactly those of the finished build: never a mix, never a loss.
The published graphs are compared as sorted N-Quads without the provenance graph (whose times
differ between builds); the few quads with blank nodes, whose labels each build mints afresh, are
compared after canonical relabelling (pyoxigraph's RDF dataset canonicalisation).
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.core.vocab import META_GRAPH
from kg.store import faults
from kg.store.embedded import EmbeddedStore

#: (fault point, what readers must see after the kill there)
POINTS = [
    ("build-started", "old"),
    ("bulk-load", "old"),
    ("source:euracan", "old"),
    ("source:orphanet", "old"),
    ("inferred", "old"),
    ("graphs-stored", "old"),
    ("carried-over", "old"),
    ("live-pointer-written", "old"),
    ("live-renamed", "new"),
    ("switched", "new"),
    ("optimize", "new"),
]


def rarekg(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "rarekg.cli", *args], check=False, capture_output=True, text=True,
                          timeout=900, env={**os.environ, **(env or {})})


def published(path: Path) -> tuple[list[str], list[str]]:
    """(sorted N-Quads of the published graphs without meta and blank nodes, the blank-node quads
    canonically relabelled and sorted), read as a server reads the store."""
    store = EmbeddedStore(path, read_only=True)
    try:
        buf = io.BytesIO()
        store.dump(buf, "nquads")
    finally:
        store.close()
    meta = f"{META_GRAPH} .".encode()
    lines = [line for line in buf.getvalue().splitlines() if not line.endswith(meta)]
    plain = sorted(line.decode() for line in lines if b"_:" not in line)
    blank = ox.Dataset(ox.parse(b"\n".join(line for line in lines if b"_:" in line), ox.RdfFormat.N_QUADS))
    blank.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return plain, sorted(str(q) for q in blank)


@pytest.fixture(scope="module")
def old_store(built_store_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built default store with the labels of the EURACAN graph removed: a build of the default
    dataset changes it back, so the old and the new published graphs differ."""
    path = tmp_path_factory.mktemp("old") / "store"
    shutil.copytree(built_store_path, path)
    store = EmbeddedStore(path)
    store.update("DELETE WHERE { GRAPH <https://w3id.org/rarekg/graph/euracan> { ?s rdfs:label ?l } }")
    store.close()
    return path


def test_fault_points_are_harmless_when_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(faults.ENV, raising=False)
    for point, _ in POINTS:
        faults.reached(point)
        with faults.during(point):
            pass
    monkeypatch.setenv(faults.ENV, "some-other-point")
    faults.reached("build-started")


def test_build_killed_at_each_point_leaves_the_old_or_the_new_graph(
        built_store_path: Path, old_store: Path, tmp_path: Path) -> None:
    old, new = published(old_store), published(built_store_path)
    assert old != new and len(old[0]) < len(new[0])
    store = tmp_path / "store"
    for point, expected in POINTS:
        shutil.rmtree(store, ignore_errors=True)
        shutil.copytree(old_store, store)
        proc = rarekg("build", "--store", str(store), env={faults.ENV: point})
        assert proc.returncode == -9, f"{point}: the build was not killed there (exit {proc.returncode}):\n" \
                                      + proc.stderr[-2000:]
        stats = rarekg("stats", "--store", str(store))
        assert stats.returncode == 0 and "graph/euracan" in stats.stdout, f"{point}: {stats.stderr}"
        query = rarekg("query", "--store", str(store), "-e", "ASK { ?c a rkg:HealthcareProvider }")
        assert query.returncode == 0 and query.stdout.strip() == "true", f"{point}: {query.stderr}"
        seen = published(store)
        assert seen == (old if expected == "old" else new), f"killed at {point}: not the {expected} graph"
    # the store of the last kill builds again, and the leftovers of the killed builds are gone
    proc = rarekg("build", "--store", str(store))
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert published(store) == new
    assert len([p for p in store.iterdir() if p.name.startswith("gen-")]) <= 2
    assert not [p for p in store.iterdir() if p.name.startswith(".live-")]
