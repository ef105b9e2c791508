"""``/downloads``: versioned dumps (gzip N-Quads of everything, Turtle per named graph) with size,
SHA-256, licence and version, as HTML, JSON or DCAT (by content negotiation).

The files are written by :func:`kg.store.export.export` (the same files as ``rarekg export``) on the
first request after the store changed, into a folder keyed by the store's state, and reused: once
per state whatever the number of clients and HTTP processes (:func:`kg.store.export.export_once`, a lock
file in the downloads folder). While one process writes them, other requests get a 503 problem
with ``Retry-After``; the folders of older states are pruned (the previous one is kept).
"""

from __future__ import annotations

import asyncio
import html
import json
import tempfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response

from api.backend import Backend, BackendDep
from api.rest.responses import format_parameter, media_content, query_parameters, rdf_document
from api.rest.responses import problem as declared_problem
from api.results import GRAPH_MEDIA, parse_accept
from api.sparql import problem
from kg import __version__
from kg.core.errors import StoreError
from kg.core.vocab import BASE, META_GRAPH, RKG
from kg.store.export import ExportBusy, export, export_once

router = APIRouter(tags=["downloads"])

_LICENSES = f"""SELECT ?graph ?license WHERE {{ GRAPH {META_GRAPH} {{
  ?graph {RKG.currentLoad} ?load ; <http://purl.org/dc/terms/license> ?license }} }}"""
CC_BY = "https://creativecommons.org/licenses/by/4.0/"
#: seconds a client is told to wait while another process writes the dumps
RETRY_AFTER_S = 30


def dump_root(backend: Backend) -> Path:
    """Where dumps are cached: the setting, else beside the store, else a temporary folder."""
    if backend.settings.dump_dir is not None:
        return backend.settings.dump_dir
    if backend.path is not None:
        return backend.path.with_name(backend.path.name + "-dumps")
    return Path(tempfile.gettempdir()) / "rarekg-dumps"


LISTING = "downloads.json"


def build_dumps(backend: Backend, folder: Path) -> None:
    """Write every dump and the listing (:data:`LISTING`) into the empty ``folder``."""
    store = backend.store
    licenses = {r["graph"].value: r["license"].value for r in store.select(_LICENSES)}
    entries: list[dict[str, Any]] = []
    graph_by_name = {g.value.removeprefix(BASE + "graph/").replace("/", "_"): g.value for g in store.graphs()}
    for fmt in ("nquads", "turtle"):
        export(store, folder, fmt)
        for entry in json.loads((folder / "manifest.json").read_text()):
            graph = next((iri for name, iri in graph_by_name.items()
                          if entry["file"] == f"rarekg-{__version__}-{name}.ttl"), None)
            entry.update(graph=graph, media="application/n-quads" if fmt == "nquads" else "text/turtle",
                         title=f"named graph {graph} as Turtle" if graph else "every named graph as gzip N-Quads",
                         license_iri=licenses.get(graph or "", CC_BY))
            entries.append(entry)
    (folder / LISTING).write_text(json.dumps(entries, indent=2))


def _current(backend: Backend, key: str) -> tuple[Path, list[dict[str, Any]]]:
    folder = export_once(dump_root(backend), key, lambda tmp: build_dumps(backend, tmp))
    return folder, json.loads((folder / LISTING).read_text())


_BUSY = "The dumps of the current state are being written (`Retry-After` says when to ask again), or failed"


async def current_dumps(backend: Backend) -> tuple[Path, list[dict[str, Any]]] | Response:
    """The folder and listing of the current state's dumps, written now if needed; or a 503 problem
    while another process writes them."""
    try:
        return await asyncio.to_thread(_current, backend, backend.state_key())
    except ExportBusy as exc:
        return problem(503, "Dumps being written", f"{exc}; try again in {RETRY_AFTER_S} s",
                       headers={"Retry-After": str(RETRY_AFTER_S)})
    except StoreError as exc:  # a failed export, kept until the store changes (see export_once)
        return problem(503, "Dumps unavailable", str(exc))


def _html(entries: list[dict[str, Any]]) -> str:
    rows = "".join(
        f"<tr><td><a href=\"/downloads/{html.escape(e['file'])}\">{html.escape(e['file'])}</a></td>"
        f"<td>{html.escape(e['title'])}</td><td>{e['bytes']}</td><td><code>{e['sha256']}</code></td>"
        f"<td><a href=\"{html.escape(e['license_iri'])}\">{html.escape(e['license_iri'])}</a></td>"
        f"<td>{html.escape(e['version'])}</td></tr>" for e in entries)
    return (f"<!doctype html><html lang=en><head><meta charset=utf-8><title>rarekg downloads</title>"
            f"<link rel=stylesheet href=/web/style.css></head><body><h1>rarekg {__version__} downloads</h1>"
            f"<table class=results><thead><tr><th>file</th><th>content</th><th>bytes</th><th>SHA-256</th>"
            f"<th>licence</th><th>version</th></tr></thead><tbody>{rows}</tbody></table>"
            f"<p>DCAT: <a href=\"/downloads?format=turtle\">Turtle</a>. Attribution: see the provenance "
            f"graph <code>{META_GRAPH.value}</code>.</p></body></html>")


@router.get("/downloads", summary="Dumps with size, SHA-256, licence and version (HTML, JSON or DCAT)",
            response_class=Response, responses=rdf_document(
                "The listing: JSON by default (`format=json`), an HTML page for browsers, or DCAT in the RDF "
                "format `Accept` or `format` names", json_listing=True, html=True, errors={503: _BUSY}),
            openapi_extra=query_parameters(format_parameter(["json", *GRAPH_MEDIA], "; `json` is the listing, "
                                                                    "the others DCAT")))
async def downloads(request: Request, backend: BackendDep) -> Response:
    current = await current_dumps(backend)
    if isinstance(current, Response):
        return current
    _, entries = current
    fmt = request.query_params.get("format")
    ranked = parse_accept(request.headers.get("accept", ""))
    best = ranked[0] if ranked else "application/json"
    if fmt == "json" or (fmt is None and best == "application/json"):
        return JSONResponse(entries)
    if fmt is None and best in ("text/html", "application/xhtml+xml"):
        return HTMLResponse(_html(entries))
    from api.discovery import _base, _rdf_response, dcat_description
    return _rdf_response(request, dcat_description(_base(request), entries))


@router.get("/downloads/{name}", summary="One dump file", response_class=Response, responses={
    200: {"description": "The file: a named graph as Turtle, or every graph as gzip N-Quads",
          "content": media_content(["text/turtle", "application/gzip", "application/n-quads"])},
    404: declared_problem(404, "No dump of that name; `/downloads` lists them"), 422: declared_problem(422),
    503: declared_problem(503, _BUSY)})
async def download_file(name: str, backend: BackendDep) -> Response:
    current = await current_dumps(backend)
    if isinstance(current, Response):
        return current
    folder, entries = current
    entry = next((e for e in entries if e["file"] == name), None)
    if entry is None:
        return problem(404, "Not found", f"no dump named {name!r}; see /downloads")
    media = "application/gzip" if name.endswith(".gz") else entry["media"]
    return FileResponse(folder / name, media_type=media, filename=name)
