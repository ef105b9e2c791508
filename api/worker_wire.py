"""The query worker process: its main loop and the wire format between it and the HTTP process
(frames, job and reply encoding), and how a worker's death is told to the client.
The pool that runs these workers is :class:`api.limits.ProcessRunner`."""

from __future__ import annotations

import os
import pickle
import resource
import struct
from multiprocessing.connection import Connection
from pathlib import Path

from api.query_job import QueryJob, WorkerError, execute
from api.results import Answer, NotAcceptable
from kg.core.errors import QueryError, StoreError
from kg.store import generations
from kg.store.embedded import EmbeddedStore
from kg.store.graphstore import GraphStore

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
