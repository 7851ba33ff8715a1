"""The API as the tests drive it: a client with a helper per role, a complaint's body, filing
one, and waits on what the read model shows."""

from typing import Any

import httpx
from google.protobuf.json_format import MessageToDict
from temporalio.api.common.v1 import Payload, Payloads

from tests.support import ENTERPRISE_CODE, eventually


class Api:
    """An HTTP client with a helper per role."""

    def __init__(self, http: httpx.AsyncClient, tokens: dict[str, str], app: Any = None) -> None:
        self.http, self.tokens, self.app = http, tokens, app

    def auth(self, username: str | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[username]}"} if username else {}

    async def get(self, path: str, as_: str | None = None, **kwargs: Any) -> httpx.Response:
        headers = {**self.auth(as_), **kwargs.pop("headers", {})}
        return await self.http.get(path, headers=headers, **kwargs)

    async def post(self, path: str, body: Any, as_: str | None = None, **kwargs: Any) -> httpx.Response:
        headers = {**self.auth(as_), **kwargs.pop("headers", {})}
        return await self.http.post(path, json=body, headers=headers, **kwargs)

    async def put(self, path: str, body: Any, as_: str | None = None, **kwargs: Any) -> httpx.Response:
        headers = {**self.auth(as_), **kwargs.pop("headers", {})}
        return await self.http.put(path, json=body, headers=headers, **kwargs)


async def login(api: Api, password: str) -> dict:
    got = await api.post("/api/auth/login", {"username": "supervisor", "password": password})
    assert got.status_code == 200, got.text
    return got.json()


def complaint(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "channel": "web",
        "consumer": {"name": "张三", "phone": "138 1234 1234", "email": "zhang@example.com"},
        "enterprise": {"credit_code": ENTERPRISE_CODE},
        "product": {"name": "电热水壶", "model": "MH-17", "purchase_date": "2026-11-01", "amount": "199.00"},
        "region_code": "310115",
        "category": "product_quality",
        "description": "水壶用了两周底座松动,无法加热。",
        "desired_outcome": "replace",
    }
    body.update(overrides)
    return body


USERNAMES = {"inv-li": "investigator1", "inv-chen": "investigator2"}


async def assigned_investigator(api: Api, tracking_no: str) -> str:
    """The investigator's account id, once the assignment (a moment after intake) is in the read
    model, and so the case in the investigator's list."""

    async def probe() -> str | None:
        view = (await api.get(f"/api/complaints/{tracking_no}", as_="supervisor")).json()
        investigator = (view.get("investigation") or {}).get("investigator_id")
        if investigator is None:
            return None
        seen = await api.get(f"/api/complaints/{tracking_no}", as_=USERNAMES[investigator])
        return investigator if seen.status_code == 200 else None

    return await eventually(probe, what="an investigator")


async def file(api: Api, **overrides: object) -> dict:
    response = await api.post("/api/complaints", complaint(**overrides))
    assert response.status_code == 201, response.text
    return response.json()


REPORT = {
    "cause_analysis": "维修网点备件不足",
    "improvement_measures": "增加备件库存",
    "implementation_effect": "返修率下降40%",
}


async def task_view(api: Api, no: str) -> dict | None:
    """The case's view once its task is started and in the read model."""
    view = (await api.get(f"/api/complaints/{no}", as_="supervisor")).json()
    if not view["task"]:
        return None
    task = await api.get(f"/api/tasks/{view['task']['task_id']}", as_="supervisor")
    return view if task.status_code == 200 else None


PLAIN = Payload(metadata={"encoding": b"json/plain"}, data=b'"matrix"')


def payloads(*items: Payload) -> dict[str, Any]:
    return MessageToDict(Payloads(payloads=list(items)))
