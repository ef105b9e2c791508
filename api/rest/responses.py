"""What the REST routes declare in ``/openapi.json`` besides their 200 answer: every other status a
route can give, with its media type and schema, so that a client (and the Schemathesis run of
``tests/test_schemathesis.py``) can rely on the document.

Errors are RFC 9457 problems (``application/problem+json``, :mod:`api.rest.problems`); FastAPI's
own 422 declaration (``application/json``, ``HTTPValidationError``) is replaced, because the
problem handler answers request-validation errors too.

Routes outside ``/api/`` answer other media types, declared here too: FHIR resources and
OperationOutcome errors (``application/fhir+json``, :func:`fhir`), RDF documents in the negotiated
format (:func:`rdf_document`), SPARQL results (:func:`sparql`).

>>> sorted(declare(404, 422, redirects=True))
[301, 304, 307, 404, 422]
>>> sorted(fhir("A Bundle", 400, 422))
[200, 304, 400, 422]
"""

from __future__ import annotations

from typing import Any

from api.rest.problems import FHIR_MEDIA, PROBLEM_MEDIA

#: an RFC 9457 problem as :func:`api.rest.problems.problem_response` writes it
PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object", "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "invalidParams": {"type": "array", "items": {
            "type": "object", "required": ["name", "reason"],
            "properties": {"name": {"type": "string"}, "in": {"type": "string"}, "reason": {"type": "string"}}}},
        "closeMatches": {"type": "array", "items": {
            "type": "object", "required": ["id", "label"],
            "properties": {"id": {"type": "string"}, "label": {"type": ["string", "null"]},
                           "matched": {"type": "string"}}}},
    },
}

_WHY = {
    400: "A parameter the schema admits but this API cannot use (an empty `q`, a `cursor` it did not "
         "issue, a filter value that names nothing); `invalidParams` names it",
    404: "Unknown id; `closeMatches` lists similar ones",
    422: "A parameter of the wrong type, out of range or in conflict with another; `invalidParams` names it",
}
_NOT_MODIFIED = {304: {"description": "Not modified: `If-None-Match` named the current ETag"}}
_LOCATION = {"Location": {"description": "The same URL with the canonical id", "schema": {"type": "string"}}}


def problem(status: int, description: str | None = None) -> dict[str, Any]:
    """The declaration of one problem answer."""
    return {"description": description or _WHY[status],
            "content": {PROBLEM_MEDIA: {"schema": PROBLEM_SCHEMA}}}


def declare(*problems: int, redirects: bool = False) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a cached REST route: 304 (``If-None-Match``), the listed problem statuses,
    and with ``redirects`` the 301/307 of :func:`api.rest.common.canonical`."""
    out: dict[int | str, dict[str, Any]] = {**_NOT_MODIFIED}
    if redirects:
        out[301] = {"description": "Another spelling of the canonical id: redirect to it", "headers": _LOCATION}
        out[307] = {"description": "An id found through data that may change (a cross-reference, a label, "
                                   "a secondary id): redirect to the canonical id", "headers": _LOCATION}
    for status in problems:
        out[status] = problem(status)
    return out


_TEXT: dict[str, Any] = {"type": "string"}
#: a JSON document whose shape the media type defines (JSON-LD, SPARQL results): an object or array
_JSON_DOCUMENT: dict[str, Any] = {"type": ["object", "array"]}


def media_content(media_types: list[str]) -> dict[str, Any]:
    """The ``content`` of an answer in any of ``media_types`` (parameters such as ``charset`` are
    dropped): a JSON document for a ``json`` type, else text."""
    return {m.split(";")[0]: {"schema": _JSON_DOCUMENT if "json" in m else _TEXT} for m in media_types}


def graph_content(formats: set[str] | None = None) -> dict[str, Any]:
    """The ``content`` of an RDF graph in one of ``formats`` (short names of
    :data:`api.results.GRAPH_MEDIA`; all of them by default)."""
    from api.results import GRAPH_MEDIA

    return media_content([media for name, (media, _) in GRAPH_MEDIA.items() if formats is None or name in formats])


def rdf_document(description: str, json_listing: bool = False, *, html: bool = False,
                 formats: set[str] | None = None, errors: dict[int, str] | None = None
                 ) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route that answers an RDF graph in the format ``Accept`` or ``format``
    asks for (``formats``, default every one of :data:`api.results.GRAPH_MEDIA`), or 406 when it
    names none of them; with ``json_listing``, also a JSON array (``Accept: application/json`` or
    ``format=json``); with ``html``, also an HTML page for browsers; ``errors``: the other problem
    statuses the route gives, with why."""
    content = graph_content(formats)
    if html:
        content["text/html"] = {"schema": _TEXT}
    if json_listing:
        content["application/json"] = {"schema": {"type": "array", "items": {"type": "object"}}}
    out: dict[int | str, dict[str, Any]] = {
        200: {"description": description, "content": content},
        406: problem(406, "No format named by `Accept` or `format` is available")}
    for status, why in (errors or {}).items():
        out[status] = problem(status, why)
    return out


