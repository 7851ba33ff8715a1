"""The rate limits' window kept in Redis, one for every API process: a client meets the same
limit whichever process it reaches. The keys are hashed before they reach Redis: no address or
username is stored there in clear. Imported only where a Redis server is configured."""

import hashlib
import logging
import secrets

from redis.asyncio import Redis
from redis.exceptions import RedisError

from services.limits import WINDOW, RateLimiter

log = logging.getLogger(__name__)

# Drop the hits older than the window, count the rest, add this one if there is room; on
# Redis's own clock, so API processes on several hosts agree. Returns -1, or the milliseconds
# until the oldest hit leaves the window.
SLIDING_WINDOW = """
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) * 1000 + math.floor(tonumber(now_parts[2]) / 1000)
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return tonumber(oldest[2]) + window - now
end
redis.call('ZADD', KEYS[1], now, ARGV[3])
redis.call('PEXPIRE', KEYS[1], window)
return -1
"""


class SharedRateLimiter(RateLimiter):
    """The window kept in Redis. Should Redis not answer, the process counts for itself until
    it does (a warning logged), rather than turning every sign-in away."""

    def __init__(self, name: str, per_minute: int, redis: Redis) -> None:
        super().__init__(name, per_minute)
        self.redis = redis
        self._script = redis.register_script(SLIDING_WINDOW)

    def _key(self, key: str) -> str:
        return f"aftersales:limit:{self.name}:{hashlib.sha256(key.encode()).hexdigest()[:32]}"

    async def hit(self, key: str) -> float | None:
        try:
            wait = await self._script(
                keys=[self._key(key)], args=[self.per_minute, int(WINDOW * 1000), secrets.token_hex(8)]
            )
        except (RedisError, OSError) as error:
            log.warning("rate limit %s counted in this process: Redis did not answer (%s)", self.name, error)
            return self.hit_here(key)
        return None if int(wait) < 0 else int(wait) / 1000
