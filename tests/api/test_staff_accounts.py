"""The admins' accounts: made with a password shown once, their role and organisation kept
consistent, disabled or given a new password with their logins ended at once; bad input named
field by field and changing nothing."""

from sqlalchemy import func, select

from db.models import Account
from db.session import Database
from tests.support import ENTERPRISE_CODE
from tests.support.api import Api

NEW = {
    "username": "li.kefu",
    "display_name": "李客服",
    "role": "enterprise",
    "enterprise_code": ENTERPRISE_CODE,
}


async def signed_in(api: Api, username: str, password: str) -> dict[str, str]:
    tokens = await api.post("/api/auth/login", {"username": username, "password": password})
    assert tokens.status_code == 200, tokens.text
    return {"Authorization": f"Bearer {tokens.json()['access_token']}"}


async def count(db: Database) -> int:
    async with db.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(Account)) or 0)


async def test_an_admin_makes_an_account_that_signs_in_with_the_password_shown_once(api: Api) -> None:
    made = await api.post("/api/accounts", NEW, as_="admin")
    assert made.status_code == 201, made.text
    answer = made.json()
    account, password = answer["account"], answer["password"]
    assert len(password) >= 16 and account["role"] == "enterprise" and account["active"]
    me = (await api.get("/api/me", headers=await signed_in(api, "li.kefu", password))).json()
    assert (me["role"], me["enterprise_code"]) == ("enterprise", ENTERPRISE_CODE)
    listed = (await api.get("/api/accounts?role=enterprise", as_="admin")).json()
    assert account["id"] in {a["id"] for a in listed} and all("password" not in a for a in listed)
    assert {a["role"] for a in listed} == {"enterprise"}
    assert (await api.get(f"/api/accounts/{account['id']}", as_="admin")).json() == account
    for role in ("supervisor", "auditor", "minghui"):
        assert (await api.get("/api/accounts", as_=role)).status_code == 403
        assert (await api.post("/api/accounts", {**NEW, "username": "x" + role}, as_=role)).status_code == 403


async def test_bad_input_names_each_field_and_makes_nothing(api: Api, db: Database) -> None:
    before = await count(db)
    cases = [
        ({**NEW, "username": "Li Kefu"}, "username"),
        ({**NEW, "enterprise_code": None}, "enterprise_code"),
        ({**NEW, "role": "clerk"}, "enterprise_code"),  # a clerk names no enterprise
        ({**NEW, "role": "evaluator", "enterprise_code": None}, "agency_id"),
        ({**NEW, "role": "consumer"}, "role"),
        ({**NEW, "email": "not-an-address"}, "email"),
    ]
    for body, field in cases:
        refused = await api.post("/api/accounts", body, as_="admin")
        assert refused.status_code == 422, (body, refused.text)
        assert field in {e["field"] for e in refused.json()["errors"]}, (body, refused.text)
    unknown = await api.post(
        "/api/accounts",
        {**NEW, "role": "evaluator", "enterprise_code": None, "agency_id": "agency-x"},
        as_="admin",
    )
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "agency_id"
    taken = await api.post("/api/accounts", {**NEW, "username": "minghui"}, as_="admin")
    assert taken.status_code == 409 and "taken" in taken.text
    assert await count(db) == before


async def test_disabling_an_account_ends_its_logins_and_keys_at_once(api: Api) -> None:
    made = (await api.post("/api/accounts", {**NEW, "username": "wang.kefu"}, as_="admin")).json()
    account_id = made["account"]["id"]
    bearer = await signed_in(api, "wang.kefu", made["password"])
    key = (await api.post("/api/keys", {"account_id": account_id, "name": "对接"}, as_="admin")).json()["key"]
    disabled = await api.http.patch(
        f"/api/accounts/{account_id}", json={"active": False}, headers=api.auth("admin")
    )
    assert disabled.status_code == 200 and disabled.json()["active"] is False
    assert (await api.get("/api/me", headers=bearer)).status_code == 401
    assert (await api.get("/api/me", headers={"Authorization": f"Bearer {key}"})).status_code == 401
    again = await api.post("/api/auth/login", {"username": "wang.kefu", "password": made["password"]})
    assert again.status_code == 401
    enabled = await api.http.patch(
        f"/api/accounts/{account_id}", json={"active": True}, headers=api.auth("admin")
    )
    assert enabled.json()["active"] is True
    assert (await api.get("/api/me", headers={"Authorization": f"Bearer {key}"})).status_code == 200


async def test_a_new_password_ends_the_old_one_and_its_logins(api: Api) -> None:
    made = (await api.post("/api/accounts", {**NEW, "username": "zhao.kefu"}, as_="admin")).json()
    account_id, old = made["account"]["id"], made["password"]
    bearer = await signed_in(api, "zhao.kefu", old)
    reset = await api.post(f"/api/accounts/{account_id}/password", {}, as_="admin")
    assert reset.status_code == 200 and reset.json()["password"] != old
    assert (await api.get("/api/me", headers=bearer)).status_code == 401
    assert (await api.post("/api/auth/login", {"username": "zhao.kefu", "password": old})).status_code == 401
    await signed_in(api, "zhao.kefu", reset.json()["password"])
    assert (await api.post("/api/accounts/nobody/password", {}, as_="admin")).status_code == 404


async def test_a_role_changes_with_its_organisation_and_an_admin_always_remains(api: Api) -> None:
    made = (await api.post("/api/accounts", {**NEW, "username": "sun.kefu"}, as_="admin")).json()
    path = f"/api/accounts/{made['account']['id']}"
    admin = api.auth("admin")
    moved = await api.http.patch(path, json={"role": "clerk", "display_name": "孙受理"}, headers=admin)
    assert moved.status_code == 200, moved.text
    assert (moved.json()["role"], moved.json()["enterprise_code"], moved.json()["display_name"]) == (
        "clerk",
        None,
        "孙受理",
    )
    numbered = await api.http.patch(path, json={"active": 0}, headers=admin)  # a yes or no, not a number
    assert numbered.status_code == 422 and numbered.json()["errors"][0]["field"] == "active"
    alone = await api.http.patch(path, json={"enterprise_code": ENTERPRISE_CODE}, headers=admin)
    assert alone.status_code == 422 and alone.json()["errors"][0]["field"] == "enterprise_code"
    me = (await api.get("/api/me", as_="admin")).json()
    for change in ({"active": False}, {"role": "supervisor"}):
        refused = await api.http.patch(f"/api/accounts/{me['id']}", json=change, headers=admin)
        assert refused.status_code == 409, refused.text
    assert (await api.get("/api/me", as_="admin")).json()["role"] == "admin"
