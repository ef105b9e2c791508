"""Server settings from the environment (prefix ``RAREKG_``), e.g. ``RAREKG_STORE=/data/store``,
``RAREKG_QUERY_TIMEOUT_S=10``, ``RAREKG_ADMIN_TOKEN=...``."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from kg.store import default_store_path


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RAREKG_")

    store: Path = default_store_path()
    host: str = "127.0.0.1"
    port: int = 8000
    #: HTTP server processes sharing one pre-bound socket (unset: by the store's size, see
    #: :func:`default_processes`)
    processes: int | None = Field(default=None, ge=1)
    #: largest SPARQL request body accepted, in bytes
    max_query_bytes: int = 1_000_000
    #: seconds a client query may run before its worker is killed (answer 504)
    query_timeout_s: float = 30.0
    #: query worker processes per HTTP process (0 = run queries in threads, no hard stop)
    query_workers: int = 2
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
