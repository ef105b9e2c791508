"""The SPARQL 1.1 Protocol at ``/sparql``: query (GET, POST form, POST sparql-query) and update.

* Results by content negotiation (``Accept``) or the ``format`` parameter: SELECT/ASK as SPARQL
  JSON, XML, CSV or TSV; CONSTRUCT/DESCRIBE as Turtle, N-Triples, RDF/XML, JSON-LD, N-Quads, TriG.
* The dataset: ``default-graph-uri`` / ``named-graph-uri`` win over the query's FROM / FROM NAMED,
  which win over the default (the union of every published graph, see docs/decisions/0004).
* Errors are RFC 9457 problem details: 400 malformed query (parser message and line:column),
  missing or repeated query, query and update together, a bad parameter or non-UTF-8 body; 403
  update without the admin token; 406 no acceptable format; 413 body too large; 415 body media
  type; 503 every worker busy; 504 timeout. Other methods get 405 from the router.
* Limits: each answer carries ``X-Rarekg-Rows`` and ``X-Rarekg-Truncated`` (``true`` when the
  row cap cut it).
* ``GET /sparql`` without a query (nor dataset parameters, which need one): the query page for
  browsers, else the service description.
* ``/openapi.json`` declares every answer above (:func:`api.rest.responses.sparql`).
"""

from __future__ import annotations

import asyncio
import hmac
import re
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, JSONResponse, Response

from api.backend import Backend, BackendDep
from api.federation import RemoteCallRefused, check, may_call
from api.guard import shape_problem
from api.query_job import Busy, QueryJob, QueryTimeout, WorkerError, graph_terms
from api.rest.responses import format_parameter, query_parameters, sparql
from api.results import (
    GRAPH_MEDIA,
    RESULT_MEDIA,
    NotAcceptable,
    choose_formats,
    choose_graph_format,
    graph_bytes,
    parse_accept,
)
from api.settings import prefixes
from kg.core.errors import ParameterError, QueryError, StoreError

router = APIRouter(tags=["SPARQL"])
_GRAPHS = {"type": "array", "items": {"type": "string"}}
#: the protocol's URL parameters, as the document declares them (the routes read them from the request)
_PROTOCOL = [("default-graph-uri", "A graph of the default graph (replaces the query's FROM)", _GRAPHS),
             ("named-graph-uri", "A named graph of the dataset (replaces the query's FROM NAMED)", _GRAPHS),
             format_parameter([*RESULT_MEDIA, *GRAPH_MEDIA], "; which ones fit depends on the query form")]
_TEXT = {"type": "string"}

def problem(status: int, title: str, detail: str, headers: dict[str, str] | None = None,
            parameter: str | None = None) -> JSONResponse:
    """An RFC 9457 problem details response (``parameter``: the request parameter at fault)."""
    body: dict[str, object] = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    if parameter is not None:
        body["invalidParams"] = [{"name": parameter, "reason": detail}]
    return JSONResponse(body, status_code=status, media_type="application/problem+json", headers=headers)


#: a text longer than this is checked in a thread, not on the event loop
_LONG_TEXT = 100_000


async def vet(backend: Backend, text: str, update: bool = False) -> bool:
    """Check a query or update text in the HTTP process, before any worker sees it: not shaped to
    crash the engine's parser (:mod:`api.guard`), calling no host the operator did not allow
    (:mod:`api.federation`). True when it calls allowed remote services.

    Raises ParameterError (bad shape) or RemoteCallRefused, naming ``query`` or ``update``."""
    parameter = "update" if update else "query"
    settings = backend.settings

    def checks() -> bool:
        reason = shape_problem(text)
        if reason:
            raise ParameterError(parameter, reason)
        return check(text, prefixes(settings.service_allowed_prefixes), prefixes(settings.load_allowed_prefixes),
                     update)
    # parsing with rdflib (pure Python) or lexing a long text takes a while: not on the event loop
    slow = len(text) > _LONG_TEXT or may_call(text, update)
    return await asyncio.to_thread(checks) if slow else checks()


def refused(exc: ParameterError | RemoteCallRefused) -> JSONResponse:
    """The 400 problem for a request parameter refused in the HTTP process."""
    title = "Remote call refused" if isinstance(exc, RemoteCallRefused) else "Invalid parameter"
    return problem(400, title, str(exc), parameter=exc.parameter)


