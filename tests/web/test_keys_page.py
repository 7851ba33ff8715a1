"""API keys on the page: an admin makes one for an account, shown once, that works on the API
until revoked; a bad form is named beside its field; others see and revoke only their own."""

import re

from tests.support.api import Api
from tests.support.web import SignedIn, field_error


async def test_an_admin_makes_a_key_that_works_until_revoked(signed_in: SignedIn, api: Api) -> None:
    admin = await signed_in("admin")
    page = (await admin.get("/staff/keys")).text
    clerk_id = re.search(r'<option value="([^"]+)" >clerk · ', page)
    assert clerk_id, page
    nameless = await admin.submit("/staff/keys", {"account_id": clerk_id.group(1), "name": ""})
    assert nameless.status_code == 422 and field_error(nameless.text, "name") == "必填"
    made = await admin.submit("/staff/keys", {"account_id": clerk_id.group(1), "name": "12315 平台对接"})
    assert made.status_code == 201
    key = made.text.split('<div class="panel" id="new-key"')[1].split('<code class="hash">')[1].split("<")[0]
    assert key not in (await admin.get("/staff/keys")).text  # shown once
    me = await api.http.get("/api/me", headers={"Authorization": f"Bearer {key}"})
    assert me.status_code == 200 and me.json()["username"] == "clerk"

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
