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
import pickle
import resource
import struct
import sys
import tempfile
from collections import deque
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from api.results import Answer, NotAcceptable, serialize
from kg.core.errors import ParameterError, QueryError, StoreError
from kg.store import generations
from kg.store.embedded import EmbeddedStore, GraphStore


@dataclass(frozen=True)
class QueryJob:
    """One query to run: text, dataset (IRIs; None = the published union), formats and row cap."""
    query: str
    default_graphs: tuple[str, ...] | None
    named_graphs: tuple[str, ...] | None
    result_fmt: str | None
    graph_fmt: str | None
    max_rows: int
    #: the query calls remote services (allowed by the operator): their errors are not shown
    federated: bool = False


class QueryTimeout(Exception):
    """The query ran past the deadline and was stopped."""


class Busy(Exception):
    """Every query worker stayed busy for longer than the deadline."""


def execute(store: GraphStore, job: QueryJob) -> Answer:
    """Run ``job`` on ``store`` and serialise the answer.

    Raises QueryError (malformed query, ParameterError for a dataset IRI), NotAcceptable (no
    acceptable format), StoreError."""
    default = graph_terms("default-graph-uri", job.default_graphs)
    named = graph_terms("named-graph-uri", job.named_graphs)
    try:
        result = store.query(job.query, default_graphs=default, named_graphs=named)
        return serialize(result, job.result_fmt, job.graph_fmt, job.max_rows)
    except (RuntimeError, OSError, QueryError) as exc:  # OSError, RuntimeError: raised while iterating
        if job.federated and "error at" not in str(exc):
            # a remote service's answer (status and body) is in the message: never echo it
            raise QueryError("the federated query failed while calling a remote service "
                             "(its answer is not shown)") from None
        if isinstance(exc, QueryError):
            raise
        raise QueryError(f"query failed while running: {exc}") from exc


def graph_terms(parameter: str, iris: tuple[str, ...] | None) -> list[ox.NamedNode] | None:
    """The graphs a dataset parameter names. Raises ParameterError naming ``parameter``."""
    if iris is None:
        return None
    try:
        return [ox.NamedNode(iri) for iri in iris]
    except ValueError as exc:
        raise ParameterError(parameter, f"not an absolute IRI ({exc})") from None


# -- query worker processes ------------------------------------------------------------------------
# Messages are frames of multiprocessing's Connection format (a 4-byte big-endian length, or -1
# and an 8-byte length, then the payload), so the worker uses Connection.recv_bytes/send_bytes and
# the HTTP process reads its socket without blocking its event loop. A job is a pickled tuple; a
# reply is a small struct header and the answer's bytes as they are (no pickling of the body).
_OK, _ERROR, _READY = 0, 1, 2
_OK_HEAD = struct.Struct("!BBIBH")     # _OK, answer kind, rows, truncated, length of the media type
_KINDS = ("select", "ask", "graph")
_ERROR_HEAD = struct.Struct("!BHHB")   # kind, HTTP status, length of the title, retire the worker
_FRAME = struct.Struct("!i")
_FRAME_LONG = struct.Struct("!Q")


def _job_bytes(job: QueryJob) -> bytes:
    return pickle.dumps((job.query, job.default_graphs, job.named_graphs, job.result_fmt, job.graph_fmt,
                         job.max_rows, job.federated), protocol=pickle.HIGHEST_PROTOCOL)


def _reply_bytes(store: GraphStore, payload: bytes) -> bytes:
    """Run one job (pickled by :func:`_job_bytes`) and encode the answer or the error.

    Every exception becomes an error reply, so no job ends the worker: the HTTP process validates
    requests before they get here, and what slips through (a bug, an engine error) must reach the
    client as a problem, not as a dead worker. After an unexpected one or MemoryError the reply
    asks the HTTP process to replace the worker, whose state is no longer known to be sound."""
    try:
        answer = execute(store, QueryJob(*pickle.loads(payload)))
    except NotAcceptable as exc:
        return _error_bytes(406, "Not acceptable", str(exc))
    except QueryError as exc:
        return _error_bytes(400, "Malformed query", str(exc))
    except StoreError as exc:
        return _error_bytes(500, "Store error", str(exc))
    except MemoryError:
        return _error_bytes(503, OUT_OF_MEMORY, OUT_OF_MEMORY_DETAIL, retire=True)
    except Exception as exc:  # noqa: BLE001 - reported to the client, never hidden (see above)
        return _error_bytes(500, "Query failed", f"{type(exc).__name__}: {exc}", retire=True)
    media = answer.media.encode()
    return (_OK_HEAD.pack(_OK, _KINDS.index(answer.kind), answer.rows, answer.truncated, len(media))
            + media + answer.body)


#: the problem a query gets when its worker ran out of memory
OUT_OF_MEMORY = "Out of memory"
OUT_OF_MEMORY_DETAIL = ("the query needed more memory than a query worker may use and was stopped; "
                        "narrow it (fewer rows to sort or join, a LIMIT) and try again")


