"""What-if on its page: the form begins at the policy in force, a bad field is named beside it
and runs nothing, a run shows its progress and then its result against the policy in force —
the same complaints through the real workflows twice — charted beside its table; one run at a
time, and only for the supervisors."""

import re

import pytest

from tests.support import eventually
from tests.support.web import SignedIn, field_error

pytestmark = pytest.mark.sqlite_only

# The form as it comes, the policy in force's values in it, for a small volume.
SMALL = {
    "enterprises": "2",
    "complaints": "4",
    "days": "2",
    "seed": "1",
    "late": "0.2",
    "never": "0.1",
    "dispute": "0.15",
    "fail_rectification": "0.3",
    "response_hours": "24",
    "resolution_working_days": "3",
    "warning_fraction": "0.75",
    "repeat_window_days": "180",
}


@pytest.mark.slow
async def test_a_supervisor_runs_a_what_if_and_reads_it_against_the_policy_in_force(
    signed_in: SignedIn,
) -> None:
    supervisor = await signed_in("supervisor")
    page = (await supervisor.get("/staff/whatif")).text
    assert 'id="response_hours" name="response_hours" type="number" value="24"' in page  # in force
    low = await supervisor.submit("/staff/whatif", {**SMALL, "response_hours": "0"})
    assert low.status_code == 422 and field_error(low.text, "response_hours") == "不能小于1"
    both = await supervisor.submit("/staff/whatif", {**SMALL, "late": "0.7", "never": "0.5"})
    assert both.status_code == 422 and field_error(both.text, "never") == "与逾期答复的比例相加超过了全部投诉"
    assert 'id="runs"' not in both.text  # nothing ran

    begun = await supervisor.submit("/staff/whatif", {**SMALL, "response_hours": "12"})
    assert begun.status_code == 200 and re.search(r"/staff/whatif/[0-9a-f]{12}$", str(begun.url))
    assert 'id="done"' in begun.text and re.search(r'data-watch="/staff/whatif/\w+/version"', begun.text)
    again = await supervisor.submit("/staff/whatif", SMALL)
    assert again.status_code == 409  # one at a time

    async def done() -> str | None:
        html = (await supervisor.get(str(begun.url))).text
        assert "失败" not in html.split("<main", 1)[1], html
        return html if 'id="compared"' in html else None

    html = await eventually(done, timeout=300, what="the what-if's result")
    row = html.split("受理投诉</th>")[1].split("</tr>")[0]
    assert re.findall(r"<td>(\d+)</td>", row) == ["4", "4"]  # the same complaints, both ways
    header = html.split('id="compared"')[1].split("</tr>")[0]
    assert header.index("调整后") < header.index("现行政策")  # the changed policy's column first
    late = html.split("已超时</th>")[1].split("</tr>")[0]
    changed, in_force = (int(n) for n in re.findall(r"<td>(\d+)</td>", late))
    assert changed >= in_force  # a shorter response window breaches no fewer of the same cases
    assert "<svg" in html and "response 12 h" not in html  # charted, in the page's words
    runs = (await supervisor.get("/staff/whatif")).text
    assert 'id="runs"' in runs and "已完成" in runs


async def test_only_the_supervisors_run_a_what_if(signed_in: SignedIn) -> None:
    auditor = await signed_in("auditor")
    assert (await auditor.get("/staff/whatif")).status_code == 403
    assert (await auditor.get("/staff/whatif/abc")).status_code == 403
    supervisor = await signed_in("supervisor")
    assert (await supervisor.get("/staff/whatif/nosuchrun")).status_code == 404
