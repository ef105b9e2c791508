"""RFC 9457 problem details for every error of the REST API (``/api/``), and FHIR
``OperationOutcome`` for ``/fhir/``.

Handlers raise :class:`Problem`; request validation errors (a parameter of the wrong type or out
of range) become 422 with ``invalidParams`` naming each parameter. The handlers cover every path
of the app, not only the API: an unknown path, a wrong method, a bad parameter anywhere and an
unexpected exception in any route (500, whose detail names no internals) are all problem details,
so a client never gets plain text. The SPARQL endpoint writes its own problems the same way.
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_MEDIA = "application/problem+json"
FHIR_MEDIA = "application/fhir+json"
PROBLEM_BASE = "https://w3id.org/rarekg/problem/"


class Problem(Exception):
    """An error answer: status, a short title, a detail for this occurrence, and extension members
    (e.g. ``closeMatches``, ``invalidParams``)."""

    def __init__(self, status: int, title: str, detail: str, *, kind: str | None = None,
                 headers: dict[str, str] | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail = status, title, detail
        self.kind = kind or title.lower().replace(" ", "-")
        self.headers = headers or {}
        self.extra = extra


def bad_param(name: str, reason: str, status: int = 400) -> Problem:
    """A problem naming one invalid request parameter."""
    return Problem(status, "Invalid parameter", f"{name}: {reason}", kind="invalid-parameter",
                   invalidParams=[{"name": name, "reason": reason}])


def problem_response(request: Request, exc: Problem) -> Response:
    """The problem as ``application/problem+json`` (or a FHIR OperationOutcome under /fhir/)."""
    if request.url.path.startswith("/fhir"):
        return _outcome(exc.status, exc.detail, exc.headers)
    body = {"type": PROBLEM_BASE + exc.kind, "title": exc.title, "status": exc.status,
            "detail": exc.detail, "instance": str(request.url.path), **exc.extra}
    return Response(orjson.dumps(body), status_code=exc.status, media_type=PROBLEM_MEDIA,
                    headers=exc.headers)


def _outcome(status: int, detail: str, headers: dict[str, str]) -> Response:
    from api.fhir import resources  # an R4B model; the models load on the first FHIR answer

    code = {404: "not-found", 400: "invalid", 422: "invalid", 410: "deleted"}.get(status, "processing")
    body = resources.json_ready(resources.operation_outcome(code, detail))
    return Response(orjson.dumps(body), status_code=status, media_type=FHIR_MEDIA, headers=headers)


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``."""

    async def on_problem(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Problem)
        return problem_response(request, exc)

    async def on_validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        params = [{"name": str(err["loc"][-1]) if err.get("loc") else "request",
                   "in": str(err["loc"][0]) if err.get("loc") else "query",
                   "reason": str(err.get("msg", "invalid"))} for err in exc.errors()]
        detail = "; ".join(f"{p['name']}: {p['reason']}" for p in params)
        return problem_response(request, Problem(422, "Invalid parameter", detail, kind="invalid-parameter",
                                                 invalidParams=params))

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code < 400:   # e.g. 304 raised by a static file: no body at all
            return Response(status_code=exc.status_code, headers=dict(exc.headers or {}))
        title = {404: "Not found", 405: "Method not allowed"}.get(exc.status_code, "HTTP error")
        return problem_response(request, Problem(exc.status_code, title, str(exc.detail),
                                                 headers=dict(exc.headers or {})))

    async def on_error(request: Request, exc: Exception) -> Response:
        # Starlette logs the exception with its traceback after this answer; the client gets no internals
        return problem_response(request, Problem(500, "Internal server error", "the server failed on this "
                                                 f"request ({type(exc).__name__}); it has been logged",
                                                 kind="internal-error"))

    app.add_exception_handler(Problem, on_problem)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(Exception, on_error)
