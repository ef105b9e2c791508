"""Real SPARQL servers for the tests and benchmarks: the Oxigraph server and Virtuoso 7.

Each server runs on loopback (127.0.0.1, a free port) from its own temporary folder, is started by
:func:`start_oxigraph` / :func:`start_virtuoso` and stopped by its PID (:meth:`Service.stop`); no
other process is touched. When a binary is missing, :func:`require` skips the test with the reason,
or fails it when ``RAREKG_REQUIRE_SERVICES=1`` (CI sets it).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

VIRTUOSO_INI = Path("/etc/virtuoso-opensource-7/virtuoso.ini")
#: the row cap our Virtuoso runs with (its default 10 000 is too small for whole-graph answers)
VIRTUOSO_MAX_ROWS = 1_000_000


@dataclass
class Service:
    """A server process we started: its base URL, PID, folder and log."""

    name: str
    url: str
    process: subprocess.Popen[bytes]
    folder: Path
    log: Path
    env: dict[str, str]

    def stop(self) -> None:
        """Stop the server by its PID (SIGTERM, then SIGKILL after 20 s)."""
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait(10)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def oxigraph_binary() -> str | None:
    """The ``oxigraph`` command of the current virtual environment, else on PATH."""
    here = Path(sys.executable).parent / "oxigraph"
    return str(here) if here.is_file() else shutil.which("oxigraph")


def virtuoso_binary() -> str | None:
    return shutil.which("virtuoso-t") if VIRTUOSO_INI.is_file() else None


def require(binary: str | None, what: str) -> str:
    """``binary``, or skip (fail under RAREKG_REQUIRE_SERVICES=1) naming what is missing."""
    if binary:
        return binary
    reason = f"{what} is not installed here"
    if os.environ.get("RAREKG_REQUIRE_SERVICES") == "1":
        pytest.fail(reason + "; RAREKG_REQUIRE_SERVICES=1 requires it")
    pytest.skip(reason)


def _wait_ready(service: Service, probe: str, timeout_s: float) -> Service:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if service.process.poll() is not None:
            raise RuntimeError(f"{service.name} exited with {service.process.returncode}: "
                               + service.log.read_text(errors="replace")[-2000:])
        try:
            if httpx.get(probe, timeout=2).status_code < 500:
                return service
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    service.stop()
    raise RuntimeError(f"{service.name} not ready after {timeout_s} s: "
                       + service.log.read_text(errors="replace")[-2000:])


def start_oxigraph(folder: Path, binary: str) -> Service:
    """``oxigraph serve --location folder/db --bind 127.0.0.1:PORT``, ready to answer."""
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = folder / "oxigraph.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([binary, "serve", "--location", str(folder / "db"), "--bind", f"127.0.0.1:{port}"],
                                stdout=out, stderr=subprocess.STDOUT, cwd=folder)
    url = f"http://127.0.0.1:{port}/"
    service = Service("oxigraph", url, proc, folder, log, {"RAREKG_BACKEND": url, "RAREKG_BACKEND_KIND": "oxigraph"})
    return _wait_ready(service, url + "query?query=ASK%7B%7D", 30)


def virtuoso_ini(folder: Path, sql_port: int, http_port: int) -> Path:
    """A copy of Debian's virtuoso.ini with the database in ``folder``, both ports on 127.0.0.1,
    ``folder`` allowed for bulk loads and the row cap raised to :data:`VIRTUOSO_MAX_ROWS`."""
    text = VIRTUOSO_INI.read_text()
    text = text.replace("/var/lib/virtuoso-opensource-7/db", str(folder))
    text = re.sub(r"(?m)^ServerPort\s*=\s*1111\s*$", f"ServerPort = 127.0.0.1:{sql_port}", text)
    text = re.sub(r"(?m)^ServerPort\s*=\s*8890\s*$", f"ServerPort = 127.0.0.1:{http_port}", text)
    text = re.sub(r"(?m)^DirsAllowed\s*=.*$", f"DirsAllowed = ., {folder}, /usr/share/virtuoso-opensource-7/vad", text)
    text = re.sub(r"(?m)^ResultSetMaxRows\s*=.*$", f"ResultSetMaxRows = {VIRTUOSO_MAX_ROWS}", text)
    text = re.sub(r"(?m)^MaxQueryExecutionTime\s*=.*$", "MaxQueryExecutionTime = 0", text)
    text = re.sub(r"(?m)^(Load\d\s*=.*)$", r";\1", text)       # no wiki plugins
    ini = folder / "virtuoso.ini"
    ini.write_text(text)
    return ini


def start_virtuoso(folder: Path, binary: str) -> Service:
    """``virtuoso-t -c folder/virtuoso.ini +foreground`` on loopback; login dba/dba."""
    folder.mkdir(parents=True, exist_ok=True)
    sql_port, http_port = free_port(), free_port()
    ini = virtuoso_ini(folder, sql_port, http_port)
    log = folder / "virtuoso.out"
    with log.open("wb") as out:
        proc = subprocess.Popen([binary, "-c", str(ini), "+foreground"], stdout=out, stderr=subprocess.STDOUT,
                                cwd=folder)
    url = f"http://127.0.0.1:{http_port}/"
    env = {"RAREKG_BACKEND": url, "RAREKG_BACKEND_KIND": "virtuoso", "RAREKG_BACKEND_USER": "dba",
           "RAREKG_BACKEND_PASSWORD": "dba", "RAREKG_BACKEND_MAX_ROWS": str(VIRTUOSO_MAX_ROWS)}
    service = Service("virtuoso", url, proc, folder, log, env)
    return _wait_ready(service, url + "sparql?query=ASK%7B%7D", 90)


# -- pytest fixtures (imported by conftest.py) ---------------------------------------------------------

@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """An empty Oxigraph server for the session (skipped if the binary is missing)."""
    binary = require(oxigraph_binary(), "the oxigraph server (pip install oxigraph)")
    service = start_oxigraph(tmp_path_factory.mktemp("oxigraph"), binary)
    yield service
    service.stop()


@pytest.fixture(scope="session")
def virtuoso_server(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """An empty Virtuoso 7 for the session (skipped if virtuoso-opensource is missing)."""
    binary = require(virtuoso_binary(), "Virtuoso 7 (apt-get install virtuoso-opensource)")
    service = start_virtuoso(tmp_path_factory.mktemp("virtuoso"), binary)
    yield service
    service.stop()


# -- rarekg's own server ---------------------------------------------------------------------------
def start_rarekg(store: Path, *extra: str, env: dict[str, str] | None = None) -> tuple[subprocess.Popen[bytes], str]:
    """Start `rarekg serve` on a free loopback port in its own session; returns (process, base URL)."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "rarekg.cli", "serve", "--store", str(store),
                             "--port", str(port), *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
                            env={**os.environ, **(env or {})})
    return proc, f"http://127.0.0.1:{port}"


def stop_process(proc: subprocess.Popen[bytes]) -> str:
    """Stop a process started by start_rarekg (its whole session) and return what it printed."""
    os.killpg(proc.pid, signal.SIGTERM)
    out, _ = proc.communicate(timeout=30)
    return out.decode(errors="replace")


def wait_ready(proc: subprocess.Popen[bytes], base: str, deadline_s: float) -> float:
    """Seconds until /health answers 200; fails if the server exits or misses the deadline."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < deadline_s:
        if proc.poll() is not None:
            raise AssertionError("server exited early:\n" + proc.stdout.read().decode(errors="replace"))
        try:
            if httpx.get(base + "/health", timeout=1).status_code == 200:
                return time.monotonic() - t0
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError(f"server not ready within {deadline_s} s")


def serving(store: Path, *extra: str, env: dict[str, str] | None = None, deadline_s: float = 90):  # type: ignore[no-untyped-def]
    """Generator for fixtures: a ready rarekg server's base URL, stopped afterwards."""
    proc, base = start_rarekg(store, *extra, env=env)
    try:
        wait_ready(proc, base, deadline_s)
        yield base
    finally:
        stop_process(proc)
