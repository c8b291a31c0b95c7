"""Sign-in throttling across worker processes: counters in the database, rules in domain/throttling."""

from __future__ import annotations

from wopihost.domain.throttling import (
    ThrottleLimits,
    address_key,
    seconds_blocked,
    user_address_key,
)
from wopihost.ports import Clock, FailureCounter


class SignInThrottle:
    """Counts failed sign-ins per user name and address together, and per address alone (a looser limit)."""

    def __init__(
        self, *, counter: FailureCounter, clock: Clock, limits: ThrottleLimits | None = None
    ) -> None:
        self._counter = counter
        self._clock = clock
        self.limits = limits or ThrottleLimits()

    async def retry_after(self, username: str, address: str) -> int:
        """Seconds to wait before this user name may try again from this address; 0 if it may now."""
        pair, place = user_address_key(username, address), address_key(address)
        now, limits = self._clock.now(), self.limits
        found = await self._counter.failures([pair, place], now=now, window=limits.window)
        return max(
            seconds_blocked(found.get(pair), limits.per_user_address, limits.window, now),
            seconds_blocked(found.get(place), limits.per_address, limits.window, now),
        )

    async def record_failure(self, username: str, address: str) -> None:
        """Count one failed attempt on both counters."""
        keys = [user_address_key(username, address), address_key(address)]
        await self._counter.add_failure(keys, now=self._clock.now(), window=self.limits.window)

    async def reset(self, username: str, address: str) -> None:
        """Forget this user name's failures from this address after it signed in.

        The address's own counter stays: signing in to one's own account must not reset the budget for
        guessing at others from the same place.
        """
        await self._counter.clear(user_address_key(username, address))
