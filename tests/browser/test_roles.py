"""Each role's main path in Chromium, on the dev server: the public on a phone, the intake clerk,
a supervisor, an enterprise on its supervision page; forms refused with the reason beside the
field, a forged form refused, another enterprise's case not found, a case page changing in
place; and axe-core on every page."""

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import Page, expect
from sqlalchemy import func, select
from temporalio.testing import WorkflowEnvironment

from activities.reports import ReportActivities
from db.models import Complaint, Task, ViolationRow
from db.policies import PolicyStore
from db.session import Database
from domain.reports import ReportRequest
from settings import Settings
from tests.browser.pages import (
    COMPLAINT,
    error_beside,
    expect_text,
    file_complaint,
    fill,
    follow,
    refused,
    shown,
    stayed,
    staying,
    submit,
)
from tests.support import ENTERPRISE_CODE, OTHER_ENTERPRISE, eventually
from tests.support.browser import Site, accessible, seen, shot
from tests.support.exports import csv_bytes, good_row
from tests.support.metrics_data import generate, store
from tests.support.workflows import report_serious

BEIJING = ZoneInfo("Asia/Shanghai")


async def complaints(db: Database) -> int:
    async with db.sessions() as session:
        return await session.scalar(select(func.count()).select_from(Complaint)) or 0


async def fits(page: Page) -> None:
    """Nothing on the page is wider than the screen: no sideways scrolling on a phone."""
    overflow = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} is {overflow}px wider than the screen"


async def test_the_public_file_and_follow_a_complaint_on_a_phone(site: Site, db: Database) -> None:
    person = await site.person(phone=True)
    await seen(person, "/")
    await fits(person)
    await shot(person, "home")
    await person.get_by_role("link", name="我要投诉").first.click()
    await expect(person).to_have_url(f"{site.url}/complaints/new")
    await accessible(person)
    await fits(person)

    # Sent with its fields wrong or missing: each reason beside its field, and nothing filed.
    await fill(person, {"#consumer-phone": "12345", "#region_code": "31", "#description": "坏了"})
    await refused(person, "提交投诉", "consumer-name", "必填")
    await expect(error_beside(person, "consumer-phone")).to_be_visible()
    await expect(error_beside(person, "region_code")).to_be_visible()
    await expect(error_beside(person, "description")).to_be_visible()
    await expect(person.locator(".error-summary")).to_be_visible()
    await expect(person.locator("#description")).to_have_value("坏了")  # what was typed stays
    await accessible(person)
    await shot(person, "complaint-errors")
    assert await complaints(db) == 0

    no, code = await file_complaint(person)
    await expect(person.get_by_role("button", name="打印回执")).to_be_visible()  # the script is there
    assert code not in person.url and no not in person.url

    # A wrong code reads as an unknown number; the right one shows the case, with no code in a URL.
    await person.goto("/track")
    await accessible(person)
    await fill(person, {"#tracking_no": no, "#access_code": "WRONGCODE1"})
    await submit(person, "查看我的投诉", status=404)
    wrong = await person.locator(".error-summary").inner_text()
    await fill(person, {"#tracking_no": "CP20990101-AAAAAA", "#access_code": code})
    await submit(person, "查看我的投诉", status=404)
    assert await person.locator(".error-summary").inner_text() == wrong
    await follow(person, no, code)
    await expect_text(person, "等待企业响应")
    await expect(person.locator("time.countdown").first).to_contain_text("剩余")
    await accessible(person)
    await fits(person)
    assert code not in person.url

    await seen(person, "/notices")
    await fits(person)
    await seen(person, f"/enterprises/{ENTERPRISE_CODE}")
    await fits(person)
    await shot(person, "enterprise-record")

    # The switch to English, kept for the next page.
    await person.goto("/complaints/new")
    await person.get_by_role("link", name="English").click()
    await expect(person.locator("h1")).to_have_text("File a complaint")
    await person.goto("/")
    await expect(person.locator("h1")).to_have_text("After-sales service complaints")
    await accessible(person)


async def test_the_page_speaks_the_browsers_language(site: Site) -> None:
    person = await site.person(locale="en-GB")
    await seen(person, "/")
    await expect(person.locator("html")).to_have_attribute("lang", "en")
    await expect(person.get_by_role("link", name="File a complaint").first).to_be_visible()


