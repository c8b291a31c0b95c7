"""Point reads of the WOPI hot path, compiled once and run on the driver's own connection.

SQLAlchemy's Core does a lot per execution even with its compiled cache (an execution context, parameter
and result processing set up anew, an autobegun transaction); for the one query behind every CheckFileInfo
and GetFile that was most of the request's cost. A `PreparedRead` is a SELECT compiled once per dialect to
the driver's SQL, whose results go through the same result processors SQLAlchemy would apply (UTC datetimes,
booleans), into rows read like SQLAlchemy's: by Column in `_mapping`, by unique label as attributes.

Only string and integer parameters are bound: they need no bind processing on any driver.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Select
from sqlalchemy.engine import Dialect


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


class CompiledRead:
    """A PreparedRead compiled for one dialect: the driver's SQL, its parameters' order, the processors."""

    __slots__ = ("defaults", "index", "names", "processors", "sql")

    def __init__(self, statement: Select[Any], dialect: Dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        self.sql = str(compiled)
        self.names: tuple[str, ...] = tuple(compiled.positiontup or ())
        # The statement's own literals (a depth limit, a start value) are parameters too.
        self.defaults: dict[str, Any] = {k: v for k, v in compiled.params.items() if v is not None}
        columns = list(statement.selected_columns)
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

    def arguments(self, params: Mapping[str, str | int]) -> list[str | int]:
        """The parameters in the order the SQL takes them."""
        merged = {**self.defaults, **params}
        return [merged[name] for name in self.names]

    def rows(self, raw: Sequence[Sequence[Any]]) -> list[PreparedRow]:
        """The driver's rows, processed and readable like SQLAlchemy's."""
        converted = []
        for row in raw:
            values = list(row)
            for position, process in self.processors:
                values[position] = process(values[position])
            converted.append(PreparedRow(values, self.index))
        return converted


class PreparedRead:
    """A SELECT to run through `Database.fetch`, compiled on first use for the database's dialect."""

    def __init__(self, statement: Select[Any]) -> None:
        self.statement = statement
        self._compiled: dict[str, CompiledRead] = {}

    def compiled(self, dialect: Dialect) -> CompiledRead:
        """The statement compiled for `dialect` (once per dialect name)."""
        found = self._compiled.get(dialect.name)
        if found is None:
            found = self._compiled[dialect.name] = CompiledRead(self.statement, dialect)
        return found
