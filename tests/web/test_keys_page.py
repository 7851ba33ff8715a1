"""API keys on the page: an admin makes one for an account, shown once, that works on the API
until revoked; a bad form is named beside its field; others see and revoke only their own."""

import re
from datetime import datetime, timedelta

import pytest

from services.outputs import DISPLAY_TZ
from tests.support.api import Api, complaint
from tests.support.web import SignedIn, field_error

pytestmark = pytest.mark.sqlite_only


async def test_an_admin_makes_a_key_that_works_until_revoked(signed_in: SignedIn, api: Api) -> None:
    admin = await signed_in("admin")
    page = (await admin.get("/staff/keys")).text
    clerk_id = re.search(r'<option value="([^"]+)" >clerk · ', page)
    assert clerk_id, page
    nameless = await admin.submit("/staff/keys", {"account_id": clerk_id.group(1), "name": ""})
    assert nameless.status_code == 422 and field_error(nameless.text, "name") == "必填"
    past = await admin.submit(
        "/staff/keys", {"account_id": clerk_id.group(1), "name": "x", "expires_on": "2020-01-01"}
    )
    assert past.status_code == 422 and field_error(past.text, "expires_on") == "须为将来的时间"
    last = datetime.now(DISPLAY_TZ).date() + timedelta(days=200)
    form = {
        "account_id": clerk_id.group(1),
        "name": "12315 平台对接",
        "scope": "read",
        "expires_on": str(last),
    }
    made = await admin.submit("/staff/keys", form)
    assert made.status_code == 201
    row = made.text.split("12315 平台对接</th>")[1].split("</tr>")[0]
    assert (
        "只读（GET）" in row and f"{last.year}年{last.month}月{last.day}日 24:00" in row
    )  # through that day
    key = made.text.split('<div class="panel" id="new-key"')[1].split('<code class="hash">')[1].split("<")[0]
    assert key not in (await admin.get("/staff/keys")).text  # shown once
    me = await api.http.get("/api/me", headers={"Authorization": f"Bearer {key}"})
    assert me.status_code == 200 and me.json()["username"] == "clerk"
    write = await api.http.post(
        "/api/complaints", json=complaint(), headers={"Authorization": f"Bearer {key}"}
    )
    assert write.status_code == 403 and "only read" in write.text  # it only reads

    key_id = re.search(r'<tr id="key-([^"]+)">\s*<th scope="row">12315 平台对接', made.text)
    assert key_id
    revoked = await admin.submit(f"/staff/keys/{key_id.group(1)}/revoke", {}, form_at="/staff/keys")
    assert revoked.status_code == 200 and "已吊销" in revoked.text
    assert (await api.http.get("/api/me", headers={"Authorization": f"Bearer {key}"})).status_code == 401


async def test_others_see_their_own_keys_and_make_none(signed_in: SignedIn) -> None:
    clerk = await signed_in("clerk")
    page = await clerk.get("/staff/keys")
    assert page.status_code == 200 and 'action="/staff/keys"' not in page.text
    assert 'href="/staff/keys"' not in (await clerk.get("/staff")).text
    refused = await clerk.submit(
        "/staff/keys", {"account_id": "clerk-1", "name": "x"}, form_at="/staff/keys/../keys"
    )
    assert refused.status_code == 403
