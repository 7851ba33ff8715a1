"""The codec server: supervisors and auditors read payloads in clear, supervisors and admins
encode, nobody else; a login's token in the path for the Web UI, never an API key; each call
audited; the Web UI's origin allowed by CORS."""

import base64
import json

import pytest

from db.models import AuditEntry
from db.session import Database
from temporal_client import ENCODING, KEY_ID
from tests.support import rows
from tests.support.api import PLAIN, Api, login, payloads


@pytest.fixture
async def access_token(api: Api, password: str) -> str:
    """A supervisor's login."""
    return (await login(api, password))["access_token"]


def data(answer: dict) -> bytes:
    return base64.b64decode(answer["payloads"][0]["data"])


def metadata(answer: dict, name: str) -> bytes:
    return base64.b64decode(answer["payloads"][0]["metadata"][name])


async def test_encoded_by_a_supervisor_decoded_by_an_auditor(api: Api, db: Database) -> None:
    sealed = await api.post("/codec/encode", payloads(PLAIN), as_="supervisor")
    assert sealed.status_code == 200, sealed.text
    assert metadata(sealed.json(), "encoding") == ENCODING
    assert metadata(sealed.json(), KEY_ID) == b"test-2"  # the ring's first key writes
    assert b"matrix" not in data(sealed.json())

    opened = await api.post("/codec/decode", sealed.json(), as_="auditor", headers={"X-Namespace": "default"})
    assert opened.status_code == 200 and data(opened.json()) == b'"matrix"'
    # What is not encrypted passes through unchanged.
    plain = await api.post("/codec/decode", payloads(PLAIN), as_="auditor")
    assert data(plain.json()) == b'"matrix"'

    audited = await rows(db, AuditEntry, AuditEntry.action == "POST /codec/decode")
    assert [(e.actor_role, e.outcome, e.detail) for e in audited] == [
        ("auditor", 200, "decoded 1 payloads, namespace default"),
        ("auditor", 200, "decoded 1 payloads, namespace -"),
    ]


async def test_only_the_roles_that_may_use_it(api: Api) -> None:
    sealed = (await api.post("/codec/encode", payloads(PLAIN), as_="supervisor")).json()
    for role, path, status in [
        (None, "/codec/decode", 401),
        ("minghui", "/codec/decode", 403),
        ("investigator1", "/codec/decode", 403),
        ("evaluator1", "/codec/decode", 403),
        ("clerk", "/codec/decode", 403),
        ("auditor", "/codec/encode", 403),
        ("admin", "/codec/encode", 200),
        ("admin", "/codec/decode", 200),
    ]:
        got = await api.post(path, sealed, as_=role)
        assert got.status_code == status, (role, path, got.text)


async def test_the_web_ui_path_takes_a_login_token_and_never_an_api_key(api: Api, access_token: str) -> None:
    sealed = (await api.post("/codec/encode", payloads(PLAIN), as_="supervisor")).json()
    opened = await api.post(f"/codec/t/{access_token}/decode", sealed)
    assert opened.status_code == 200 and data(opened.json()) == b'"matrix"'
    key = await api.post(f"/codec/t/{api.tokens['supervisor']}/decode", sealed)
    assert key.status_code == 401 and "not an API key" in key.json()["detail"]
    bearer = {"Authorization": f"Bearer {access_token}"}
    assert (await api.post("/api/auth/logout", {}, headers=bearer)).status_code == 204
    assert (await api.post(f"/codec/t/{access_token}/decode", sealed)).status_code == 401


async def test_bad_payloads_name_the_field(api: Api) -> None:
    for body, field in (
        ({"payloads": "nope"}, "payloads"),
        ([1, 2], "body"),
        ({"payloads": [{"data": "!"}]}, "payloads.0.data"),
    ):
        got = await api.post("/codec/decode", body, as_="supervisor")
        assert got.status_code == 422 and got.json()["errors"][0]["field"] == field
    sealed = (await api.post("/codec/encode", payloads(PLAIN), as_="supervisor")).json()
    sealed["payloads"][0]["data"] = base64.b64encode(b"x" * 40).decode()
    broken = await api.post("/codec/decode", sealed, as_="supervisor")
    assert broken.status_code == 422 and "does not decrypt" in json.dumps(broken.json())


async def test_the_web_uis_origin_may_call_it(api: Api) -> None:
    def preflight(origin: str) -> dict[str, str]:
        return {
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,x-namespace",
        }

    allowed = await api.http.options("/codec/decode", headers=preflight("http://localhost:8233"))
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "http://localhost:8233"
    other = await api.http.options("/codec/decode", headers=preflight("https://elsewhere.example"))
    assert "access-control-allow-origin" not in other.headers
