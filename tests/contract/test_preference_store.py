"""The PreferenceStore contract: one listing preference per user, replaced on each save."""

from __future__ import annotations

import pytest

from tests.contract.conftest import World
from wopihost.adapters.clock import FakeClock
from wopihost.adapters.sql.database import Database
from wopihost.adapters.sql.preferences import SqlPreferenceStore
from wopihost.domain.listing import ListingPreference, SortKey, TypeFilter

pytestmark = pytest.mark.anyio


@pytest.fixture
def preferences(db: Database) -> SqlPreferenceStore:
    return SqlPreferenceStore(db)


async def test_find_listing_of_user_without_choice_returns_none(
    preferences: SqlPreferenceStore, world: World
) -> None:
    assert await preferences.find_listing(world.owner.id) is None


async def test_save_listing_twice_keeps_last_choice_for_that_user_only(
    preferences: SqlPreferenceStore, clock: FakeClock, world: World
) -> None:
    first = ListingPreference(SortKey.SIZE, descending=True, type_filter=TypeFilter.PDFS)
    second = ListingPreference(SortKey.MODIFIED, descending=False, type_filter=TypeFilter.SPREADSHEETS)
    await preferences.save_listing(world.owner.id, first, now=clock.now())
    await preferences.save_listing(world.owner.id, second, now=clock.now())
    await preferences.save_listing(world.other.id, first, now=clock.now())

    assert await preferences.find_listing(world.owner.id) == second
    assert await preferences.find_listing(world.other.id) == first
    assert await preferences.find_listing(world.third.id) is None
