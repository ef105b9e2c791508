"""What the REST routes declare in ``/openapi.json`` besides their 200 answer: every other status a
route can give, with its media type and schema, so that a client (and the Schemathesis run of
``tests/test_schemathesis.py``) can rely on the document.

Errors are RFC 9457 problems (``application/problem+json``, :mod:`api.rest.problems`); FastAPI's
own 422 declaration (``application/json``, ``HTTPValidationError``) is replaced, because the
problem handler answers request-validation errors too.

>>> sorted(declare(404, 422, redirects=True))
[301, 304, 307, 404, 422]
"""

from __future__ import annotations

from typing import Any

from api.rest.problems import PROBLEM_MEDIA

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
_LOCATION = {"Location": {"description": "The same URL with the canonical id", "schema": {"type": "string"}}}


def problem(status: int, description: str | None = None) -> dict[str, Any]:
    """The declaration of one problem answer."""
    return {"description": description or _WHY[status],
            "content": {PROBLEM_MEDIA: {"schema": PROBLEM_SCHEMA}}}


def declare(*problems: int, redirects: bool = False) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a cached REST route: 304 (``If-None-Match``), the listed problem statuses,
    and with ``redirects`` the 301/307 of :func:`api.rest.common.canonical`."""
    out: dict[int | str, dict[str, Any]] = {
        304: {"description": "Not modified: `If-None-Match` named the current ETag"}}
    if redirects:
        out[301] = {"description": "Another spelling of the canonical id: redirect to it", "headers": _LOCATION}
        out[307] = {"description": "An id found through data that may change (a cross-reference, a label, "
                                   "a secondary id): redirect to the canonical id", "headers": _LOCATION}
    for status in problems:
        out[status] = problem(status)
    return out


def rdf_document(description: str, json_listing: bool = False) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route that answers an RDF graph in the format ``Accept`` or ``format``
    asks for (:data:`api.results.GRAPH_MEDIA`), or 406 when it names none of them; with
    ``json_listing``, also a JSON array (``Accept: application/json`` or ``format=json``)."""
    from api.results import GRAPH_MEDIA

    content: dict[str, Any] = {m.split(";")[0]: {"schema": {"type": "string"}} for m, _ in GRAPH_MEDIA.values()}
    if json_listing:
        content["application/json"] = {"schema": {"type": "array", "items": {"type": "object"}}}
    return {200: {"description": description, "content": content},
            406: problem(406, "No RDF format named by `Accept` or `format` is available")}