async def test_a_clerk_records_a_phone_complaint_with_its_time_of_receipt(site: Site, db: Database) -> None:
    clerk = await site.staff("clerk")
    await accessible(clerk)
    await clerk.get_by_role("link", name="登记投诉").click()
    await accessible(clerk)
    await shot(clerk, "clerk-form")
    received = datetime.now(BEIJING) - timedelta(hours=2)
    await fill(clerk, COMPLAINT | {"#received_at": "2020-01-01T09:00"}, {"#channel": "phone"})
    await clerk.locator("#category").select_option("repair_service")
    await clerk.locator("#desired_outcome").select_option("repair")
    await refused(clerk, "提交投诉", "received_at", "30")  # at most 30 days back
    assert await complaints(db) == 0
    await fill(clerk, {"#received_at": received.strftime("%Y-%m-%dT%H:%M")})
    await submit(clerk, "提交投诉", status=201)
    no = (await clerk.locator("#tracking-no").inner_text()).strip()
    await clerk.goto(f"/staff/cases/{no}")
    await expect_text(clerk, "热线电话")
    await expect_text(clerk, received.strftime("%H:%M"))


async def test_a_supervisor_opens_an_investigation_from_the_queue(site: Site) -> None:
    consumer = await site.person()
    no, _ = await file_complaint(consumer)
    supervisor = await site.staff("supervisor")
    case = f"/staff/cases/{no}"
    await shown(supervisor, "/staff", supervisor.locator(f'a[href="{case}"]'))
    await accessible(supervisor)
    await shot(supervisor, "supervisor-queue")
    await supervisor.locator(f'a[href="{case}"]').click()
    await refused(supervisor, "立案调查", "escalate_reason", "必填")
    await refused(supervisor, "驳回投诉", "reject_reason", "必填")
    await accessible(supervisor)
    await fill(supervisor, {"#escalate_reason": "同一批次已有多起投诉"})
    await submit(supervisor, "立案调查")
    await expect_text(supervisor, "监管部门调查中")
    # the case's record, from its Temporal history
    await supervisor.get_by_role("link", name="案件记录（来自 Temporal 历史）").click()
    await expect(supervisor.locator("#timeline")).to_contain_text("signal escalate")
    await accessible(supervisor)
    await shot(supervisor, "case-record")


async def test_the_queue_shows_a_new_case_by_itself_and_escalates_it_from_its_row(site: Site) -> None:
    supervisor = await site.staff("supervisor")
    await seen(supervisor, "/staff?status=forwarded")
    await staying(supervisor)
    consumer = await site.person()
    no, _ = await file_complaint(consumer)
    link = supervisor.locator(f'#queue a[href="/staff/cases/{no}"]')
    await expect(link).to_be_visible(timeout=60_000)  # the queue changed in place, without a reload
    assert await stayed(supervisor)
    row = supervisor.locator("#queue tbody tr", has=supervisor.locator(f'a[href="/staff/cases/{no}"]'))
    await row.locator("summary").click()
    await accessible(supervisor)
    await shot(supervisor, "queue-row-actions")
    await row.get_by_label("立案调查的理由").fill("同一批次已有多起投诉")
    async with supervisor.expect_navigation():
        await row.get_by_role("button", name="立案调查").click()
    assert supervisor.url.endswith("/staff?status=forwarded")  # back to the queue as it was filtered
    await expect(link).to_have_count(0, timeout=60_000)  # investigating now: no longer forwarded