def _dataset(params: list[tuple[str, str]], query: str) -> tuple[tuple[str, ...] | None, tuple[str, ...] | None]:
    defaults = [v for k, v in params if k == "default-graph-uri"]
    named = [v for k, v in params if k == "named-graph-uri"]
    if defaults or named:  # the protocol's dataset replaces the query's (SPARQL 1.1 Protocol 2.1.4)
        return tuple(defaults), tuple(named)
    return None, None  # the store applies the query's FROM / FROM NAMED, else the union of graphs


def with_position(message: str) -> str:
    """The parser's message with its ``error at L:C`` spelt out as line and column."""
    match = re.search(r"error at (\d+):(\d+)", message)
    return f"{message} (line {match.group(1)}, column {match.group(2)})" if match else message


# -- running --------------------------------------------------------------------------------------
async def run_query(backend: Backend, params: list[tuple[str, str]], accept: str) -> Response:
    """Run the one query in ``params`` and answer with the negotiated format or a problem."""
    queries = [v for k, v in params if k == "query"]
    if any(k == "update" for k, _ in params):
        return problem(400, "Query and update together", "a request carries either 'query' or 'update'")
    if len(queries) != 1:
        return problem(400, "Missing query" if not queries else "More than one query",
                       "give exactly one 'query' parameter")
    formats = [v for k, v in params if k == "format"]
    result_fmt, graph_fmt = choose_formats(accept, formats[0] if formats else None)
    try:
        default, named = _dataset(params, queries[0])
        graph_terms("default-graph-uri", default)
        graph_terms("named-graph-uri", named)
        federated = await vet(backend, queries[0])
    except (ParameterError, RemoteCallRefused) as exc:
        return refused(exc)
    try:
        job = QueryJob(queries[0], default, named, result_fmt, graph_fmt, backend.settings.max_rows, federated)
        answer = backend.lookup(job) if backend.can_look_up(job) else await backend.runner.run(job)
    except QueryError as exc:
        return problem(400, "Malformed query", with_position(str(exc)))
    except NotAcceptable as exc:
        return problem(406, "Not acceptable", str(exc))
    except WorkerError as exc:
        return problem(exc.status, exc.title, with_position(exc.detail),
                       {"Retry-After": "5"} if exc.status == 503 else None)
    except QueryTimeout as exc:
        return problem(504, "Query timeout", str(exc))
    except Busy as exc:
        return problem(503, "Busy", str(exc), {"Retry-After": "5"})
    except StoreError as exc:   # e.g. the query worker died (it is replaced)
        return problem(500, "Store error", str(exc))
    headers = {"X-Rarekg-Rows": str(answer.rows), "X-Rarekg-Truncated": "true" if answer.truncated else "false",
               "Vary": "Accept"}
    return Response(answer.body, media_type=answer.media, headers=headers)


async def run_update(backend: Backend, authorization: str, params: list[tuple[str, str]]) -> Response:
    """Apply the one update in ``params`` if ``authorization`` carries the admin token, else 403."""
    token = backend.settings.admin_token
    if not token:
        return problem(403, "Forbidden", "this endpoint is read-only: SPARQL updates are refused")
    given = authorization
    if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return problem(403, "Forbidden", "SPARQL updates need 'Authorization: Bearer <admin token>'")
    updates = [v for k, v in params if k == "update"]
    if any(k == "query" for k, _ in params) or len(updates) != 1:
        return problem(400, "Bad update request", "give exactly one 'update' and no 'query'")
    try:
        federated = await vet(backend, updates[0], update=True)
    except (ParameterError, RemoteCallRefused) as exc:
        return refused(exc)
    try:
        await asyncio.to_thread(backend.update, updates[0])
    except QueryError as exc:
        if federated and "error at" not in str(exc):   # never echo a remote host's answer
            return problem(400, "Remote call failed", "the update failed while calling a remote host "
                           "(its answer is not shown)")
        return problem(400, "Malformed update", str(exc))
    except StoreError as exc:
        return problem(500, "Store error", "the update failed while calling a remote host" if federated else str(exc))
    return Response(status_code=204)


def wants_html(accept: str) -> bool:
    ranked = parse_accept(accept)
    return bool(ranked) and ranked[0] in ("text/html", "application/xhtml+xml")


