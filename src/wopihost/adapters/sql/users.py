"""SqlUserStore: users and their root folders."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, bindparam, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from wopihost.adapters.sql.database import Database
from wopihost.adapters.sql.mapping import USER_COLUMNS, user_from_row
from wopihost.adapters.sql.models import FolderRow, UserRow
from wopihost.domain.ids import new_id
from wopihost.domain.records import User
from wopihost.errors import AlreadyExists

_BY_ID = select(*USER_COLUMNS).where(UserRow.id == bindparam("user_id"))
_BY_NAME = select(*USER_COLUMNS).where(UserRow.username == bindparam("username"))


class SqlUserStore:
    """Users in the SQL database."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def add_user(
        self,
        *,
        username: str,
        display_name: str,
        password_hash: str | None,
        is_admin: bool,
        now: datetime,
        is_business_user: bool = False,
    ) -> User:
        user_id, root_id = new_id(), new_id()

        def work(conn: Connection) -> None:
            conn.execute(
                insert(UserRow).values(
                    id=user_id,
                    username=username,
                    display_name=display_name,
                    password_hash=password_hash,
                    user_info="",
                    is_admin=is_admin,
                    is_business_user=is_business_user,
                    root_folder_id=root_id,
                    created_at=now,
                )
            )
            conn.execute(
                insert(FolderRow).values(
                    id=root_id, owner_id=user_id, parent_id=None, name="", name_key="", created_at=now
                )
            )

        try:
            await self._db.write(work)
        except IntegrityError as exc:
            raise AlreadyExists(f"user {username!r} already exists") from exc
        return User(
            id=user_id,
            username=username,
            display_name=display_name,
            root_folder_id=root_id,
            is_admin=is_admin,
            has_password=password_hash is not None,
            is_business_user=is_business_user,
        )

    async def find_user(self, user_id: str) -> User | None:
        row = await self._db.read(lambda conn: conn.execute(_BY_ID, {"user_id": user_id}).first())
        return user_from_row(row) if row else None

    async def find_user_by_name(self, username: str) -> User | None:
        row = await self._db.read(lambda conn: conn.execute(_BY_NAME, {"username": username}).first())
        return user_from_row(row) if row else None

    async def find_password_hash(self, username: str) -> tuple[User, str | None] | None:
        row = await self._db.read(lambda conn: conn.execute(_BY_NAME, {"username": username}).first())
        return (user_from_row(row), row._mapping[UserRow.__table__.c.password_hash]) if row else None

    async def set_password_hash(self, user_id: str, password_hash: str | None) -> None:
        statement = update(UserRow).where(UserRow.id == user_id).values(password_hash=password_hash)
        await self._db.write(lambda conn: conn.execute(statement))

    async def set_user_info(self, user_id: str, user_info: str) -> None:
        statement = update(UserRow).where(UserRow.id == user_id).values(user_info=user_info)
        await self._db.write(lambda conn: conn.execute(statement))

    async def set_business_user(self, user_id: str, is_business_user: bool) -> bool:
        statement = update(UserRow).where(UserRow.id == user_id).values(is_business_user=is_business_user)
        return await self._db.write(lambda conn: bool(conn.execute(statement).rowcount))

    async def set_locale(self, user_id: str, locale: str | None) -> bool:
        statement = update(UserRow).where(UserRow.id == user_id).values(locale=locale)
        return await self._db.write(lambda conn: bool(conn.execute(statement).rowcount))

    async def list_users(self) -> Sequence[User]:
        rows = await self._db.scan(
            lambda conn: conn.execute(select(*USER_COLUMNS).order_by(UserRow.username)).all()
        )
        return [user_from_row(r) for r in rows]

    async def search_users(self, text: str, *, limit: int, exclude: Sequence[str] = ()) -> Sequence[User]:
        needle = text.lower()
        # SQLite's lower() folds ASCII only; user names are ASCII, display names match in ASCII case.
        matches = or_(
            func.lower(UserRow.username).contains(needle, autoescape=True),
            func.lower(UserRow.display_name).contains(needle, autoescape=True),
        )
        statement = select(*USER_COLUMNS).where(matches)
        if exclude:
            statement = statement.where(UserRow.id.not_in(list(exclude)))
        statement = statement.order_by(func.lower(UserRow.display_name), UserRow.username).limit(limit)
        rows = await self._db.scan(lambda conn: conn.execute(statement).all())
        return [user_from_row(r) for r in rows]
