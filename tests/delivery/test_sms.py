"""Text messages through a real HTTP gateway on loopback: a signed POST of an approved template
and its parameters (the signature checked here by its own recipe), the consumer told of a
proposal on the phone they filed with, the gateway's refusal final; the development file keeps
each message with the number masked."""

import hashlib
import hmac
import json
import urllib.parse
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import update

from db.models import Account, Delivery
from db.session import Database
from delivery.sms import FileSmsSink, SmsMessage, read_sent
from settings import Settings
from tests.support import ENTERPRISE_NAME, eventually, rows
from tests.support.api import Api, file
from tests.support.browser import serve
from tests.support.receiver import Receiver

SECRET = "gateway-secret-for-tests"


def signed_rightly(fields: dict[str, str]) -> bool:
    given = fields.pop("signature")
    canonical = "&".join(f"{k}={urllib.parse.quote(fields[k], safe='')}" for k in sorted(fields))
    return hmac.compare_digest(
        given, hmac.new(SECRET.encode(), canonical.encode(), hashlib.sha256).hexdigest()
    )


@pytest.fixture
async def gateway() -> AsyncIterator[tuple[Receiver, str]]:
    receiver = Receiver(reply=b'{"code": "OK", "message_id": "SMS-0001"}')
    async with serve(receiver.app()) as url:
        yield receiver, url


@pytest.fixture
def settings(settings: Settings, gateway: tuple[Receiver, str]) -> Settings:
    return settings.model_copy(
        update={
            "smtp_host": "",
            "sms_gateway": "http",
            "sms_url": f"{gateway[1]}/sms/send",
            "sms_app_key": "app-1",
            "sms_secret": SecretStr(SECRET),
            "sms_templates": {"proposed": "SMS_20261204_1"},
            "delivery_first_retry_seconds": 0.2,
        }
    )


async def proposed(api: Api) -> dict:
    case = await file(api)
    no = case["tracking_no"]
    assert (
        await api.post(f"/api/complaints/{no}/response", {"message": "已联系"}, as_="minghui")
    ).status_code == 200
    body = {"measures": ["replace"], "detail": "免费更换新品"}
    assert (await api.post(f"/api/complaints/{no}/proposal", body, as_="minghui")).status_code == 200
    return case


async def test_the_consumer_is_texted_of_the_proposal(
    api: Api, db: Database, gateway: tuple[Receiver, str]
) -> None:
    receiver, _ = gateway
    case = await proposed(api)

    async def texted() -> list[dict[str, str]]:
        found = [json.loads(r.body) for r in receiver.received]
        return [f for f in found if f["template_code"] == "SMS_20261204_1"]

    [request] = await eventually(texted, what="the consumer's text message")
    assert request["phone"] == "13812341234" and request["sign_name"] == "市场监管"
    params = json.loads(request["template_param"])
    assert (params["no"], params["name"]) == (case["tracking_no"], ENTERPRISE_NAME)  # the registry's name
    assert signed_rightly(request)
    to_consumer = (Delivery.recipient == "consumer", Delivery.channel == "sms")
    [delivery] = await rows(db, Delivery, *to_consumer, Delivery.notification_key.contains(":proposed:"))

    async def done() -> Delivery | None:
        [d] = await rows(db, Delivery, Delivery.id == delivery.id)
        return d if d.status == "sent" else None

    delivery = await eventually(done, what="the delivery recorded")
    assert delivery.address_masked == "138****1234" and delivery.provider_id == "SMS-0001"


async def test_a_refusal_by_the_gateway_is_final(
    api: Api, db: Database, gateway: tuple[Receiver, str]
) -> None:
    receiver, _ = gateway
    receiver.reply = b'{"code": "isv.MOBILE_NUMBER_ILLEGAL", "message": "bad number"}'
    async with db.transaction() as session:
        await session.execute(
            update(Account).where(Account.id == "ent-minghui").values(phone="13900001111", channels=["sms"])
        )
    case = await file(api)

    async def dead() -> list[Delivery]:
        found = await rows(db, Delivery, Delivery.channel == "sms", Delivery.status == "dead")
        return [d for d in found if case["tracking_no"] in d.notification_key]

    [refused] = await eventually(dead, what="the refused message dead-lettered")
    assert refused.attempts == 1 and "MOBILE_NUMBER_ILLEGAL" in (refused.last_error or "")
    assert refused.address_masked == "139****1111" and "13900001111" not in (refused.last_error or "")


async def test_the_development_file_keeps_each_message_with_the_number_masked(tmp_path: Path) -> None:
    path = tmp_path / "sms.jsonl"
    text = "投诉CP-1：企业提出了解决方案，请答复"
    await FileSmsSink(path).send(SmsMessage("13812341234", "AFTERSALES_PROPOSED", {"no": "CP-1"}, text))
    [line] = read_sent(path)
    assert (line["to"], line["template"], line["text"]) == ("138****1234", "AFTERSALES_PROPOSED", text)
    assert "13812341234" not in path.read_text(encoding="utf-8")
    assert read_sent(tmp_path / "nothing.jsonl") == []
