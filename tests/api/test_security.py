"""Authentication, tokens, keys, rate limits, security headers and the audit log."""

import re
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from sqlalchemy import text

from db.models import ApiKey, AuditEntry
from db.session import Database
from settings import Settings
from tests.support import rows
from tests.support.api import Api, complaint, file, login


async def test_a_password_login_gives_a_short_lived_token_that_refreshes_and_ends(
    api: Api, password: str, settings: Settings
) -> None:
    tokens = await login(api, password)
    assert tokens["token_type"] == "bearer" and tokens["expires_in"] == 15 * 60
    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] <= 30 * 60 and claims["sub"] == "sup-zhao"
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert (await api.get("/api/me", headers=bearer)).json()["username"] == "supervisor"

    renewed = (await api.post("/api/auth/refresh", {"refresh_token": tokens["refresh_token"]})).json()
    again = await api.post("/api/auth/refresh", {"refresh_token": tokens["refresh_token"]})
    assert again.status_code == 401  # a refresh token is good once
    bearer = {"Authorization": f"Bearer {renewed['access_token']}"}
    assert (await api.post("/api/auth/logout", {}, headers=bearer)).status_code == 204
    assert (await api.get("/api/me", headers=bearer)).status_code == 401
    assert (
        await api.post("/api/auth/refresh", {"refresh_token": renewed["refresh_token"]})
    ).status_code == 401