async def test_an_enterprise_states_its_case_against_a_proposed_fine(
    site: Site, dev_env: WorkflowEnvironment, settings: Settings
) -> None:
    await report_serious(dev_env, settings, ENTERPRISE_CODE, "CP-WEB-1")
    minghui = await site.staff("minghui")
    record = f"/staff/enterprises/{ENTERPRISE_CODE}/supervision"
    await shown(minghui, record, minghui.get_by_role("button", name="提交陈述申辩"))
    await accessible(minghui)
    await shot(minghui, "enterprise-supervision")
    await refused(minghui, "提交陈述申辩", "text", "必填")
    await fill(minghui, {"#text": "已召回问题批次，请求从轻处罚。"})
    await submit(minghui, "提交陈述申辩")
    await expect_text(minghui, "已召回问题批次，请求从轻处罚。")
    await expect(minghui.get_by_role("button", name="提交陈述申辩")).to_have_count(0)
    supervisor = await site.staff("supervisor")  # decides, within the law's bounds
    await shown(supervisor, record, supervisor.get_by_role("button", name="作出决定"))
    await accessible(supervisor)
    await refused(supervisor, "作出决定", "reason", "必填")
    await fill(supervisor, {"#reason": "事实清楚，证据确凿"}, {"#outcome": "confirm"})
    await submit(supervisor, "作出决定")
    await expect_text(supervisor, "事实清楚，证据确凿")
    await shot(supervisor, "supervisor-decision")
    other = await minghui.goto(f"/staff/enterprises/{OTHER_ENTERPRISE}/supervision")
    assert other is not None and other.status == 404


async def test_another_enterprises_case_is_not_found(site: Site) -> None:
    consumer = await site.person()
    no, _ = await file_complaint(consumer)
    minghui = await site.staff("minghui")
    await shown(minghui, "/staff", minghui.locator(f'a[href="/staff/cases/{no}"]'))
    xunjie = await site.staff("xunjie")
    answer = await xunjie.goto(f"/staff/cases/{no}")
    assert answer is not None and answer.status == 404
    await expect(xunjie.locator("h1")).to_have_text("未找到")
    await accessible(xunjie)
    theirs = await xunjie.locator("main").inner_text()
    unknown = await xunjie.goto("/staff/cases/CP20990101-AAAAAA")
    assert unknown is not None and unknown.status == 404
    assert await xunjie.locator("main").inner_text() == theirs  # nothing tells the case exists


async def test_a_forged_form_is_refused_and_changes_nothing(site: Site, db: Database) -> None:
    person = await site.person()
    await person.goto("/complaints/new")
    await fill(person, COMPLAINT, {"#category": "product_quality", "#desired_outcome": "replace"})
    await person.locator('input[name="csrf"]').first.evaluate("input => { input.value = 'forged' }")
    await submit(person, "提交投诉", status=400)
    await expect_text(person, "表单已过期，请重新提交。")
    assert await complaints(db) == 0

    no, _ = await file_complaint(person)
    minghui = await site.staff("minghui")
    case = f"/staff/cases/{no}"
    await shown(minghui, case, minghui.locator("#message"))
    await fill(minghui, {"#message": "伪造的响应"})
    await minghui.locator('#form-respond input[name="csrf"]').evaluate("input => { input.value = 'forged' }")
    await submit(minghui, "发送响应", status=400)
    await expect_text(minghui, "表单已过期，请重新提交。")
    await minghui.goto(case)
    await expect(minghui.locator("main")).not_to_contain_text("伪造的响应")


async def test_a_case_page_changes_in_place_and_spares_a_form_being_filled(site: Site) -> None:
    consumer = await site.person()
    no, code = await file_complaint(consumer)
    minghui = await site.staff("minghui")
    case = f"/staff/cases/{no}"
    await shown(minghui, case, minghui.locator("#message"))

    await follow(consumer, no, code)
    await staying(consumer)
    await fill(minghui, {"#message": "您好，已安排上门。"})
    await submit(minghui, "发送响应")
    await expect_text(consumer, "企业已响应")  # the consumer's open page, without a reload
    assert await stayed(consumer)

    # The enterprise is writing its proposal when the consumer withdraws: its text is kept.
    await staying(minghui)
    await minghui.locator("#propose_detail").fill("上门更换底座")
    await fill(consumer, {"#withdraw_reason": "已自行解决"})
    await submit(consumer, "撤回投诉")
    await expect(minghui.locator("#live-note")).to_be_visible()
    assert await stayed(minghui)
    await expect(minghui.locator("#propose_detail")).to_have_value("上门更换底座")
    await accessible(minghui)


