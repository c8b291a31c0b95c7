"""The development client's document layer: text models, edits, blanks and legacy conversion."""

from __future__ import annotations

import datetime
import io
import struct
import zipfile
import zlib
from collections.abc import Callable, Mapping, Sequence

import docx
import openpyxl
import pptx
import pytest
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from openpyxl.styles import Font
from pptx.util import Inches

from tests.samples import ooxml
from wopihost.devclient.documents import (
    Block,
    Limits,
    TextModel,
    apply_edits,
    blank_document,
    convert_legacy,
    converts_to,
    kind_for,
    read_model,
)
from wopihost.devclient.documents.legacy_word import split_paragraphs
from wopihost.errors import FileTooLarge, InvalidRequest, UnreadableDocument

OOXML_NAMES = ["a.docx", "a.docm", "a.dotx", "a.xlsx", "a.xlsm", "a.xltx", "a.pptx", "a.pptm", "a.potx"]


# --- builders ----------------------------------------------------------------------------------


def _texts(name: str, content: bytes) -> dict[str, str]:
    return {block.key: block.text for block in read_model(name, content).blocks}


def _main_content_type(content: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return archive.read("[Content_Types].xml").decode()


def _docx_bytes(document: object) -> bytes:
    out = io.BytesIO()
    document.save(out)  # type: ignore[attr-defined]
    return out.getvalue()


def _png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0\xff\0\0"))
        + chunk(b"IEND", b"")
    )


def _multi_run_docx() -> bytes:
    document = docx.Document()
    document.add_heading("Title", level=1)
    paragraph = document.add_paragraph()
    paragraph.add_run("Hello ").bold = True
    paragraph.add_run("big ").italic = True
    paragraph.add_run("world")
    paragraph._p.append(
        parse_xml(f'<w:hyperlink {nsdecls("w")} w:anchor="x"><w:r><w:t>, linked</w:t></w:r></w:hyperlink>')
    )
    pictured = document.add_paragraph("Caption before ")
    pictured.runs[0].add_picture(io.BytesIO(_png()))
    document.add_paragraph("Untouched")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "top left"
    table.cell(1, 1).text = "bottom right"
    return _docx_bytes(document)


def _two_sheet_xlsx() -> bytes:
    workbook = openpyxl.Workbook()
    first = workbook.active
    first.title = "Sheet1"
    first["A1"] = "Name"
    first["A1"].font = Font(bold=True)
    first["B2"] = 5
    first.merge_cells("D1:E1")
    first["D1"] = "merged"
    second = workbook.create_sheet("Q2 data")
    second["C3"] = "=SUM(1,2)"
    second["A1"] = datetime.datetime(2024, 5, 6)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _two_slide_pptx() -> bytes:
    presentation = pptx.Presentation()
    first = presentation.slides.add_slide(presentation.slide_layouts[1])
    first.shapes.title.text = "Agenda"
    body = first.placeholders[1].text_frame
    body.text = "First point"
    run = body.add_paragraph().add_run()
    run.text = "Second point"
    run.font.bold = True
    second = presentation.slides.add_slide(presentation.slide_layouts[5])
    second.shapes.title.text = "Closing"
    box = second.shapes.add_textbox(Inches(1), Inches(2), Inches(4), Inches(1))
    box.text_frame.text = "Thanks"
    out = io.BytesIO()
    presentation.save(out)
    return out.getvalue()


# A minimal OLE2 compound file (version 3). Streams are padded to the 4096-byte mini-stream cutoff
# so that every stream lives in regular sectors and no mini FAT is needed.
_SECTOR = 512
_FREE, _END, _FAT_SECTOR, _NONE = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF


