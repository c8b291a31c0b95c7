"""The neutral text model the development client shows and edits, and its JSON form."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, NotRequired, TypedDict, TypeVar, get_args

from wopihost.errors import InvalidRequest

Kind = Literal["word", "excel", "powerpoint", "text"]
KINDS: tuple[Kind, ...] = get_args(Kind)
_T = TypeVar("_T")


class BlockJSON(TypedDict):
    """One block as JSON; the optional members appear only when they apply."""

    key: str
    text: str
    style: NotRequired[str]
    sheet: NotRequired[str]
    table: NotRequired[int]
    slide: NotRequired[int]
    row: NotRequired[int]
    column: NotRequired[int]


class TextModelJSON(TypedDict):
    """A whole model as JSON."""

    kind: Kind
    blocks: list[BlockJSON]
    sheets: list[str]
    slides: int
    truncated: bool


@dataclass(frozen=True, slots=True)
class Block:
    """One editable piece of text: a paragraph, a cell, a slide paragraph or a line.

    `key` addresses the block in `apply_edits`. Numbers meant for people (`slide`, `table`,
    `row`, `column`, and the same numbers inside keys) count from 1; paragraph indices (`p0`)
    count from 0.
    """

    key: str
    text: str
    style: str | None = None
    sheet: str | None = None
    table: int | None = None
    slide: int | None = None
    row: int | None = None
    column: int | None = None

    def to_json(self) -> BlockJSON:
        """Return the JSON-ready form, leaving out members that do not apply."""
        out: BlockJSON = {"key": self.key, "text": self.text}
        if self.style is not None:
            out["style"] = self.style
        if self.sheet is not None:
            out["sheet"] = self.sheet
        if self.table is not None:
            out["table"] = self.table
        if self.slide is not None:
            out["slide"] = self.slide
        if self.row is not None:
            out["row"] = self.row
        if self.column is not None:
            out["column"] = self.column
        return out

    @classmethod
    def from_json(cls, data: object) -> Block:
        """Build a block from its JSON form; raise InvalidRequest when it is malformed."""
        if not isinstance(data, Mapping):
            raise InvalidRequest("a block must be an object")
        return cls(
            key=_required_str(data, "key"),
            text=_required_str(data, "text"),
            style=_optional(data, "style", str),
            sheet=_optional(data, "sheet", str),
            table=_optional(data, "table", int),
            slide=_optional(data, "slide", int),
            row=_optional(data, "row", int),
            column=_optional(data, "column", int),
        )


@dataclass(frozen=True, slots=True)
class TextModel:
    """The text of a document as ordered blocks.

    `sheets` names a workbook's worksheets in order (excel only), `slides` counts a
    presentation's slides (powerpoint only), and `truncated` says that blocks past the
    configured limit were left out.
    """

    kind: Kind
    blocks: tuple[Block, ...] = ()
    sheets: tuple[str, ...] = ()
    slides: int = 0
    truncated: bool = False

    def find_block(self, key: str) -> Block | None:
        """Return the block with this key, or None."""
        return next((block for block in self.blocks if block.key == key), None)

    def to_json(self) -> TextModelJSON:
        """Return the JSON-ready form."""
        return {
            "kind": self.kind,
            "blocks": [block.to_json() for block in self.blocks],
            "sheets": list(self.sheets),
            "slides": self.slides,
            "truncated": self.truncated,
        }

    @classmethod
    def from_json(cls, data: object) -> TextModel:
        """Build a model from its JSON form; raise InvalidRequest when it is malformed."""
        if not isinstance(data, Mapping):
            raise InvalidRequest("a text model must be an object")
        kind = data.get("kind")
        blocks = data.get("blocks", [])
        sheets = data.get("sheets", [])
        if kind not in KINDS:
            raise InvalidRequest(f"unknown document kind {kind!r}")
        if not isinstance(blocks, list) or not isinstance(sheets, list):
            raise InvalidRequest("blocks and sheets must be lists")
        if not all(isinstance(name, str) for name in sheets):
            raise InvalidRequest("sheet names must be strings")
        return cls(
            kind=kind,
            blocks=tuple(Block.from_json(block) for block in blocks),
            sheets=tuple(sheets),
            slides=_optional(data, "slides", int) or 0,
            truncated=_optional(data, "truncated", bool) or False,
        )


def _required_str(data: Mapping[str, object], name: str) -> str:
    value = data.get(name)
    if not isinstance(value, str):
        raise InvalidRequest(f"{name!r} must be a string")
    return value


def _optional(data: Mapping[str, object], name: str, kind: type[_T]) -> _T | None:
    value = data.get(name)
    if value is None:
        return None
    # bool is an int subclass; a JSON true is not a row number.
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise InvalidRequest(f"{name!r} must be of type {kind.__name__}")
    return value
