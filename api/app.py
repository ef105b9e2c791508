"""The app factory: one FastAPI app with the SPARQL endpoint, discovery, downloads, the query page
and dereferenceable IRIs (one router per concern)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles

from api import discovery, downloads, fhir, linked_data, pages, rest, sparql
from api.backend import Backend
from api.settings import Settings
from kg import __version__
from kg.store.graphstore import GraphStore

DESCRIPTION = ("Knowledge graph of rare adult cancers and the EURACAN network: a REST API for referral tools "
               "(`/api/v1/`), FHIR R4B (`/fhir/`), a SPARQL 1.1 endpoint (`/sparql`), linked data and dumps. "
               "Errors are RFC 9457 problem details; ids are accepted in any form and redirect to the canonical id.")
WEB_DIR = Path(__file__).resolve().parent.parent / "web"


def create_app(store: GraphStore, settings: Settings | None = None) -> FastAPI:
    """A FastAPI app serving ``store``.

    An on-disk store gets query worker processes (started with the app, see :mod:`api.limits`);
    pass a store opened with ``read_only=True`` when several processes serve it."""
    settings = settings or Settings()
    backend = Backend(store, settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await backend.runner.start()
        # the REST snapshot, the tables of every centre and trial and the referral index, built
        # before the first request (seconds to a minute each at scale 100, bench/README.md); the
        # tables first, so that the index reuses the memory their reading freed
        catalogue = rest.common.catalogue_of(backend, app.state)
        backend.graph_counts()      # for /stats, the service description, VoID and the dumps
        rest.views.centre_rows(catalogue)
        rest.views.trial_rows(catalogue)
        rest.referral.engine(backend, catalogue)
        try:
            yield
        finally:
            await backend.runner.close()

    app = FastAPI(title="rarekg", version=__version__, lifespan=lifespan,
                  description=DESCRIPTION,
                  openapi_url="/openapi.json", docs_url=None, redoc_url=None)
    app.state.backend = backend
    app.state.store = store
    app.state.settings = settings
    app.state.web_dir = WEB_DIR
    app.state.void = None                   # (store state key, VoID statistics), see api.discovery
    app.state.void_lock = asyncio.Lock()
    # Read-only use from any origin; updates need an Authorization header, which is allowed too
    # but never with credentials (cookies), so a browser cannot replay someone's session.
    app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["GET", "POST", "OPTIONS"],
                       allow_headers=["Accept", "Content-Type", "Authorization"],
                       expose_headers=["X-Rarekg-Rows", "X-Rarekg-Truncated"], allow_credentials=False)

    @app.get("/health", tags=["service"], summary="Liveness, the store's named graphs, query workers")
    async def health() -> dict[str, object]:
        return {"status": "ok", "version": __version__, "graphs": len(backend.store.graphs()),
                "query_workers": backend.runner.size, "killed_for_timeout": backend.runner.killed,
                "replaced_workers": backend.runner.replaced, "query_worker_pids": backend.runner.pids(),
                "bounded_lookups": backend.lookups}

    app.include_router(sparql.router)
    rest.install(app)
    app.include_router(fhir.router)
    app.include_router(pages.router)
    app.include_router(discovery.router)
    app.include_router(downloads.router)
    app.mount("/web", StaticFiles(directory=WEB_DIR), name="web")
    app.include_router(linked_data.router)   # last: its /{kind}/{path} must not shadow the others
    return app