def _ole(streams: Mapping[str, bytes]) -> bytes:
    names = sorted(streams, key=lambda name: (len(name), name.upper()))
    datas = [streams[name].ljust(4096, b"\0") for name in names]
    data_sectors = [-(-len(data) // _SECTOR) for data in datas]
    dir_sectors = -(-(len(names) + 1) // 4)
    fat_sectors = 1
    while fat_sectors * 128 < fat_sectors + dir_sectors + sum(data_sectors):
        fat_sectors += 1
    fat = [_FAT_SECTOR] * fat_sectors
    chains = []
    for length in [dir_sectors, *data_sectors]:
        chains.append(len(fat))
        fat.extend([*range(len(fat) + 1, len(fat) + length), _END])
    fat.extend([_FREE] * (fat_sectors * 128 - len(fat)))
    entries = [_dir_entry("Root Entry", 5, _NONE, 1 if names else _NONE, _END, 0)]
    for index, (name, data) in enumerate(zip(names, datas, strict=True)):
        right = index + 2 if index + 1 < len(names) else _NONE
        entries.append(_dir_entry(name, 2, right, _NONE, chains[index + 1], len(data)))
    entries.extend([_dir_entry("", 0, _NONE, _NONE, 0, 0)] * (dir_sectors * 4 - len(entries)))
    difat = list(range(fat_sectors)) + [_FREE] * (109 - fat_sectors)
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII109I",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        b"\0" * 16,
        0x3E,
        3,
        0xFFFE,
        9,
        6,
        b"\0" * 6,
        0,
        fat_sectors,
        chains[0],
        0,
        4096,
        _END,
        0,
        _END,
        0,
        *difat,
    )
    body = struct.pack(f"<{len(fat)}I", *fat) + b"".join(entries)
    body += b"".join(
        data.ljust(sectors * _SECTOR, b"\0") for data, sectors in zip(datas, data_sectors, strict=True)
    )
    return header + body


def _dir_entry(name: str, kind: int, right: int, child: int, start: int, size: int) -> bytes:
    encoded = name.encode("utf-16-le") + b"\0\0" if name else b""
    return struct.pack(
        "<64sHBBIII16sIQQIQ",
        encoded,
        len(encoded),
        kind,
        1,
        _NONE,
        right,
        child,
        b"\0" * 16,
        0,
        0,
        0,
        start,
        size,
    )


def _doc(pieces: Sequence[tuple[str, bool]], flags: int = 0x0200) -> bytes:
    """A Word 97 .doc whose main text is `pieces` of (text, stored as 8-bit)."""
    fib = struct.pack("<HHHHHH", 0xA5EC, 0xC1, 0, 0x0409, 0, flags).ljust(32, b"\0")
    fib += struct.pack("<H", 14) + b"\0" * 28
    total = sum(len(text) for text, _ in pieces)
    fib += struct.pack("<H", 22) + struct.pack("<IIII", 0, 0, 0, total).ljust(88, b"\0")
    pairs = [0] * (93 * 2)
    word = bytearray(fib + struct.pack("<H", 93) + b"\0" * (93 * 8))
    cps, descriptors = [0], []
    for text, compressed in pieces:
        offset = len(word) + 16
        encoded = text.encode("cp1252") if compressed else text.encode("utf-16-le")
        word.extend(b"\0" * 16 + encoded)
        descriptors.append(offset * 2 | 0x40000000 if compressed else offset)
        cps.append(cps[-1] + len(text))
    plc = struct.pack(f"<{len(cps)}I", *cps) + b"".join(struct.pack("<HIH", 0, fc, 0) for fc in descriptors)
    clx = b"\x01" + struct.pack("<h", 2) + b"\0\0" + b"\x02" + struct.pack("<I", len(plc)) + plc
    pairs[66], pairs[67] = 0, len(clx)  # fcClx (pair 33) points at the start of the table stream
    struct.pack_into("<186I", word, 32 + 2 + 28 + 2 + 88 + 2, *pairs)
    return _ole({"WordDocument": bytes(word), "1Table": clx})


def _record(kind: int, data: bytes = b"", instance: int = 0, container: bool = False) -> bytes:
    return struct.pack("<HHI", instance << 4 | (0xF if container else 0), kind, len(data)) + data


def _text_atoms(text_type: int, text: str, as_bytes: bool = False) -> bytes:
    header = _record(0x0F9F, struct.pack("<I", text_type))
    if as_bytes:
        return header + _record(0x0FA8, text.encode("latin-1"))
    return header + _record(0x0FA0, text.encode("utf-16-le"))


def _ppt(with_current_user: bool = True) -> bytes:
    """A .ppt with two slides: placeholder text in the slide list, a text box in slide 1's drawing."""
    persist = struct.pack("<I", 2) + b"\0" * 16
    slides = _record(
        0x0FF0,
        _record(0x03F3, persist)
        + _text_atoms(0, "Quarterly review")
        + _text_atoms(1, "First point\rSecond\x0bline", as_bytes=True)
        + _record(0x03F3, struct.pack("<I", 3) + b"\0" * 16)
        + _text_atoms(6, "Ünïcode ☃"),
        container=True,
    )
    notes = _record(
        0x0FF0, _record(0x03F3, persist) + _text_atoms(2, "Speaker notes"), instance=2, container=True
    )
    document = _record(0x03E8, _record(0x03E9, b"\0" * 40) + slides + notes, container=True)
    box = _record(0xF00D, _text_atoms(4, "Free text box"), container=True)
    drawing = _record(
        0xF002, _record(0xF003, _record(0xF004, box, container=True), container=True), container=True
    )
    slide_one = _record(
        0x03EE, _record(0x03EF, b"\0" * 24) + _record(0x040C, drawing, container=True), container=True
    )
    slide_two = _record(0x03EE, _record(0x03EF, b"\0" * 24), container=True)
    stream = document + slide_one + slide_two
    offsets = [0, len(document), len(document) + len(slide_one)]
    directory_offset = len(stream)
    stream += _record(0x1772, struct.pack("<4I", 1 | 3 << 20, *offsets))
    edit_offset = len(stream)
    stream += _record(0x0FF5, struct.pack("<IHBBIIIIHH", 0x100, 0, 0, 3, 0, directory_offset, 1, 4, 1, 0))
    streams = {"PowerPoint Document": stream}
    if with_current_user:
        user = struct.pack("<IIIHHBBH", 0x14, 0xE391C05F, edit_offset, 4, 0x03F4, 3, 0, 0) + b"user"
        streams["Current User"] = _record(0x0FF6, user + struct.pack("<I", 8))
    return _ole(streams)


def _xls() -> bytes:
    xlwt = pytest.importorskip("xlwt")
    workbook = xlwt.Workbook()
    data = workbook.add_sheet("Data")
    data.write(0, 0, "Name")
    data.write(0, 1, "Count")
    data.write(1, 0, "apples")
    data.write(1, 1, 3)
    data.write(2, 1, 2.5)
    data.write(3, 0, datetime.date(2020, 1, 2), xlwt.easyxf(num_format_str="YYYY-MM-DD"))
    data.write(4, 0, True)
    workbook.add_sheet("Other").write(2, 3, "far away")
    out = io.BytesIO()
    workbook.save(out)
    return bytes(out.getvalue())


# --- names ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("Report.DOCX", "word"),
        ("a.docm", "word"),
        ("a.dotx", "word"),
        ("b.xlsx", "excel"),
        ("b.xlsm", "excel"),
        ("b.xltx", "excel"),
        ("c.pptx", "powerpoint"),
        ("c.pptm", "powerpoint"),
        ("c.potx", "powerpoint"),
        ("notes.txt", "text"),
        ("data.csv", "text"),
        ("README.md", "text"),
        ("test.wopitest", "text"),
        ("old.doc", None),
        ("odt.odt", None),
        ("noextension", None),
        (".docx", None),
    ],
)
def test_kind_for_extension_returns_kind(name: str, kind: str | None) -> None:
    assert kind_for(name) == kind


