"""Possible duplicates on a page: the supervisor sees the case beside the earlier one, a
dismissal without a reason is refused beside its field in Chinese, a confirmation rejects the
case as a duplicate; each case's page names the other."""

from db.session import Database
from tests.support import eventually
from tests.support.web import Browser, SignedIn, field_error, filed


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
