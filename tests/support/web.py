"""The pages as a browser without JavaScript uses them: get a form, send it back with its CSRF
token, follow redirects, keep cookies."""

import re
from typing import Any

import httpx

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
