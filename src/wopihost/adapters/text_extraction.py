"""Text of documents for the search index: OOXML and ODF by streaming XML, PDF by poppler's pdftotext.

Content is spooled from the blob store to a temporary file (ZIP needs random access) and never held whole in
memory. XML is parsed incrementally and each paragraph is dropped once read. Against ZIP and XML bombs, every
ZIP entry is read through a counter that stops at `max_entry_size` uncompressed bytes, and extraction stops at
`max_chars` characters of text; expat (2.4.1 and later) refuses entity amplification and ElementTree never
fetches external entities. Whatever was read before a limit was reached is kept.
"""

from __future__ import annotations

import codecs
import logging
import re
import shutil
import subprocess
import tempfile
import threading
import zipfile
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import IO, Any
from xml.etree.ElementTree import Element, ParseError, iterparse

import anyio.to_thread

from wopihost.errors import UnreadableDocument

log = logging.getLogger("wopihost.search")

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
_S = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_WORD_PARTS = re.compile(r"word/(document|header\d*|footer\d*|footnotes|endnotes)\.xml")
_SLIDES = re.compile(r"ppt/slides/slide(\d+)\.xml")
_SHEETS = re.compile(r"xl/worksheets/sheet(\d+)\.xml")
# Parts read per document, so that a ZIP of a million tiny slides cannot keep a worker busy for long.
MAX_PARTS = 2000
_PLAIN_ENCODINGS = ("utf-8-sig", "cp1252")


