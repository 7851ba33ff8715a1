"""The FastAPI application: JSON API and OpenAPI docs (`uvicorn api.app:create_app --factory`)."""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.utils import get_openapi
from temporalio.client import Client

from api import (
    accounts,
    archive,
    auditlog,
    auth,
    codec,
    complaints,
    enterprises,
    errors,
    intake,
    metrics,
    reports,
    tasks,
)
from api.audit import AuditMiddleware
from api.ratelimit import RateLimiter
from api.security import RedactPathTokens, SecurityHeaders
from db.policies import PolicyStore
from db.session import Database
from settings import Settings
from temporal_client import connect

DESCRIPTION = """
Consumers file after-sales complaints; each runs as a durable Temporal workflow that keeps the
legal deadlines (response within 24 hours, resolution within 3 PRC working days), escalates
by itself, and takes each party's actions as signals.

Authenticate with `Authorization: Bearer <token>`: an access token from `POST /api/auth/login`
(refresh it with `POST /api/auth/refresh`), or an API key (`ask_…`). A consumer follows a case
with its tracking number and the `X-Access-Code` header. Action endpoints take an
`Idempotency-Key` header.
"""


def create_app(
    settings: Settings | None = None, *, temporal: Client | None = None, db: Database | None = None
) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.settings = settings
        app.state.db = db or Database(settings.database)
        app.state.temporal = temporal or await connect(settings)
        app.state.calendar = settings.working_calendar()
        app.state.policies = PolicyStore(settings.policy_file, app.state.db)
        app.state.login_limiter = RateLimiter(settings.login_rate_per_minute)
        app.state.intake_limiter = RateLimiter(settings.intake_rate_per_minute)
        yield
        if db is None:
            await app.state.db.dispose()

    app = FastAPI(
        title="Aftersales Supervision",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        max_body_size=errors.MAX_BODY_BYTES,
    )
    errors.install(app)
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
    logging.getLogger("uvicorn.access").addFilter(RedactPathTokens())
    app.include_router(auth.router)
    app.include_router(intake.router)
    app.include_router(codec.router)
    app.include_router(complaints.router)
    app.include_router(tasks.router)
    app.include_router(enterprises.router)
    app.include_router(metrics.router)
    app.include_router(reports.router)
    app.include_router(archive.router)
    app.include_router(auditlog.router)
    app.include_router(accounts.router)

    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]

    @app.get("/api/health", tags=["health"])
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    return app


INVALID = {
    "title": "Invalid",
    "type": "object",
    "properties": {
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "reason"],
                "properties": {"field": {"type": "string"}, "reason": {"type": "string"}},
            },
        },
    },
    "required": ["detail", "errors"],
}


def _openapi(app: FastAPI) -> dict[str, Any]:
    """The generated schema, with 422 answers as this API gives them: each field and its reason."""
    if app.openapi_schema is None:
        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components["HTTPValidationError"] = INVALID
        components.pop("ValidationError", None)
        app.openapi_schema = schema
    return app.openapi_schema
