"""The web pages people use, served by the same app and working with no internet: the referral
finder (``/`` and ``/finder``) and the coverage view (``/coverage``: domains × countries heatmap and
an SVG map of Europe drawn from ``web/europe.geo.json``, Natural Earth via world-atlas). Entity and
centre pages are the linked-data HTML views (``/entity/orpha/44890``, ``/centre/<slug>``)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse

router = APIRouter(tags=["pages"], include_in_schema=False)


@router.get("/")
@router.get("/finder")
async def finder(request: Request) -> FileResponse:
    return FileResponse(request.app.state.web_dir / "finder.html", media_type="text/html")


@router.get("/coverage")
async def coverage(request: Request) -> FileResponse:
    return FileResponse(request.app.state.web_dir / "coverage.html", media_type="text/html")
