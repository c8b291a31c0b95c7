"""SqlSearchIndex: name search with folded LIKE, full-text search with SQLite FTS5 or a PostgreSQL tsvector.

Rights are part of every query: a file is a result only if the user owns it or holds a share of it right
now, so that revoking a share hides the file and its snippet from the next search. Each back end folds
accents and case its own way (SQLite's FTS5 tokenizer with remove_diacritics, PostgreSQL's translate() with
the table of domain/search.py), and names are folded the same way in both (see `fold_sql`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    CTE,
    ColumnElement,
    Connection,
    Select,
    String,
    and_,
    bindparam,
    case,
    cast,
    column,
    delete,
    func,
    literal,
    literal_column,
    null,
    or_,
    select,
    table,
    text,
    union_all,
)
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import DBAPIError

from wopihost.adapters.sql.database import SQLITE_FOLD_FUNCTION, Database
from wopihost.adapters.sql.guards import live_file, live_folder
from wopihost.adapters.sql.mapping import FILE_COLUMNS, file_from_row
from wopihost.adapters.sql.models import (
    FileRow,
    FolderRow,
    FolderShareRow,
    SearchDocumentRow,
    ShareRow,
    UtcDateTime,
)
from wopihost.domain.permissions import Role
from wopihost.domain.records import FileRecord
from wopihost.domain.search import (
    LIKE_ESCAPE,
    MATCH_END,
    MATCH_START,
    fold,
    fold_table,
    fts5_query,
    like_pattern,
    query_terms,
    snippet_parts,
)
from wopihost.errors import StorageUnavailable
from wopihost.ports import Clock, IndexEntry, NameMatch, TextMatch

# Words of context around a match in snippets.
SNIPPET_WORDS = 24
_ELLIPSIS = "…"
_HEADLINE_OPTIONS = (
    f"StartSel={MATCH_START}, StopSel={MATCH_END}, MaxWords={SNIPPET_WORDS}, MinWords={SNIPPET_WORDS // 2}, "
    f'MaxFragments=2, FragmentDelimiter=" {_ELLIPSIS} "'
)
# PostgreSQL's SQLSTATE for "string is too long for tsvector", and how often the text is halved to fit.
_PROGRAM_LIMIT_EXCEEDED = "54000"
TSVECTOR_ATTEMPTS = 4
_FTS_MATCH: ColumnElement[Any] = literal_column("search_fts")
_FTS = table("search_fts", column("rowid"))
_DOC = SearchDocumentRow.__table__.c


def fold_sql(column: Any, dialect: str) -> ColumnElement[str]:
    """SQL folding a name as domain.search.fold does."""
    if dialect == "sqlite":
        return getattr(func, SQLITE_FOLD_FUNCTION)(column)  # type: ignore[no-any-return]
    sources, targets = fold_table()
    return func.lower(func.translate(column, sources, targets))


class SqlSearchIndex:
    """The search index in the SQL database, beside the files it describes."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def search_names(self, user_id: str, query: str, *, limit: int) -> Sequence[NameMatch]:
        folded = fold(query)
        if not folded:
            return []

        def work(conn: Connection) -> Sequence[NameMatch]:
            statement = _names_statement(user_id, folded, conn.dialect.name, limit)
            return [_name_match(row) for row in conn.execute(statement)]

        return await self._db.scan(work)

    async def search_text(self, user_id: str, query: str, *, limit: int) -> Sequence[TextMatch]:
        if not query_terms(query):
            return []

        def work(conn: Connection) -> Sequence[TextMatch]:
            if conn.dialect.name == "sqlite":
                statement = _sqlite_text_statement(user_id, query, limit)
            else:
                statement = _postgresql_text_statement(user_id, query, limit)
            return [_text_match(row) for row in conn.execute(statement)]

        return await self._db.scan(work)

    async def find_stale(self, *, limit: int) -> Sequence[FileRecord]:
        statement = (
            select(*FILE_COLUMNS)
            .outerjoin(SearchDocumentRow, SearchDocumentRow.file_id == FileRow.id)
            .where(or_(SearchDocumentRow.file_id.is_(None), SearchDocumentRow.version != FileRow.version))
            .limit(limit)
        )
        rows = await self._db.scan(lambda conn: conn.execute(statement).all())
        return [file_from_row(row) for row in rows]

    async def store(self, entry: IndexEntry) -> bool:
        now = self._clock.now()

        def work(conn: Connection) -> bool:
            current = conn.execute(select(FileRow.version).where(FileRow.id == entry.file_id)).scalar()
            if current != entry.version:
                return False
            if conn.dialect.name == "sqlite":
                _store_sqlite(conn, entry, now)
            else:
                _store_postgresql(conn, entry, now)
            return True

        return await self._db.write(work)

    async def clear(self) -> int:
        def work(conn: Connection) -> int:
            count = conn.execute(delete(SearchDocumentRow)).rowcount
            if conn.dialect.name == "sqlite":
                conn.execute(text("DELETE FROM search_fts"))
            return count

        return await self._db.write(work)