@pytest.mark.parametrize(
    ("extension", "target"),
    [(".doc", ".docx"), ("XLS", ".xlsx"), (".ppt", ".pptx"), (".docx", None), ("txt", None)],
)
def test_converts_to_extension_returns_successor(extension: str, target: str | None) -> None:
    assert converts_to(extension) == target


# --- blank documents ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", OOXML_NAMES)
def test_blank_document_ooxml_reopens_with_its_library(name: str) -> None:
    content = blank_document(name)
    assert content
    opened = read_model(name, content)
    assert opened.kind == kind_for(name)


def test_blank_document_each_type_declares_its_own_content_type() -> None:
    assert "wordprocessingml.template.main+xml" in _main_content_type(blank_document("a.dotx"))
    assert "word.document.macroEnabled.main+xml" in _main_content_type(blank_document("a.docm"))
    assert "spreadsheetml.template.main+xml" in _main_content_type(blank_document("a.xltx"))
    assert "presentationml.template.main+xml" in _main_content_type(blank_document("a.potx"))


def test_blank_document_libraries_open_the_result() -> None:
    assert docx.Document(io.BytesIO(blank_document("a.docx"))).paragraphs == []
    assert openpyxl.load_workbook(io.BytesIO(blank_document("a.xlsx"))).sheetnames == ["Sheet1"]
    assert len(pptx.Presentation(io.BytesIO(blank_document("a.pptx"))).slides) == 1


