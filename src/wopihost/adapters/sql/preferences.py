"""SqlPreferenceStore: each user's listing preference as one row, written with a single-statement upsert."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, select

from wopihost.adapters.sql.database import Database, dialect_insert
from wopihost.adapters.sql.models import ListingPreferenceRow
from wopihost.domain.listing import ListingPreference, SortKey, TypeFilter


class SqlPreferenceStore:
    """Listing preferences in the listing_preferences table."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def find_listing(self, user_id: str) -> ListingPreference | None:
        query = select(
            ListingPreferenceRow.sort_key, ListingPreferenceRow.descending, ListingPreferenceRow.type_filter
        ).where(ListingPreferenceRow.user_id == user_id)
        row = await self._db.read(lambda conn: conn.execute(query).first())
        if row is None:
            return None
        # A value written by a later version that this one does not know falls back to the default.
        sorts = {key.value: key for key in SortKey}
        kinds = {kind.value: kind for kind in TypeFilter}
        sort = sorts.get(row.sort_key, SortKey.NAME)
        kind = kinds.get(row.type_filter, TypeFilter.ALL)
        return ListingPreference(sort=sort, descending=bool(row.descending), type_filter=kind)

    async def save_listing(self, user_id: str, preference: ListingPreference, *, now: datetime) -> None:
        values = {
            "sort_key": preference.sort.value,
            "descending": preference.descending,
            "type_filter": preference.type_filter.value,
            "updated_at": now,
        }

        def work(conn: Connection) -> None:
            # INSERT … ON CONFLICT DO UPDATE is one atomic statement on SQLite and PostgreSQL alike.
            insert = dialect_insert(conn)
            statement = insert(ListingPreferenceRow).values(user_id=user_id, **values)
            conn.execute(
                statement.on_conflict_do_update(index_elements=[ListingPreferenceRow.user_id], set_=values)
            )

        await self._db.write(work)
