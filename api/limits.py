"""Query limits that hold: a timeout that stops the work, a row cap, and isolation of runaway queries.

pyoxigraph has no query timeout (oxigraph issue #1926) and its queries cannot be cancelled, so a
query on an on-disk store runs in a *query worker process* that opens the store read-only
(:class:`ProcessRunner`). The HTTP process waits for the answer with a deadline; past it, the
worker is killed (SIGKILL: the work really stops) and replaced, and the client gets 504. While one
worker is stuck on a runaway query the other workers answer other clients.

An in-memory store cannot be shared with another process, so it uses :class:`ThreadRunner`: the
deadline is answered the same way, but the abandoned query keeps its thread until it finishes.
That mode exists for tests and embedding; ``rarekg serve`` always uses worker processes.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from api.results import Answer, NotAcceptable, serialize
from kg.errors import QueryError, StoreError
from kg.store import EmbeddedStore, GraphStore


@dataclass(frozen=True)
class QueryJob:
    """One query to run: text, dataset (IRIs; None = the published union), formats and row cap."""
    query: str
    default_graphs: tuple[str, ...] | None
    named_graphs: tuple[str, ...] | None
    result_fmt: str | None
    graph_fmt: str | None
    max_rows: int


class QueryTimeout(Exception):
    """The query ran past the deadline and was stopped."""


class Busy(Exception):
    """Every query worker stayed busy for longer than the deadline."""


def execute(store: GraphStore, job: QueryJob) -> Answer:
    """Run ``job`` on ``store`` and serialise the answer.

    Raises QueryError (malformed query), NotAcceptable (no acceptable format), StoreError."""
    default = [ox.NamedNode(g) for g in job.default_graphs] if job.default_graphs is not None else None
    named = [ox.NamedNode(g) for g in job.named_graphs] if job.named_graphs is not None else None
    result = store.query(job.query, default_graphs=default, named_graphs=named)
    try:
        return serialize(result, job.result_fmt, job.graph_fmt, job.max_rows)
    except (RuntimeError, OSError) as exc:  # errors raised while iterating the solutions
        raise QueryError(f"query failed while running: {exc}") from exc


def marker_path(store_path: Path) -> Path:
    """A file beside the store whose change tells readers to reopen it (after an update)."""
    return store_path.with_name(store_path.name + ".updated")


def marker_stamp(store_path: Path) -> int:
    try:
        return os.stat(marker_path(store_path)).st_mtime_ns
    except FileNotFoundError:
        return 0


def _worker_main(conn: Connection, store_path: str) -> None:
    """Entry point of a query worker: answer jobs from ``conn`` until it closes."""
    path = Path(store_path)
    stamp = marker_stamp(path)
    store = EmbeddedStore(path, read_only=True)
    conn.send(("ready",))
    while True:
        try:
            job = conn.recv()
        except EOFError:
            return
        if marker_stamp(path) != stamp:
            stamp = marker_stamp(path)
            store = EmbeddedStore(path, read_only=True)
        try:
            answer = execute(store, job)
            conn.send(("ok", answer))
        except NotAcceptable as exc:
            conn.send(("error", 406, "Not acceptable", str(exc)))
        except QueryError as exc:
            conn.send(("error", 400, "Malformed query", str(exc)))
        except StoreError as exc:
            conn.send(("error", 500, "Store error", str(exc)))


class _Worker:
    def __init__(self, ctx: Any, store_path: Path) -> None:
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker_main, args=(child, str(store_path)), daemon=True)
        self.proc.start()
        child.close()
        self.future: asyncio.Future[Any] | None = None

    def kill(self) -> None:
        self.proc.kill()
        self.proc.join(5)
        self.conn.close()


class ProcessRunner:
    """A pool of query worker processes over an on-disk store opened read-only."""

    def __init__(self, store_path: Path, size: int, timeout_s: float) -> None:
        self.store_path = store_path
        self.size = size
        self.timeout_s = timeout_s
        self._ctx = multiprocessing.get_context("spawn")
        self._idle: asyncio.Queue[_Worker] = asyncio.Queue()
        self._workers: set[_Worker] = set()
        self.killed = 0   # workers killed for a timeout (reported by /health)

    async def start(self) -> None:
        for _ in range(self.size):
            self._spawn()

    def _spawn(self) -> None:
        worker = _Worker(self._ctx, self.store_path)
        self._workers.add(worker)
        loop = asyncio.get_running_loop()
        worker.future = loop.create_future()
        worker.future.add_done_callback(lambda f, w=worker: self._ready(w, f))
        loop.add_reader(worker.conn.fileno(), self._on_readable, worker)

    def _ready(self, worker: _Worker, fut: asyncio.Future[Any]) -> None:
        if not fut.cancelled() and fut.exception() is None:
            self._idle.put_nowait(worker)
        else:
            self._retire(worker, replace=True)

    def _on_readable(self, worker: _Worker) -> None:
        # uvloop's add_reader leaves the pipe non-blocking: a reply larger than the pipe buffer
        # would then fail half-read. The reader fires only when the worker has started to reply,
        # so a blocking read here waits just for the rest of that reply.
        os.set_blocking(worker.conn.fileno(), True)
        try:
            message = worker.conn.recv()
        except (EOFError, OSError):
            message = ("died",)
            asyncio.get_running_loop().remove_reader(worker.conn.fileno())
        fut = worker.future
        if fut is not None and not fut.done():
            if message[0] == "died":
                fut.set_exception(StoreError("the query worker exited unexpectedly"))
            else:
                fut.set_result(message)

    def _retire(self, worker: _Worker, replace: bool) -> None:
        if worker in self._workers:
            self._workers.discard(worker)
            try:
                asyncio.get_running_loop().remove_reader(worker.conn.fileno())
            except (ValueError, OSError):
                pass
            worker.kill()
            if replace:
                self._spawn()

    async def run(self, job: QueryJob) -> Answer:
        """The serialised answer. Raises QueryTimeout, Busy, QueryError, NotAcceptable, StoreError."""
        try:
            worker = await asyncio.wait_for(self._idle.get(), self.timeout_s)
        except TimeoutError:
            raise Busy(f"all {self.size} query workers stayed busy for {self.timeout_s:g} s") from None
        fut = worker.future = asyncio.get_running_loop().create_future()
        try:
            worker.conn.send(job)
            message = await asyncio.wait_for(fut, self.timeout_s)
        except TimeoutError:
            self.killed += 1
            self._retire(worker, replace=True)
            raise QueryTimeout(f"the query ran longer than {self.timeout_s:g} s and was stopped") from None
        except BaseException:  # client gone (cancelled) or worker died: never reuse a busy worker
            self._retire(worker, replace=True)
            raise
        self._idle.put_nowait(worker)
        return _unwrap(message)

    async def close(self) -> None:
        for worker in list(self._workers):
            self._retire(worker, replace=False)


class ThreadRunner:
    """Queries in threads with a deadline (for in-memory stores; the work is not stopped)."""

    def __init__(self, store: GraphStore, size: int, timeout_s: float) -> None:
        self.store = store
        self.size = size
        self.timeout_s = timeout_s
        self.killed = 0

    async def start(self) -> None:
        return None

    async def run(self, job: QueryJob) -> Answer:
        try:
            return await asyncio.wait_for(asyncio.to_thread(execute, self.store, job), self.timeout_s)
        except TimeoutError:
            raise QueryTimeout(f"the query ran longer than {self.timeout_s:g} s (abandoned)") from None

    async def close(self) -> None:
        return None


class WorkerError(Exception):
    """A query worker reported a protocol-level error: status, title, detail."""

    def __init__(self, status: int, title: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail = status, title, detail


def _unwrap(message: tuple[Any, ...]) -> Answer:
    if message[0] == "ok":
        return message[1]  # type: ignore[no-any-return]
    raise WorkerError(message[1], message[2], message[3])
