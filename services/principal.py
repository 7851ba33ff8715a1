"""Who is asking: an account (signed in with a password or an API key), or a consumer who
proved a case is theirs with its access code."""

from collections.abc import Iterable
from dataclasses import dataclass

from db.models import Account
from domain.bureaus import covers
from domain.enums import Role
from domain.messages import Actor
from services.errors import Forbidden


@dataclass(frozen=True)
class Principal:
    actor: Actor
    account: Account | None = None
    session_id: str | None = None  # the login, when signed in with a password
    read_only: bool = False  # by an API key whose scope is to read

    @property
    def role(self) -> Role:
        return self.actor.role

    @property
    def org(self) -> str | None:
        """An enterprise account's credit code, an evaluator's agency, a consumer's case."""
        return self.actor.org

    @property
    def bureau(self) -> str | None:
        """A staff account's bureau: it sees and acts on the cases of that bureau's area. None:
        the whole system (the top, or an account of no bureau: consumers, enterprises, agencies)."""
        return self.account.bureau_code if self.account is not None else None

    def covers(self, bureau_code: str | None) -> bool:
        """Whether a case handled by `bureau_code` is in this principal's bureau's area."""
        return self.bureau is None or covers(self.bureau, bureau_code)

    @classmethod
    def of(cls, account: Account, session_id: str | None = None, *, read_only: bool = False) -> "Principal":
        role = Role(account.role)
        org = account.enterprise_code if role is Role.ENTERPRISE else account.agency_id
        return cls(
            actor=Actor(id=account.id, role=role, org=org, name=account.display_name),
            account=account,
            session_id=session_id,
            read_only=read_only,
        )

    @classmethod
    def consumer(cls, tracking_no: str | None = None) -> "Principal":
        """The consumer: of one case, once the access code is proved; anyone filing on the web."""
        return cls(actor=Actor(id="consumer", role=Role.CONSUMER, org=tracking_no, name="consumer"))

    def require(self, roles: Iterable[Role], what: str = "this") -> None:
        """Refuse unless the principal has one of `roles`."""
        allowed = frozenset(roles)
        if self.role not in allowed:
            raise Forbidden(f"{what} is for: {', '.join(sorted(allowed))}")
