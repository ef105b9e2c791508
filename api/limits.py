"""Query limits that hold: a timeout that stops the work, a row cap, and isolation of runaway queries.

pyoxigraph has no query timeout (oxigraph issue #1926) and its queries cannot be cancelled, so a
query on an on-disk store runs in a *query worker process* that opens the store read-only
(:class:`ProcessRunner`). The HTTP process waits for the answer with a deadline; past it, the
worker is killed (SIGKILL: the work really stops) and replaced, and the client gets 504. While one
worker is stuck on a runaway query the other workers answer other clients.

An in-memory store cannot be shared with another process, so it uses :class:`ThreadRunner`: the
deadline is answered the same way, but the abandoned query keeps its thread until it finishes.
That mode exists for tests and embedding; ``rarekg serve`` always uses worker processes.

Nothing a client sends ends a worker: every error a job raises becomes an error answer. What can
still end one is outside Python: the engine aborting the process, on a panic (oxigraph's ORDER BY
on mixed literals, docs/upstream/oxigraph-order-by-total-order-panic.md) or when an allocation
fails under the worker's memory limit (``RLIMIT_DATA``, :data:`api.settings.Settings.query_memory_mb`).
Each worker writes its stderr to a file of its own; when one dies mid-job, what it wrote there says
why, the client gets a problem that says so (503 for memory, 500 for an engine failure), the text
is passed on to the server's log, and the worker is replaced before the next job needs it.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import sys
import tempfile
from collections import deque
from pathlib import Path
from typing import Any

from api.query_job import Busy, QueryJob, QueryTimeout, WorkerError, execute
from api.results import Answer
from api.worker_wire import (
    _FRAME,
    _FRAME_LONG,
    WorkerDied,
    _decode_reply,
    _frame,
    _job_bytes,
    _worker_main,
    death_problem,
)
from kg.store.graphstore import GraphStore


class _Worker:
    """One query worker process and the HTTP process's end of its socket (non-blocking)."""

    def __init__(self, ctx: Any, store_path: Path, memory_bytes: int | None, log_dir: str) -> None:
        self.conn, child = ctx.Pipe()
        handle, self.stderr_path = tempfile.mkstemp(prefix="worker-", suffix=".log", dir=log_dir)
        os.close(handle)
        self.proc = ctx.Process(target=_worker_main, args=(child, str(store_path), memory_bytes, self.stderr_path),
                                daemon=True)
        self.proc.start()
        child.close()
        self.fd = self.conn.fileno()
        os.set_blocking(self.fd, False)
        self.buffer = bytearray()
        self.future: asyncio.Future[bytes] | None = None

    def send(self, payload: bytes) -> None:
        """Send one frame; waits (briefly, the worker is idle and reading) if the socket is full."""
        data = memoryview(_frame(payload))
        try:
            sent = os.write(self.fd, data)
        except BlockingIOError:
            sent = 0
        if sent < len(data):
            os.set_blocking(self.fd, True)
            try:
                while sent < len(data):
                    sent += os.write(self.fd, data[sent:])
            finally:
                os.set_blocking(self.fd, False)

    def frames(self) -> list[bytes] | None:
        """The complete frames readable now; None when the worker is gone."""
        try:
            while True:
                chunk = os.read(self.fd, 1 << 20)
                if not chunk:
                    return None
                self.buffer += chunk
                if len(chunk) < 1 << 20:
                    break
        except BlockingIOError:
            pass
        except OSError:
            return None
        out = []
        while len(self.buffer) >= _FRAME.size:
            size, head = _FRAME.unpack_from(self.buffer)[0], _FRAME.size
            if size == -1:
                if len(self.buffer) < head + _FRAME_LONG.size:
                    break
                size, head = _FRAME_LONG.unpack_from(self.buffer, head)[0], head + _FRAME_LONG.size
            if len(self.buffer) < head + size:
                break
            out.append(bytes(self.buffer[head:head + size]))
            del self.buffer[:head + size]
        return out

    def kill(self) -> None:
        self.proc.kill()
        self.proc.join(5)
        self.conn.close()
        try:
            os.unlink(self.stderr_path)
        except OSError:
            pass

    def log_size(self) -> int:
        try:
            return os.path.getsize(self.stderr_path)
        except OSError:
            return 0

    def death(self, since: int) -> WorkerError:
        """Why the worker died during a job, from what it wrote to stderr after offset ``since``
        (passed on to this process's stderr, the server log), as the client's problem."""
        self.proc.join(1)   # its socket closed as it exited: this is at most a moment
        try:
            with open(self.stderr_path, "rb") as log:
                log.seek(since)
                said = log.read(1 << 16).decode(errors="replace")
        except OSError:
            said = ""
        if said:
            sys.stderr.write(f"query worker {self.proc.pid} died (exit code {self.proc.exitcode}):\n{said}\n")
        return death_problem(said, self.proc.exitcode)