def _names_statement(user_id: str, folded: str, dialect: str, limit: int) -> Select[Any]:
    """Own files, shared files and own folders whose folded names contain `folded`, best first."""
    contains, starts = like_pattern(folded, prefix=False), like_pattern(folded, prefix=True)

    def branch(name: Any) -> tuple[ColumnElement[bool], ColumnElement[int]]:
        folded_name = fold_sql(name, dialect)
        rank = case((folded_name.like(starts, escape=LIKE_ESCAPE), 0), else_=1)
        return folded_name.like(contains, escape=LIKE_ESCAPE), rank

    tree = _shared_tree(user_id)
    own_match, own_rank = branch(FileRow.name)
    own = select(
        literal("file").label("kind"),
        FileRow.id,
        FileRow.name,
        FileRow.folder_id,
        FileRow.owner_id,
        cast(null(), String).label("role"),
        FileRow.modified_at,
        own_rank.label("rank"),
    ).where(FileRow.owner_id == user_id, own_match, live_file())
    shared = (
        select(
            literal("file").label("kind"),
            FileRow.id,
            FileRow.name,
            FileRow.folder_id,
            FileRow.owner_id,
            ShareRow.role,
            FileRow.modified_at,
            own_rank.label("rank"),
        )
        .outerjoin(ShareRow, and_(ShareRow.file_id == FileRow.id, ShareRow.user_id == user_id))
        .where(
            FileRow.owner_id != user_id,
            or_(ShareRow.user_id.is_not(None), FileRow.folder_id.in_(select(tree.c.id))),
            own_match,
            live_file(),
        )
    )
    folder_match, folder_rank = branch(FolderRow.name)
    folders = select(
        literal("folder").label("kind"),
        FolderRow.id,
        FolderRow.name,
        FolderRow.parent_id.label("folder_id"),
        FolderRow.owner_id,
        cast(null(), String).label("role"),
        FolderRow.created_at.label("modified_at"),
        folder_rank.label("rank"),
    ).where(
        or_(
            and_(FolderRow.owner_id == user_id, FolderRow.parent_id.is_not(None)),
            FolderRow.id.in_(select(tree.c.id)),
        ),
        folder_match,
        live_folder(),
    )
    everything = union_all(own, shared, folders).subquery()
    return (
        select(everything)
        .order_by(
            everything.c.rank,
            everything.c.kind.desc(),  # folders before files among equally good matches
            func.length(everything.c.name),
            everything.c.name,
        )
        .limit(limit)
    )


def _name_match(row: Any) -> NameMatch:
    return NameMatch(
        kind=row.kind,
        id=row.id,
        name=row.name,
        folder_id=row.folder_id,
        owner_id=row.owner_id,
        role=Role(row.role) if row.role else None,
        modified_at=row.modified_at,
    )


def _shared_tree(user_id: str) -> CTE:
    """The live folders shared with the user and every live folder below them."""
    top = (
        select(FolderRow.id)
        .join(FolderShareRow, FolderShareRow.folder_id == FolderRow.id)
        .where(FolderShareRow.user_id == user_id, live_folder())
        .cte("shared_tree", recursive=True)
    )
    child = FolderRow.__table__.alias("child")
    below = select(child.c.id).join(top, child.c.parent_id == top.c.id).where(child.c.trash_id.is_(None))
    # UNION, not UNION ALL: folders reached through two shares are listed once, and a loop ends.
    return top.union(below)


def _visible(user_id: str) -> ColumnElement[bool]:
    """The user owns the file, holds a share of it (with ShareRow outer-joined for this user), or holds a
    share of a folder above it."""
    in_shared = FileRow.folder_id.in_(select(_shared_tree(user_id).c.id))
    return and_(live_file(), or_(FileRow.owner_id == user_id, ShareRow.user_id.is_not(None), in_shared))


def _sqlite_text_statement(user_id: str, query: str, limit: int) -> Select[Any]:
    snippet = func.snippet(_FTS_MATCH, 0, MATCH_START, MATCH_END, _ELLIPSIS, SNIPPET_WORDS)
    return (
        select(*FILE_COLUMNS, ShareRow.role, snippet.label("snippet"))
        .select_from(_FTS)
        .join(SearchDocumentRow, SearchDocumentRow.fts_rowid == _FTS.c.rowid)
        .join(FileRow, FileRow.id == SearchDocumentRow.file_id)
        .outerjoin(ShareRow, and_(ShareRow.file_id == FileRow.id, ShareRow.user_id == user_id))
        .where(_FTS_MATCH.op("MATCH")(fts5_query(query)), _visible(user_id))
        .order_by(func.bm25(_FTS_MATCH))
        .limit(limit)
    )


