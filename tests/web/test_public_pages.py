"""The public's pages, as a browser without JavaScript uses them: filing a complaint (bad input
shown beside each field in the page's language, nothing created), the receipt, following it
with its tracking number and access code, answering it, and the public notices."""

import pytest

from db.models import Complaint
from db.session import Database
from tests.support import ENTERPRISE_CODE, rows
from tests.support.web import GOOD, Browser, field_error, filed

pytestmark = pytest.mark.sqlite_only


async def test_the_pages_speak_chinese_first_and_english_on_request(browser: Browser) -> None:
    home = await browser.get("/")
    assert home.status_code == 200 and '<html lang="zh-CN">' in home.text and "我要投诉" in home.text
    english = await browser.get("/", headers={"accept-language": "en-GB,en;q=0.9"})
    assert '<html lang="en">' in english.text and "File a complaint" in english.text
    switched = await browser.get("/lang/en?next=/notices")
    assert str(switched.url).endswith("/notices") and "Public notices" in switched.text
    assert (await browser.get("/lang/en?next=//elsewhere.example")).url.path == "/"  # never another site
    csp = home.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp


async def test_a_bad_complaint_shows_each_reason_beside_its_field_and_files_nothing(
    browser: Browser, db: Database
) -> None:
    bad = GOOD | {
        "consumer.phone": "12345",
        "enterprise.credit_code": ENTERPRISE_CODE[:-1] + "0",
        "description": "坏了",
        "category": "",
    }
    answer = await browser.submit("/complaints/new", bad)
    assert answer.status_code == 422
    assert field_error(answer.text, "consumer.phone") == "须为大陆手机号码（11位）或带区号的固定电话"
    assert field_error(answer.text, "enterprise.credit_code") == "校验码为0，按GB 32100应为4"
    assert field_error(answer.text, "description") == "至少10个字"
    assert field_error(answer.text, "category") == "必填"
    assert 'value="张三"' in answer.text  # what was right stays filled in
    assert await rows(db, Complaint) == []

    english = await browser.submit("/complaints/new", bad, headers={"accept-language": "en"})
    assert field_error(english.text, "consumer.phone") == (
        "must be a mainland mobile number (11 digits) or a landline with its area code"
    )


async def test_a_form_without_its_csrf_token_is_refused(browser: Browser, db: Database) -> None:
    answer = await browser.http.post("/complaints/new", data=GOOD)
    assert answer.status_code == 400 and "表单已过期" in answer.text
    forged = await browser.http.post("/complaints/new", data=GOOD | {"csrf": "forged"})
    assert forged.status_code == 400
    assert await rows(db, Complaint) == []


async def test_a_complaint_filed_shows_its_receipt_once_however_often_it_is_sent(
    browser: Browser, db: Database
) -> None:
    form = await browser.get("/complaints/new")
    csrf = form.text.split('name="csrf" value="')[1].split('"')[0]
    key = form.text.split('name="key" value="')[1].split('"')[0]
    first = await browser.http.post("/complaints/new", data=GOOD | {"csrf": csrf, "key": key})
    again = await browser.http.post("/complaints/new", data=GOOD | {"csrf": csrf, "key": key})
    assert first.status_code == again.status_code == 201
    no = first.text.split('id="tracking-no">')[1].split("<")[0]
    assert no in again.text and len(await rows(db, Complaint)) == 1
    assert "企业须在" in first.text and "24:00" in first.text  # the resolution deadline, end of its day


async def test_a_consumer_follows_and_answers_the_complaint_without_the_code_in_a_url(
    browser: Browser,
) -> None:
    case = await filed(browser)
    wrong = await browser.submit("/track", {"tracking_no": case["tracking_no"], "access_code": "WRONGCODE1"})
    unknown = await browser.submit(
        "/track", {"tracking_no": "CP20261201-XXXXXX", "access_code": "WRONGCODE1"}
    )
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.text.count("没有与该受理编号和查询码对应的投诉") == 1
    assert "没有与该受理编号和查询码对应的投诉" in unknown.text

    shown = await browser.submit(
        "/track", {"tracking_no": case["tracking_no"].lower(), "access_code": case["access_code"]}
    )
    assert shown.status_code == 200 and str(shown.url).endswith("/track/case")
    assert case["access_code"] not in str(shown.url) and "等待企业响应" in shown.text
    assert "您的投诉已受理" in shown.text and "已转交企业处理" in shown.text  # the timeline
    assert "撤回投诉" in shown.text and "接受解决方案" not in shown.text  # nothing proposed yet

    withdrawn = await browser.submit(
        "/track/withdraw", {"withdraw_reason": "已和商家协商解决"}, form_at="/track/case"
    )
    assert withdrawn.status_code == 200 and "已撤回" in withdrawn.text and "撤回投诉" not in withdrawn.text
    again = await browser.submit("/track/withdraw", {}, form_at="/track/case")
    assert again.status_code == 409 and "当前无法办理" in again.text

    await browser.submit("/track/leave", {}, form_at="/track/case", index=0)
    assert str((await browser.get("/track/case")).url).endswith("/track")


@pytest.mark.parametrize("path", ["/notices", f"/enterprises/{ENTERPRISE_CODE}"])
async def test_the_public_reads_notices_and_an_enterprises_record(browser: Browser, path: str) -> None:
    answer = await browser.get(path)
    assert answer.status_code == 200 and "公示公告" in answer.text


async def test_an_unknown_enterprise_or_a_malformed_code_is_not_found(browser: Browser) -> None:
    assert (await browser.get("/enterprises/91310115MA1K4B2X30")).status_code == 404
    missing = await browser.get("/enterprises/91110000000000000X")
    assert missing.status_code == 404 and "未找到" in missing.text
