"""What a use case works with: the system's resources, shared by every request, and the
request's own database session, client address and audit note."""

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client

from db.metrics import TallyCache
from db.policies import PolicyStore
from db.session import Database
from domain.calendar import WorkingCalendar
from domain.messages import Actor
from services.background import Background
from services.limits import RateLimiter
from settings import Settings
from temporal_client import connect

if TYPE_CHECKING:
    from redis.asyncio import Redis


@dataclass(frozen=True)
class Resources:
    settings: Settings
    db: Database
    temporal: Client
    policies: PolicyStore
    calendar: WorkingCalendar
    login_limiter: RateLimiter
    intake_limiter: RateLimiter
    background: Background = field(default_factory=Background)
    tallies: TallyCache = field(default_factory=TallyCache)  # the metrics' months, kept while unchanged
    redis: "Redis | None" = None

    @classmethod
    async def open(
        cls, settings: Settings, *, temporal: Client | None = None, db: Database | None = None
    ) -> "Resources":
        database = db or Database(settings.database)
        redis = None
        limiter: Callable[[str, int], RateLimiter] = RateLimiter
        if settings.redis_url:  # the client library loaded only then
            from redis.asyncio import Redis

            from services.shared_limits import SharedRateLimiter

            redis = Redis.from_url(settings.redis_url)
            limiter = partial(SharedRateLimiter, redis=redis)

        return cls(
            settings=settings,
            db=database,
            temporal=temporal or await connect(settings),
            policies=PolicyStore(settings.policy_file, database),
            calendar=settings.working_calendar(),
            login_limiter=limiter("login", settings.login_rate_per_minute),
            intake_limiter=limiter("intake", settings.intake_rate_per_minute),
            redis=redis,
        )

    async def close(self, *, dispose_db: bool) -> None:
        await self.background.close()
        if self.redis is not None:
            await self.redis.aclose()
        if dispose_db:
            await self.db.dispose()


@dataclass
class Audit:
    """What the request's audit entry says beyond its method, route and outcome: who asked,
    whether it read personal data (then it is audited like a write), and a note."""

    actor: Actor | None = None
    read: bool = False
    detail: str = ""

    def personal_data_read(self) -> None:
        self.read = True


@dataclass
class Context:
    resources: Resources
    session: AsyncSession
    client: str = "unknown"  # the caller's address, for rate limits
    audit: Audit = field(default_factory=Audit)

    @property
    def settings(self) -> Settings:
        return self.resources.settings

    @property
    def temporal(self) -> Client:
        return self.resources.temporal

    async def release(self) -> None:
        """Commit the request's writes and give its database connection back to the pool, before
        waiting on a workflow: a request that waits holds no connection, so a burst of them
        never starves the pool (nor, in one process, the worker's activities)."""
        await self.session.commit()
