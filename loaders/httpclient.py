"""A polite HTTP client for live fetches: rate limit, retries with backoff, on-disk cache.

* Rate limit: at most ``rate`` requests per second, measured between request starts (retries count).
* Retries (the shared policy of :mod:`kg.core.retry`): on 429 and 5xx answers and on transport errors
  (refused or reset connections, a body shorter than its Content-Length), up to ``max_retries``
  times, waiting ``Retry-After`` when the server sends it (seconds or an HTTP date), else
  ``backoff * 2**attempt`` seconds (capped at ``max_backoff``).
* Cache: a successful body is stored under ``cache_dir`` keyed by the SHA-256 of the URL with its
  sorted query; a later identical request is answered from disk without touching the network.

Other 4xx answers are not retried: they raise FetchError naming the URL and status.
"""

from __future__ import annotations

import email.utils
import hashlib
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Self, TypeVar

import httpx

from kg.core.errors import FetchError
from kg.core.retry import Retryable, RetryPolicy

USER_AGENT = "rarekg/0.1 (+https://w3id.org/rarekg/; knowledge graph of rare adult cancers)"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
T = TypeVar("T")


class PoliteClient:
    """GET with rate limiting, retries and an optional on-disk cache (see the module docstring)."""

    def __init__(self, *, rate: float, cache_dir: Path | None = None, max_retries: int = 5,
                 backoff: float = 0.5, max_backoff: float = 60.0, timeout: float = 60.0,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive (requests per second)")
        self.min_interval = 1.0 / rate
        self.cache_dir = cache_dir
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self._sleep = sleep
        self._last_start: float | None = None
        self._client = httpx.Client(timeout=timeout, headers={"User-Agent": USER_AGENT},
                                    follow_redirects=True)
        self.requests = 0      # requests actually sent (retries included)
        self.cache_hits = 0

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- cache ---------------------------------------------------------------------------------------
    @staticmethod
    def cache_key(url: str, params: Mapping[str, str | int] | None) -> str:
        query = "&".join(f"{k}={params[k]}" for k in sorted(params or {}))
        return hashlib.sha256(f"{url}?{query}".encode()).hexdigest()

    def _cache_path(self, url: str, params: Mapping[str, str | int] | None) -> Path | None:
        if self.cache_dir is None:
            return None
        key = self.cache_key(url, params)
        return self.cache_dir / key[:2] / key

    # -- requests ------------------------------------------------------------------------------------
    def get(self, url: str, params: Mapping[str, str | int] | None = None, *, cache: bool = True) -> bytes:
        """The body of a GET; served from the cache when ``cache`` and present. Raises FetchError
        after ``max_retries`` failed retries or on a non-retryable answer."""
        cached = self._cache_path(url, params) if cache else None
        if cached is not None and cached.is_file():
            self.cache_hits += 1
            return cached.read_bytes()
        body = self._get_with_retries(url, params)
        if cached is not None:
            cached.parent.mkdir(parents=True, exist_ok=True)
            tmp = cached.with_suffix(".tmp")
            tmp.write_bytes(body)
            tmp.replace(cached)
        return body

    def _wait_turn(self) -> None:
        now = time.monotonic()
        if self._last_start is not None:
            wait = self._last_start + self.min_interval - now
            if wait > 0:
                self._sleep(wait)
        self._last_start = time.monotonic()

    def _retry_policy(self) -> RetryPolicy:
        return RetryPolicy.exponential(retries=self.max_retries, backoff=self.backoff,
                                       max_backoff=self.max_backoff, sleep=self._sleep)

    def _retrying(self, url: str, attempt: Callable[[], T]) -> T:
        """``attempt`` under the retry policy; FetchError naming ``url`` when every retry failed."""
        try:
            return self._retry_policy().call(attempt)
        except Retryable as exc:
            raise FetchError(f"GET {url} failed after {self.max_retries} retries; last: {exc.problem}") from exc

    def _get_with_retries(self, url: str, params: Mapping[str, str | int] | None) -> bytes:
        def attempt() -> bytes:
            self._wait_turn()
            self.requests += 1
            try:
                response = self._client.get(url, params=dict(params or {}))
            except httpx.TransportError as exc:  # refused, reset, truncated body, timeout
                raise Retryable(f"{type(exc).__name__}: {exc}") from exc
            if response.status_code < 300:
                return response.content
            raise _failure(response)

        return self._retrying(url, attempt)

    def download(self, url: str, target: Path, *, chunk: int = 1 << 20,
                 progress: Callable[[int], None] = lambda done: None) -> Path:
        """Stream a large file to ``target``, resuming: bytes arrive in ``target.part``, a later call
        or retry asks for the rest with an HTTP Range request (a server that answers 200 instead of
        206 sends it whole again), and the part is renamed to ``target`` when complete. Retries as
        :meth:`get` does; ``progress`` gets the bytes so far after each chunk. Raises FetchError."""
        part = target.with_name(target.name + ".part")
        part.parent.mkdir(parents=True, exist_ok=True)

        def attempt() -> Path:
            offset = part.stat().st_size if part.is_file() else 0
            self._wait_turn()
            self.requests += 1
            headers = {"Range": f"bytes={offset}-"} if offset else {}
            try:
                with self._client.stream("GET", url, headers=headers) as response:
                    if response.status_code == 416 and offset:  # the part is already whole
                        part.replace(target)
                        return target
                    if response.status_code >= 300:
                        raise _failure(response)
                    mode = "ab" if response.status_code == 206 else "wb"
                    with part.open(mode) as fh:
                        for block in response.iter_bytes(chunk):
                            fh.write(block)
                            progress(fh.tell())
                    part.replace(target)
                    return target
            except httpx.TransportError as exc:  # the bytes received so far stay in the part
                raise Retryable(f"{type(exc).__name__}: {exc}") from exc

        return self._retrying(url, attempt)


def _failure(response: httpx.Response) -> Exception:
    """The error of a non-2xx answer: Retryable (with its Retry-After) for 429 and 5xx, else FetchError."""
    if response.status_code not in RETRY_STATUSES:
        return FetchError(f"GET {response.url} answered {response.status_code}")
    return Retryable(f"HTTP {response.status_code}", after=retry_after(response.headers.get("Retry-After")))


def retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delta seconds or HTTP date), or None.

    >>> retry_after("2")
    2.0
    >>> retry_after(None) is None
    True
    """
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
