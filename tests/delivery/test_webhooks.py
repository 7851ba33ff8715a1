"""Webhooks as an enterprise's receiver sees them: registered with a secret shown once, each
event POSTed signed as the Standard Webhooks specification has it (checked here by the spec's
own recipe, not the project's code), the same webhook-id on every retry, 5xx retried, 429
after its Retry-After, a 4xx final; a rotated secret signs beside the new one for a day."""

import base64
import hashlib
import hmac
import json
import ssl
from collections.abc import AsyncIterator

import pytest
from temporalio.testing import WorkflowEnvironment

from activities.delivery import Notifier
from db.models import Delivery, DeliveryAttempt, NotificationRow
from db.session import Database
from delivery.http import tls
from delivery.webhooks import Webhook, deliver, new_secret, url_problem
from settings import Settings
from tests.support import ENTERPRISE_CODE, eventually, rows
from tests.support.api import Api, file
from tests.support.browser import serve
from tests.support.receiver import Receiver
from worker import outbox

pytestmark = pytest.mark.sqlite_only


def verifies(secret: str, headers: dict[str, str], body: bytes) -> bool:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(
        version == "v1" and hmac.compare_digest(value, expected)
        for version, _, value in (s.partition(",") for s in headers["webhook-signature"].split())
    )


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No e-mail: the webhooks alone."""
    return settings.model_copy(
        update={"smtp_host": "", "delivery_first_retry_seconds": 0.2, "delivery_max_attempts": 6}
    )


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[Receiver, str]]:
    hooks = Receiver()
    async with serve(hooks.app()) as url:
        yield hooks, url


async def registered(api: Api, url: str) -> dict:
    answer = await api.post(
        f"/api/enterprises/{ENTERPRISE_CODE}/webhooks", {"url": f"{url}/hooks"}, as_="minghui"
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


async def sent(db: Database, tracking_no: str) -> Delivery:
    async def probe() -> Delivery | None:
        found = await rows(db, Delivery, Delivery.channel == "webhook", Delivery.status != "pending")
        return next((d for d in found if tracking_no in d.notification_key), None)

    delivery: Delivery = await eventually(probe, what="the webhook delivered")
    return delivery


async def test_each_event_is_signed_retried_with_one_id_and_carries_no_personal_data(
    api: Api, db: Database, receiver: tuple[Receiver, str]
) -> None:
    hooks, url = receiver
    endpoint = await registered(api, url)
    assert endpoint["secret"].startswith("whsec_") and endpoint["shown"] == url
    listed = (await api.get(f"/api/enterprises/{ENTERPRISE_CODE}/webhooks", as_="minghui")).json()
    assert [e["id"] for e in listed] == [endpoint["id"]] and "secret" not in listed[0]

    hooks.answer(500, times=3)
    case = await file(api)
    delivery = await sent(db, case["tracking_no"])
    assert (delivery.status, delivery.attempts) == ("sent", 4)
    attempts = await rows(db, DeliveryAttempt, DeliveryAttempt.delivery_id == delivery.id)
    assert sorted(a.result for a in attempts) == ["sent", "temporary", "temporary", "temporary"]
    assert len(hooks.received) == 4 and len({r.headers["webhook-id"] for r in hooks.received}) == 1
    for request in hooks.received:
        assert verifies(endpoint["secret"], request.headers, request.body)
        assert not verifies(
            "whsec_" + base64.b64encode(b"another secret of 24 b").decode(), request.headers, request.body
        )
    event = json.loads(hooks.received[-1].body)
    assert event["type"] == "aftersales.forwarded" and event["data"]["tracking_no"] == case["tracking_no"]
    text = hooks.received[-1].body.decode()
    assert (
        "张三" not in text and "1234" not in text and "zhang@" not in text and case["access_code"] not in text
    )


async def test_a_rotated_secret_signs_beside_the_new_one(
    api: Api, db: Database, receiver: tuple[Receiver, str]
) -> None:
    hooks, url = receiver
    endpoint = await registered(api, url)
    path = f"/api/enterprises/{ENTERPRISE_CODE}/webhooks/{endpoint['id']}/rotation"
    rotated = (await api.post(path, {}, as_="minghui")).json()
    assert rotated["secret"] != endpoint["secret"] and rotated["previous_until"]
    await file(api)
    await eventually(lambda: hooks.received, what="the event")
    request = hooks.received[0]
    assert len(request.headers["webhook-signature"].split()) == 2
    assert verifies(rotated["secret"], request.headers, request.body)
    assert verifies(endpoint["secret"], request.headers, request.body)
    beyond = await api.post(
        f"/api/enterprises/{ENTERPRISE_CODE}/webhooks/{2**53}/rotation", {}, as_="minghui"
    )
    assert beyond.status_code == 422 and beyond.json()["errors"][0]["field"] == "path.endpoint_id"


async def test_a_busy_receiver_is_waited_for_and_a_refusal_is_final(
    api: Api, db: Database, receiver: tuple[Receiver, str]
) -> None:
    hooks, url = receiver
    await registered(api, url)
    hooks.answer(429, retry_after="2")
    await file(api)
    first = await sent(db, "")
    assert first.status == "sent" and len(hooks.received) == 2
    assert hooks.received[1].at - hooks.received[0].at >= 1.5  # not the 0.2 s backoff: Retry-After

    hooks.answer(410)
    case = await file(api)

    async def dead() -> list[Delivery]:
        return await rows(db, Delivery, Delivery.channel == "webhook", Delivery.status == "dead")

    [refused] = await eventually(dead, what="the refused event dead-lettered")
    assert refused.attempts == 1 and "410" in (refused.last_error or "")
    assert case["tracking_no"] in json.loads(hooks.received[-1].body)["data"]["tracking_no"]


async def test_who_may_register_and_which_addresses(api: Api, receiver: tuple[Receiver, str]) -> None:
    _, url = receiver
    path = f"/api/enterprises/{ENTERPRISE_CODE}/webhooks"
    assert (await api.post(path, {"url": f"{url}/x"}, as_="xunjie")).status_code == 404
    assert (await api.post(path, {"url": f"{url}/x"}, as_="supervisor")).status_code == 403
    assert (await api.post(path, {"url": f"{url}/x"}, as_="admin")).status_code == 201
    bad = await api.post(path, {"url": "ftp://example.com/x"}, as_="minghui")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "url"
    assert url_problem("http://hooks.example.com/x", development=False) == "must use https"
    for private in ("https://127.0.0.1/x", "https://10.1.2.3/x", "https://[::1]/x", "https://localhost/x"):
        assert url_problem(private, development=False), private
    assert url_problem("https://hooks.example.com/x", development=False) == ""
    assert url_problem("https://user:pw@hooks.example.com/x", development=False)


async def test_without_mail_or_sms_only_an_enterprise_with_a_webhook_starts_a_delivery(
    api: Api, dev_env: WorkflowEnvironment, settings: Settings, db: Database, receiver: tuple[Receiver, str]
) -> None:
    case = await file(api)
    of_the_case = NotificationRow.tracking_no == case["tracking_no"]
    [forwarded] = await eventually(lambda: rows(db, NotificationRow, of_the_case), what="the notification")
    notifier = Notifier(dev_env.client, settings.delivery_task_queue, outbox(settings), db)
    assert await notifier.wanted([forwarded.key]) == []
    await registered(api, receiver[1])
    assert await notifier.wanted([forwarded.key]) == [forwarded.key]


async def test_an_enterprise_has_at_most_five_endpoints(api: Api, receiver: tuple[Receiver, str]) -> None:
    _, url = receiver
    path = f"/api/enterprises/{ENTERPRISE_CODE}/webhooks"
    made = [await api.post(path, {"url": f"{url}/{n}"}, as_="minghui") for n in range(5)]
    assert [m.status_code for m in made] == [201] * 5
    sixth = await api.post(path, {"url": f"{url}/6"}, as_="minghui")
    assert sixth.status_code == 409 and "at most 5" in sixth.text
    first = made[0].json()["id"]
    assert (await api.http.delete(f"{path}/{first}", headers=api.auth("minghui"))).status_code == 204
    assert (await api.post(path, {"url": f"{url}/6"}, as_="minghui")).status_code == 201


async def test_the_certificates_a_receiver_is_checked_by_are_loaded_once_not_for_each_post(
    receiver: tuple[Receiver, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    hooks, url = receiver
    loaded = []
    load = ssl.create_default_context
    monkeypatch.setattr(ssl, "create_default_context", lambda *a, **k: loaded.append(a) or load(*a, **k))
    tls.cache_clear()  # as in a new process
    hook = Webhook(url=f"{url}/hooks", secrets=[new_secret()], development=True)
    for n in range(3):
        assert await deliver(hook, f"msg_{n}", b"{}") == "HTTP 200"
    assert len(hooks.received) == 3 and len(loaded) == 1
