"""Converting legacy binary Office files (.doc, .xls, .ppt) to their Office Open XML successors."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator, Mapping
from datetime import time

import xlrd

from wopihost.devclient.documents import excel, powerpoint, word
from wopihost.devclient.documents.legacy_powerpoint import ppt_slides
from wopihost.devclient.documents.legacy_word import doc_paragraphs
from wopihost.devclient.documents.ole import OLE_MAGIC
from wopihost.devclient.documents.safety import Limits, unreadable
from wopihost.errors import UnreadableDocument

CONVERSIONS: Mapping[str, str] = {".doc": ".docx", ".xls": ".xlsx", ".ppt": ".pptx"}
_MAX_EXACT_FLOAT = 2**53
_BIFF_STARTS = (b"\x09\x00", b"\x09\x02", b"\x09\x04", b"\x09\x08")  # BOF records of BIFF2 to BIFF8


def convert(ext: str, content: bytes, limits: Limits) -> bytes:
    """Return the OOXML successor of a legacy file whose extension is `ext` (a key of CONVERSIONS)."""
    return _CONVERTERS[ext](content, limits)


def _from_doc(content: bytes, limits: Limits) -> bytes:
    return word.build(".docx", doc_paragraphs(content, limits))


def _from_ppt(content: bytes, limits: Limits) -> bytes:
    return powerpoint.build(".pptx", ppt_slides(content, limits))


def _from_xls(content: bytes, limits: Limits) -> bytes:
    # xlrd 2 also reads bare BIFF streams, which very old Excel versions saved without an OLE2 wrapper.
    if not content.startswith(OLE_MAGIC) and content[:2] not in _BIFF_STARTS:
        raise UnreadableDocument("not an Excel 97-2003 file")
    with unreadable("Excel 97-2003"):
        book = xlrd.open_workbook(
            file_contents=content, logfile=io.StringIO(), verbosity=0, ragged_rows=True, on_demand=True
        )
        try:
            # Read whole before writing: a failure halfway through openpyxl's streaming writer leaves
            # its generators to fail again, noisily, when they are collected.
            sheets = [(name, list(_xls_rows(book, index))) for index, name in enumerate(book.sheet_names())]
        finally:
            book.release_resources()
    return excel.build(".xlsx", sheets)


def _xls_rows(book: xlrd.Book, index: int) -> Iterator[list[object]]:
    sheet = book.sheet_by_index(index)
    try:
        for row in range(sheet.nrows):
            yield [_xls_value(book, cell) for cell in sheet.row(row)]
    finally:
        book.unload_sheet(index)


def _xls_value(book: xlrd.Book, cell: xlrd.sheet.Cell) -> object:
    kind, value = cell.ctype, cell.value
    if kind == xlrd.XL_CELL_NUMBER and float(value).is_integer() and abs(value) < _MAX_EXACT_FLOAT:
        return int(value)
    if kind == xlrd.XL_CELL_DATE:
        try:
            moment = xlrd.xldate.xldate_as_datetime(value, book.datemode)
        except (xlrd.xldate.XLDateError, ValueError, OverflowError):
            return value
        return moment.date() if moment.time() == time() else moment
    if kind == xlrd.XL_CELL_BOOLEAN:
        return bool(value)
    if kind == xlrd.XL_CELL_ERROR:
        return xlrd.error_text_from_code.get(value, "#N/A")
    if kind in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
        return None
    return value


_CONVERTERS: Mapping[str, Callable[[bytes, Limits], bytes]] = {
    ".doc": _from_doc,
    ".xls": _from_xls,
    ".ppt": _from_ppt,
}
