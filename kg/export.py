"""Dumps of the store: gzip N-Quads or TriG of every published graph, or Turtle per graph, with a
manifest (size, SHA-256, licence, version). Files are written beside their final name and renamed,
so a failed export never leaves a half-written dump under the final name."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

from kg import __version__
from kg.errors import QueryError
from kg.provenance import sha256_file
from kg.store import GraphStore
from kg.vocab import BASE

LICENSE_NOTE = ("Graph compiled by rarekg; each named graph keeps its source's licence (Orphanet and "
                "OncoTree data CC BY 4.0; see graph/meta for attribution of every load).")


def export(store: GraphStore, out_dir: Path, fmt: str = "nquads") -> list[Path]:
    """Write dumps into ``out_dir``; returns the files written (manifest last).

    Raises QueryError for an unknown format."""
    if fmt not in ("nquads", "trig", "turtle"):
        raise QueryError(f"unknown export format {fmt!r}; use nquads, trig or turtle")
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    if fmt in ("nquads", "trig"):
        path = out_dir / f"rarekg-{__version__}.{'nq' if fmt == 'nquads' else 'trig'}.gz"
        _atomic_write(path, lambda fh: store.dump(fh, fmt), compress=True)
        written.append(path)
    else:
        for graph in store.graphs():
            name = graph.value.removeprefix(BASE + "graph/").replace("/", "_")
            path = out_dir / f"rarekg-{__version__}-{name}.ttl"
            _atomic_write(path, lambda fh, g=graph: store.dump(fh, "turtle", g), compress=False)
            written.append(path)
    manifest = out_dir / "manifest.json"
    entries = [{"file": p.name, "bytes": p.stat().st_size, "sha256": sha256_file(p), "format": fmt,
                "version": __version__, "license": LICENSE_NOTE} for p in written]
    _atomic_write(manifest, lambda fh: fh.write(json.dumps(entries, indent=2).encode() + b"\n"), compress=False)
    return [*written, manifest]


def _atomic_write(path: Path, write, compress: bool) -> None:  # type: ignore[no-untyped-def]
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        if compress:  # mtime=0: the same graph gives the same bytes (reproducible dumps)
            with tmp.open("wb") as raw, gzip.GzipFile(filename="", fileobj=raw, mode="wb", compresslevel=6, mtime=0) as fh:
                write(fh)
        else:
            with tmp.open("wb") as fh:
                write(fh)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