@pytest.mark.parametrize("name", ["a.txt", "a.csv", "a.wopitest"])
def test_blank_document_text_is_empty(name: str) -> None:
    assert blank_document(name) == b""


def test_blank_document_unknown_type_raises_unreadable() -> None:
    with pytest.raises(UnreadableDocument):
        blank_document("picture.png")


# --- zero bytes ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [*OOXML_NAMES, "a.txt", "a.wopitest"])
def test_read_model_zero_bytes_reads_as_blank(name: str) -> None:
    assert read_model(name, b"") == read_model(name, blank_document(name))
    assert read_model(name, b"").kind == kind_for(name)


def test_read_model_zero_bytes_excel_has_one_sheet() -> None:
    model = read_model("new.xlsx", b"")
    assert (model.sheets, model.blocks) == (("Sheet1",), ())


def test_apply_edits_zero_bytes_pptx_edits_blank_title() -> None:
    title_key = read_model("new.pptx", b"").blocks[0].key
    content = apply_edits("new.pptx", b"", {title_key: "My deck"})
    assert _texts("new.pptx", content)[title_key] == "My deck"


def test_apply_edits_zero_bytes_without_edits_returns_blank_document() -> None:
    content = apply_edits("new.docx", b"", {})
    assert docx.Document(io.BytesIO(content)).paragraphs == []


# --- word ----------------------------------------------------------------------------------------


def test_read_model_docx_lists_paragraphs_and_table_cells() -> None:
    model = read_model("a.docx", _multi_run_docx())
    assert [block.key for block in model.blocks] == [
        "p0",
        "p1",
        "p2",
        "p3",
        "t1/r1/c1/p0",
        "t1/r1/c2/p0",
        "t1/r2/c1/p0",
        "t1/r2/c2/p0",
    ]
    assert model.blocks[1].text == "Hello big world, linked"
    assert model.blocks[0].style == "Heading 1"
    assert model.find_block("t1/r2/c2/p0") == Block(
        key="t1/r2/c2/p0", text="bottom right", table=1, row=2, column=2
    )


def test_apply_edits_docx_multi_run_puts_text_in_first_run() -> None:
    content = apply_edits("a.docx", _multi_run_docx(), {"p1": "Goodbye\tall\nnow"})
    paragraph = docx.Document(io.BytesIO(content)).paragraphs[1]
    assert paragraph.text == "Goodbye\tall\nnow"
    assert paragraph.runs[0].bold is True
    assert [run.text for run in paragraph.runs[1:]] == ["", ""]
    assert paragraph.hyperlinks == []


def test_apply_edits_docx_keeps_pictures_styles_and_untouched_blocks() -> None:
    original = _multi_run_docx()
    content = apply_edits("a.docx", original, {"p0": "New title", "p2": "Caption after "})
    document = docx.Document(io.BytesIO(content))
    assert len(document.inline_shapes) == 1
    texts = _texts("a.docx", content)
    assert texts["p2"] == "Caption after "
    assert read_model("a.docx", content).blocks[0].style == "Heading 1"
    untouched = {key: text for key, text in _texts("a.docx", original).items() if key not in ("p0", "p2")}
    assert untouched.items() <= texts.items()


def test_apply_edits_docx_table_cell_and_appended_paragraphs() -> None:
    content = apply_edits("a.docx", _multi_run_docx(), {"t1/r1/c2/p0": "filled"}, ["one more", "and another"])
    texts = _texts("a.docx", content)
    assert texts["t1/r1/c2/p0"] == "filled"
    assert (texts["p4"], texts["p5"]) == ("one more", "and another")


def test_apply_edits_docx_control_characters_are_dropped() -> None:
    content = apply_edits("a.docx", b"", {}, ["bell\x07 and \x00null"])
    assert _texts("a.docx", content)["p0"] == "bell and null"


def test_apply_edits_dotx_keeps_template_content_type() -> None:
    content = apply_edits("a.dotx", blank_document("a.dotx"), {}, ["Dear ..."])
    assert "wordprocessingml.template.main+xml" in _main_content_type(content)
    assert _texts("a.dotx", content) == {"p0": "Dear ..."}


# --- excel ---------------------------------------------------------------------------------------


