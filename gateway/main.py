"""The gateway as an ASGI app: ``create_app(settings)`` builds it with its services.

uvicorn --factory gateway.main:create_app     # or: talkgate serve
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from gateway.api import errors
from gateway.api.routes import (
    audit,
    blocked,
    clips,
    consents,
    generations,
    oauth,
    partners,
    registry,
    reviews,
)
from gateway.jobs import Worker
from gateway.services import build_services
from gateway.settings import Settings, get_settings


def create_app(settings: Settings | None = None) -> FastAPI:
    """The gateway for ``settings`` (default: from the environment). Its services are
    built when the app starts, and the embedded worker runs while it serves."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        services = build_services(settings)
        worker = None
        if settings.embedded_worker:
            worker = Worker(services, lease_s=settings.job_lease_s)
            worker.start()
        app.state.services, app.state.worker = services, worker
        try:
            yield
        finally:
            if worker is not None:
                worker.stop()
            services.close()

    app = FastAPI(
        title="talkgate",
        summary="Consent-gated, watermarked, signed talking-head generation.",
        version="1",
        lifespan=lifespan,
    )
    errors.install(app)
    for module in (
        oauth,
        consents,
        generations,
        reviews,
        clips,
        registry,
        audit,
        partners,
        blocked,
    ):
        app.include_router(module.router)
    return app
