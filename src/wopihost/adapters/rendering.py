"""SubprocessRenderer: LibreOffice (headless) turns Office documents into PDF, pdftoppm PDF pages into PNG.

Each command runs in a session of its own at the lowest CPU priority, with a time limit after which its whole
process group is killed (soffice starts helper processes). Each rendering has its own LibreOffice profile in
its work directory: two soffice processes sharing a profile would hand work to each other, or refuse to start.
A fresh profile costs well under a second, and leaves nothing behind when a process dies.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import anyio
import anyio.to_thread

from wopihost.domain.previews import (
    OFFICE_EXTENSIONS,
    PDF_EXTENSION,
    PRESENTATION_EXTENSIONS,
    SPREADSHEET_EXTENSIONS,
)
from wopihost.errors import RenderFailed
from wopihost.ports import RenderedPreview

THUMBNAIL_WIDTH = 256
PAGE_WIDTH = 1000
# The tail of a failed command's output kept for the failure record.
_OUTPUT_TAIL = 1000
# The child lowers its own priority, then becomes the command: everything the command starts inherits it,
# from its first instruction on. (A preexec_fn would do the same in the forked child, but is unsafe in a
# process with threads.)
_NICED = (
    sys.executable,
    "-I",
    "-S",
    "-c",
    "import os, sys; os.nice(19); os.execvp(sys.argv[1], sys.argv[1:])",
)


@dataclass(frozen=True, slots=True)
class CommandResult:
    """How a command ended: its exit code (None when killed for its time limit) and the end of its output."""

    returncode: int | None
    output: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0


class CommandRunner(Protocol):
    """Runs one external command to completion or until its time limit."""

    async def run(self, argv: Sequence[str], *, cwd: Path, time_limit: float) -> CommandResult: ...


class ProcessGroupRunner:
    """Runs commands niced, in a new session, killing the whole process group past the time limit."""

    async def run(self, argv: Sequence[str], *, cwd: Path, time_limit: float) -> CommandResult:
        """Run `argv` in `cwd`; its output goes to a log file there, of which the tail is returned."""
        log_path = cwd / f".{Path(argv[0]).name}.log"
        with log_path.open("ab") as log:
            process = await anyio.open_process(
                [*_NICED, *argv],
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        returncode: int | None = None
        try:
            with anyio.move_on_after(time_limit):
                returncode = await process.wait()
        finally:
            if returncode is None:
                # Timed out, or the server is stopping: nothing of the conversion may outlive it.
                _kill_group(process.pid)
                with anyio.CancelScope(shield=True):
                    await process.wait()
        return CommandResult(returncode, _tail(log_path))


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def _tail(path: Path) -> str:
    try:
        data = path.read_bytes()[-_OUTPUT_TAIL:]
    except OSError:
        return ""
    return data.decode("utf-8", "replace").strip()


class SubprocessRenderer:
    """Renders documents with external programs: soffice for Office formats (optional), pdftoppm for PDF."""

    def __init__(
        self, *, soffice: str | None, pdftoppm: str, timeout: float, runner: CommandRunner | None = None
    ) -> None:
        self._soffice = soffice
        self._pdftoppm = pdftoppm
        self._timeout = timeout
        self._runner = runner or ProcessGroupRunner()
        self.extensions = frozenset({PDF_EXTENSION} | (OFFICE_EXTENSIONS if soffice else set()))

    async def render(
        self, chunks: AsyncIterator[bytes], *, extension: str, max_pages: int
    ) -> RenderedPreview:
        """Write the content to a private work directory, convert it, and read back the PNG images."""
        extension = extension.lower()
        if extension not in self.extensions:
            raise RenderFailed(f"cannot render {extension or 'files without an extension'}")
        workdir = Path(await anyio.to_thread.run_sync(lambda: tempfile.mkdtemp(prefix="wopihost-render-")))
        try:
            source = workdir / f"document{extension}"
            await _write_chunks(source, chunks)
            pdf = source if extension == PDF_EXTENSION else await self._to_pdf(source, workdir, max_pages)
            thumbnails = await self._rasterise(pdf, workdir, "thumb", pages=1, width=THUMBNAIL_WIDTH)
            pages = await self._rasterise(pdf, workdir, "page", pages=max_pages, width=PAGE_WIDTH)
            return RenderedPreview(thumbnail=thumbnails[0], pages=pages)
        finally:
            await anyio.to_thread.run_sync(_remove_tree, workdir)

    async def _to_pdf(self, source: Path, workdir: Path, max_pages: int) -> Path:
        assert self._soffice is not None
        outdir = workdir / "pdf"
        outdir.mkdir()
        argv = [
            self._soffice,
            f"-env:UserInstallation={(workdir / 'profile').as_uri()}",
            "--headless",
            "--invisible",
            "--nodefault",
            "--nolockcheck",
            "--nologo",
            "--norestore",
            "--convert-to",
            _pdf_export(source.suffix, max_pages),
            "--outdir",
            str(outdir),
            str(source),
        ]
        result = await self._runner.run(argv, cwd=workdir, time_limit=self._timeout)
        pdf = outdir / f"{source.stem}.pdf"
        # soffice exits with 0 even when it could not load the document; only the output file tells.
        if not result.ok or not pdf.is_file() or pdf.stat().st_size == 0:
            raise RenderFailed(_failure("soffice", result, self._timeout))
        return pdf

    async def _rasterise(
        self, pdf: Path, workdir: Path, prefix: str, *, pages: int, width: int
    ) -> list[bytes]:
        argv = [self._pdftoppm, "-png", "-f", "1", "-l", str(pages), "-scale-to-x", str(width)]
        argv += ["-scale-to-y", "-1", str(pdf), str(workdir / prefix)]
        result = await self._runner.run(argv, cwd=workdir, time_limit=self._timeout)
        images = await anyio.to_thread.run_sync(_read_images, workdir, prefix, pages)
        if not result.ok or not images:
            raise RenderFailed(_failure("pdftoppm", result, self._timeout))
        return images


async def _write_chunks(path: Path, chunks: AsyncIterator[bytes]) -> None:
    try:
        async with await anyio.open_file(path, "xb") as out:
            async for chunk in chunks:
                await out.write(chunk)
    finally:
        close = getattr(chunks, "aclose", None)
        if close is not None:
            await close()


def _pdf_export(extension: str, max_pages: int) -> str:
    """soffice's --convert-to value: PDF of the first pages only, so that a long document costs no more."""
    if extension in SPREADSHEET_EXTENSIONS:
        export = "calc_pdf_Export"
    elif extension in PRESENTATION_EXTENSIONS:
        export = "impress_pdf_Export"
    else:
        export = "writer_pdf_Export"
    page_range = json.dumps({"PageRange": {"type": "string", "value": f"1-{max_pages}"}})
    return f"pdf:{export}:{page_range}"


def _remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


def _read_images(workdir: Path, prefix: str, pages: int) -> list[bytes]:
    found = sorted(workdir.glob(f"{prefix}-*.png"), key=_page_number)
    return [image.read_bytes() for image in found[:pages]]


def _page_number(path: Path) -> int:
    # pdftoppm pads page numbers to the width of the last one: page-1.png, or page-01.png … page-12.png.
    return int(path.stem.rpartition("-")[2] or 0)


def _failure(program: str, result: CommandResult, timeout: float) -> str:
    if result.returncode is None:
        return f"{program} did not finish within {timeout:g} s"
    detail = result.output.splitlines()[-1] if result.output else "no output"
    return f"{program} failed (exit {result.returncode}): {detail}"