async def test_every_staff_home_is_accessible(site: Site) -> None:
    for username in ("clerk", "minghui", "investigator1", "evaluator1", "supervisor", "admin", "auditor"):
        page = await site.staff(username)
        await accessible(page)
    await seen(page, "/staff/audit?kind=writes")  # the auditor's log: the sign-ins just made
    await expect(page.locator("#entries tbody tr[data-id]").first).to_be_visible()
    await shot(page, "audit-log")
    await seen(page, "/staff/archive?verify=true")  # the archive, verified now
    await expect(page.locator("#verification")).to_contain_text("完好")
    admin = await site.staff("admin")  # makes an API key, shown once
    await seen(admin, "/staff/keys")
    await fill(admin, {"#name": "12315 平台对接"}, {"#account_id": "clerk-1"})
    await submit(admin, "生成", status=201)
    await expect(admin.locator("#new-key")).to_be_visible()
    await accessible(admin)
    await shot(admin, "api-keys")
    await seen(admin, "/staff/accounts")  # makes an account, its password shown once
    await fill(admin, {"#username": "li.kefu", "#display_name": "李客服"}, {"#role": "enterprise"})
    await submit(admin, "创建账号", status=422)  # an enterprise's account names its enterprise
    await expect(admin.locator("#enterprise_code-error")).to_contain_text("企业账号须指明所属企业")
    await accessible(admin)
    await admin.locator("#enterprise_code").select_option(ENTERPRISE_CODE)
    await submit(admin, "创建账号", status=201)
    await expect(admin.locator("#new-password")).to_be_visible()
    await accessible(admin)
    await shot(admin, "accounts")
    await admin.locator("#new-password a").click()  # the account's own page
    await expect(admin.locator("h1")).to_contain_text("li.kefu")
    await accessible(admin)
    visitor = await site.person()
    await seen(visitor, "/sign-in")
    await fill(visitor, {"#username": "minghui", "#password": "wrong"})
    await submit(visitor, "登录", status=401)
    await accessible(visitor)
    missing = await visitor.goto("/no-such-page")
    assert missing is not None and missing.status == 404
    await accessible(visitor)


async def test_a_supervisor_reads_the_dashboard_its_charts_beside_their_tables(
    site: Site, db: Database, settings: Settings
) -> None:
    cases, evaluations, violations, _ = generate(seed=3, n=240)
    await store(db, (Complaint, cases), (Task, evaluations), (ViolationRow, violations))
    supervisor = await site.staff("supervisor")
    await supervisor.get_by_role("link", name="监管看板").click()
    await fill(supervisor, {"#period": "2026-11"})
    await supervisor.locator("#grain").select_option("week")
    await submit(supervisor, "显示")
    await expect(supervisor.locator("#series tbody tr")).to_have_count(6)
    await expect(supervisor.get_by_role("img", name="受理投诉（按周）")).to_be_visible()
    # over time, the chart with its table beside it; by enterprise, both charts over their table
    chart = await supervisor.locator(".chart-with-table .chart-box").bounding_box()
    beside = await supervisor.locator("#series").bounding_box()
    assert chart and beside and beside["x"] > chart["x"] + chart["width"] - 1
    charts = await supervisor.locator(".chart-pair").bounding_box()
    below = await supervisor.locator("#groups").bounding_box()
    assert charts and below and below["y"] >= charts["y"] + charts["height"] - 1
    await expect(supervisor.locator("#groups tbody tr")).to_have_count(3)
    await accessible(supervisor)
    await shot(supervisor, "dashboard")
    await fill(supervisor, {"#period": "2026-13"})
    await submit(supervisor, "显示", status=422)
    await expect(error_beside(supervisor, "period")).to_contain_text("请写成月份")
    await accessible(supervisor)

    # November's cycle report, printable, each scope charted over its table
    made = ReportActivities(db, PolicyStore(settings.policy_file, db), settings.working_calendar())
    await made.record_cycle_report(
        await made.compute_cycle_report(
            ReportRequest(period="2026-11", as_of=datetime(2026, 12, 1, 1, tzinfo=BEIJING))
        )
    )
    await supervisor.get_by_role("link", name="报告", exact=True).click()
    await supervisor.get_by_role("link", name="2026-11", exact=True).click()
    await expect(supervisor.get_by_role("button", name="打印")).to_be_visible()
    await expect(supervisor.locator("#enterprise tbody tr")).to_have_count(3)
    await accessible(supervisor)
    await shot(supervisor, "cycle-report")


