"""Demo data: enterprises, agencies, and an account for every role, each with its own token.

Tokens are stored hashed; their clear text lives only in a file beside the data (mode 600),
so `aftersales run` can show them again. A lost file means new tokens on the next run.
"""

import hashlib
import json
import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from db.models import Account, Agency, Enterprise
from db.session import Database
from domain.enums import Role


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


@dataclass(frozen=True)
class DemoAccount:
    id: str
    username: str
    display_name: str
    role: Role
    enterprise_code: str | None = None
    agency_id: str | None = None


ENTERPRISES = [
    ("91310115MA1K4B2X34", "上海明辉电器有限公司", "310115"),
    ("91440300MA5F8R7T1F", "深圳迅捷通讯科技有限公司", "440300"),
    ("91110108MA01C6QW2G", "北京优家家居有限公司", "110108"),
]
AGENCIES = [("agency-huaxin", "华信第三方评估中心"), ("agency-zhengda", "正达消费者满意度调查所")]
ACCOUNTS = [
    DemoAccount("clerk-1", "clerk", "王芳 (intake clerk)", Role.CLERK),
    DemoAccount(
        "ent-minghui", "minghui", "明辉电器 客服部", Role.ENTERPRISE, enterprise_code=ENTERPRISES[0][0]
    ),
    DemoAccount(
        "ent-xunjie", "xunjie", "迅捷通讯 客服部", Role.ENTERPRISE, enterprise_code=ENTERPRISES[1][0]
    ),
    DemoAccount(
        "ent-youjia", "youjia", "优家家居 客服部", Role.ENTERPRISE, enterprise_code=ENTERPRISES[2][0]
    ),
    DemoAccount("inv-li", "investigator1", "李强 (investigator)", Role.INVESTIGATOR),
    DemoAccount("inv-chen", "investigator2", "陈静 (investigator)", Role.INVESTIGATOR),
    DemoAccount("eval-huaxin", "evaluator1", "华信 评估员", Role.EVALUATOR, agency_id=AGENCIES[0][0]),
    DemoAccount("eval-zhengda", "evaluator2", "正达 调查员", Role.EVALUATOR, agency_id=AGENCIES[1][0]),
    DemoAccount("sup-zhao", "supervisor", "赵敏 (supervisor)", Role.SUPERVISOR),
    DemoAccount("admin-1", "admin", "系统管理员", Role.ADMIN),
    DemoAccount("aud-1", "auditor", "审计员", Role.AUDITOR),
]


async def seed_demo(db: Database, tokens_file: Path) -> dict[str, str]:
    """Create the demo data where missing; returns each demo account's token by username."""
    known: dict[str, str] = json.loads(tokens_file.read_text()) if tokens_file.exists() else {}
    tokens: dict[str, str] = {}
    async with db.transaction() as session:
        for code, name, region in ENTERPRISES:
            if await session.get(Enterprise, code) is None:
                session.add(Enterprise(credit_code=code, name=name, region_code=region, registered=True))
        for agency_id, name in AGENCIES:
            if await session.get(Agency, agency_id) is None:
                session.add(Agency(id=agency_id, name=name))
        await session.flush()
        existing = {a.id: a for a in (await session.execute(select(Account))).scalars()}
        for demo in ACCOUNTS:
            token = known.get(demo.username)
            account = existing.get(demo.id)
            if token is None or account is None or account.token_hash != token_hash(token):
                token = new_token()
            tokens[demo.username] = token
            if account is None:
                session.add(
                    Account(
                        id=demo.id,
                        username=demo.username,
                        display_name=demo.display_name,
                        role=demo.role.value,
                        enterprise_code=demo.enterprise_code,
                        agency_id=demo.agency_id,
                        token_hash=token_hash(token),
                    )
                )
            else:
                account.token_hash = token_hash(token)
    tokens_file.parent.mkdir(parents=True, exist_ok=True)
    tokens_file.touch(mode=0o600)
    tokens_file.write_text(json.dumps(tokens, indent=2, ensure_ascii=False))
    return tokens
