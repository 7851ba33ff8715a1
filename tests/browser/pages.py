"""What the browser tests do on the pages, in the words a person reads on them (Chinese)."""

import re
from typing import Any

from playwright.async_api import Locator, Page, expect

from tests.support import ENTERPRISE_CODE, eventually

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64 + "现场照片".encode()
PDF = b"%PDF-1.7\n" + "维修记录".encode() + b"\n%%EOF"
INVESTIGATORS = {"inv-li": "investigator1", "inv-chen": "investigator2"}
EVALUATORS = {"agency-huaxin": "evaluator1", "agency-zhengda": "evaluator2"}
COMPLAINT = {
    "#consumer-name": "张三",
    "#consumer-phone": "138 1234 1234",
    "#enterprise-credit_code": ENTERPRISE_CODE,
    "#region_code": "310115",
    "#product-name": "电热水壶",
    "#product-amount": "199.00",
    "#description": "水壶用了两周底座松动,无法加热。",
}
CHOICES = {"#category": "product_quality", "#desired_outcome": "replace"}


def upload(name: str, content: bytes, media_type: str) -> dict[str, Any]:
    return {"name": name, "mimeType": media_type, "buffer": content}


async def submit(page: Page, button: str, *, status: int = 200) -> None:
    """Press the form's button and wait for the page it leads to, answered with `status`."""
    async with page.expect_navigation() as navigation:
        await page.get_by_role("button", name=button, exact=True).click()
    answer = await navigation.value
    assert answer is not None and answer.status == status, f"{button}: {answer and answer.status}"


async def fill(page: Page, fields: dict[str, str], choices: dict[str, str] | None = None) -> None:
    for selector, value in fields.items():
        await page.locator(selector).fill(value)
    for selector, value in (choices or {}).items():
        await page.locator(selector).select_option(value)


async def file_complaint(page: Page, **fields: str) -> tuple[str, str]:
    """File the complaint on the public form; its tracking number and access code."""
    await page.goto("/complaints/new")
    await fill(page, COMPLAINT | fields, CHOICES)
    await submit(page, "提交投诉", status=201)
    return (
        (await page.locator("#tracking-no").inner_text()).strip(),
        (await page.locator("#access-code").inner_text()).strip(),
    )


async def follow(page: Page, tracking_no: str, access_code: str) -> None:
    await page.goto("/track")
    await fill(page, {"#tracking_no": tracking_no, "#access_code": access_code})
    await submit(page, "查看我的投诉")


def error_beside(page: Page, field_id: str) -> Locator:
    return page.locator(f"#{field_id}-error")


async def shown(page: Page, path: str, target: Locator, *, timeout: float = 60) -> None:
    """Open `path` until `target` is on it: for what another party or a timer brings about."""

    async def there() -> bool:
        await page.goto(path)
        return await target.count() > 0

    await eventually(there, timeout=timeout, what=f"{target} on {path}")


async def staying(page: Page) -> None:
    """Mark the page, so a test can tell it changed in place rather than by a reload."""
    await page.evaluate("window.stayed = true")


async def stayed(page: Page) -> bool:
    return bool(await page.evaluate("window.stayed === true"))


async def expect_text(page: Page, text: str | re.Pattern[str]) -> None:
    await expect(page.locator("main")).to_contain_text(text)


async def refused(page: Page, button: str, field_id: str, reason: str, *, aria: bool = True) -> None:
    """Send the form as it stands and find it refused, with `reason` beside the field (marked
    invalid, for a field that is one control)."""
    await submit(page, button, status=422)
    await expect(error_beside(page, field_id)).to_contain_text(reason)
    if aria:
        await expect(page.locator(f"#{field_id}")).to_have_attribute("aria-invalid", "true")
