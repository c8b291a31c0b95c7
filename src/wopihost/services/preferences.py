"""Per-user preferences of the file lists: order and type filter, kept in the database."""

from __future__ import annotations

from wopihost.domain.listing import ListingPreference
from wopihost.domain.records import User
from wopihost.ports import Clock, PreferenceStore


class PreferenceService:
    """Reads and remembers how each user orders and filters file lists."""

    def __init__(self, *, preferences: PreferenceStore, clock: Clock) -> None:
        self._preferences = preferences
        self._clock = clock

    async def listing(self, user: User) -> ListingPreference:
        """The user's listing preference, or the default (by name, ascending, every type)."""
        return await self._preferences.find_listing(user.id) or ListingPreference()

    async def save_listing(self, user: User, preference: ListingPreference) -> ListingPreference:
        """Remember the user's choice for every browser they use."""
        await self._preferences.save_listing(user.id, preference, now=self._clock.now())
        return preference
