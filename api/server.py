"""``rarekg serve``: open (and if empty, build) the store, then serve it from several processes.

The parent binds the listening socket once and forks ``Settings.processes`` HTTP processes that
all accept on it (uvicorn's own ``--workers`` stalls about 44 ms on every keep-alive request,
uvicorn issue #3149; see docs/decisions/0004-endpoint.md). Each HTTP process opens the store
read-only and starts its own query worker processes. SIGTERM or SIGINT to the parent stops all.
"""

from __future__ import annotations

import os
import signal
import socket
import sys
from collections.abc import Callable
from pathlib import Path

import uvicorn

from api.app import create_app
from api.settings import Settings
from kg.store import EmbeddedStore, open_store


def serve(store_path: Path, host: str = "127.0.0.1", port: int = 8000, *, build_if_empty: bool = True,
          progress: Callable[[str], None] = print, processes: int | None = None,
          backend: str | None = None) -> None:
    """Serve the store at ``store_path`` (or the SPARQL server at ``backend``, see kg/remote.py)
    on ``host:port`` until interrupted."""
    if backend:  # a remote server: one HTTP process, queries in threads (the server enforces limits)
        from kg.remote import open_backend
        remote = open_backend(backend)
        if build_if_empty and not remote.graphs():
            from kg.build import build
            progress(build(remote, progress=progress).table())
        progress(f"serving {remote!r} on http://{host}:{port}/ (SPARQL at /sparql)")
        uvicorn.run(create_app(remote, Settings(host=host, port=port, query_workers=0)),
                    host=host, port=port, log_level="warning", access_log=False)
        return
    store = open_store(store_path)
    if build_if_empty and not store.graphs():
        from kg.build import build
        progress(f"store {store_path} is empty: building the default knowledge graph")
        report = build(store, progress=progress)
        progress(report.table())
    store.close()
    del store
    settings = Settings(store=store_path, host=host, port=port)
    count = processes or settings.processes
    sock = bind(host, port)
    progress(f"serving {store_path} on http://{host}:{port}/ (SPARQL at /sparql) with {count} processes")
    if count == 1:
        run_http_process(sock, store_path, settings)
        return
    children = [pid for pid in (fork_http_process(sock, store_path, settings) for _ in range(count))]
    stop_children = lambda signum, frame: [_signal(pid, signal.SIGTERM) for pid in children]
    signal.signal(signal.SIGTERM, stop_children)
    signal.signal(signal.SIGINT, stop_children)
    for pid in children:
        while True:
            try:
                os.waitpid(pid, 0)
                break
            except ChildProcessError:
                break
            except InterruptedError:
                continue
    sock.close()


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket shared by the HTTP processes."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def fork_http_process(sock: socket.socket, store_path: Path, settings: Settings) -> int:
    """Fork one HTTP process; returns its pid in the parent (the child never returns)."""
    pid = os.fork()
    if pid:
        return pid
    code = 0
    try:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        run_http_process(sock, store_path, settings)
    except BaseException as exc:  # noqa: BLE001 -- the child must never return into the parent's code
        print(f"rarekg: HTTP process {os.getpid()} stopped: {exc!r}", file=sys.stderr)
        code = 1
    finally:
        os._exit(code)


def run_http_process(sock: socket.socket, store_path: Path, settings: Settings) -> None:
    """One uvicorn server over the shared socket and a read-only view of the store."""
    store = EmbeddedStore(store_path, read_only=True)
    config = uvicorn.Config(create_app(store, settings), log_level="warning", access_log=False,
                            lifespan="on", timeout_graceful_shutdown=5)
    uvicorn.Server(config).run(sockets=[sock])


def _signal(pid: int, signum: int) -> None:
    try:
        os.kill(pid, signum)
    except ProcessLookupError:
        pass
