"""Server settings from the environment (prefix ``RAREKG_``), e.g. ``RAREKG_STORE=/data/store``,
``RAREKG_QUERY_TIMEOUT_S=10``, ``RAREKG_ADMIN_TOKEN=...``."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from kg.store.graphstore import default_store_path


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RAREKG_")

    store: Path = default_store_path()
    host: str = "127.0.0.1"
    port: int = 8000
    #: HTTP server processes sharing one pre-bound socket (unset: by the store's size, see
    #: :func:`default_processes`)
    processes: int | None = Field(default=None, ge=1)
    #: largest request body accepted on any path (a SPARQL query or update), in bytes (413 past it)
    max_query_bytes: int = 1_000_000
    #: longest URL query string accepted (a query sent by GET), in bytes (414 past it)
    max_url_bytes: int = 32_768
    #: most bytes of request headers, names and values together (431 past it)
    max_header_bytes: int = 16_384
    #: the server's public base URL, e.g. ``https://kg.example.org`` (unset: ``http://host:port``);
    #: every absolute link the server writes starts with it, never with the request's ``Host``
    public_url: str | None = None
    #: seconds a client query may run before its worker is killed (answer 504)
    query_timeout_s: float = 30.0
    #: query worker processes per HTTP process (0 = run queries in threads, no hard stop)
    query_workers: int = 2
    #: memory one query worker may allocate, in MiB (unset: an eighth of the machine's memory,
    #: at least 512; 0: no limit); a query past it is stopped with 503
    query_memory_mb: int | None = Field(default=None, ge=0)
    #: federated queries: the ``SERVICE`` IRIs allowed, as prefixes separated by spaces or commas
    #: (unset: every SERVICE is refused, so clients cannot make the server call other hosts)
    service_allowed_prefixes: str = ""
    #: SPARQL Update ``LOAD``: the source IRIs allowed, as prefixes (unset: LOAD is refused)
    load_allowed_prefixes: str = ""
    #: most rows (SELECT) or triples (CONSTRUCT/DESCRIBE) in one answer; more is cut and flagged
    max_rows: int = 100_000
    #: bearer token that allows SPARQL Update; unset = the endpoint is read-only
    admin_token: str | None = None
    #: folder for cached dumps (default: beside the store)
    dump_dir: Path | None = None


#: above this many triples one HTTP process is the default: each holds the referral index, the REST
#: tables and its own store caches, about 40 MB per million triples (830 MB at 18.8M, scale 100),
#: and every query worker some 250 MB under load there; two HTTP processes with two workers each
#: took 2.8 GB at scale 100, one with two workers 1.5 GB (bench/README.md, "The whole server")
LARGE_STORE_TRIPLES = 10_000_000


def default_processes(triples: int) -> int:
    """HTTP processes for a store of ``triples``: two (throughput) unless it is large (memory)."""
    return 2 if triples <= LARGE_STORE_TRIPLES else 1


def prefixes(text: str) -> tuple[str, ...]:
    """The IRI prefixes of a ``*_allowed_prefixes`` setting (separated by spaces or commas)."""
    return tuple(p for p in text.replace(",", " ").split() if p)


def public_base(settings: Settings) -> str:
    """The base of every absolute link the server writes, without a trailing slash."""
    if settings.public_url:
        return settings.public_url.rstrip("/")
    host = f"[{settings.host}]" if ":" in settings.host else settings.host
    return f"http://{host}:{settings.port}"


def query_memory_bytes(settings: Settings) -> int | None:
    """The memory limit of one query worker in bytes (None: no limit)."""
    if settings.query_memory_mb == 0:
        return None
    if settings.query_memory_mb is not None:
        return settings.query_memory_mb << 20
    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return max(512 << 20, total // 8)
