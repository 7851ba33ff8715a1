"""A complaint filed while no worker runs is kept, and registered when a worker comes back."""

import httpx
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from db.session import Database
from settings import Settings
from tests.support import eventually
from tests.support.api import Api, complaint
from worker import build_worker


async def test_intake_without_a_worker_answers_202_and_the_case_registers_later(
    dev_env: WorkflowEnvironment, settings: Settings, db: Database, tokens: dict[str, str]
) -> None:
    impatient = settings.model_copy(update={"intake_wait_seconds": 1.0})
    app = create_app(impatient, temporal=dev_env.client, db=db)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api") as http,
    ):
        api = Api(http, tokens)
        response = await api.post("/api/complaints", complaint())
        assert response.status_code == 202, response.text
        receipt = response.json()
        assert receipt["status"] == "received" and receipt["deadlines"] is None
        assert receipt["access_code"]

        async with build_worker(dev_env.client, settings, db):

            async def registered() -> dict | None:
                view = await api.get(
                    f"/api/complaints/{receipt['tracking_no']}",
                    headers={"X-Access-Code": receipt["access_code"]},
                )
                return view.json() if view.status_code == 200 else None

            view = await eventually(registered, what="the case registered")
            assert view["status"] == "forwarded"
