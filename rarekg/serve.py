"""``rarekg serve``: open (and if empty, build) the store, then serve it from several processes.

The HTTP server is Granian (a Rust HTTP server with an ASGI interface): its parent process binds
the listening socket and supervises ``Settings.processes`` worker processes that all accept on it,
respawning one that dies. Uvicorn's own ``--workers`` stalls about 44 ms on every keep-alive
request (uvicorn issue #3149), and uvicorn's Python HTTP layer capped even ``/health`` at a few
thousand requests/s here; see docs/decisions/0005-endpoint-speed.md. Each HTTP process opens the
store read-only, starts its own query worker processes (:mod:`api.limits`) and answers SPARQL
queries through the lean ASGI path of :mod:`api.fast`. SIGTERM or SIGINT to the parent stops all.
"""

from __future__ import annotations

import functools
import multiprocessing
from collections.abc import Callable
from pathlib import Path
from typing import Any

from granian.constants import Interfaces, Loops
from granian.log import LogLevels
from granian.server import Server as Granian

from api.settings import Settings, default_processes
from kg.core.provenance import recorded_triples
from kg.store.embedded import open_store

#: pending connections the kernel queues for the HTTP processes
BACKLOG = 2048
#: seconds a stopping HTTP process gets before it is killed: Granian 2.8 misses a SIGTERM that
#: arrives while the app is still starting, and that worker would otherwise serve on forever
WORKER_KILL_S = 5


def serve(store_path: Path, host: str = "127.0.0.1", port: int = 8000, *, build_if_empty: bool = True,
          progress: Callable[[str], None] = print, processes: int | None = None,
          backend: str | None = None) -> None:
    """Serve the store at ``store_path`` (or the SPARQL server at ``backend``, see kg/store/remote.py)
    on ``host:port`` until interrupted."""
    if backend:  # a remote server: one HTTP process, queries in threads (the server enforces limits)
        from kg.store.remote import open_backend
        remote = open_backend(backend)
        if build_if_empty and not remote.graphs():
            from rarekg.build import build
            progress(build(remote, progress=progress).table())
        progress(f"serving {remote!r} on http://{host}:{port}/ (SPARQL at /sparql)")
        settings = Settings(host=host, port=port, query_workers=0)
        run_granian(functools.partial(remote_app, backend, settings), host, port, 1)
        return
    store = open_store(store_path)
    if build_if_empty and not store.graphs():
        from rarekg.build import build
        progress(f"store {store_path} is empty: building the default knowledge graph")
        report = build(store, progress=progress)
        progress(report.table())
    settings = Settings(store=store_path, host=host, port=port)
    count = processes or settings.processes or default_processes(recorded_triples(store))
    store.close()
    del store
    progress(f"serving {store_path} on http://{host}:{port}/ (SPARQL at /sparql) with {count} HTTP process"
             + ("es" if count > 1 else ""))
    run_granian(functools.partial(store_app, store_path, settings), host, port, count)


def run_granian(app_factory: Callable[[], Any], host: str, port: int, workers: int) -> None:
    """Serve the ASGI app made by ``app_factory`` (called once in each worker process) with
    ``workers`` Granian processes on ``host:port``; returns when the server is stopped."""
    # Spawned, not forked: the parent may have just built the store, and a child forked while
    # RocksDB's background threads run inherits their locks but not the threads.
    multiprocessing.set_start_method("spawn", force=True)
    server = Granian("rarekg", address=host, port=port, interface=Interfaces.ASGI, workers=workers,
                     loop=Loops.auto, backlog=BACKLOG, websockets=False, log_level=LogLevels.warning,
                     log_access=False, respawn_failed_workers=True, respawn_interval=0.5,
                     workers_kill_timeout=WORKER_KILL_S)
    server.serve(target_loader=app_factory, wrap_loader=False)


def store_app(store_path: Path, settings: Settings) -> Any:
    """The app of one HTTP process: a read-only view of the on-disk store, the SPARQL fast path."""
    from api.app import create_app
    from api.fast import with_fast_path
    from kg.store.embedded import EmbeddedStore
    return with_fast_path(create_app(EmbeddedStore(store_path, read_only=True), settings))


def remote_app(backend: str, settings: Settings) -> Any:
    """The app over a remote SPARQL server (opened in the HTTP process)."""
    from api.app import create_app
    from api.fast import with_fast_path
    from kg.store.remote import open_backend
    return with_fast_path(create_app(open_backend(backend), settings))