class ProcessRunner:
    """A pool of query worker processes over an on-disk store opened read-only.

    The most recently freed worker takes the next job (its caches stay warm; under light load the
    others sleep). Requests wait for a free worker up to the deadline (then Busy), and the worker
    answers within the deadline or is killed and replaced (QueryTimeout)."""

    def __init__(self, store_path: Path, size: int, timeout_s: float, memory_bytes: int | None = None) -> None:
        self.store_path = store_path
        self.size = size
        self.timeout_s = timeout_s
        self.memory_bytes = memory_bytes
        self._logs = tempfile.TemporaryDirectory(prefix="rarekg-workers-")
        self._ctx = multiprocessing.get_context("spawn")
        self._idle: list[_Worker] = []
        self._waiting: deque[asyncio.Future[_Worker]] = deque()
        self._workers: set[_Worker] = set()
        self.killed = 0   # workers killed for a timeout (reported by /health)
        self.replaced = 0  # workers replaced after they died or failed (reported by /health)

    async def start(self) -> None:
        for _ in range(self.size):
            self._spawn()

    def _spawn(self) -> None:
        worker = _Worker(self._ctx, self.store_path, self.memory_bytes, self._logs.name)
        self._workers.add(worker)
        loop = asyncio.get_running_loop()
        worker.future = loop.create_future()   # resolved by the worker's "ready" frame
        worker.future.add_done_callback(lambda f, w=worker: self._ready(w, f))
        loop.add_reader(worker.fd, self._on_readable, worker)

    def _ready(self, worker: _Worker, fut: asyncio.Future[bytes]) -> None:
        if not fut.cancelled() and fut.exception() is None:
            self._release(worker)
        else:
            self._retire(worker, replace=True)

    def _release(self, worker: _Worker) -> None:
        """Hand a free worker to the longest-waiting request, else make it idle."""
        while self._waiting:
            waiter = self._waiting.popleft()
            if not waiter.done():
                waiter.set_result(worker)
                return
        self._idle.append(worker)

    def _on_readable(self, worker: _Worker) -> None:
        frames = worker.frames()
        fut = worker.future
        if frames is None:   # the worker exited
            if fut is not None and not fut.done():
                asyncio.get_running_loop().remove_reader(worker.fd)
                fut.set_exception(WorkerDied())  # run() replaces it
            else:
                self._retire(worker, replace=True)
            return
        if frames and fut is not None and not fut.done():
            fut.set_result(frames[-1])

    def _retire(self, worker: _Worker, replace: bool) -> None:
        if worker in self._workers:
            self._workers.discard(worker)
            if worker in self._idle:
                self._idle.remove(worker)
            try:
                asyncio.get_running_loop().remove_reader(worker.fd)
            except (ValueError, OSError):
                pass
            worker.kill()
            if replace:
                self._spawn()

    async def _acquire(self) -> _Worker:
        if self._idle:
            return self._idle.pop()
        waiter = asyncio.get_running_loop().create_future()
        self._waiting.append(waiter)
        try:
            return await _within(waiter, self.timeout_s)
        except TimeoutError:
            raise Busy(f"all {self.size} query workers stayed busy for {self.timeout_s:g} s") from None
        except BaseException:   # cancelled: a worker handed over meanwhile goes back to the pool
            if waiter.done() and not waiter.cancelled() and waiter.exception() is None:
                self._release(waiter.result())
            raise

    async def run(self, job: QueryJob) -> Answer:
        """The serialised answer. Raises QueryTimeout, Busy, WorkerError (the worker's 400/406/500),
        StoreError."""
        worker = await self._acquire()
        fut = worker.future = asyncio.get_running_loop().create_future()
        since = worker.log_size()
        try:
            worker.send(_job_bytes(job))
            reply = await _within(fut, self.timeout_s)
        except TimeoutError:
            self.killed += 1
            self._retire(worker, replace=True)
            raise QueryTimeout(f"the query ran longer than {self.timeout_s:g} s and was stopped") from None
        except (OSError, WorkerDied):  # the worker's socket broke or closed: it is gone
            problem = worker.death(since)
            self.replaced += 1
            self._retire(worker, replace=True)
            raise problem from None
        except BaseException:  # client gone (cancelled): never reuse a busy worker
            self._retire(worker, replace=True)
            raise
        try:
            answer = _decode_reply(reply)
        except WorkerError as exc:
            if exc.retire:   # the worker's state is not known to be sound: a fresh one replaces it
                self.replaced += 1
                self._retire(worker, replace=True)
            else:
                self._release(worker)
            raise
        self._release(worker)
        return answer

    async def close(self) -> None:
        for worker in list(self._workers):
            self._retire(worker, replace=False)
        self._logs.cleanup()

    def pids(self) -> list[int]:
        """The process ids of the live query workers (reported by /health)."""
        return sorted(w.proc.pid for w in self._workers if w.proc.pid is not None)


async def _within(fut: asyncio.Future[Any], timeout_s: float) -> Any:
    """``await fut`` for at most ``timeout_s`` (TimeoutError), without asyncio.wait_for's extra
    task and futures on every call."""
    def expire() -> None:
        if not fut.done():
            fut.set_exception(TimeoutError())
    handle = asyncio.get_running_loop().call_later(timeout_s, expire)
    try:
        return await fut
    finally:
        handle.cancel()


class ThreadRunner:
    """Queries in threads with a deadline (for in-memory stores; the work is not stopped)."""

    def __init__(self, store: GraphStore, size: int, timeout_s: float) -> None:
        self.store = store
        self.size = size
        self.timeout_s = timeout_s
        self.killed = 0
        self.replaced = 0

    async def start(self) -> None:
        return None

    def pids(self) -> list[int]:
        return []

    async def run(self, job: QueryJob) -> Answer:
        try:
            return await asyncio.wait_for(asyncio.to_thread(execute, self.store, job), self.timeout_s)
        except TimeoutError:
            raise QueryTimeout(f"the query ran longer than {self.timeout_s:g} s (abandoned)") from None

    async def close(self) -> None:
        return None
