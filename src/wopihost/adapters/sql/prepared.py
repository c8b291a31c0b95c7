"""Statements of the WOPI hot path, compiled once and run on the driver's own connection.

SQLAlchemy's Core does a lot per execution even with its compiled cache (an execution context, parameter
and result processing set up anew, an autobegun transaction); for the one query behind every CheckFileInfo
and GetFile, and for the statements of every lock change, that was most of their cost. A `Prepared`
statement is compiled once per dialect to the driver's SQL. Its parameters go through the bind processors
SQLAlchemy would apply (UTC datetimes to the dialect's form), and its results through the same result
processors, into rows read like SQLAlchemy's: by Column in `_mapping`, by unique label as attributes, or
unpacked as a tuple.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Executable, Table, bindparam, insert
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.elements import ClauseElement


class PreparedRow:
    """One result row, read by Column (`row._mapping[column]`) or by unique label (`row.owner_name`)."""

    __slots__ = ("_index", "_values")

    def __init__(self, values: Sequence[Any], index: Mapping[object, int]) -> None:
        self._values = values
        self._index = index

    @property
    def _mapping(self) -> PreparedRow:
        return self

    def __getitem__(self, key: object) -> Any:
        return self._values[self._index[key]]

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[self._index[name]]
        except KeyError:
            raise AttributeError(name) from None

    def __iter__(self) -> Iterator[Any]:
        return iter(self._values)


class CompiledStatement:
    """A Prepared statement compiled for one dialect: the driver's SQL, its parameters' order and
    processors, the result processors."""

    __slots__ = ("binders", "defaults", "index", "names", "processors", "sql")

    def __init__(self, statement: Any, dialect: Dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        self.sql = str(compiled)
        self.names: tuple[str, ...] = tuple(compiled.positiontup or ())
        # The statement's own values (a depth limit, a start value, a column set to NULL) are parameters
        # too; those without a value must be given.
        self.defaults: dict[str, Any] = {
            name: bind.value for name, bind in compiled.binds.items() if not bind.required
        }
        binders = [
            compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect) for name in self.names
        ]
        self.binders: tuple[tuple[int, Callable[[Any], Any]], ...] = tuple(
            (position, bind) for position, bind in enumerate(binders) if bind is not None
        )
        columns = list(statement.exported_columns)
        processors = [column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns]
        # Only the columns that need it (datetimes, booleans) are converted.
        self.processors: tuple[tuple[int, Callable[[Any], Any]], ...] = tuple(
            (position, process) for position, process in enumerate(processors) if process is not None
        )
        index: dict[object, int] = {}
        names: dict[str, int | None] = {}
        for position, column in enumerate(columns):
            index[column] = position
            name = getattr(column, "name", None)
            if isinstance(name, str):
                # A name two columns share (files.id, users.id) is read by Column only.
                names[name] = None if name in names else position
        index.update({name: position for name, position in names.items() if position is not None})
        self.index = index

    def arguments(self, params: Mapping[str, Any]) -> list[Any]:
        """The parameters in the order the SQL takes them, as the driver takes them."""
        merged = {**self.defaults, **params}
        arguments = [merged[name] for name in self.names]
        for position, bind in self.binders:
            arguments[position] = bind(arguments[position])
        return arguments

    def rows(self, raw: Sequence[Sequence[Any]]) -> list[PreparedRow]:
        """The driver's rows, processed and readable like SQLAlchemy's."""
        converted = []
        for row in raw:
            values = list(row)
            for position, process in self.processors:
                values[position] = process(values[position])
            converted.append(PreparedRow(values, self.index))
        return converted


class Prepared:
    """A statement (a SELECT, or a change with or without RETURNING) compiled on first use per dialect:
    read through `Database.fetch`, or run inside a unit of work with `run_prepared`."""

    def __init__(self, statement: Executable) -> None:
        assert isinstance(statement, ClauseElement)
        self.statement = statement
        self._compiled: dict[str, CompiledStatement] = {}

    def compiled(self, dialect: Dialect) -> CompiledStatement:
        """The statement compiled for `dialect` (once per dialect name)."""
        found = self._compiled.get(dialect.name)
        if found is None:
            found = self._compiled[dialect.name] = CompiledStatement(self.statement, dialect)
        return found


def prepared_insert(table: Table, *, generated: str = "id") -> Prepared:
    """An INSERT of one row of `table`: every column but the database-generated `generated`, each from the
    parameter of its name. It applies no Python-side column defaults, so every column must be given."""
    columns = [column for column in table.c if column.name != generated]
    values = {column.name: bindparam(column.name, type_=column.type) for column in columns}
    return Prepared(insert(table).values(values))


def run_prepared(conn: Connection, prepared: Prepared, params: Mapping[str, Any]) -> tuple[list[Any], int]:
    """Run `prepared` in the transaction of `conn`; return its rows and how many rows it changed.

    On SQLite it goes straight to the driver's connection, which is the transaction's; other drivers are
    asynchronous under SQLAlchemy's facade, so there it runs through SQLAlchemy.
    """
    if conn.dialect.name != "sqlite":
        result = conn.execute(prepared.statement, dict(params))
        return (list(result) if result.returns_rows else []), result.rowcount
    compiled = prepared.compiled(conn.dialect)
    driver = conn.connection.driver_connection
    assert driver is not None
    cursor = driver.execute(compiled.sql, compiled.arguments(params))
    rows = compiled.rows(cursor.fetchall())
    return rows, cursor.rowcount
