"""Bureaus on the pages: a bureau's queue holds its area's cases only, each row naming the bureau
that handles it; a city filters by its counties; a case's page names its bureau and why."""

import pytest

from db.seed import ENTERPRISES
from tests.support import eventually
from tests.support.web import GOOD, Browser, SignedIn, field_error, filed

pytestmark = pytest.mark.sqlite_only


async def test_a_bureaus_queue_holds_its_areas_cases_and_a_city_filters_by_county(
    browser: Browser, signed_in: SignedIn
) -> None:
    nanshan = await filed(browser, **{"enterprise.credit_code": ENTERPRISES[1][0]})
    pudong = await filed(browser)

    county = await signed_in("supervisor-pudong")
    queue = (await county.get("/staff")).text
    assert pudong["tracking_no"] in queue and nanshan["tracking_no"] not in queue
    assert "上海市浦东新区市场监督管理局" in queue
    assert 'id="bureau"' not in queue  # one bureau in its area: nothing to filter by
    assert (await county.get(f"/staff/cases/{nanshan['tracking_no']}")).status_code == 404

    city = await signed_in("supervisor-shenzhen")
    queue = (await city.get("/staff")).text
    assert nanshan["tracking_no"] in queue and pudong["tracking_no"] not in queue
    assert '<option value="440305"' in queue and '<option value="310115"' not in queue
    filtered = (await city.get("/staff?bureau=440306")).text
    assert nanshan["tracking_no"] not in filtered
    refused = await city.get("/staff?bureau=44030")
    assert refused.status_code == 422

    async def routed() -> str | None:
        page = (await city.get(f"/staff/cases/{nanshan['tracking_no']}")).text
        return page if "深圳市市场监督管理局南山监管局" in page else None

    page = await eventually(routed, what="the case's bureau on its page")
    assert "the respondent is registered in division 440305" in page


async def test_the_bureau_accepts_or_declines_on_the_cases_page(
    browser: Browser, signed_in: SignedIn
) -> None:
    accepted = await filed(browser, **{"enterprise.credit_code": ENTERPRISES[1][0]})
    declined = await filed(browser, **{"enterprise.credit_code": ENTERPRISES[1][0]})
    county = await signed_in("supervisor-nanshan")

    async def with_forms(no: str) -> str | None:
        page = (await county.get(f"/staff/cases/{no}")).text
        return page if 'id="form-admit"' in page and 'id="form-decline"' in page else None

    page = await eventually(lambda: with_forms(declined["tracking_no"]), what="the acceptance forms")
    assert "不予受理的理由" in page and "超过三年" in page
    path = f"/staff/cases/{declined['tracking_no']}"
    blank = await county.submit(f"{path}/decline", {"ground": ""}, form_at=path)
    assert blank.status_code == 422 and field_error(blank.text, "ground") == "必填"
    done = await county.submit(f"{path}/decline", {"ground": "handled_elsewhere"}, form_at=path)
    assert done.status_code == 200, done.text

    await eventually(lambda: with_forms(accepted["tracking_no"]), what="the acceptance forms")
    path = f"/staff/cases/{accepted['tracking_no']}"
    done = await county.submit(f"{path}/admit", {"admit_note": "属本局管辖"}, form_at=path)
    assert done.status_code == 200, done.text

    async def shown(no: str, words: str) -> bool:
        return words in (await county.get(f"/staff/cases/{no}")).text

    await eventually(lambda: shown(declined["tracking_no"], "市场监管部门不予受理"), what="declined")
    await eventually(lambda: shown(accepted["tracking_no"], "已受理"), what="accepted")


async def test_a_bureau_transfers_a_case_from_its_page(browser: Browser, signed_in: SignedIn) -> None:
    case = await filed(browser, **{"enterprise.credit_code": ENTERPRISES[1][0]})
    county = await signed_in("supervisor-nanshan")
    path = f"/staff/cases/{case['tracking_no']}"

    async def with_form() -> str | None:
        page = (await county.get(path)).text
        return page if 'id="form-transfer"' in page else None

    page = await eventually(with_form, what="the transfer form")
    assert '<option value="440306"' in page and '<option value="440305"' not in page  # not to itself
    blank = await county.submit(
        f"{path}/transfer", {"to_bureau": "440306", "transfer_reason": ""}, form_at=path
    )
    assert blank.status_code == 422 and field_error(blank.text, "transfer_reason") == "必填"
    done = await county.submit(
        f"{path}/transfer", {"to_bureau": "440306", "transfer_reason": "经营地在宝安"}, form_at=path
    )
    assert done.status_code == 200 and str(done.url).endswith("/staff"), done.url  # back to its queue
    assert (await county.get(path)).status_code == 404  # Nanshan no longer sees it
    city = await signed_in("supervisor-shenzhen")
    assert "已移送其他承办局" in (await city.get(path)).text


async def test_the_form_names_a_platform_or_leaves_it_out(browser: Browser, signed_in: SignedIn) -> None:
    refused = await browser.submit("/complaints/new", GOOD | {"platform.credit_code": "91440101MA5C6L8N2W"})
    assert refused.status_code == 422 and field_error(refused.text, "platform.name") == "企业尚未登记时必填"
    assert "平台经营者统一社会信用代码" in refused.text
    named = await filed(browser, **{"platform.credit_code": ENTERPRISES[2][0]})
    left_out = await filed(browser, **{"platform.credit_code": "", "platform.name": ""})
    supervisor = await signed_in("supervisor")

    async def shown(no: str) -> str | None:
        page = (await supervisor.get(f"/staff/cases/{no}")).text
        return page if "承办局" in page else None  # routed and in the read model

    page = await eventually(lambda: shown(named["tracking_no"]), what="the case's page")
    assert "电商平台" in page and ENTERPRISES[2][1] in page
    page = await eventually(lambda: shown(left_out["tracking_no"]), what="the case's page")
    assert "电商平台" not in page
