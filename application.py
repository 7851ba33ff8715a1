"""The one web application: the JSON API (`api/`) and the pages (`web/`), two adapters over the
same use cases, served by one process (`uvicorn application:create_app --factory`)."""

from fastapi import FastAPI, Request, Response
from starlette.exceptions import HTTPException
from temporalio.client import Client

from api.app import create_app as create_api
from api.core.errors import DATABASE_RETRY_SECONDS, database_unreachable, http_error
from api.core.security import JSON
from db.session import UNREACHABLE, Database
from settings import Settings
from web.app import mount
from web.core.route import error_page


def create_app(
    settings: Settings | None = None, *, temporal: Client | None = None, db: Database | None = None
) -> FastAPI:
    app = create_api(settings, temporal=temporal, db=db)
    mount(app)
    _errors_by_path(app)
    return app


def _errors_by_path(app: FastAPI) -> None:
    """A path no route answers, or a database that does not: the API's JSON error under the
    API, a page in the reader's language anywhere else."""

    async def answer(request: Request, exc: HTTPException) -> Response:
        if request.url.path.startswith(JSON):
            return await http_error(request, exc)
        return error_page(request, exc.status_code)

    async def database_down(request: Request, exc: Exception) -> Response:
        if request.url.path.startswith(JSON):
            return await database_unreachable(request, exc)
        page = error_page(request, 503)
        page.headers["Retry-After"] = str(DATABASE_RETRY_SECONDS)
        return page

    app.add_exception_handler(HTTPException, answer)  # type: ignore[arg-type]
    for unreachable in UNREACHABLE:
        app.add_exception_handler(unreachable, database_down)
