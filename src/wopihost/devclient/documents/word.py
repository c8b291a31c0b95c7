"""Word documents (.docx and kin) through python-docx: body paragraphs and table-cell paragraphs."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import docx
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from wopihost.devclient.documents.model import Block, TextModel
from wopihost.devclient.documents.ooxml import (
    WORD_TYPES,
    check_package,
    reset_core_properties,
    with_main_type,
)
from wopihost.devclient.documents.safety import Limits, unreadable, xml_safe
from wopihost.errors import InvalidRequest

_PLAIN = WORD_TYPES[".docx"]
# The run children python-docx renders as text; everything else in a run (drawings, fields,
# page breaks) is kept when a paragraph's text is replaced.
_TEXT_TAGS = frozenset(qn(tag) for tag in ("w:t", "w:tab", "w:cr", "w:noBreakHyphen", "w:ptab"))
_BR = qn("w:br")
_BR_TYPE = qn("w:type")
_RPR = qn("w:rPr")
_HYPERLINK = qn("w:hyperlink")
_CONTROLS = re.compile("(\n|\t)")


def read(content: bytes, limits: Limits) -> TextModel:
    """Return the paragraphs of a Word package as blocks."""
    document = _open(content, limits)
    blocks: list[Block] = []
    with unreadable("Word"):
        for block, _ in _paragraphs(document):
            if len(blocks) >= limits.max_blocks:
                return TextModel(kind="word", blocks=tuple(blocks), truncated=True)
            blocks.append(block)
    return TextModel(kind="word", blocks=tuple(blocks))


def apply(
    ext: str, content: bytes, edits: Mapping[str, str], appended: Sequence[str], limits: Limits
) -> bytes:
    """Replace the text of the keyed paragraphs and append new body paragraphs."""
    document = _open(content, limits)
    with unreadable("Word"):
        targets = {block.key: paragraph for block, paragraph in _paragraphs(document)}
        unknown = sorted(set(edits) - set(targets))
        if unknown:
            raise InvalidRequest(f"no such paragraphs: {', '.join(unknown[:10])}")
        for key, text in edits.items():
            _set_text(targets[key], xml_safe(text))
        for text in appended:
            document.add_paragraph(xml_safe(text))
        return _save(document, ext)


def build(ext: str, paragraphs: Sequence[str]) -> bytes:
    """Return a new Word package holding `paragraphs` in the default style."""
    with unreadable("Word"):
        document = docx.Document()
        reset_core_properties(document.core_properties)
        for text in paragraphs:
            document.add_paragraph(xml_safe(text))
        return _save(document, ext)


def blank(ext: str) -> bytes:
    """Return a new empty Word package of the type `ext` names."""
    return build(ext, ())


def _open(content: bytes, limits: Limits) -> Any:
    check_package(content, limits)
    # python-docx opens only the plain document type; macro-enabled and template packages differ in
    # nothing else, so they are read as plain and given their own type back when saved.
    plain = with_main_type(content, WORD_TYPES, _PLAIN)
    with unreadable("Word"):
        return docx.Document(io.BytesIO(plain))


def _save(document: Any, ext: str) -> bytes:
    out = io.BytesIO()
    document.save(out)
    return with_main_type(out.getvalue(), WORD_TYPES, WORD_TYPES.get(ext, _PLAIN))


def _paragraphs(document: Any) -> Iterator[tuple[Block, Any]]:
    body_index = 0
    table_number = 0
    for item in document.iter_inner_content():
        if isinstance(item, Table):
            table_number += 1
            yield from _table_paragraphs(item, table_number)
        else:
            yield Block(key=f"p{body_index}", text=item.text, style=_style_name(item)), item
            body_index += 1


def _table_paragraphs(table: Any, number: int) -> Iterator[tuple[Block, Any]]:
    # The XML rows and cells, not python-docx's grid view, which repeats merged cells.
    for row, tr in enumerate(table._tbl.tr_lst, start=1):
        for column, tc in enumerate(tr.tc_lst, start=1):
            for index, p in enumerate(tc.p_lst):
                paragraph = Paragraph(p, table)
                key = f"t{number}/r{row}/c{column}/p{index}"
                block = Block(key=key, text=paragraph.text, table=number, row=row, column=column)
                yield block, paragraph


def _style_name(paragraph: Any) -> str | None:
    style = paragraph.style
    name = getattr(style, "name", None)
    return name if isinstance(name, str) else None


def _set_text(paragraph: Any, text: str) -> None:
    p = paragraph._p
    direct = p.findall(qn("w:r"))
    runs = direct + [r for link in p.findall(_HYPERLINK) for r in link.findall(qn("w:r"))]
    for r in runs:
        _clear_text(r)
    _drop_empty_hyperlinks(p)
    target = Run(direct[0], paragraph) if direct else paragraph.add_run()
    for piece in _CONTROLS.split(text):
        if piece == "\n":
            target.add_break()
        elif piece == "\t":
            target.add_tab()
        elif piece:
            target.add_text(piece)


def _clear_text(r: Any) -> None:
    for child in list(r):
        line_break = child.tag == _BR and child.get(_BR_TYPE, "textWrapping") == "textWrapping"
        if child.tag in _TEXT_TAGS or line_break:
            r.remove(child)


def _drop_empty_hyperlinks(p: Any) -> None:
    for link in p.findall(_HYPERLINK):
        if all(child.tag == _RPR for r in link for child in r):
            p.remove(link)