def _decode_plain(data: bytes) -> str:
    """A plain-text file's text: UTF-16 if it starts with that byte order mark, else UTF-8 or Windows-1252.

    Bytes holding a NUL and no UTF-16 mark are not text (so grep and git decide too) but binary content under
    a text extension: they have nothing to index, and indexing their noise would only fill the index.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace")
    if b"\0" in data:
        return ""
    for encoding in _PLAIN_ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", errors="replace")


class _Limit(Exception):
    """A limit was reached: stop reading and keep the text so far."""


class _Text:
    """Text gathered up to a maximum number of characters."""

    def __init__(self, max_chars: int) -> None:
        self.parts: list[str] = []
        self.left = max_chars

    def add(self, text: str | None) -> None:
        if not text:
            return
        if len(text) >= self.left:
            self.parts.append(text[: self.left])
            self.left = 0
            raise _Limit
        self.parts.append(text)
        self.left -= len(text)

    def result(self) -> str:
        return "".join(self.parts)


class _CappedReader:
    """A file-like view of a ZIP entry that stops after `limit` uncompressed bytes."""

    def __init__(self, raw: IO[bytes], limit: int) -> None:
        self._raw = raw
        self._left = limit

    def read(self, size: int = -1) -> bytes:
        if self._left <= 0:
            raise _Limit
        size = self._left if size < 0 else min(size, self._left)
        data = self._raw.read(size)
        self._left -= len(data)
        return data


class DocumentTextExtractor:
    """Extracts plain text from Word, Excel, PowerPoint, OpenDocument, PDF and plain-text files."""

    def __init__(
        self,
        *,
        max_chars: int,
        max_entry_size: int,
        pdftotext: str | None = "pdftotext",
        pdf_timeout_seconds: float = 60.0,
        spool_dir: Path | None = None,
    ) -> None:
        # Spooled content goes to disk beside the data (the system's temporary directory may be in RAM).
        self._spool_dir = spool_dir
        self._max_chars = max_chars
        self._max_entry_size = max_entry_size
        self._pdftotext = shutil.which(pdftotext) if pdftotext else None
        if pdftotext and self._pdftotext is None:
            log.warning("op=search_pdf status=unavailable program=%s (PDFs found by name only)", pdftotext)
        self._pdf_timeout = pdf_timeout_seconds
        self._zip_readers: dict[str, Callable[[zipfile.ZipFile, _Text], None]] = {
            **dict.fromkeys((".docx", ".docm", ".dotx"), self._word),
            **dict.fromkeys((".xlsx", ".xlsm"), self._excel),
            **dict.fromkeys((".pptx", ".pptm"), self._powerpoint),
            **dict.fromkeys((".odt", ".ods", ".odp"), self._opendocument),
        }

    @property
    def pdf_available(self) -> bool:
        return self._pdftotext is not None

    def supports(self, extension: str) -> bool:
        """Whether files with this extension have text to extract."""
        if extension == ".pdf":
            return self.pdf_available
        return extension in self._zip_readers or extension in (".txt", ".csv")

    async def extract(self, extension: str, chunks: AsyncIterator[bytes]) -> str:
        """The document's text, cut at the maximum; raise UnreadableDocument if it has none to give."""
        if extension in (".txt", ".csv"):
            return await self._plain(chunks)
        if not self.supports(extension):
            raise UnreadableDocument(f"no text extraction for {extension or 'files without extension'}")
        if self._spool_dir is not None:
            self._spool_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(prefix="extract-", dir=self._spool_dir) as spool:
            async for chunk in chunks:
                await anyio.to_thread.run_sync(spool.write, chunk)
            await anyio.to_thread.run_sync(spool.flush)
            path = Path(spool.name)
            if extension == ".pdf":
                return await anyio.to_thread.run_sync(self._pdf, path, abandon_on_cancel=True)
            reader = self._zip_readers[extension]
            return await anyio.to_thread.run_sync(self._from_zip, path, reader, abandon_on_cancel=True)

    async def _plain(self, chunks: AsyncIterator[bytes]) -> str:
        # Up to 4 bytes per character in UTF-8: read no more than the text could need.
        budget, data = self._max_chars * 4, bytearray()
        async for chunk in chunks:
            data += chunk[: budget - len(data)]
            if len(data) >= budget:
                break
        return _decode_plain(bytes(data))[: self._max_chars]

    def _from_zip(self, path: Path, reader: Callable[[zipfile.ZipFile, _Text], None]) -> str:
        text = _Text(self._max_chars)
        try:
            with zipfile.ZipFile(path) as archive:
                reader(archive, text)
        except _Limit:
            pass
        except (zipfile.BadZipFile, ParseError, KeyError, EOFError, NotImplementedError, OSError) as exc:
            raise UnreadableDocument(f"unreadable document: {type(exc).__name__}") from exc
        return text.result()

    def _events(self, archive: zipfile.ZipFile, name: str) -> Iterator[tuple[str, Element]]:
        """The "end" events of a ZIP entry's XML, read through the size cap."""
        with archive.open(name) as raw:
            capped: Any = _CappedReader(raw, self._max_entry_size)
            try:
                # Bounded: see the module's docstring on entities, and the caps on input and text.
                yield from iterparse(capped, events=("end",))  # noqa: S314
            except _Limit:
                return

    def _runs(self, archive: zipfile.ZipFile, name: str, text: _Text, run: str, paragraph: str) -> None:
        """Text runs of an OOXML part, a line per paragraph."""
        for _event, element in self._events(archive, name):
            if element.tag == run:
                text.add(element.text)
            elif element.tag == paragraph:
                text.add("\n")
                element.clear()

    def _word(self, archive: zipfile.ZipFile, text: _Text) -> None:
        names = [n for n in archive.namelist() if _WORD_PARTS.fullmatch(n)]
        # The body first, then headers, footers and notes.
        names.sort(key=lambda n: (n != "word/document.xml", n))
        for name in names[:MAX_PARTS]:
            self._runs(archive, name, text, _W + "t", _W + "p")

    def _powerpoint(self, archive: zipfile.ZipFile, text: _Text) -> None:
        slides = sorted(
            (int(m.group(1)), n) for n in archive.namelist() if (m := _SLIDES.fullmatch(n)) is not None
        )
        for _number, name in slides[:MAX_PARTS]:
            self._runs(archive, name, text, _A + "t", _A + "p")

    def _excel(self, archive: zipfile.ZipFile, text: _Text) -> None:
        if "xl/sharedStrings.xml" in archive.namelist():
            self._runs(archive, "xl/sharedStrings.xml", text, _S + "t", _S + "si")
        sheets = sorted(
            (int(m.group(1)), n) for n in archive.namelist() if (m := _SHEETS.fullmatch(n)) is not None
        )
        for _number, name in sheets[:MAX_PARTS]:
            self._cells(archive, name, text)

    def _cells(self, archive: zipfile.ZipFile, name: str, text: _Text) -> None:
        """Numbers, formula results and inline strings; shared strings were read already."""
        for _event, element in self._events(archive, name):
            if element.tag == _S + "c":
                if element.get("t") == "inlineStr":
                    text.add("".join(element.itertext()) + "\n")
                elif element.get("t") != "s":
                    value = element.find(_S + "v")
                    if value is not None and value.text:
                        text.add(value.text + "\n")
                element.clear()
            elif element.tag == _S + "row":
                element.clear()

    def _opendocument(self, archive: zipfile.ZipFile, text: _Text) -> None:
        for _event, element in self._events(archive, "content.xml"):
            if element.tag in (_TEXT + "p", _TEXT + "h"):
                text.add("".join(element.itertext()) + "\n")
                element.clear()

    def _pdf(self, path: Path) -> str:
        assert self._pdftotext is not None
        command = [self._pdftotext, "-q", "-enc", "UTF-8", str(path), "-"]
        # The command is fixed; only the path of our own temporary file varies.
        with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL) as process:  # noqa: S603
            timer = threading.Timer(self._pdf_timeout, process.kill)
            timer.start()
            try:
                assert process.stdout is not None
                data = process.stdout.read(self._max_chars * 4)
                process.kill()  # Enough text, or the end: either way the process has nothing more to give.
                code = process.wait()
            finally:
                timer.cancel()
        if code not in (0, -9) or (code == -9 and not data):
            raise UnreadableDocument(f"pdftotext failed with status {code}")
        return data.decode("utf-8", errors="replace")[: self._max_chars]
