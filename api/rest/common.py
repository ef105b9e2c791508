"""What every REST handler shares: the catalogue of the current store state, answers serialised
once and kept per state (with a strong ``ETag`` and ``Cache-Control``), redirects to canonical ids,
and pagination by ``limit`` and an opaque ``cursor`` over a stable order.
"""

from __future__ import annotations

import base64
import gc
import hashlib
from collections.abc import Callable, Sequence
from typing import Annotated, Any
from urllib.parse import quote, urlencode

import orjson
from fastapi import Depends, Query, Request
from fastapi.responses import Response

from api.backend import Backend
from api.rest.catalogue import Catalogue, load_catalogue
from api.rest.ids import NotFound, Resolved, resolve
from api.rest.problems import Problem, bad_param
from kg.core import trial_status

MAX_LIMIT = 100
CACHE_CONTROL = "public, max-age=300"
#: bounds of the answers kept per store state and process (a crawl of every trial must not grow it)
_CACHE_SIZE = 20_000
_CACHE_BYTES = 48 * 2**20
JSON = "application/json"


def catalogue_of(backend: Backend, state: Any) -> Catalogue:
    """The read model of ``backend``'s store (:mod:`api.rest.catalogue`), made anew when its generation changes."""
    store = backend.store  # reopens first if another process updated the store
    held = getattr(state, "rest_catalogue", None)
    if held is None or held[0] != backend.generation:
        # the triple count is the backend's, counted once per store state
        held = (backend.generation, load_catalogue(store, lambda: sum(backend.graph_counts().values()),
                                                   backend.generation))
        state.rest_catalogue = held
        # The tables of every centre and trial and the referral index are long-lived objects: keep
        # what exists now out of the cyclic GC's full scans, which otherwise stall a request for
        # hundreds of ms now and then (p99).
        gc.collect()
        gc.freeze()
    return held[1]  # type: ignore[no-any-return]


def get_catalogue(request: Request) -> Catalogue:
    return catalogue_of(request.app.state.backend, request.app.state)


CatalogueDep = Annotated[Catalogue, Depends(get_catalogue)]
#: the largest ``limit`` accepted (and clamped to MAX_LIMIT); a bound, because the number is echoed
#: in ``page.limitClamped`` and JSON integers beyond 64 bits failed to serialise (a 500)
LIMIT_ACCEPTED = 1_000_000
LimitParam = Annotated[int, Query(ge=1, le=LIMIT_ACCEPTED, examples=[20], description=(
    f"Items per page (at most {MAX_LIMIT}; more, up to {LIMIT_ACCEPTED:,}, is clamped, and the answer says so "
    "in `page.limitClamped` and `X-Rarekg-Limit-Clamped`)"))]
CursorParam = Annotated[str | None, Query(description="Opaque cursor from a previous page's `page.next`")]


def cached(request: Request, cat: Catalogue, build: Callable[[], Any], media_type: str = JSON) -> Response:
    """The answer to this request, built once per store state and answer day and served as stored bytes
    (an answer that says which trials are open holds for one day: :func:`kg.core.trial_status.today`).

    ``build`` returns a JSON-ready payload, or ``(payload, headers)``; a :class:`Problem` it raises
    is not cached. Answers ``304`` when ``If-None-Match`` names the current ETag."""
    memo = cat.memo.setdefault("responses", {})
    key = (request.url.path, request.url.query, trial_status.today())
    held = memo.get(key)
    if held is None:
        payload = build()
        headers: dict[str, str] = {}
        if isinstance(payload, tuple):
            payload, headers = payload
        body = kept_json(payload)
        etag = '"' + hashlib.blake2b(body, digest_size=10).hexdigest() + '"'
        held = (body, {**headers, "ETag": etag, "Cache-Control": CACHE_CONTROL})
        if len(body) <= _CACHE_BYTES:       # an answer larger than the whole budget is served, not kept
            kept = cat.memo.get("responses-bytes", 0) + len(body)
            if len(memo) >= _CACHE_SIZE or kept > _CACHE_BYTES:
                memo.clear()
                kept = len(body)
            memo[key] = held
            cat.memo["responses-bytes"] = kept
    body, headers = held
    if request.headers.get("if-none-match") in (headers["ETag"], "*"):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=media_type, headers=headers)


