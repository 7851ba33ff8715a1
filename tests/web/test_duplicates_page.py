"""Possible duplicates on a page: the supervisor sees the case beside the earlier one, a
dismissal without a reason is refused beside its field in Chinese, a confirmation rejects the
case as a duplicate; each case's page names the other."""

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select
from temporalio.testing import WorkflowEnvironment

from application import create_app
from db.models import Account
from db.seed import hash_password
from db.session import Database
from domain.complaint.messages import Respond
from settings import Settings
from tests.support import ENTERPRISE, ENTERPRISE_CODE, command, eventually, wait_for_state
from tests.support.web import Browser, SignedIn, field_error, filed
from tests.support.workflows import supervision
from worker import build_worker
from workflows.complaint import ComplaintWorkflow

pytestmark = pytest.mark.sqlite_only


async def test_a_supervisor_confirms_one_possible_duplicate_and_dismisses_another(
    browser: Browser, signed_in: SignedIn, db: Database
) -> None:
    first = await filed(browser)
    again = await filed(browser)
    other = await filed(browser, **{"consumer.phone": "139 0000 2222"})
    third = await filed(browser, **{"consumer.phone": "139 0000 2222"})
    supervisor = await signed_in("supervisor")

    queue = (await supervisor.get("/staff")).text
    assert f'href="/staff/duplicates#pair-{again["tracking_no"]}">疑似重复 {first["tracking_no"]}' in queue
    page = (await supervisor.get("/staff/duplicates")).text
    assert "疑似重复投诉" in page
    assert f"{again['tracking_no']} 可能与 {first['tracking_no']} 重复" in page
    assert f"{third['tracking_no']} 可能与 {other['tracking_no']} 重复" in page
    assert "138****1234" in page and "1234 1234" not in page

    blank = await supervisor.submit(
        f"/staff/duplicates/{third['tracking_no']}/dismissal", {"reason": ""}, form_at="/staff/duplicates"
    )
    assert blank.status_code == 422
    assert field_error(blank.text, f"reason-{third['tracking_no']}") == "必填"
    dismissed = await supervisor.submit(
        f"/staff/duplicates/{third['tracking_no']}/dismissal",
        {"reason": "不同的商品批次"},
        form_at="/staff/duplicates",
    )
    assert dismissed.status_code == 200 and str(dismissed.url).endswith("/staff/duplicates")

    confirmed = await supervisor.submit(
        f"/staff/duplicates/{again['tracking_no']}/confirmation",
        {"note": "同一诉求"},
        form_at="/staff/duplicates",
        index=0,
    )
    assert confirmed.status_code == 200 and "这里没有可能重复的投诉" in confirmed.text

    async def rejected() -> str | None:
        text = (await supervisor.get(f"/staff/cases/{again['tracking_no']}")).text
        return text if "已作为以下投诉的重复投诉驳回" in text else None

    case_page = await eventually(rejected, what="the case rejected as a duplicate")
    assert f'href="/staff/cases/{first["tracking_no"]}"' in case_page
    original_page = (await supervisor.get(f"/staff/cases/{first['tracking_no']}")).text
    assert "一件后来的投诉已确认为本投诉的重复投诉" in original_page
    assert "不同的商品批次" in (await supervisor.get("/staff/duplicates?status=dismissed")).text
    assert (await (await signed_in("minghui")).get("/staff/duplicates")).status_code == 403


async def test_a_confirmed_duplicate_shows_its_violation_and_its_warning_withdrawn(
    ts_env: WorkflowEnvironment, settings: Settings, db: Database
) -> None:
    """Skipped time: the enterprise answers the first filing but lets the second go unanswered;
    confirmed a duplicate, the second's violation and the warning it brought are withdrawn."""
    app = create_app(settings, temporal=ts_env.client, db=db)
    async with (
        build_worker(ts_env.client, settings, db),
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://site", follow_redirects=True
        ) as http,
    ):
        public = Browser(http)
        first, again = await filed(public), await filed(public)
        answered = ts_env.client.get_workflow_handle(f"complaint-{first['tracking_no']}")
        await answered.signal(ComplaintWorkflow.respond, command(Respond, ENTERPRISE, message="已联系"))
        await wait_for_state(answered, lambda s: s.responded_at is not None, "the first answered")
        await ts_env.sleep(timedelta(hours=24, minutes=1))
        await supervision(ts_env, lambda s: s.warnings, "the warning for the unanswered one")

        async with db.transaction() as session:
            account = await session.scalar(select(Account).where(Account.username == "supervisor"))
            assert account is not None
            account.password_hash = hash_password("pw-supervisor")
        sign_in = {"username": "supervisor", "password": "pw-supervisor", "next": "/staff"}
        assert (await public.submit("/sign-in", sign_in)).status_code == 200
        confirmed = await public.submit(
            f"/staff/duplicates/{again['tracking_no']}/confirmation",
            {"note": "同一诉求"},
            form_at="/staff/duplicates",
        )
        assert confirmed.status_code == 200, confirmed.text
        await supervision(ts_env, lambda s: s.warnings[0].status == "withdrawn", "the warning withdrawn")

        async def shown(path: str, words: str) -> str | None:
            text = (await public.get(path)).text
            return text if words in text else None

        record = f"/staff/cases/{again['tracking_no']}/record"
        await eventually(lambda: shown(record, "已撤回：本投诉为重复投诉"), what="the violation withdrawn")
        page = f"/staff/enterprises/{ENTERPRISE_CODE}/supervision"
        await eventually(lambda: shown(page, "已撤回：所涉投诉为重复投诉"), what="the warning withdrawn")
