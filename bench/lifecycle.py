"""Whole cases through the API, in real time: intake → response → proposal → acceptance →
the agency's evaluation → closed, `--concurrency` cases at a time, on `aftersales run` as a user
starts it.

Each case is driven as its parties would: the intake clerk records it, the enterprise (once the
case is shown to it) answers
and proposes, the consumer accepts with the access code of the receipt, the evaluation agency
hands in its survey once its task is open, and the case is followed until it shows closed.
Reported: whole cases a second, the processor time each process spent a case, and for the
enterprise's answer the time from its 200 to the case showing `responded` in the supervisor's
list (the read model).
"""

import argparse
import asyncio
import statistics
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx

from bench.intake import body, in_turn
from bench.system import System, system, until

EVALUATORS = ("evaluator1", "evaluator2")
ENTERPRISE_ACCOUNTS = ("minghui", "xunjie", "youjia")  # the demo's, in the order body() files against


@dataclass
class Result:
    cases: int
    concurrency: int
    per_second: float
    cpu: dict[str, float]
    visible: list[float] = field(default_factory=list)  # seconds from the answer's 200 to the list


class Parties:
    def __init__(self, http: httpx.AsyncClient, running: System) -> None:
        self.http = http
        names = ("clerk", "supervisor", *ENTERPRISE_ACCOUNTS, *EVALUATORS)
        self.keys = {name: running.key(name) for name in names}
        self.visible: list[float] = []

    def _as(self, name: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[name]}"}

    async def _post(self, path: str, json: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
        answer = await self.http.post(path, json=json, headers=headers)
        if answer.status_code not in (200, 201):
            raise SystemExit(f"{path} answered {answer.status_code}: {answer.text}")
        result: dict[str, Any] = answer.json()
        return result

    async def _listed(self, no: str, status: str, received: str) -> bool:
        at = datetime.fromisoformat(received)
        params: dict[str, str | int] = {
            "status": status,
            "received_from": at.isoformat(),
            "received_before": (at + timedelta(seconds=1)).isoformat(),
            "page_size": 100,
        }
        page = await self.http.get("/api/complaints", params=params, headers=self._as("supervisor"))
        return any(item["tracking_no"] == no for item in page.json()["items"])

    async def case(self, i: int) -> None:
        receipt = await self._post("/api/complaints", body(i), self._as("clerk"))
        no, consumer = receipt["tracking_no"], {"X-Access-Code": receipt["access_code"]}
        enterprise = self._as(ENTERPRISE_ACCOUNTS[i % len(ENTERPRISE_ACCOUNTS)])

        async def seen() -> bool:  # the enterprise learns of the case when it is recorded
            view = await self.http.get(f"/api/complaints/{no}", headers=enterprise)
            return view.status_code == 200

        await until(seen, "the case shown to the enterprise")
        answered = await self._post(f"/api/complaints/{no}/response", {"message": "已联系消费者"}, enterprise)
        began = time.perf_counter()
        await until(lambda: self._listed(no, "responded", answered["received_at"]), "the answer listed")
        self.visible.append(time.perf_counter() - began)
        proposal = {"measures": ["replace"], "detail": "免费更换新品"}
        await self._post(f"/api/complaints/{no}/proposal", proposal, enterprise)
        await self._post(f"/api/complaints/{no}/acceptance", {"comment": "满意"}, consumer)

        async def task() -> str | None:
            view = (await self.http.get(f"/api/complaints/{no}", headers=self._as("supervisor"))).json()
            return view["task"]["task_id"] if view.get("task") else None

        task_id = await until(task, "the evaluation task")
        survey = {"satisfaction": 5, "service_attitude": 5, "resolved": True}

        async def surveyed() -> bool:
            for evaluator in EVALUATORS:  # the agency the task went to
                answer = await self.http.post(
                    f"/api/tasks/{task_id}/evaluation", json=survey, headers=self._as(evaluator)
                )
                if answer.status_code == 200:
                    return True
            return False  # the task not yet open to its agency

        await until(surveyed, "the survey taken")

        async def closed() -> bool:
            view = (await self.http.get(f"/api/complaints/{no}", headers=consumer)).json()
            return bool(view["status"] == "closed")

        await until(closed, "the case closed")


async def measure(running: System, cases: int, concurrency: int) -> Result:
    limits = httpx.Limits(max_connections=concurrency * 2)
    async with httpx.AsyncClient(base_url=running.api, timeout=120, limits=limits) as http:
        parties = Parties(http, running)
        await in_turn(concurrency, concurrency, parties.case)  # warm up
        parties.visible.clear()
        before = running.cpu()
        rate, _ = await in_turn(cases, concurrency, parties.case)
        after = running.cpu()
    used = {name: after[name] - before.get(name, 0.0) for name in after}
    return Result(cases, concurrency, rate, used, parties.visible)


def report(result: Result) -> str:
    per_case = {name: seconds / result.cases * 1000 for name, seconds in sorted(result.cpu.items())}
    visible = sorted(result.visible)
    return "\n".join(
        [
            f"{result.cases} whole cases, {result.concurrency} at a time: "
            f"**{result.per_second:.2f} cases a second**.",
            "",
            "Processor time a case: "
            + ", ".join(f"{name} {ms:.0f} ms" for name, ms in per_case.items())
            + f"; {sum(per_case.values()):.0f} ms in all.",
            "",
            "The enterprise's answer, from its 200 to the case listed as responded in the supervisor's "
            f"list: p50 {statistics.median(visible) * 1000:.0f} ms, "
            f"p99 {visible[min(len(visible) - 1, int(0.99 * len(visible)))] * 1000:.0f} ms.",
        ]
    )


async def run(cases: int, concurrency: int) -> str:
    with system("lifecycle") as running:
        return report(await measure(running, cases, concurrency))


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args(argv)
    print(asyncio.run(run(args.cases, args.concurrency)))


if __name__ == "__main__":
    main(sys.argv[1:])