@pytest.mark.slow
async def test_a_supervisor_tries_a_shorter_response_window_on_the_what_if_page(site: Site) -> None:
    supervisor = await site.staff("supervisor")
    await supervisor.get_by_role("link", name="政策推演").click()
    await accessible(supervisor)
    await fill(supervisor, {"#enterprises": "2", "#complaints": "4", "#days": "2", "#response_hours": "0"})
    await submit(supervisor, "开始推演", status=422)
    await expect(supervisor.locator("#response_hours-error")).to_contain_text("不能小于1")
    await accessible(supervisor)
    await fill(supervisor, {"#response_hours": "12"})
    await submit(supervisor, "开始推演")
    await expect(supervisor.locator("#done")).to_be_visible()  # its progress, while it runs
    await accessible(supervisor)
    await expect(supervisor.locator("#compared")).to_be_visible(timeout=300_000)  # the page renews itself
    await expect(supervisor.get_by_role("img", name="现行政策与调整后政策（占投诉的比例）")).to_be_visible()
    await accessible(supervisor)
    await shot(supervisor, "whatif")


async def test_a_clerk_imports_a_hotline_export_and_follows_it_to_its_summary(
    site: Site, db: Database, tmp_path: Path
) -> None:
    clerk = await site.staff("clerk")
    await clerk.get_by_role("link", name="批量导入").click()
    await accessible(clerk)
    await shot(clerk, "import-form")
    lacking = tmp_path / "缺列.csv"
    text = csv_bytes([good_row(0)]).decode("gb18030")
    lacking.write_bytes(text.replace("投诉内容", "内容").encode("gb18030"))
    await clerk.locator("#file").set_input_files(str(lacking))
    await submit(clerk, "导入", status=422)
    await expect(clerk.locator("#file-error")).to_contain_text("投诉内容")
    await accessible(clerk)
    rows = [good_row(i) for i in range(6)]
    rows[2]["联系电话"] = "110"
    export = tmp_path / "12345热线导出.csv"
    export.write_bytes(csv_bytes(rows))
    await clerk.locator("#file").set_input_files(str(export))
    await submit(clerk, "导入")
    await expect(clerk.locator("h1")).to_contain_text("12345热线导出.csv")
    await expect(clerk.locator("#problems")).to_be_visible(timeout=120_000)  # the page renews itself
    await expect(clerk.locator("#progress")).to_have_count(0)
    await expect(clerk.locator("p.meta")).to_contain_text("已完成")
    await expect(clerk.locator("#summary")).to_contain_text("已创建")
    await expect(clerk.locator("#problems tbody tr")).to_have_count(1)
    await expect(clerk.locator("#problems")).to_contain_text("联系电话")
    await accessible(clerk)
    await shot(clerk, "import-run")
    assert await eventually(lambda: _exactly(db, 5), what="the five cases")


async def _exactly(db: Database, n: int) -> bool:
    return await complaints(db) == n


async def test_a_supervisor_decides_a_complaint_filed_twice(site: Site, db: Database) -> None:
    consumer = await site.person()
    first, _ = await file_complaint(consumer)
    again, _ = await file_complaint(consumer)
    supervisor = await site.staff("supervisor")
    await supervisor.get_by_role("link", name="疑似重复投诉").click()
    await expect(supervisor.locator(f"#pair-{again}")).to_contain_text(first)
    await accessible(supervisor)
    await shot(supervisor, "duplicates")
    await supervisor.locator(f"#pair-{again}").get_by_role("button", name="排除").click()
    await expect(supervisor.locator(f"#reason-{again}-error")).to_contain_text("必填")
    await accessible(supervisor)
    await submit(supervisor, f"确认：为 {first} 的重复投诉")
    await expect(supervisor.get_by_text("这里没有可能重复的投诉")).to_be_visible()
    await supervisor.goto(f"/staff/cases/{again}")
    await expect(supervisor.locator(".duplicate")).to_contain_text(first)
    await accessible(supervisor)