def test_read_model_xlsx_two_sheets_lists_cells_with_positions() -> None:
    model = read_model("b.xlsx", _two_sheet_xlsx())
    assert model.sheets == ("Sheet1", "Q2 data")
    assert model.find_block("Q2 data!C3") == Block(
        key="Q2 data!C3", text="=SUM(1,2)", sheet="Q2 data", row=3, column=3
    )
    assert {block.key: block.text for block in model.blocks} == {
        "Sheet1!A1": "Name",
        "Sheet1!D1": "merged",
        "Sheet1!B2": "5",
        "Q2 data!A1": "2024-05-06",
        "Q2 data!C3": "=SUM(1,2)",
    }


def test_apply_edits_xlsx_sets_typed_values_and_appends_rows() -> None:
    content = apply_edits(
        "b.xlsx",
        _two_sheet_xlsx(),
        {"Sheet1!B2": "7", "Q2 data!C3": "hello", "Sheet1!C9": "0.5"},
        ["x", "42"],
    )
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    first = workbook["Sheet1"]
    assert (first["B2"].value, first["C9"].value, workbook["Q2 data"]["C3"].value) == (7, 0.5, "hello")
    assert (first["A10"].value, first["A11"].value) == ("x", 42)
    assert first["A1"].font.bold is True
    assert first["A1"].value == "Name"


def test_apply_edits_xlsm_keeps_macro_enabled_content_type() -> None:
    content = apply_edits("b.xlsm", blank_document("b.xlsm"), {"Sheet1!A1": "x"})
    assert "ms-excel.sheet.macroEnabled.main+xml" in _main_content_type(content)
    assert _texts("b.xlsm", content) == {"Sheet1!A1": "x"}


def test_apply_edits_xlsx_empty_text_clears_cell() -> None:
    content = apply_edits("b.xlsx", _two_sheet_xlsx(), {"Sheet1!B2": ""})
    assert "Sheet1!B2" not in _texts("b.xlsx", content)


def test_apply_edits_xlsx_leading_zero_stays_text() -> None:
    content = apply_edits("b.xlsx", _two_sheet_xlsx(), {"Sheet1!B2": "007"})
    assert openpyxl.load_workbook(io.BytesIO(content))["Sheet1"]["B2"].value == "007"


@pytest.mark.parametrize("key", ["Nope!A1", "Sheet1!ZZZZ1", "Sheet1!A0", "A1", "Sheet1!E1"])
def test_apply_edits_xlsx_bad_cell_raises_invalid_request(key: str) -> None:
    with pytest.raises(InvalidRequest):
        apply_edits("b.xlsx", _two_sheet_xlsx(), {key: "x"})


# --- powerpoint ----------------------------------------------------------------------------------


def test_read_model_pptx_two_slides_lists_frames_per_slide() -> None:
    model = read_model("c.pptx", _two_slide_pptx())
    assert model.slides == 2
    assert [(block.slide, block.text, block.style) for block in model.blocks] == [
        (1, "Agenda", "title"),
        (1, "First point", None),
        (1, "Second point", None),
        (2, "Closing", "title"),
        (2, "Thanks", None),
    ]
    assert all(block.key.startswith(f"slide{block.slide}/shape") for block in model.blocks)


def test_apply_edits_pptx_keeps_run_formatting_and_appends_to_last_slide() -> None:
    original = _two_slide_pptx()
    keys = [block.key for block in read_model("c.pptx", original).blocks]
    content = apply_edits("c.pptx", original, {keys[2]: "Changed\npoint"}, ["Questions?"])
    presentation = pptx.Presentation(io.BytesIO(content))
    paragraph = presentation.slides[0].placeholders[1].text_frame.paragraphs[1]
    assert paragraph.runs[0].font.bold is True
    texts = _texts("c.pptx", content)
    assert texts[keys[2]] == "Changed\npoint"
    assert [texts[key] for key in (keys[0], keys[1], keys[3], keys[4])] == [
        "Agenda",
        "First point",
        "Closing",
        "Thanks",
    ]
    assert texts[keys[4].replace("/p0", "/p1")] == "Questions?"


def test_apply_edits_pptx_without_body_frame_adds_text_box() -> None:
    presentation = pptx.Presentation()
    presentation.slides.add_slide(presentation.slide_layouts[5]).shapes.title.text = "Only a title"
    out = io.BytesIO()
    presentation.save(out)
    content = apply_edits("c.pptx", out.getvalue(), {}, ["first", "second"])
    model = read_model("c.pptx", content)
    assert [block.text for block in model.blocks] == ["Only a title", "first", "second"]


