"""The pages as a browser without JavaScript uses them: get a form, send it back with its CSRF
token, follow redirects, keep cookies."""

import re
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from tests.support import ENTERPRISE_CODE

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
KEY = re.compile(r'name="key" value="([^"]+)"')


class Browser:
    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.http.get(path, **kwargs)

    async def submit(
        self, path: str, fields: dict[str, Any], *, form_at: str | None = None, index: int = 0, **kwargs: Any
    ) -> httpx.Response:
        """Fill in the form found on `form_at` (the same path by default) and send it to `path`,
        with the page's CSRF token and Idempotency-Key."""
        page = await self.http.get(form_at or path)
        data: dict[str, Any] = {"csrf": CSRF.findall(page.text)[index]}
        if keys := KEY.findall(page.text):
            data["key"] = keys[min(index, len(keys) - 1)]
        return await self.http.post(path, data={**data, **fields}, **kwargs)


def field_error(html: str, field: str) -> str:
    """The error shown beside a field (its id is the field's name, dots as dashes)."""
    found = re.search(
        rf'<p class="error" id="{re.escape(field.replace(".", "-"))}-error">(.*?)</p>', html, re.S
    )
    assert found, f"no error beside {field}"
    return re.sub(r"<[^>]+>", "", found.group(1)).replace("错误：", "").replace("Error:", "").strip()


GOOD = {
    "channel": "web",
    "consumer.name": "张三",
    "consumer.phone": "138 1234 1234",
    "enterprise.credit_code": ENTERPRISE_CODE,
    "region_code": "310115",
    "product.name": "电热水壶",
    "product.amount": "199.00",
    "category": "product_quality",
    "description": "水壶用了两周底座松动,无法加热。",
    "desired_outcome": "replace",
}


async def filed(browser: "Browser", **fields: Any) -> dict[str, str]:
    """A complaint filed on the public form: its tracking number and access code."""
    answer = await browser.submit("/complaints/new", GOOD | fields)
    assert answer.status_code == 201, answer.text
    no = answer.text.split('id="tracking-no">')[1].split("<")[0]
    code = answer.text.split('id="access-code">')[1].split("<")[0]
    return {"tracking_no": no, "access_code": code, "html": answer.text}


NewBrowser = Callable[[], Browser]
SignedIn = Callable[[str], Awaitable[Browser]]
