"""The pages adapter: routes, templates, static files and translations, mounted on the same
FastAPI application as the JSON API, over the same use cases."""

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from web.routes import (
    accounts,
    archive,
    audit,
    cases,
    dashboard,
    deliveries,
    duplicates,
    imports,
    keys,
    notifications,
    public,
    record,
    reports,
    staff,
    supervision,
    tasks,
    whatif,
)

STATIC = Path(__file__).parent / "static"


def mount(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(public.router)
    app.include_router(staff.router)
    app.include_router(record.router)
    app.include_router(cases.router)
    app.include_router(tasks.router)
    app.include_router(supervision.router)
    app.include_router(notifications.router)
    app.include_router(deliveries.router)
    app.include_router(dashboard.router)
    app.include_router(audit.router)
    app.include_router(reports.router)
    app.include_router(archive.router)
    app.include_router(keys.router)
    app.include_router(accounts.router)
    app.include_router(whatif.router)
    app.include_router(imports.router)
    app.include_router(duplicates.router)