def test_read_model_pptx_table_cells_are_blocks() -> None:
    presentation = pptx.Presentation()
    slide = presentation.slides.add_slide(presentation.slide_layouts[6])
    table = slide.shapes.add_table(1, 2, Inches(1), Inches(1), Inches(4), Inches(1)).table
    table.cell(0, 1).text = "cell text"
    out = io.BytesIO()
    presentation.save(out)
    key = next(
        block.key for block in read_model("c.pptx", out.getvalue()).blocks if block.text == "cell text"
    )
    assert key.endswith("/r1c2/p0")
    assert _texts("c.pptx", apply_edits("c.pptx", out.getvalue(), {key: "edited"}))[key] == "edited"


def test_read_model_potx_template_is_readable() -> None:
    content = apply_edits("c.potx", blank_document("c.potx"), {"slide1/shape2/p0": "Template title"})
    assert _texts("c.potx", content)["slide1/shape2/p0"] == "Template title"
    assert "presentationml.template.main+xml" in _main_content_type(content)


# --- text ----------------------------------------------------------------------------------------


def test_read_model_text_lines_are_blocks() -> None:
    model = read_model("a.wopitest", b"caf\xc3\xa9\r\nsecond\r\n\r\n")
    assert [(block.key, block.text) for block in model.blocks] == [
        ("line1", "café"),
        ("line2", "second"),
        ("line3", ""),
    ]


def test_apply_edits_text_keeps_untouched_bytes_and_line_endings() -> None:
    original = b"\xef\xbb\xbfkeep \xc3\xa9\r\nchange me\r\nlast"
    content = apply_edits("a.txt", original, {"line2": "changed ✓"}, ["added"])
    assert content == b"\xef\xbb\xbfkeep \xc3\xa9\r\nchanged \xe2\x9c\x93\r\nlast\nadded\r"


@pytest.mark.parametrize(
    "content",
    [ooxml(), b"caf\xe9 latin-1\n", b"nul\x00inside\n", b"%PDF-1.7\n\x80\x81"],
    # Fixed IDs: the zip's bytes carry the time it was built, and xdist workers must collect the same tests.
    ids=["ooxml", "latin-1", "nul", "pdf"],
)
def test_read_model_text_of_non_text_bytes_refused_as_unreadable(content: bytes) -> None:
    with pytest.raises(UnreadableDocument, match="not text"):
        read_model("Report.txt", content)


def test_apply_edits_text_of_docx_bytes_refused_and_nothing_written() -> None:
    with pytest.raises(UnreadableDocument):
        apply_edits("Report.txt", ooxml(), {"line1": "typed over"}, ["more"])


def test_apply_edits_text_appends_to_empty_file_with_final_newline() -> None:
    assert apply_edits("a.md", b"", {}, ["# Title", "body"]) == b"# Title\nbody\n"


def test_apply_edits_text_line_break_in_edit_raises_invalid_request() -> None:
    with pytest.raises(InvalidRequest):
        apply_edits("a.txt", b"one\ntwo\n", {"line1": "split\nline"})


# --- co-editing, unknown keys, edits on every kind -----------------------------------------------


def _text_file() -> bytes:
    return b"alpha\nbeta\ngamma\n"


_SAMPLES: dict[str, Callable[[], bytes]] = {
    "a.docx": _multi_run_docx,
    "b.xlsx": _two_sheet_xlsx,
    "c.pptx": _two_slide_pptx,
    "d.txt": _text_file,
}


@pytest.mark.parametrize("name", list(_SAMPLES))
def test_apply_edits_two_sequential_edit_sets_both_survive(name: str) -> None:
    original = _SAMPLES[name]()
    first_key, second_key = (block.key for block in read_model(name, original).blocks[:2])
    after_first = apply_edits(name, original, {first_key: "from Ann"}, ["Ann's addition"])
    after_both = apply_edits(name, after_first, {second_key: "from Bob"}, ["Bob's addition"])
    texts = [block.text for block in read_model(name, after_both).blocks]
    assert _texts(name, after_both)[first_key] == "from Ann"
    assert _texts(name, after_both)[second_key] == "from Bob"
    assert texts.index("Ann's addition") < texts.index("Bob's addition")


