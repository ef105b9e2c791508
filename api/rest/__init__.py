"""The REST API under ``/api/v1/`` (one router module per resource), its problem-details error
handlers, and the offline API docs at ``/docs``.

``/docs`` is Swagger UI served from this app: its JavaScript and CSS come from the PyPI package
``swagger-ui-py`` (which vendors swagger-ui-dist 5.x, needed for OpenAPI 3.1), mounted at
``/docs/static``; nothing is fetched from a CDN.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from api.rest import (
    centres,
    coverage,
    domains,
    entities,
    places,
    problems,
    publications,
    referral,
    stats,
    trials,
)


def swagger_static() -> Path:
    """The folder of Swagger UI's files inside the installed ``swagger-ui-py`` package."""
    import swagger_ui  # the PyPI package swagger-ui-py

    return Path(swagger_ui.__file__).resolve().parent / "static"


def install(app: FastAPI) -> None:
    """Add the REST routers, the error handlers and ``/docs`` to ``app``."""
    problems.install(app)
    # an entity id may hold a "/" (oncotree:MDS/MPN), so its routes take the rest of the path: the
    # ones with a suffix (/centres, /trials) must come before /entities/{entity:path}
    for module in (referral, entities, centres, trials, publications, domains, coverage, stats, places):
        app.include_router(module.router)
    app.mount("/docs/static", StaticFiles(directory=swagger_static()), name="swagger-ui")

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="/openapi.json", title="rarekg API",
                                   swagger_js_url="/docs/static/swagger-ui-bundle.js",
                                   swagger_css_url="/docs/static/swagger-ui.css",
                                   swagger_favicon_url="/docs/static/favicon-32x32.png")
