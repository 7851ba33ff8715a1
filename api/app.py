"""The FastAPI application of the JSON API and its OpenAPI docs; `application.py` adds the
pages beside it."""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from temporalio.client import Client

from api.core import codec, errors, openapi
from api.core.audit import AuditMiddleware
from api.core.observe import Observed
from api.core.proxies import ForwardedClient
from api.core.security import BodyLimit, RedactPathTokens, SecurityHeaders
from api.routes import (
    accounts,
    archive,
    audit_log,
    auth,
    complaints,
    deliveries,
    duplicates,
    enterprises,
    imports,
    intake,
    metrics,
    notices,
    operations,
    reports,
    staff_accounts,
    tasks,
    webhooks,
)
from db.session import Database
from services.context import Resources
from services.import_runs import MAX_BYTES as MAX_IMPORT_BYTES
from settings import Settings

DESCRIPTION = """
Consumers file after-sales complaints; each runs as a durable Temporal workflow that keeps the
legal deadlines (response within 24 hours, resolution within 3 PRC working days), escalates
by itself, and takes each party's actions as signals.

Authenticate with `Authorization: Bearer <token>`: an access token from `POST /api/auth/login`
(refresh it with `POST /api/auth/refresh`), or an API key (`ask_…`). A consumer follows a case
with its tracking number and the `X-Access-Code` header. Action endpoints take an
`Idempotency-Key` header.
"""
ROUTERS = (
    auth,
    intake,
    codec,
    complaints,
    tasks,
    enterprises,
    notices,
    metrics,
    reports,
    archive,
    audit_log,
    accounts,
    staff_accounts,
    deliveries,
    webhooks,
    duplicates,
    imports,
    operations,
)


def create_app(
    settings: Settings | None = None, *, temporal: Client | None = None, db: Database | None = None
) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.resources = await Resources.open(settings, temporal=temporal, db=db)
        yield
        await app.state.resources.close(dispose_db=db is None)

    app = FastAPI(
        title="Aftersales Supervision",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    errors.install(app)
    upload_bytes = settings.upload_max_files * settings.upload_max_bytes + 1024 * 1024
    app.add_middleware(
        BodyLimit,
        max_bytes=errors.MAX_BODY_BYTES,
        upload_bytes=upload_bytes,
        api_uploads={"/api/imports": MAX_IMPORT_BYTES + 1024 * 1024},  # the export and its mapping
    )
    app.add_middleware(Observed)  # inside the audit's: the request id is known
    app.add_middleware(AuditMiddleware)
    app.add_middleware(SecurityHeaders)
    # The Temporal Web UI calls the codec server from its own origin.
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.codec_origins,
        allow_methods=["POST"],
        allow_headers=["content-type", "authorization", "x-namespace"],
        allow_credentials=False,
    )
    # Outermost: the audit log and the rate limits see the client behind the proxies.
    app.add_middleware(ForwardedClient, trusted=settings.trusted_proxies)
    logging.getLogger("uvicorn.access").addFilter(RedactPathTokens())
    for module in ROUTERS:
        app.include_router(module.router)
    app.openapi = lambda: openapi.document(app)  # type: ignore[method-assign]

    @app.get("/api/health", tags=["health"])
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    return app