@pytest.mark.parametrize("name", list(_SAMPLES))
def test_apply_edits_unknown_key_raises_invalid_request(name: str) -> None:
    with pytest.raises(InvalidRequest):
        apply_edits(name, _SAMPLES[name](), {"no-such-block": "x"})


@pytest.mark.parametrize("name", list(_SAMPLES))
def test_apply_edits_edit_and_append_preserve_untouched_blocks(name: str) -> None:
    original = _SAMPLES[name]()
    before = _texts(name, original)
    key = next(iter(before))
    after = _texts(name, apply_edits(name, original, {key: "edited"}, ["appended"]))
    assert after[key] == "edited"
    assert {k: v for k, v in before.items() if k != key}.items() <= after.items()
    assert "appended" in after.values()


@pytest.mark.parametrize(
    ("edits", "appended"),
    [({"p0": None}, []), ({1: "x"}, []), ({}, "not a list"), ({}, [3])],
)
def test_apply_edits_non_string_input_raises_invalid_request(edits: object, appended: object) -> None:
    with pytest.raises(InvalidRequest):
        apply_edits("a.docx", _multi_run_docx(), edits, appended)  # type: ignore[arg-type]


# --- hostile and corrupt input -------------------------------------------------------------------


@pytest.mark.parametrize("name", ["a.docx", "b.xlsx", "c.pptx", "a.dotx", "c.potx"])
@pytest.mark.parametrize("content", [b"garbage", b"PK\x03\x04broken zip", b"\0" * 100])
def test_read_model_corrupt_bytes_raise_unreadable(name: str, content: bytes) -> None:
    with pytest.raises(UnreadableDocument):
        read_model(name, content)
    with pytest.raises(UnreadableDocument):
        apply_edits(name, content, {}, ["x"])


@pytest.mark.parametrize(
    ("name", "other"), [("a.docx", "b.xlsx"), ("b.xlsx", "c.pptx"), ("c.pptx", "a.docx")]
)
def test_read_model_package_of_another_type_raises_unreadable(name: str, other: str) -> None:
    with pytest.raises(UnreadableDocument):
        read_model(name, blank_document(other))


def test_read_model_zip_without_content_types_raises_unreadable() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/document.xml", "<x/>")
    with pytest.raises(UnreadableDocument):
        read_model("a.docx", out.getvalue())


def test_read_model_over_size_limit_raises_file_too_large() -> None:
    with pytest.raises(FileTooLarge):
        read_model("a.txt", b"x" * 11, limits=Limits(max_bytes=10))


def test_read_model_unpacked_size_over_limit_raises_file_too_large() -> None:
    content = blank_document("a.docx")
    with pytest.raises(FileTooLarge):
        read_model("a.docx", content, limits=Limits(max_unpacked_bytes=len(content)))


def test_read_model_too_many_zip_entries_raises_unreadable() -> None:
    with pytest.raises(UnreadableDocument):
        read_model("b.xlsx", blank_document("b.xlsx"), limits=Limits(max_zip_entries=3))


def test_read_model_over_block_limit_is_truncated() -> None:
    model = read_model("a.txt", b"1\n2\n3\n4\n", limits=Limits(max_blocks=2))
    assert (len(model.blocks), model.truncated) == (2, True)
    docx_model = read_model("a.docx", _multi_run_docx(), limits=Limits(max_blocks=3))
    assert (len(docx_model.blocks), docx_model.truncated) == (3, True)


def test_read_model_unknown_extension_raises_unreadable() -> None:
    with pytest.raises(UnreadableDocument):
        read_model("image.png", b"\x89PNG")


# --- JSON ----------------------------------------------------------------------------------------


def test_text_model_json_round_trips() -> None:
    model = read_model("b.xlsx", _two_sheet_xlsx())
    assert TextModel.from_json(model.to_json()) == model
    assert model.to_json()["blocks"][0] == {
        "key": "Sheet1!A1",
        "text": "Name",
        "sheet": "Sheet1",
        "row": 1,
        "column": 1,
    }


@pytest.mark.parametrize(
    "data",
    [
        [],
        {"kind": "pdf", "blocks": []},
        {"kind": "word", "blocks": [{"key": "p0"}]},
        {"kind": "word", "blocks": [{"key": "p0", "text": "x", "row": True}]},
        {"kind": "word", "blocks": {}},
        {"kind": "excel", "blocks": [], "sheets": [1]},
    ],
)
def test_text_model_from_json_malformed_raises_invalid_request(data: object) -> None:
    with pytest.raises(InvalidRequest):
        TextModel.from_json(data)


