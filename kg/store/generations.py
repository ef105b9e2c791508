"""The on-disk layout of an embedded store: generations behind one ``live`` pointer.

A store folder ``X`` holds one or more complete pyoxigraph stores, ``X/gen-<time>-<id>/``, and a
small file ``X/live`` naming the one readers open. A full build writes a new generation beside
the live one and then replaces that file in one ``rename`` (atomic on POSIX file systems), so a
reader opens either the old store or the new one, never a half-written one; a failed build deletes
its generation and leaves ``X`` exactly as it was (see docs/decisions/0007-build-generations.md).
A plain file rather than a symbolic link, so that copying the folder (``cp -r``, ``shutil.copytree``)
copies a working store.

A folder that holds a store written before this layout (pyoxigraph's files directly in ``X``) is
a *flat* store: it is opened as it is, and its files are removed by the first full build after the
switch to a generation.
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
from pathlib import Path

from kg.core.errors import StoreError
from kg.store import faults

LIVE = "live"
PREFIX = "gen-"
#: generations kept after a switch: the live one and the one before it (readers that opened the
#: previous store before the switch keep reading it until they reopen)
KEEP = 2


def is_flat(path: Path) -> bool:
    """Whether ``path`` holds a store in the older flat layout (no ``live`` file, store files inside)."""
    return not (path / LIVE).is_file() and (path / "CURRENT").is_file()


def holds_store(path: Path) -> bool:
    """Whether ``path`` holds a store (a ``live`` pointer, or a flat store's files)."""
    return (path / LIVE).is_file() or is_flat(path)


def live_dir(path: Path, *, create: bool) -> Path:
    """The folder of the store readers and writers open under ``path``.

    The generation ``path/live`` names; for a flat store, ``path`` itself; for a new or empty folder,
    a first (empty) generation when ``create``, else ``path`` (which pyoxigraph then reports missing).
    Raises StoreError when ``live`` does not name an existing generation."""
    pointer = path / LIVE
    if pointer.is_file():
        name = pointer.read_text(encoding="utf-8").strip()
        target = path / name
        if not name.startswith(PREFIX) or "/" in name or not target.is_dir():
            raise StoreError(f"store {path}: {pointer} names {name!r}, not a store generation in that folder")
        return target
    if is_flat(path) or not create:
        return path
    gen = new_generation(path)
    switch(path, gen)
    return gen


def new_generation(path: Path) -> Path:
    """A new, empty generation folder under ``path`` (not yet live)."""
    path.mkdir(parents=True, exist_ok=True)
    gen = path / f"{PREFIX}{time.time_ns():020d}-{uuid.uuid4().hex[:8]}"
    gen.mkdir()
    return gen


def switch(path: Path, gen: Path) -> None:
    """Make ``gen`` the live generation of ``path`` in one rename. Raises StoreError on failure."""
    tmp = path / f".{LIVE}-{uuid.uuid4().hex}"
    try:
        with tmp.open("w", encoding="utf-8") as fh:
            fh.write(gen.name + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        faults.reached("live-pointer-written")
        os.replace(tmp, path / LIVE)
        faults.reached("live-renamed")
        _fsync_dir(path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise StoreError(f"cannot switch store {path} to {gen.name}: {exc}") from exc


def marker_path(path: Path) -> Path:
    """A file beside the store folder that a writer touches after changing the live store in place
    (an admin SPARQL update), so that readers in other processes reopen it."""
    return path.with_name(path.name + ".updated")


def touch_marker(path: Path) -> None:
    """Tell readers the store at ``path`` changed in place. Raises StoreError if it cannot be written."""
    try:
        marker_path(path).write_text(f"{time.time_ns()}\n", encoding="utf-8")
    except OSError as exc:
        raise StoreError(f"cannot write {marker_path(path)}: {exc}") from exc


class Watch:
    """Watches the state of the store at ``path`` as readers see it. Its :meth:`stamp` changes when a
    full build switches the live generation or a writer touches the marker; a reader holding an
    older stamp must reopen before its next query (a generation it opened may be pruned by a later
    build). Two ``stat`` calls, cheap enough to check before every query."""

    def __init__(self, path: Path) -> None:
        self._files = (os.fspath(path / LIVE), os.fspath(marker_path(path)))

    def stamp(self) -> tuple[int, int]:
        return _stat_key(self._files[0]), _stat_key(self._files[1])


def _stat_key(file: str) -> int:
    try:
        st = os.stat(file)
    except FileNotFoundError:
        return 0
    return st.st_mtime_ns ^ st.st_ino


def discard(gen: Path) -> None:
    """Delete a generation that never went live (a failed build); the store in it must be closed.
    Raises StoreError if it cannot be removed."""
    for _ in range(3):  # the engine's background threads may still be closing files
        shutil.rmtree(gen, ignore_errors=True)
        if not gen.exists():
            return
        time.sleep(0.1)
    raise StoreError(f"cannot remove the abandoned store generation {gen}; delete it by hand")


def prune(path: Path, keep: int = KEEP) -> list[Path]:
    """Remove all but the ``keep`` newest generations (never the live one), the temporary ``live``
    files of a switch that was killed, and the files of a flat store the first generation replaced;
    returns what was removed. Only the writer (holding the store's lock) calls it."""
    live = live_dir(path, create=False)
    gens = sorted((p for p in path.iterdir() if p.is_dir() and p.name.startswith(PREFIX)), key=lambda p: p.name)
    removed = [g for g in gens[:len(gens) - keep] if g != live]
    removed += [p for p in path.iterdir() if p.is_file() and p.name.startswith(f".{LIVE}-")]  # a killed switch's
    if (path / "CURRENT").is_file():  # the files of the flat store the first generation replaced
        removed += [p for p in path.iterdir() if p.is_file() and p.name != LIVE and not p.name.startswith(".")]
    for p in removed:
        shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)
    return removed


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