def kept_json(payload: Any) -> bytes:
    """``payload`` as JSON bytes to keep for long: copied to their own size, because the bytes
    orjson returns sit in its 4 KB output buffer, shrunk in place, which stays resident (a kept
    trial summary of 300 bytes cost 4 KB; 50k of them 200 MB against 17 MB copied)."""
    body = orjson.dumps(payload)
    return memoryview(body).tobytes() if len(body) < 4096 else body


def canonical(request: Request, cat: Catalogue, kind: str, given: str) -> Resolved | Response:
    """The node ``given`` names, or a redirect to the same URL with the canonical id.

    Raises Problem 404 (with ``closeMatches``) when nothing matches."""
    try:
        found = resolve(cat, kind, given)
    except NotFound as exc:
        raise Problem(404, "Not found", f"no {kind} with id {given!r}", kind="not-found",
                      closeMatches=exc.close) from None
    if found.status == 200:
        return found
    return Response(status_code=found.status, headers={"Location": moved(request, given, found.canonical),
                                                        "Cache-Control": CACHE_CONTROL})


def moved(request: Request, given: str, canonical_id: str) -> str:
    """The request's URL with the id ``given`` replaced by ``canonical_id``. The id is the path
    segment(s) after ``/api/v1/<collection>/`` and may hold a "/" (``oncotree:MDS/MPN``)."""
    path = request.scope["path"]   # decoded as the router read it (request.url.path re-escapes ?, # and \\)
    start = path.index("/", len("/api/v1/")) + 1
    assert path.startswith(given, start), (path, given)
    return (path[:start] + quote(canonical_id, safe=":/") + quote(path[start + len(given):])
            + (f"?{request.url.query}" if request.url.query else ""))


def clamp(limit: int) -> tuple[int, dict[str, Any] | None]:
    """``limit`` capped at :data:`MAX_LIMIT`, and the note saying so when it was."""
    if limit > MAX_LIMIT:
        return MAX_LIMIT, {"requested": limit, "used": MAX_LIMIT}
    return limit, None


def page(request: Request, items: Sequence[Any], keys: Sequence[Any], limit: int,
         cursor: str | None) -> tuple[list[Any], dict[str, Any], dict[str, str]]:
    """One page of ``items`` (sorted, with unique sort ``keys``) after ``cursor``.

    Returns (items, the ``page`` member, headers). Raises Problem 400 naming ``cursor`` when the
    cursor is not one this API issued."""
    used, clamped = clamp(limit)
    start = 0
    if cursor:
        after = _decode(cursor)
        try:
            start = next((i for i, k in enumerate(keys) if _cmp_key(k) > after), len(items))
        except TypeError:  # a list this API never issued for this order, e.g. [{}] against string keys
            raise bad_param("cursor", "not a cursor issued by this API (take it from page.next)") from None
    chunk = list(items[start:start + used])
    info: dict[str, Any] = {"limit": used, "total": len(items), "returned": len(chunk), "next": None}
    headers: dict[str, str] = {}
    if start + used < len(items):
        token = _encode(_cmp_key(keys[start + used - 1]))
        params = [(k, v) for k, v in request.query_params.multi_items() if k != "cursor"] + [("cursor", token)]
        info["next"] = f"{request.url.path}?{urlencode(params)}"
        headers["Link"] = f'<{info["next"]}>; rel="next"'
    if clamped:
        info["limitClamped"] = clamped
        headers["X-Rarekg-Limit-Clamped"] = f"requested={clamped['requested']}; used={clamped['used']}"
    return chunk, info, headers


def _cmp_key(k: Any) -> list[Any]:
    return list(k) if isinstance(k, (list, tuple)) else [k]


def _encode(k: list[Any]) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(k)).decode().rstrip("=")


def _decode(cursor: str) -> list[Any]:
    try:
        value = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, orjson.JSONDecodeError):
        raise bad_param("cursor", "not a cursor issued by this API (take it from page.next)") from None
    if not isinstance(value, list):
        raise bad_param("cursor", "not a cursor issued by this API (take it from page.next)")
    return value
