"""The one web application: the JSON API (`api/`) and the pages (`web/`), two adapters over the
same use cases, served by one process (`uvicorn application:create_app --factory`)."""

from fastapi import FastAPI
from temporalio.client import Client

from api.app import create_app as create_api
from db.session import Database
from settings import Settings
from web.app import mount


def create_app(
    settings: Settings | None = None, *, temporal: Client | None = None, db: Database | None = None
) -> FastAPI:
    app = create_api(settings, temporal=temporal, db=db)
    mount(app)
    return app