@router.get("/sparql", summary="SPARQL query (GET); without a query: service description or query page",
            response_class=Response, responses=sparql(
                "The query's answer in the negotiated format; without a query, the service description (RDF) "
                "or, for a browser, the query page (HTML)", 400, 403, 406, 500, 503, 504, extra=("text/html",)),
            openapi_extra=query_parameters(("query", "The SPARQL query", _TEXT), *_PROTOCOL))
async def sparql_get(request: Request, backend: BackendDep) -> Response:
    params = list(request.query_params.multi_items())
    accept = request.headers.get("accept", "")
    if not any(k in ("query", "update", "default-graph-uri", "named-graph-uri") for k, _ in params):
        if wants_html(accept):
            return FileResponse(request.app.state.web_dir / "index.html", media_type="text/html")
        return service_description_response(request, backend, accept, params)
    return await answer_get(backend, params, accept)


async def answer_get(backend: Backend, params: list[tuple[str, str]], accept: str) -> Response:
    """The answer to a GET whose ``params`` carry a query or an update (updates need POST)."""
    if any(k == "update" for k, _ in params) and not any(k == "query" for k, _ in params):
        return problem(403 if not backend.settings.admin_token else 400, "Update over GET",
                       "SPARQL updates are accepted only by POST" + ("" if backend.settings.admin_token
                                                                     else "; this endpoint is read-only"))
    return await run_query(backend, params, accept)


def service_description_response(request: Request, backend: Backend, accept: str,
                                 params: list[tuple[str, str]]) -> Response:
    from api.discovery import sd_with_dataset
    formats = [v for k, v in params if k == "format"]
    fmt = choose_graph_format(accept, formats[0] if formats else None)
    if fmt is None:
        return problem(406, "Not acceptable", "the service description is available in RDF formats")
    body = graph_bytes(sd_with_dataset(request, backend), fmt)
    return Response(body, media_type=GRAPH_MEDIA[fmt][0], headers={"Vary": "Accept"})


@router.api_route("/sparql", methods=["PUT", "DELETE", "PATCH"], include_in_schema=False)
async def sparql_other_methods(request: Request) -> Response:
    return problem(405, "Method not allowed", f"{request.method} is not part of the SPARQL protocol here; "
                   "use GET or POST", {"Allow": "GET, POST, OPTIONS"})


@router.post("/sparql", summary="SPARQL query or update (POST form, sparql-query or sparql-update)",
             response_class=Response, responses=sparql("The query's answer in the negotiated format",
                                                        400, 403, 406, 413, 415, 500, 503, 504, updates=True),
             openapi_extra={**query_parameters(*_PROTOCOL), "requestBody": {"content": {
                 "application/sparql-query": {"schema": _TEXT}, "application/sparql-update": {"schema": _TEXT},
                 "application/x-www-form-urlencoded": {"schema": {"type": "object", "properties": {
                     "query": _TEXT, "update": _TEXT, "default-graph-uri": _GRAPHS, "named-graph-uri": _GRAPHS}}}}}})
async def sparql_post(request: Request, backend: BackendDep) -> Response:
    return await answer_post(backend, request.headers.get("content-type", ""), await request.body(),
                             list(request.query_params.multi_items()), request.headers.get("accept", ""),
                             request.headers.get("authorization", ""))


async def answer_post(backend: Backend, content_type: str, body: bytes, params: list[tuple[str, str]],
                      accept: str, authorization: str) -> Response:
    """The answer to a POST of ``body`` (``params``: the URL's query parameters)."""
    media = content_type.split(";")[0].strip().lower()
    limit = backend.settings.max_query_bytes
    if len(body) > limit:
        return problem(413, "Query too large", f"the body exceeds {limit} bytes")
    try:
        text = body.decode("utf-8")
        if media == "application/x-www-form-urlencoded":
            params = params + parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        return problem(400, "Bad encoding", "the request body is not UTF-8")
    if media == "application/sparql-query":
        if any(k in ("query", "update") for k, _ in params):
            return problem(400, "More than one query", "the body is the query: no 'query' parameter too")
        return await run_query(backend, [*params, ("query", text)], accept)
    if media == "application/sparql-update":
        return await run_update(backend, authorization, [*params, ("update", text)])
    if media == "application/x-www-form-urlencoded":
        if any(k == "update" for k, _ in params) and not any(k == "query" for k, _ in params):
            return await run_update(backend, authorization, params)
        return await run_query(backend, params, accept)
    return problem(415, "Unsupported media type", "POST a query as application/sparql-query or "
                   "application/x-www-form-urlencoded, an update as application/sparql-update")