# --- legacy conversion -----------------------------------------------------------------------------


def test_convert_legacy_xls_keeps_sheets_values_and_types() -> None:
    name, content = convert_legacy("Report.XLS", _xls())
    assert name == "Report.xlsx"
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    assert workbook.sheetnames == ["Data", "Other"]
    data = workbook["Data"]
    assert [data["A1"].value, data["B2"].value, data["B3"].value, data["A5"].value] == ["Name", 3, 2.5, True]
    assert data["A4"].value == datetime.datetime(2020, 1, 2)
    assert workbook["Other"]["D3"].value == "far away"


def test_convert_legacy_doc_extracts_paragraphs_from_both_piece_kinds() -> None:
    doc = _doc(
        [
            ('Hello café\rSee \x13 HYPERLINK "http://x" \x14the link\x15 here\r', True),
            ("Ünïcode ☃ text\x0bline two\rCell A\x07Cell B\x07\x07After the table\r", False),
        ]
    )
    name, content = convert_legacy("memo.doc", doc)
    assert name == "memo.docx"
    assert [block.text for block in read_model(name, content).blocks] == [
        "Hello café",
        "See the link here",
        "Ünïcode ☃ text\nline two",
        "Cell A",
        "Cell B",
        "After the table",
    ]


def test_convert_legacy_encrypted_doc_raises_unreadable() -> None:
    with pytest.raises(UnreadableDocument):
        convert_legacy("secret.doc", _doc([("text\r", True)], flags=0x0200 | 0x0100))


def test_convert_legacy_doc_with_missing_table_stream_raises_unreadable() -> None:
    with pytest.raises(UnreadableDocument):
        convert_legacy("a.doc", _doc([("text\r", True)], flags=0))  # points at 0Table, which is absent


def test_convert_legacy_ppt_extracts_slides_in_order() -> None:
    name, content = convert_legacy("deck.ppt", _ppt())
    assert name == "deck.pptx"
    model = read_model(name, content)
    assert model.slides == 2
    by_slide = [[(block.text, block.style) for block in model.blocks if block.slide == n] for n in (1, 2)]
    assert by_slide[0] == [
        ("Quarterly review", "title"),
        ("First point", None),
        ("Second\nline", None),
        ("Free text box", None),
    ]
    assert by_slide[1][0] == ("Ünïcode ☃", "title")
    assert "Speaker notes" not in [block.text for block in model.blocks]


def test_convert_legacy_ppt_without_current_user_falls_back_to_slide_list() -> None:
    _, content = convert_legacy("deck.ppt", _ppt(with_current_user=False))
    texts = [block.text for block in read_model("deck.pptx", content).blocks]
    assert texts[:3] == ["Quarterly review", "First point", "Second\nline"]
    assert "Free text box" not in texts


@pytest.mark.parametrize("name", ["a.doc", "a.xls", "a.ppt"])
@pytest.mark.parametrize(
    "content",
    [b"garbage", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, b"PK\x03\x04"],
    ids=["text", "ole-magic-junk", "zip"],
)
def test_convert_legacy_garbage_raises_unreadable(name: str, content: bytes) -> None:
    with pytest.raises(UnreadableDocument):
        convert_legacy(name, content)


@pytest.mark.parametrize("name", ["a.doc", "a.ppt"])
def test_convert_legacy_ole_without_expected_stream_raises_unreadable(name: str) -> None:
    with pytest.raises(UnreadableDocument):
        convert_legacy(name, _ole({"Something Else": b"data"}))


def test_convert_legacy_zero_bytes_gives_blank_successor() -> None:
    name, content = convert_legacy("new.ppt", b"")
    assert name == "new.pptx"
    assert read_model(name, content) == read_model(name, blank_document(name))


def test_convert_legacy_modern_file_raises_unreadable() -> None:
    with pytest.raises(UnreadableDocument):
        convert_legacy("a.docx", blank_document("a.docx"))


def test_split_paragraphs_nested_fields_show_only_results() -> None:
    raw = "A\x13 IF \x13 PAGE \x14 3\x15 = 3 \x14yes\x15 B\x01\x1fc\x1ed\x0cnext\r"
    assert split_paragraphs(raw) == ["Ayes Bc-d", "next"]
