"""Dumps of the store: gzip N-Quads or TriG of every published graph, or Turtle per graph, with a
manifest (size, SHA-256, licence, version). Files are written beside their final name and renamed,
so a failed export never leaves a half-written dump under the final name.

:func:`export_once` keeps one folder of dumps per store state for the HTTP ``/downloads``: written
once, by one process at a time (an ``fcntl`` lock file in the downloads folder, shared by every
process serving the store), into a temporary folder renamed into place when complete; the folders
of older states are pruned, keeping the previous one for the readers still on it.
"""

from __future__ import annotations

import contextlib
import fcntl
import gzip
import json
import os
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from kg import __version__
from kg.core.errors import QueryError, StoreError
from kg.core.provenance import sha256_file
from kg.core.vocab import BASE
from kg.store.graphstore import GraphStore

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


#: the lock file of a downloads folder; its holder is the one process writing dumps there
LOCK_FILE = ".lock"
#: state folders kept: the current one and the previous one
KEEP_STATES = 2


class ExportBusy(StoreError):
    """Another process (or thread) is writing the dumps of a downloads folder; try again later."""


def export_once(root: Path, key: str, write: Callable[[Path], None], *, wait: bool = False) -> Path:
    """The folder ``root/key`` of a store state's dumps, written by ``write(folder)`` unless it exists.

    At most one writer at a time across processes: the one holding ``root/.lock``. ``write`` fills
    a temporary folder, renamed to ``root/key`` once complete, so the folder is whole or absent;
    then the folders of other states are pruned but for the newest one (:data:`KEEP_STATES`).
    A state whose export failed is not tried again: its error is kept in ``root/.<key>.failed``
    and raised (StoreError) until that file is removed or the store changes.

    Raises ExportBusy when another writer holds the lock (with ``wait``, waits for it instead),
    StoreError when the folder cannot be written; ``write``'s own errors go on.
    """
    folder = root / key
    if folder.is_dir():
        return folder
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot create the downloads folder {root}: {exc}") from exc
    with _locked(root / LOCK_FILE, wait):
        if folder.is_dir():  # written by the holder we waited for
            return folder
        failed = root / f".{key}.failed"
        if failed.is_file():
            raise StoreError(f"writing the dumps of store state {key} failed: "
                             f"{failed.read_text(encoding='utf-8').strip()} (remove {failed} to try again)")
        tmp = root / f".{key}.{os.getpid()}.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
        try:
            write(tmp)
            tmp.rename(folder)
        except BaseException as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            if isinstance(exc, Exception):
                failed.write_text(f"{type(exc).__name__}: {exc}\n", encoding="utf-8")
            raise
        prune_states(root, keep=folder)
    return folder


def prune_states(root: Path, keep: Path, count: int = KEEP_STATES) -> list[Path]:
    """Remove the state folders (and failure records) of ``root`` but ``keep`` and the newest others,
    ``count`` in all, and temporary folders no writer holds (a killed writer's); returns what was
    removed. Call it holding the lock."""
    states = sorted((p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".") and p != keep),
                    key=lambda p: p.stat().st_mtime_ns, reverse=True)
    removed = states[count - 1:]
    removed += [p for p in root.iterdir() if p.name.startswith(".") and p.name.endswith((".tmp", ".failed"))
                and p.name.split(".")[1] != keep.name]
    for p in removed:
        shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)
    return removed


@contextlib.contextmanager
def _locked(path: Path, wait: bool) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``path`` (one per open file, so threads exclude each other too)."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise StoreError(f"cannot open the lock file {path}: {exc}") from exc
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            raise ExportBusy(f"the dumps are being written by another process (lock {path})") from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()} {time.time():.0f}\n".encode())
        yield
    finally:
        os.close(fd)  # releases the lock
