"""PowerPoint presentations (.pptx and kin) through python-pptx: one block per text-frame paragraph."""

from __future__ import annotations

import copy
import io
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pptx
from pptx.enum.shapes import PP_PLACEHOLDER
from pptx.shapes.group import GroupShape
from pptx.util import Emu

from wopihost.devclient.documents.model import Block, TextModel
from wopihost.devclient.documents.ooxml import (
    POWERPOINT_TYPES,
    check_package,
    reset_core_properties,
    with_main_type,
)
from wopihost.devclient.documents.safety import Limits, unreadable, xml_safe
from wopihost.errors import InvalidRequest

_PLAIN = POWERPOINT_TYPES[".pptx"]
_TITLES = frozenset({PP_PLACEHOLDER.TITLE, PP_PLACEHOLDER.CENTER_TITLE, PP_PLACEHOLDER.VERTICAL_TITLE})
# Placeholders appended text must not land in.
_NOT_BODY = _TITLES | {PP_PLACEHOLDER.DATE, PP_PLACEHOLDER.FOOTER, PP_PLACEHOLDER.SLIDE_NUMBER}
_TITLE_AND_CONTENT = 1  # the layout of that name in python-pptx's default template
_DEFAULT_WIDTH = 9_144_000
_DEFAULT_HEIGHT = 6_858_000


@dataclass(frozen=True, slots=True)
class SlideText:
    """The text of one slide to build: title paragraphs and body paragraphs."""

    title: Sequence[str]
    body: Sequence[str]


def read(content: bytes, limits: Limits) -> TextModel:
    """Return the paragraphs of every text frame, slide by slide, as blocks."""
    presentation = _open(content, limits)
    blocks: list[Block] = []
    with unreadable("PowerPoint"):
        slides = len(presentation.slides)
        for block, _ in _paragraphs(presentation):
            if len(blocks) >= limits.max_blocks:
                return TextModel(kind="powerpoint", blocks=tuple(blocks), slides=slides, truncated=True)
            blocks.append(block)
    return TextModel(kind="powerpoint", blocks=tuple(blocks), slides=slides)


def apply(
    ext: str, content: bytes, edits: Mapping[str, str], appended: Sequence[str], limits: Limits
) -> bytes:
    """Replace the text of the keyed paragraphs and append paragraphs to the last slide."""
    presentation = _open(content, limits)
    with unreadable("PowerPoint"):
        targets = {block.key: paragraph for block, paragraph in _paragraphs(presentation)}
        unknown = sorted(set(edits) - set(targets))
        if unknown:
            raise InvalidRequest(f"no such paragraphs: {', '.join(unknown[:10])}")
        for key, text in edits.items():
            _set_text(targets[key], xml_safe(text))
        if appended:
            _append(presentation, appended)
        return _save(presentation, ext)


def build(ext: str, slides: Sequence[SlideText]) -> bytes:
    """Return a new presentation with one "Title and Content" slide per entry."""
    with unreadable("PowerPoint"):
        presentation = pptx.Presentation()
        reset_core_properties(presentation.core_properties)
        layout = presentation.slide_layouts[_TITLE_AND_CONTENT]
        for text in slides:
            slide = presentation.slides.add_slide(layout)
            _fill(slide.shapes.title.text_frame, text.title)
            _fill(slide.placeholders[1].text_frame, text.body)
        return _save(presentation, ext)


def blank(ext: str) -> bytes:
    """Return a new presentation with one empty title slide."""
    with unreadable("PowerPoint"):
        presentation = pptx.Presentation()
        reset_core_properties(presentation.core_properties)
        presentation.slides.add_slide(presentation.slide_layouts[0])
        return _save(presentation, ext)


def _open(content: bytes, limits: Limits) -> Any:
    check_package(content, limits)
    # python-pptx refuses template and slide-show packages by their type alone; they are read as plain
    # presentations and given their own type back when saved.
    plain = with_main_type(content, POWERPOINT_TYPES, _PLAIN)
    with unreadable("PowerPoint"):
        return pptx.Presentation(io.BytesIO(plain))


def _save(presentation: Any, ext: str) -> bytes:
    out = io.BytesIO()
    presentation.save(out)
    return with_main_type(out.getvalue(), POWERPOINT_TYPES, POWERPOINT_TYPES.get(ext, _PLAIN))


def _paragraphs(presentation: Any) -> Iterator[tuple[Block, Any]]:
    for number, slide in enumerate(presentation.slides, start=1):
        seen: set[str] = set()
        for shape_key, frame, style in _frames(slide.shapes):
            for index, paragraph in enumerate(frame.paragraphs):
                key = _unique(f"slide{number}/{shape_key}/p{index}", seen)
                text = paragraph.text.replace("\v", "\n")
                yield Block(key=key, text=text, slide=number, style=style), paragraph


def _frames(shapes: Any) -> Iterator[tuple[str, Any, str | None]]:
    """Yield (key, text frame, style) for each text frame, groups and table cells included."""
    for shape in shapes:
        key = f"shape{shape.shape_id}"
        if isinstance(shape, GroupShape):
            yield from _frames(shape.shapes)
        elif shape.has_text_frame:
            yield key, shape.text_frame, "title" if _placeholder_type(shape) in _TITLES else None
        elif shape.has_table:
            for row_number, row in enumerate(shape.table.rows, start=1):
                for column_number, cell in enumerate(row.cells, start=1):
                    if not cell.is_spanned:
                        yield f"{key}/r{row_number}c{column_number}", cell.text_frame, None


def _unique(key: str, seen: set[str]) -> str:
    # Shape ids should be unique on a slide, but real files sometimes repeat them.
    candidate, number = key, 1
    while candidate in seen:
        number += 1
        candidate = f"{key}~{number}"
    seen.add(candidate)
    return candidate


def _placeholder_type(shape: Any) -> Any:
    return shape.placeholder_format.type if shape.is_placeholder else None


def _set_text(paragraph: Any, text: str) -> None:
    runs = paragraph._p.r_lst
    properties = runs[0].rPr if runs else None
    paragraph.text = text
    if properties is None:
        return
    for run in paragraph._p.r_lst:
        if run.rPr is not None:
            run.remove(run.rPr)
        run.insert(0, copy.deepcopy(properties))


def _append(presentation: Any, paragraphs: Sequence[str]) -> None:
    slides = presentation.slides
    slide = slides[-1] if len(slides) else slides.add_slide(presentation.slide_layouts[0])
    frames = [
        shape.text_frame
        for shape in slide.shapes
        if shape.has_text_frame and _placeholder_type(shape) not in _NOT_BODY
    ]
    if not frames:
        _fill(_new_text_box(presentation, slide), paragraphs)
        return
    for text in paragraphs:
        frames[-1].add_paragraph().text = xml_safe(text)


def _new_text_box(presentation: Any, slide: Any) -> Any:
    width = presentation.slide_width or _DEFAULT_WIDTH
    height = presentation.slide_height or _DEFAULT_HEIGHT
    box = slide.shapes.add_textbox(Emu(width // 10), Emu(height // 2), Emu(width * 8 // 10), Emu(height // 4))
    box.text_frame.word_wrap = True
    return box.text_frame


def _fill(frame: Any, paragraphs: Sequence[str]) -> None:
    for index, text in enumerate(paragraphs):
        paragraph = frame.paragraphs[0] if index == 0 else frame.add_paragraph()
        paragraph.text = xml_safe(text)
