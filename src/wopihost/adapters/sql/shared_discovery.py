"""SqlDiscoveryCache: the cluster's discovery in the shared_discovery table, and its refresh lease.

The lease is one conditional upsert (`… ON CONFLICT DO UPDATE … WHERE` the lease has ended or is the
claimer's own), so that two nodes claiming at once cannot both win.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, or_, select

from wopihost.adapters.sql.database import Database, dialect_insert
from wopihost.adapters.sql.models import LeaseRow, SharedDiscoveryRow
from wopihost.ports import SharedDiscovery


class SqlDiscoveryCache:
    """One WOPI client's shared discovery, under `name` (a hash of its URL)."""

    def __init__(self, db: Database, name: str) -> None:
        self._db = db
        self._name = name
        self._lease = f"discovery:{name}"[:64]

    async def read(self) -> SharedDiscovery | None:
        columns = SharedDiscoveryRow.__table__.c
        query = select(
            columns.xml, columns.capabilities, columns.fetched_at, columns.attempted_at, columns.error
        ).where(columns.name == self._name)
        row = await self._db.read(lambda conn: conn.execute(query).first())
        if row is None:
            return None
        return SharedDiscovery(
            xml=row.xml,
            capabilities=row.capabilities,
            fetched_at=row.fetched_at,
            attempted_at=row.attempted_at,
            error=row.error,
        )

    async def write(self, entry: SharedDiscovery) -> None:
        values = {
            "xml": entry.xml,
            "capabilities": entry.capabilities,
            "fetched_at": entry.fetched_at,
            "attempted_at": entry.attempted_at,
            "error": entry.error,
        }

        def work(conn: Connection) -> None:
            insert = dialect_insert(conn)
            statement = insert(SharedDiscoveryRow).values(name=self._name, **values)
            conn.execute(
                statement.on_conflict_do_update(index_elements=[SharedDiscoveryRow.name], set_=values)
            )

        await self._db.write(work)

    async def claim(self, holder: str, *, now: datetime, ttl: timedelta) -> bool:
        def work(conn: Connection) -> bool:
            insert = dialect_insert(conn)
            statement = insert(LeaseRow).values(name=self._lease, holder=holder, expires_at=now + ttl)
            upsert = statement.on_conflict_do_update(
                index_elements=[LeaseRow.name],
                set_={"holder": statement.excluded.holder, "expires_at": statement.excluded.expires_at},
                where=or_(LeaseRow.expires_at <= now, LeaseRow.holder == holder),
            ).returning(LeaseRow.holder)
            return conn.execute(upsert).first() is not None

        return await self._db.write(work)

    async def release(self, holder: str) -> None:
        await self._db.write(
            lambda conn: conn.execute(
                delete(LeaseRow).where(LeaseRow.name == self._lease, LeaseRow.holder == holder)
            )
        )