def _error_bytes(status: int, title: str, detail: str, retire: bool = False) -> bytes:
    head = title.encode()
    return _ERROR_HEAD.pack(_ERROR, status, len(head), retire) + head + detail.encode()


def _decode_reply(reply: bytes) -> Answer:
    """The Answer in a worker's reply. Raises WorkerError for an error reply."""
    if reply[0] == _OK:
        _, kind, rows, truncated, size = _OK_HEAD.unpack_from(reply)
        start = _OK_HEAD.size
        return Answer(_KINDS[kind], reply[start:start + size].decode(), reply[start + size:], rows,
                      bool(truncated))
    _, status, size, retire = _ERROR_HEAD.unpack_from(reply)
    start = _ERROR_HEAD.size
    raise WorkerError(status, reply[start:start + size].decode(), reply[start + size:].decode(), bool(retire))


def _worker_main(conn: Connection, store_path: str, memory_bytes: int | None = None,
                 stderr_path: str | None = None) -> None:
    """Entry point of a query worker: answer jobs from ``conn`` until it closes.

    ``memory_bytes`` caps the process's data segment (RLIMIT_DATA: heap and private anonymous
    mappings, not the store's files): past it an allocation fails and the engine aborts the
    process. ``stderr_path`` receives what the process writes to stderr (the engine's last words)."""
    if stderr_path is not None:
        fd = os.open(stderr_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        os.dup2(fd, 2)
        os.close(fd)
    if memory_bytes:
        resource.setrlimit(resource.RLIMIT_DATA, (memory_bytes, memory_bytes))
    path = Path(store_path)
    watch = generations.Watch(path)
    stamp = watch.stamp()
    store = EmbeddedStore(path, read_only=True)
    fd = conn.fileno()
    _write_frame(fd, bytes([_READY]))
    while True:
        payload = _read_frame(fd)
        if payload is None:
            return
        now = watch.stamp()
        if now != stamp:
            stamp = now
            store = EmbeddedStore(path, read_only=True)
        _write_frame(fd, _reply_bytes(store, payload))


def _read_frame(fd: int) -> bytes | None:
    """One frame from a blocking ``fd`` (jobs are small: usually one read); None at end of file."""
    data = os.read(fd, 1 << 16)
    if len(data) < _FRAME.size:
        while data and len(data) < _FRAME.size:
            data += os.read(fd, _FRAME.size - len(data))
        if len(data) < _FRAME.size:
            return None
    size = _FRAME.unpack_from(data)[0]
    if size < 0:
        raise StoreError("a query job over 2 GB")   # never sent: jobs are capped by max_query_bytes
    chunks, have = [data[_FRAME.size:]], len(data) - _FRAME.size
    while have < size:
        chunk = os.read(fd, size - have)
        if not chunk:
            return None
        chunks.append(chunk)
        have += len(chunk)
    return b"".join(chunks)


def _frame(payload: bytes) -> bytes:
    """``payload`` as one frame: a 4-byte length (or -1 and 8 bytes beyond 2 GB), then the bytes."""
    head = _FRAME.pack(len(payload)) if len(payload) < 0x7FFFFFFF else _FRAME.pack(-1) + _FRAME_LONG.pack(len(payload))
    return head + payload


def _write_frame(fd: int, payload: bytes) -> None:
    """One frame to a blocking ``fd``."""
    data = memoryview(_frame(payload))
    while data:
        data = data[os.write(fd, data):]


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


def death_problem(said: str, exitcode: int | None) -> WorkerError:
    """The problem for a query whose worker died having written ``said`` to stderr."""
    if "memory allocation of" in said or "MemoryError" in said or "Cannot allocate memory" in said:
        return WorkerError(503, OUT_OF_MEMORY, OUT_OF_MEMORY_DETAIL, True)
    if "panicked at" in said:
        lines = said.splitlines()
        at = next(i for i, line in enumerate(lines) if "panicked at" in line)
        reason = next((line.strip() for line in lines[at + 1:at + 2] if line.strip()), "")
        return WorkerError(500, ENGINE_FAILURE, "the query engine failed on this query (an internal error of "
                           f"the engine, not of the query: {reason or 'panic'}); the query worker was replaced", True)
    return WorkerError(500, "Query worker failed", f"the query worker ended while running this query (exit code "
                       f"{exitcode}) and was replaced", True)


#: the title of the problem for a query the engine failed on (a panic)
ENGINE_FAILURE = "Query engine failure"


class WorkerDied(Exception):
    """The worker's socket closed while it ran a job."""


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


class WorkerError(Exception):
    """A query worker reported an error (status, title, detail), or died of the query; ``retire``:
    the worker is to be replaced."""

    def __init__(self, status: int, title: str, detail: str, retire: bool = False) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail, self.retire = status, title, detail, retire