def _postgresql_tsquery(query: str) -> ColumnElement[Any]:
    # The words are \w+ runs, so quoting them makes to_tsquery's operators in the user's text inert.
    terms = [f"'{term}'" for term in query_terms(query)]
    terms[-1] += ":*"
    return func.to_tsquery("simple", " & ".join(terms))


def _postgresql_text_statement(user_id: str, query: str, limit: int) -> Select[Any]:
    tsquery = _postgresql_tsquery(query)
    body_tsv: ColumnElement[Any] = literal_column("search_documents.body_tsv")
    best = (
        select(*FILE_COLUMNS, ShareRow.role, SearchDocumentRow.body)
        .join(SearchDocumentRow, SearchDocumentRow.file_id == FileRow.id)
        .outerjoin(ShareRow, and_(ShareRow.file_id == FileRow.id, ShareRow.user_id == user_id))
        .where(body_tsv.op("@@")(tsquery), _visible(user_id))
        .order_by(func.ts_rank(body_tsv, tsquery).desc())
        .limit(limit)
        .subquery()
    )
    # Headlines are costly (they parse the whole text), so only the rows kept get one.
    headline = func.ts_headline("simple", best.c.body, _postgresql_tsquery(query), _HEADLINE_OPTIONS)
    columns = [best.c[column.name] for column in FILE_COLUMNS]
    return select(*columns, best.c.role, headline.label("snippet"))


def _text_match(row: Any) -> TextMatch:
    m = row._mapping
    values = {column: m[column.name] for column in FILE_COLUMNS}
    return TextMatch(
        file=file_from_row(_Mapped(values)),
        role=Role(m["role"]) if m["role"] else None,
        snippet=tuple(snippet_parts(m["snippet"] or "")),
    )


class _Mapped:
    """A row-like object whose _mapping is keyed by the files table's Column objects."""

    def __init__(self, mapping: dict[Any, Any]) -> None:
        self._mapping = mapping


def _store_sqlite(conn: Connection, entry: IndexEntry, now: datetime) -> None:
    old = conn.execute(select(_DOC.fts_rowid).where(_DOC.file_id == entry.file_id)).scalar()
    if old is not None:
        conn.execute(text("DELETE FROM search_fts WHERE rowid = :rowid"), {"rowid": old})
    rowid = None
    if entry.text:
        inserted = conn.execute(text("INSERT INTO search_fts (body) VALUES (:body)"), {"body": entry.text})
        rowid = inserted.lastrowid
    values = {"version": entry.version, "status": entry.status, "fts_rowid": rowid, "indexed_at": now}
    statement = sqlite.insert(SearchDocumentRow).values(file_id=entry.file_id, body=None, **values)
    conn.execute(statement.on_conflict_do_update(index_elements=[_DOC.file_id], set_=values))


_UPSERT_POSTGRESQL = text(
    "INSERT INTO search_documents (file_id, version, status, body, body_tsv, indexed_at) "
    "VALUES (:file_id, :version, :status, :body, "
    "to_tsvector('simple', translate(:body, :sources, :targets)), :now) "
    "ON CONFLICT (file_id) DO UPDATE SET version = excluded.version, status = excluded.status, "
    "body = excluded.body, body_tsv = excluded.body_tsv, indexed_at = excluded.indexed_at "
    # Never back to an older version, whichever of two indexing processes commits last.
    "WHERE search_documents.version <= excluded.version"
).bindparams(bindparam("now", type_=UtcDateTime()))


def _store_postgresql(conn: Connection, entry: IndexEntry, now: datetime) -> None:
    sources, targets = fold_table()
    values = {"file_id": entry.file_id, "version": entry.version, "status": entry.status, "now": now}
    values |= {"sources": sources, "targets": targets}
    body = entry.text
    for _attempt in range(TSVECTOR_ATTEMPTS):
        try:
            with conn.begin_nested():
                conn.execute(
                    _UPSERT_POSTGRESQL, {**values, "body": body, "sources": sources, "targets": targets}
                )
            return
        except DBAPIError as exc:
            # A tsvector holds at most 1 MB (many distinct words, as in a large CSV of codes): index the
            # first half of the text, and so on, rather than none of it.
            if getattr(exc.orig, "sqlstate", None) != _PROGRAM_LIMIT_EXCEEDED:
                raise
            body = body[: len(body) // 2]
    raise StorageUnavailable("the text is too long for a tsvector even when cut")
