"""Bureaus on the pages: a bureau's queue holds its area's cases only, each row naming the bureau
that handles it; a city filters by its counties; a case's page names its bureau and why."""

from db.seed import ENTERPRISES
from tests.support import eventually
from tests.support.web import Browser, SignedIn, filed


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
