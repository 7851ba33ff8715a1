"""The pages in a real browser: Debian's Chromium driven by Playwright against the application
served on a loopback port, with axe-core's accessibility check and screenshots for the README."""

import asyncio
import contextlib
import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import uvicorn
from axe_playwright_python.async_playwright import Axe
from fastapi import FastAPI
from playwright.async_api import Browser, BrowserContext, Page, expect

from tests.support import eventually
from tests.support.running import free_port

CHROMIUM = os.environ.get("AFTERSALES_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
MISSING = (
    f"Chromium is not installed ({CHROMIUM}); the browser tests need it: "
    "`sudo apt-get install -y chromium fonts-noto-cjk` on Debian, or set AFTERSALES_CHROMIUM to its path"
)
# Flags for a browser in a container, reaching nothing but the site under test.
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--lang=zh-CN",
]
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}
SHOTS = os.environ.get("AFTERSALES_SCREENSHOTS")  # a folder: the tests save the main pages there
BLOCKING = {"serious", "critical"}

expect.set_options(timeout=30_000)  # a busy machine: wait on conditions, generously


def chromium_present() -> bool:
    return Path(CHROMIUM).exists()


@contextlib.asynccontextmanager
async def serve(app: FastAPI) -> AsyncIterator[str]:
    """The application on a loopback port of its own, for as long as the block runs."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    task = asyncio.create_task(server.serve())
    await eventually(lambda: server.started or task.done(), what="the application listening")
    if task.done():
        task.result()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


class Site:
    """The application as people reach it: a browser context per person, Chinese unless told."""

    def __init__(self, chromium: Browser, url: str, passwords: dict[str, str]) -> None:
        self.chromium, self.url, self.passwords = chromium, url, passwords
        self.contexts: list[BrowserContext] = []

    async def person(self, *, phone: bool = False, locale: str = "zh-CN") -> Page:
        context = await self.chromium.new_context(
            base_url=self.url,
            locale=locale,
            timezone_id="Asia/Shanghai",
            viewport=PHONE if phone else DESKTOP,
            is_mobile=phone,
            has_touch=phone,
        )
        self.contexts.append(context)
        return await context.new_page()

    async def staff(self, username: str) -> Page:
        """A browser signed in as a demo account through the sign-in page."""
        page = await self.person()
        await page.goto("/sign-in")
        await page.get_by_label("用户名", exact=True).fill(username)
        await page.get_by_label("密码", exact=True).fill(self.passwords[username])
        await page.get_by_role("button", name="登录", exact=True).click()
        await expect(page).to_have_url(f"{self.url}/staff")
        return page

    async def close(self) -> None:
        for context in self.contexts:
            await context.close()


async def accessible(page: Page) -> None:
    """axe-core finds no serious or critical violation on the page as it is now."""
    results = await Axe().run(page)
    found = [v for v in results.response["violations"] if v["impact"] in BLOCKING]
    assert not found, f"{page.url}: " + "; ".join(
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}" for v in found
    )


async def shot(page: Page, name: str, **options: Any) -> None:
    """Save the page for the README when the run asks for screenshots."""
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=Path(SHOTS) / f"{name}.png", full_page=True, **options)


async def seen(page: Page, path: str) -> Page:
    """Go to `path` and check the page as the visitor finds it: accessible, and answered."""
    answer = await page.goto(path)
    assert answer is not None and answer.status < 500, f"{path}: {answer and answer.status}"
    await accessible(page)
    return page
