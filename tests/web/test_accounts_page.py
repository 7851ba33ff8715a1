"""Accounts on the page, for the admins: a new account with its password shown once, that signs
in; a bad form named beside its field in Chinese, making nothing; a role changed with its
organisation; an account disabled and its password renewed, its logins ended at once."""

import re

import pytest

from tests.support import ENTERPRISE_CODE
from tests.support.api import Api
from tests.support.web import SignedIn, field_error

pytestmark = pytest.mark.sqlite_only


def shown_password(html: str) -> str:
    return html.split('<div class="panel" id="new-password"')[1].split('<code class="hash">')[1].split("<")[0]


async def login(api: Api, username: str, password: str) -> int:
    return (await api.post("/api/auth/login", {"username": username, "password": password})).status_code


async def test_an_admin_makes_an_account_that_signs_in_and_a_bad_form_makes_nothing(
    signed_in: SignedIn, api: Api
) -> None:
    admin = await signed_in("admin")
    page = (await admin.get("/staff/accounts")).text
    assert "账号" in page and 'href="/staff/accounts?role=enterprise"' in page
    form = {"username": "Li Kefu", "display_name": "李客服", "role": "enterprise"}
    refused = await admin.submit("/staff/accounts", form)
    assert refused.status_code == 422
    assert field_error(refused.text, "username") == "格式不正确"
    nameless = await admin.submit("/staff/accounts", {**form, "username": "li.kefu"})
    assert field_error(nameless.text, "enterprise_code") == "企业账号须指明所属企业"
    clerk_with_code = {**form, "username": "li.kefu", "role": "clerk", "enterprise_code": ENTERPRISE_CODE}
    mixed = await admin.submit("/staff/accounts", clerk_with_code)
    assert field_error(mixed.text, "enterprise_code") == "只有企业账号才能指明企业"
    taken = await admin.submit(
        "/staff/accounts", {**form, "username": "minghui", "enterprise_code": ENTERPRISE_CODE}
    )
    assert taken.status_code == 409 and field_error(taken.text, "username") == "已被占用"
    assert "li.kefu" not in (await admin.get("/staff/accounts")).text  # nothing made

    made = await admin.submit(
        "/staff/accounts", {**form, "username": "li.kefu", "enterprise_code": ENTERPRISE_CODE}
    )
    assert made.status_code == 201
    password = shown_password(made.text)
    assert await login(api, "li.kefu", password) == 200
    listed = (await admin.get("/staff/accounts?role=enterprise")).text
    assert "li.kefu" in listed and password not in listed  # shown once
    assert "supervisor" not in listed.split('id="accounts"')[1]  # the role's accounts only


async def test_a_role_changes_and_an_account_is_disabled_and_given_a_new_password(
    signed_in: SignedIn, api: Api
) -> None:
    admin = await signed_in("admin")
    form = {
        "username": "wu.kefu",
        "display_name": "吴客服",
        "role": "enterprise",
        "enterprise_code": ENTERPRISE_CODE,
    }
    made = await admin.submit("/staff/accounts", form)
    account_id = re.search(r'href="/staff/accounts/([^"]+)">账号 wu.kefu', made.text)
    assert account_id, made.text
    path = f"/staff/accounts/{account_id.group(1)}"
    page = (await admin.get(path)).text
    assert "吴客服" in page and f'action="{path}/state"' in page

    moved = await admin.submit(path, {"display_name": "吴受理", "role": "clerk", "enterprise_code": ""})
    assert moved.status_code == 200 and "吴受理" in moved.text  # followed the redirect back
    mixed = await admin.submit(path, {"display_name": "吴受理", "role": "evaluator"})
    assert mixed.status_code == 422 and field_error(mixed.text, "agency_id") == "评估员账号须指明所属评估机构"

    first = shown_password(made.text)
    renewed = await admin.submit(f"{path}/password", {}, form_at=path)
    second = shown_password(renewed.text)
    assert second != first and await login(api, "wu.kefu", first) == 401
    assert await login(api, "wu.kefu", second) == 200
    disabled = await admin.submit(f"{path}/state", {"active": "false"}, form_at=path)
    assert disabled.status_code == 200 and "重新启用账号" in disabled.text
    assert await login(api, "wu.kefu", second) == 401

    me = re.search(
        r'<tr id="account-([^"]+)">\s*<th scope="row"><a href="[^"]+">admin<',
        (await admin.get("/staff/accounts")).text,
    )
    assert me
    own = (await admin.get(f"/staff/accounts/{me.group(1)}")).text
    assert f'action="/staff/accounts/{me.group(1)}/state"' not in own  # no admin disables themselves


async def test_only_an_admin_reaches_the_accounts(signed_in: SignedIn) -> None:
    supervisor = await signed_in("supervisor")
    assert (await supervisor.get("/staff/accounts")).status_code == 403
    assert 'href="/staff/accounts"' not in (await supervisor.get("/staff")).text
