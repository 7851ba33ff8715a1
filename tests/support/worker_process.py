"""A worker in a process of its own (its settings from the environment), for a test to kill."""

import asyncio
import os

from temporalio.testing import WorkflowEnvironment

from db.session import Database
from settings import Settings
from temporal_client import connect
from tests.support import TEST_KEYS
from worker import build_worker


def worker_environment(env: WorkflowEnvironment, settings: Settings) -> dict[str, str]:
    secret = settings.secret_key.get_secret_value() if settings.secret_key else ""
    return {
        **os.environ,
        "AFTERSALES_TEMPORAL_ADDRESS": env.client.service_client.config.target_host,
        "AFTERSALES_DATABASE_URL": settings.database,
        "AFTERSALES_DATA_DIR": str(settings.data_dir),
        "AFTERSALES_TASK_QUEUE": settings.task_queue,
        "AFTERSALES_WORKFLOW_SANDBOX": "true",
        "AFTERSALES_PAYLOAD_KEYS": TEST_KEYS,
        "AFTERSALES_SECRET_KEY": secret,
        "AFTERSALES_SMTP_HOST": settings.smtp_host,
        "AFTERSALES_SMTP_PORT": str(settings.smtp_port),
        "AFTERSALES_DELIVERY_FIRST_RETRY_SECONDS": "0.2",
        "AFTERSALES_DELIVERY_ATTEMPT_SECONDS": str(settings.delivery_attempt_seconds),
    }


async def main() -> None:
    settings = Settings()
    db = Database(settings.database)
    async with build_worker(await connect(settings), settings, db):
        print("worker running", flush=True)
        await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main())