def query_parameters(*specs: tuple[str, str, dict[str, Any]]) -> dict[str, Any]:
    """``openapi_extra=`` for a route that reads its optional query parameters from the request
    itself (content negotiation, the SPARQL protocol): each (name, description, schema)."""
    return {"parameters": [{"name": name, "in": "query", "required": False, "description": why, "schema": schema}
                           for name, why, schema in specs]}


def format_parameter(names: list[str], also: str = "") -> tuple[str, str, dict[str, Any]]:
    """The ``format`` parameter naming one of ``names`` (it wins over ``Accept``)."""
    return ("format", "The answer's format (wins over `Accept`)" + also, {"type": "string", "enum": names})


#: the problems of the SPARQL protocol (:mod:`api.sparql`), by status
_SPARQL_WHY = {
    400: "A malformed query (the parser's message with line and column), a missing or repeated query, "
         "query and update together, a bad parameter, a refused remote call or a body that is not UTF-8",
    403: "An update without the admin token (or any update on a read-only endpoint)",
    406: "No format named by `Accept` or `format` fits the query form",
    413: "A body larger than the configured limit",
    415: "A body that is neither a SPARQL query, a SPARQL update nor a form",
    500: "The store failed while answering (its query worker is replaced)",
    503: "Every query worker is busy; `Retry-After` says when to ask again",
    504: "The query took longer than the time limit",
}


def sparql(description: str, *statuses: int, extra: tuple[str, ...] = (), updates: bool = False
           ) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a SPARQL protocol route: SELECT/ASK results and CONSTRUCT/DESCRIBE graphs
    in every format :mod:`api.results` writes (and the ``extra`` media types), 204 after an update
    with ``updates``, and the listed problem statuses."""
    from api.results import RESULT_MEDIA

    content = {**media_content([*RESULT_MEDIA.values(), *extra]), **graph_content()}
    out: dict[int | str, dict[str, Any]] = {200: {"description": description, "content": content}}
    if updates:
        out[204] = {"description": "The update was applied"}
    for status in statuses:
        out[status] = problem(status, _SPARQL_WHY[status])
    return out


#: a FHIR R4B OperationOutcome as :func:`api.rest.problems.problem_response` writes it under /fhir/
OUTCOME_SCHEMA: dict[str, Any] = {
    "type": "object", "required": ["resourceType", "issue"],
    "properties": {
        "resourceType": {"type": "string", "enum": ["OperationOutcome"]},
        "issue": {"type": "array", "minItems": 1, "items": {
            "type": "object", "required": ["severity", "code"],
            "properties": {"severity": {"type": "string"}, "code": {"type": "string"},
                           "diagnostics": {"type": "string"}}}},
    },
}
_RESOURCE_SCHEMA: dict[str, Any] = {"type": "object", "required": ["resourceType"],
                                    "properties": {"resourceType": {"type": "string"}}}
_FHIR_WHY = {
    400: "A search parameter that names nothing (e.g. an unknown `condition`)",
    404: "Unknown id",
    422: "A parameter of the wrong type or out of range",
}


def fhir(description: str, *outcomes: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a cached FHIR route (with ``response_class=Response``): the resource or
    Bundle as ``application/fhir+json``, 304 (``If-None-Match``), and each listed error status as
    an OperationOutcome."""
    out: dict[int | str, dict[str, Any]] = {
        200: {"description": description, "content": {FHIR_MEDIA: {"schema": _RESOURCE_SCHEMA}}}, **_NOT_MODIFIED}
    for status in outcomes:
        out[status] = {"description": _FHIR_WHY[status], "content": {FHIR_MEDIA: {"schema": OUTCOME_SCHEMA}}}
    return out
