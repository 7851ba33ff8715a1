"""Demo data: enterprises, agencies, and an account for every role, each with a password and
an API key.

Both are stored hashed (Argon2, SHA-256); their clear text lives only in a file beside the data
(mode 600), so `aftersales run` can show them again. A lost file means new ones on the next run.
"""

import hashlib
import json
import secrets
from dataclasses import dataclass
from pathlib import Path

from pwdlib import PasswordHash
from sqlalchemy import select

from db.models import Account, Agency, ApiKey, Enterprise
from db.session import Database
from domain.enums import Role

API_KEY_PREFIX = "ask_"
_passwords = PasswordHash.recommended()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_api_key(account_id: str, name: str, *, key_id: str | None = None) -> tuple[str, ApiKey]:
    """A new key (shown once) and the row that keeps only its hash."""
    key = API_KEY_PREFIX + secrets.token_urlsafe(32)
    return key, ApiKey(
        id=key_id or f"key-{secrets.token_hex(6)}",
        account_id=account_id,
        name=name,
        prefix=key[:12],
        key_hash=token_hash(key),
    )


def hash_password(password: str) -> str:
    return _passwords.hash(password)


def verify_password(password: str, stored: str) -> bool:
    return _passwords.verify(password, stored)


@dataclass(frozen=True)
class DemoAccount:
    id: str
    username: str
    display_name: str
    role: Role
    enterprise_code: str | None = None
    agency_id: str | None = None
    bureau_code: str | None = None  # none: the top, which sees every case

    @property
    def email(self) -> str:
        """An address under the reserved .example domain: the development mail sink takes it."""
        return f"{self.username}@demo.aftersales.example"


ENTERPRISES = [
    ("91310115MA1K4B2X34", "上海明辉电器有限公司", "310115"),
    ("91440300MA5F8R7T1F", "深圳迅捷通讯科技有限公司", "440305"),
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
    # Supervisors of a bureau below the top: a county's, a city's, and another county's.
    DemoAccount("sup-nanshan", "supervisor-nanshan", "钱进 (南山)", Role.SUPERVISOR, bureau_code="440305"),
    DemoAccount("sup-shenzhen", "supervisor-shenzhen", "孙悦 (深圳)", Role.SUPERVISOR, bureau_code="440300"),
    DemoAccount("sup-pudong", "supervisor-pudong", "周宁 (浦东)", Role.SUPERVISOR, bureau_code="310115"),
]


async def seed_demo(db: Database, file: Path, *, passwords: bool = True) -> dict[str, dict[str, str]]:
    """Create the demo data where missing. Returns each demo account's credentials by username:
    its API key, and its password (with `passwords`; Argon2 makes them slow to set)."""
    known: dict[str, dict[str, str]] = json.loads(file.read_text()) if file.exists() else {}
    credentials: dict[str, dict[str, str]] = {}
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
            account = existing.get(demo.id)
            if account is None:
                account = Account(
                    id=demo.id,
                    username=demo.username,
                    display_name=demo.display_name,
                    role=demo.role.value,
                    enterprise_code=demo.enterprise_code,
                    agency_id=demo.agency_id,
                    bureau_code=demo.bureau_code,
                    email=demo.email,
                )
                session.add(account)
                await session.flush()
            elif account.email is None:  # seeded before accounts had addresses
                account.email = demo.email
            mine = known.get(demo.username, {})
            key = mine.get("api_key")
            stored = await session.get(ApiKey, f"demo-{demo.id}")
            if key is None or stored is None or stored.key_hash != token_hash(key) or stored.revoked_at:
                if stored is not None:
                    await session.delete(stored)
                    await session.flush()
                key, stored = new_api_key(demo.id, "demo", key_id=f"demo-{demo.id}")
                session.add(stored)
            credentials[demo.username] = {"api_key": key}
            if passwords:
                password = mine.get("password")
                if (
                    password is None
                    or not account.password_hash
                    or not verify_password(password, account.password_hash)
                ):
                    password = secrets.token_urlsafe(12)
                    account.password_hash = hash_password(password)
                credentials[demo.username]["password"] = password
    file.parent.mkdir(parents=True, exist_ok=True)
    file.touch(mode=0o600)
    file.write_text(json.dumps(credentials, indent=2, ensure_ascii=False))
    return credentials
