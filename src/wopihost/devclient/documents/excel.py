"""Excel workbooks (.xlsx and kin) through openpyxl: one block per non-empty cell."""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, time
from typing import Any

import openpyxl
from openpyxl.cell.cell import MergedCell
from openpyxl.utils.cell import coordinate_to_tuple, get_column_letter
from openpyxl.utils.exceptions import CellCoordinatesException

from wopihost.devclient.documents.model import Block, TextModel
from wopihost.devclient.documents.ooxml import EXCEL_TYPES, check_package, with_main_type
from wopihost.devclient.documents.safety import Limits, unreadable, xml_safe
from wopihost.errors import InvalidRequest

MAX_ROW = 1_048_576
MAX_COLUMN = 16_384
_MACRO_EXTENSIONS = frozenset({".xlsm", ".xltm"})
_TEMPLATE_EXTENSIONS = frozenset({".xltx", ".xltm"})
_INTEGER = re.compile(r"-?(?:0|[1-9][0-9]{0,14})")
_DECIMAL = re.compile(r"-?(?:0|[1-9][0-9]*)\.[0-9]+(?:[eE][-+]?[0-9]{1,3})?")
_SHEET_TITLE_ILLEGAL = re.compile(r"[\[\]:*?/\\]")
Row = Sequence[object]


def read(content: bytes, limits: Limits) -> TextModel:
    """Return every non-empty cell of every worksheet as a block keyed like `Sheet1!B3`."""
    check_package(content, limits)
    with unreadable("Excel"):
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, keep_links=False)
        try:
            return _model(workbook, limits)
        finally:
            workbook.close()


def apply(
    ext: str, content: bytes, edits: Mapping[str, str], appended: Sequence[str], limits: Limits
) -> bytes:
    """Set the keyed cells and write appended values into column A below the first sheet's data."""
    check_package(content, limits)
    with unreadable("Excel"):
        workbook = openpyxl.load_workbook(io.BytesIO(content), keep_vba=ext in _MACRO_EXTENSIONS)
        try:
            _edit(workbook, edits, appended)
            return _save(workbook, ext)
        finally:
            if workbook.vba_archive is not None:
                # Closed here, or the garbage collector may close its buffer first and fail noisily.
                workbook.vba_archive.close()


def build(ext: str, sheets: Iterable[tuple[str, Iterable[Row]]]) -> bytes:
    """Return a new workbook with one worksheet per (title, rows), streamed to keep memory flat."""
    with unreadable("Excel"):
        workbook = openpyxl.Workbook(write_only=True)
        titles: set[str] = set()
        for title, rows in sheets:
            sheet = workbook.create_sheet(_unique_title(title, titles))
            for row in rows:
                sheet.append([_safe_value(value) for value in row])
        if not titles:
            workbook.create_sheet("Sheet1")
        return _save(workbook, ext)


def blank(ext: str) -> bytes:
    """Return a new workbook with one empty worksheet named Sheet1."""
    with unreadable("Excel"):
        workbook = openpyxl.Workbook()
        workbook.active.title = "Sheet1"
        workbook.properties.creator = ""
        return _save(workbook, ext)


def _edit(workbook: Any, edits: Mapping[str, str], appended: Sequence[str]) -> None:
    cells = [(_cell(workbook, key), text) for key, text in edits.items()]
    for cell, text in cells:
        cell.value = _typed(text)
    first = workbook.worksheets[0]
    start = _last_used_row(first) + 1
    for offset, text in enumerate(appended):
        first.cell(row=start + offset, column=1).value = _typed(text)


def _model(workbook: Any, limits: Limits) -> TextModel:
    blocks: list[Block] = []
    sheets = tuple(sheet.title for sheet in workbook.worksheets)
    for sheet in workbook.worksheets:
        # Read-only mode otherwise trusts the declared dimension, which writers often get wrong.
        sheet.reset_dimensions()
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value is None:
                    continue
                if len(blocks) >= limits.max_blocks:
                    return TextModel(kind="excel", blocks=tuple(blocks), sheets=sheets, truncated=True)
                blocks.append(_block(sheet.title, cell.row, cell.column, cell.value))
    return TextModel(kind="excel", blocks=tuple(blocks), sheets=sheets)


def _block(sheet: str, row: int, column: int, value: object) -> Block:
    key = f"{sheet}!{get_column_letter(column)}{row}"
    return Block(key=key, text=_text(value), sheet=sheet, row=row, column=column)


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime) and value.time() == time():
        return value.date().isoformat()  # openpyxl reads every date cell as a datetime
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    formula = getattr(value, "text", None)  # openpyxl's ArrayFormula and DataTableFormula
    if isinstance(formula, str):
        return formula
    return str(value)


def _cell(workbook: Any, key: str) -> Any:
    title, bang, coordinate = key.rpartition("!")
    if not bang or title not in {sheet.title for sheet in workbook.worksheets}:
        raise InvalidRequest(f"no such cell: {key}")
    try:
        row, column = coordinate_to_tuple(coordinate)
    except (CellCoordinatesException, ValueError, TypeError) as exc:
        raise InvalidRequest(f"no such cell: {key}") from exc
    if not (1 <= row <= MAX_ROW and 1 <= column <= MAX_COLUMN):
        raise InvalidRequest(f"no such cell: {key}")
    cell = workbook[title].cell(row=row, column=column)
    if isinstance(cell, MergedCell):
        raise InvalidRequest(f"{key} is inside a merged range; edit its top-left cell")
    return cell


def _typed(text: str) -> object:
    """Turn typed text into what Excel would store: a number, a formula ("=..."), text or nothing."""
    text = xml_safe(text)
    if not text:
        return None
    if _INTEGER.fullmatch(text):
        return int(text)
    if _DECIMAL.fullmatch(text):
        return float(text)
    return text


def _last_used_row(sheet: Any) -> int:
    # The private cell map, because iter_rows() creates every empty cell it walks over.
    rows = (row for (row, _), cell in sheet._cells.items() if cell.value is not None)
    return max(rows, default=0)


def _safe_value(value: object) -> object:
    return xml_safe(value) if isinstance(value, str) else value


def _unique_title(title: str, taken: set[str]) -> str:
    base = _SHEET_TITLE_ILLEGAL.sub("_", xml_safe(title)).strip("'")[:31] or "Sheet"
    candidate, number = base, 1
    while candidate.casefold() in taken:
        number += 1
        suffix = f" ({number})"
        candidate = base[: 31 - len(suffix)] + suffix
    taken.add(candidate.casefold())
    return candidate


def _save(workbook: Any, ext: str) -> bytes:
    if not getattr(workbook, "write_only", False):
        workbook.template = ext in _TEMPLATE_EXTENSIONS
    out = io.BytesIO()
    workbook.save(out)
    return with_main_type(out.getvalue(), EXCEL_TYPES, EXCEL_TYPES.get(ext, EXCEL_TYPES[".xlsx"]))
