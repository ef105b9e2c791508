"""The lean path for SPARQL protocol requests: raw ASGI in front of the FastAPI app.

FastAPI's routing, dependency injection and middleware stack cost more per request than the query
itself on a point lookup (docs/decisions/0005-endpoint-speed.md). :func:`with_fast_path` wraps the
app so that ``GET /sparql`` with a ``query`` or ``update`` parameter and every ``POST /sparql``
are answered straight from the ASGI scope by the same functions the routes call
(:func:`api.sparql.answer_get` and :func:`api.sparql.answer_post`), so both paths give the same
statuses, headers and bodies. Everything else goes to the app unchanged: other paths and methods
(405, OPTIONS preflight), ``GET /sparql`` without a query (service description, query page), and
any request with an ``Origin`` header, so CORS stays with the app's CORS middleware.

Request limits hold here, in front of everything, for every path and method: headers larger than
``max_header_bytes`` get 431, a query string longer than ``max_url_bytes`` 414, and a body larger
than ``max_query_bytes`` 413, answered from ``Content-Length`` before reading, or as soon as a body
without one passes the limit. A body is read here, within the limit, and handed on to the app.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl

from fastapi import FastAPI

from api.backend import Backend
from api.sparql import answer_get, answer_post, problem

log = logging.getLogger(__name__)
Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class FastPath:
    """An ASGI app: SPARQL query and update requests answered directly, the rest by ``app``."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self.backend: Backend = app.state.backend

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)
        try:
            await self._answer(scope, receive, tracked)
        except Exception as exc:  # the app's own handlers answer its routes; this covers the lean path
            if started:
                raise   # answered already (the app's 500 problem); the server logs it
            log.exception("unexpected error on %s %s", scope.get("method"), scope.get("path"))
            await problem(500, "Internal server error", f"the server failed on this request "
                          f"({type(exc).__name__}); it has been logged")(scope, receive, send)

    async def _bounded_body(self, scope: Scope, receive: Receive, send: Send) -> bytes | None:
        """The request body within the query-size limit; None once answered 413 or the client went away."""
        body = await _body(receive, self.backend.settings.max_query_bytes)
        if body is not None and len(body) > self.backend.settings.max_query_bytes:
            await _too_large(self.backend)(scope, receive, send)
            return None
        return body

    async def _answer(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = _headers(scope)
        over = _over_limits(scope, headers, self.backend)
        if over is not None:
            await over(scope, receive, send)
            return
        if scope["path"] != "/sparql" or scope["method"] not in ("GET", "POST") or "origin" in headers:
            if _has_body(headers):
                body = await self._bounded_body(scope, receive, send)
                if body is None:
                    return
                receive = _replay(body, receive)
            await self.app(scope, receive, send)
            return
        params = parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True)
        accept = headers.get("accept", "")
        if scope["method"] == "GET":
            if not any(k in ("query", "update") for k, _ in params):
                await self.app(scope, receive, send)  # service description or query page
                return
            response = await answer_get(self.backend, params, accept)
        else:
            body = await self._bounded_body(scope, receive, send)
            if body is None:
                return
            response = await answer_post(self.backend, headers.get("content-type", ""), body, params,
                                         accept, headers.get("authorization", ""))
        await response(scope, receive, send)


def with_fast_path(app: FastAPI) -> FastPath:
    """``app`` behind the lean SPARQL path (the ASGI app ``rarekg serve`` runs)."""
    return FastPath(app)


def _over_limits(scope: Scope, headers: dict[str, str], backend: Backend) -> Any:
    """The problem response for a request over the header, URL or declared body limit, or None."""
    settings = backend.settings
    size = sum(len(name) + len(value) for name, value in scope["headers"])
    if size > settings.max_header_bytes:
        return problem(431, "Request header fields too large",
                       f"the request headers take {size} bytes; at most {settings.max_header_bytes} are accepted")
    if len(scope["query_string"]) > settings.max_url_bytes:
        return problem(414, "URI too long", f"the query string exceeds {settings.max_url_bytes} bytes; "
                       "send a long query by POST", parameter="query")
    declared = headers.get("content-length", "")
    if declared:
        if not declared.strip().isdigit():
            return problem(400, "Bad Content-Length", "Content-Length is not a number")
        if int(declared) > settings.max_query_bytes:
            return _too_large(backend)
    return None


def _too_large(backend: Backend) -> Any:
    limit = backend.settings.max_query_bytes
    return problem(413, "Request body too large", f"the body exceeds {limit} bytes", {"Connection": "close"})


def _has_body(headers: dict[str, str]) -> bool:
    return headers.get("content-length", "0").strip() not in ("", "0") or "transfer-encoding" in headers


def _replay(body: bytes, receive: Receive) -> Receive:
    """A receive callable that gives ``body`` once, then defers to ``receive`` (disconnects)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()
    return replay


def _headers(scope: Scope) -> dict[str, str]:
    """Request headers by lower-case name; the first of repeated headers wins (as in Starlette)."""
    out: dict[str, str] = {}
    for name, value in scope["headers"]:
        key = name.decode("latin-1").lower()
        if key not in out:
            out[key] = value.decode("latin-1")
    return out


async def _body(receive: Receive, limit: int) -> bytes | None:
    """The request body; reading stops one byte past ``limit`` (the caller answers 413).
    None when the client disconnected."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        chunks.append(chunk)
        size += len(chunk)
        if size > limit or not message.get("more_body", False):
            return b"".join(chunks)