async def test_wrong_credentials_say_nothing_about_which_was_wrong(api: Api, password: str) -> None:
    wrong = await api.post("/api/auth/login", {"username": "supervisor", "password": "nope"})
    unknown = await api.post("/api/auth/login", {"username": "nobody", "password": "nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json() == {"detail": "username or password is wrong"}
    missing = await api.post("/api/auth/login", {"username": "supervisor"})
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "password"
    blank = await api.post("/api/auth/login", {"username": "supervisor", "password": " \u3000"})
    assert blank.status_code == 422 and blank.json()["errors"][0]["field"] == "password"
    blank = await api.post("/api/auth/refresh", {"refresh_token": "\n "})
    assert blank.status_code == 422 and blank.json()["errors"][0]["field"] == "refresh_token"
    schemas = api.app.openapi()["components"]["schemas"]
    for model, field in (("Login", "password"), ("Refresh", "refresh_token")):  # as the schema says
        assert re.search(schemas[model]["properties"][field]["pattern"], " \u3000") is None
    pasted = await api.post("/api/auth/login", {"username": "supervisor", "password": f" {password}\n"})
    assert pasted.status_code == 200, pasted.text


@pytest.mark.filterwarnings("ignore:The HMAC key is")  # the HS512 forgery's key is short on purpose
async def test_expired_tampered_and_wrong_algorithm_tokens_are_rejected(
    api: Api, password: str, settings: Settings
) -> None:
    tokens = await login(api, password)
    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    key = settings.token_signing_key
    past = datetime.now(UTC) - timedelta(hours=1)
    forged = {
        "expired": jwt.encode(
            {**claims, "iat": past - timedelta(minutes=5), "exp": past}, key, algorithm="HS256"
        ),
        "tampered": tokens["access_token"][:-4]
        + ("AAAA" if not tokens["access_token"].endswith("AAAA") else "BBBB"),
        "other key": jwt.encode(claims, b"k" * 32, algorithm="HS256"),
        "HS512": jwt.encode(claims, key, algorithm="HS512"),
        "none": jwt.encode(claims, None, algorithm="none"),
        "admin claim": jwt.encode({**claims, "sub": "admin-1", "sig": "x"}, b"guess" * 8, algorithm="HS256"),
    }
    for name, token in forged.items():
        got = await api.get("/api/me", headers={"Authorization": f"Bearer {token}"})
        assert got.status_code == 401, name
    expired = await api.get("/api/me", headers={"Authorization": f"Bearer {forged['expired']}"})
    assert "expired" in expired.json()["detail"]


async def test_api_keys_are_created_once_listed_and_revoked(api: Api) -> None:
    created = await api.post("/api/keys", {"account_id": "ent-minghui", "name": "客服系统对接"}, as_="admin")
    assert created.status_code == 201
    key = created.json()
    assert key["key"].startswith("ask_") and key["prefix"] == key["key"][:12]
    bearer = {"Authorization": f"Bearer {key['key']}"}
    assert (await api.get("/api/me", headers=bearer)).json()["username"] == "minghui"
    assert (
        await api.post("/api/keys", {"account_id": "ent-minghui", "name": "x"}, as_="minghui")
    ).status_code == 403
    mine = (await api.get("/api/keys", headers=bearer)).json()
    assert {k["id"] for k in mine} >= {key["id"]} and all("key" not in k for k in mine)
    assert (await api.http.delete(f"/api/keys/{key['id']}", headers=api.auth("xunjie"))).status_code == 404
    assert (await api.http.delete(f"/api/keys/{key['id']}", headers=bearer)).status_code == 204
    assert (await api.get("/api/me", headers=bearer)).status_code == 401


async def test_an_api_key_may_be_read_only_and_expires(api: Api, db: Database) -> None:
    soon = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    body = {"account_id": "clerk-1", "name": "报表只读", "scope": "read", "expires_at": soon}
    created = await api.post("/api/keys", body, as_="admin")
    assert created.status_code == 201, created.text
    key = created.json()
    assert key["scope"] == "read" and key["expires_at"] is not None
    bearer = {"Authorization": f"Bearer {key['key']}"}
    assert (await api.get("/api/complaints", headers=bearer)).status_code == 200
    write = await api.post("/api/complaints", complaint(), headers=bearer)
    assert write.status_code == 403 and "only read" in write.text  # and nothing filed
    assert (await api.get("/api/complaints", headers=bearer)).json()["total"] == 0
    for expires, reason in [
        ("2020-01-01T00:00:00+08:00", "in the future"),
        ("2099-01-01T00:00:00+08:00", "within"),
    ]:
        refused = await api.post("/api/keys", body | {"expires_at": expires}, as_="admin")
        assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "expires_at", expires
        assert reason in refused.json()["errors"][0]["reason"]
    async with db.transaction() as session:  # its day comes
        row = await session.get(ApiKey, key["id"])
        assert row is not None
        row.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    expired = await api.get("/api/me", headers=bearer)
    assert expired.status_code == 401 and "expired" in expired.text


async def test_logins_and_public_intake_are_rate_limited(api: Api, settings: Settings) -> None:
    for _ in range(settings.login_rate_per_minute):
        assert (await api.post("/api/auth/login", {"username": "x", "password": "y"})).status_code == 401
    limited = await api.post("/api/auth/login", {"username": "x", "password": "y"})
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1

    api.app.state.resources.intake_limiter.per_minute = 2
    assert (await api.post("/api/complaints", complaint())).status_code == 201
    assert (await api.post("/api/complaints", complaint())).status_code == 201
    third = await api.post("/api/complaints", complaint())
    assert third.status_code == 429 and "retry-after" in third.headers
    assert (await api.post("/api/complaints", complaint(), as_="clerk")).status_code == 201  # staff: no limit


async def test_every_answer_carries_the_security_headers(api: Api) -> None:
    got = await api.get("/api/health")
    assert got.headers["x-content-type-options"] == "nosniff"
    assert got.headers["x-frame-options"] == "DENY"
    assert got.headers["content-security-policy"].startswith("default-src 'none'")
    assert got.headers["cache-control"] == "no-store" and got.headers["referrer-policy"] == "no-referrer"
    assert got.headers["x-request-id"]
    assert (await api.get("/api/nowhere")).headers["x-frame-options"] == "DENY"


async def test_writes_and_reads_of_personal_data_are_audited(api: Api, db: Database) -> None:
    case = await file(api)
    no = case["tracking_no"]
    await api.post(
        f"/api/complaints/{no}/response",
        {"message": "已联系"},
        as_="minghui",
        headers={"X-Request-Id": "req-audit-1"},
    )
    await api.get(f"/api/complaints/{no}", as_="supervisor")  # the consumer in full: audited
    await api.get(f"/api/complaints/{no}", as_="minghui")  # masked: not a read of personal data
    await api.post(f"/api/complaints/{no}/acceptance", {}, as_="minghui")  # refused: audited with its outcome
    entries = await rows(db, AuditEntry, AuditEntry.object_ref == no)
    seen = [(e.actor_id, e.action, e.outcome) for e in entries]
    assert ("ent-minghui", "POST /api/complaints/{tracking_no}/response", 200) in seen
    assert ("sup-zhao", "GET /api/complaints/{tracking_no}", 200) in seen
    assert ("ent-minghui", "GET /api/complaints/{tracking_no}", 200) not in seen
    assert ("ent-minghui", "POST /api/complaints/{tracking_no}/acceptance", 403) in seen
    [response] = [e for e in entries if e.action.endswith("/response")]
    assert response.request_id == "req-audit-1" and response.actor_role == "enterprise"
    [intake] = await rows(db, AuditEntry, AuditEntry.action == "POST /api/complaints")
    assert intake.actor_id == "anonymous" and intake.outcome == 201

    # Auditors read it through the API, filtered; the reading is audited in turn.
    got = (await api.get(f"/api/audit-log?object_ref={no}&refused=true", as_="auditor")).json()
    assert [(e["actor_id"], e["action"], e["outcome"]) for e in got["items"]] == [
        ("ent-minghui", "POST /api/complaints/{tracking_no}/acceptance", 403)
    ]
    by_request = (await api.get("/api/audit-log?request_id=req-audit-1", as_="admin")).json()
    assert by_request["total"] == 1 and by_request["items"][0]["object_ref"] == no
    assert (await api.get("/api/audit-log", as_="supervisor")).status_code == 403
    read = await rows(db, AuditEntry, AuditEntry.action == "GET /api/audit-log")
    assert [(e.actor_role, e.outcome) for e in read] == [
        ("auditor", 200),
        ("admin", 200),
        ("supervisor", 403),
    ]
    window = await api.get(
        "/api/audit-log?since=2026-12-02T00:00:00%2B08:00&until=2026-12-01T00:00:00Z", as_="auditor"
    )
    assert window.status_code == 422 and window.json()["errors"][0]["field"] == "query.until"
    naive = await api.get("/api/audit-log?since=2026-12-01T00:00:00", as_="auditor")
    assert naive.status_code == 422 and naive.json()["errors"][0]["field"] == "query.since"
    # by role, by action, reads of personal data only; and every entry found as CSV
    refusals = (await api.get("/api/audit-log?role=enterprise&action=acceptance", as_="auditor")).json()
    assert [(e["actor_id"], e["outcome"]) for e in refusals["items"]] == [("ent-minghui", 403)]
    reads = (await api.get(f"/api/audit-log?object_ref={no}&reads=true", as_="auditor")).json()["items"]
    assert reads and all(e["action"].startswith("GET ") for e in reads)
    csv = await api.get(f"/api/audit-log?object_ref={no}&format=csv", as_="auditor")
    assert csv.headers["content-type"].startswith("text/csv")
    assert (
        len(csv.text.splitlines())
        == 1 + (await api.get(f"/api/audit-log?object_ref={no}", as_="auditor")).json()["total"]
    )
    bad_role = await api.get("/api/audit-log?role=mayor", as_="auditor")
    assert bad_role.status_code == 422 and bad_role.json()["errors"][0]["field"] == "query.role"


async def test_the_audit_log_cannot_be_changed(db: Database) -> None:
    async with db.transaction() as session:
        session.add(
            AuditEntry(
                actor_id="a",
                actor_role="admin",
                action="x",
                object_ref="",
                request_id="r",
                outcome=200,
                client="127.0.0.1",
            )
        )
    for statement in ("UPDATE audit_log SET outcome = 500", "DELETE FROM audit_log"):
        with pytest.raises(Exception, match="append-only"):
            async with db.transaction() as session:
                await session.execute(text(statement))
