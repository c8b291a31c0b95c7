"""The rendering pipeline on a fake command runner, the real runner's time limit and priority, and the
domain's preview rules."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import anyio
import anyio.to_thread
import pytest

from wopihost.adapters.rendering import CommandResult, ProcessGroupRunner, SubprocessRenderer
from wopihost.domain.previews import (
    MAX_ATTEMPTS,
    Preview,
    PreviewState,
    PreviewStatus,
    ShownPreview,
    retry_time,
    shown_of,
    state_of,
)
from wopihost.domain.records import FileRecord
from wopihost.errors import RenderFailed

pytestmark = pytest.mark.anyio

NOW = datetime(2026, 1, 1, tzinfo=UTC)


class FakeRunner:
    """Plays soffice and pdftoppm: records each command and writes the files the real ones would write."""

    def __init__(self, *, pdf_pages: int = 2, soffice_writes: bool = True, result: int | None = 0) -> None:
        self.calls: list[list[str]] = []
        self.pdf_pages = pdf_pages
        self.soffice_writes = soffice_writes
        self.result = result
        self.seen_source = b""
        # With `overlap`, each soffice run waits until that many are running at once.
        self.overlap = 1
        self._running = 0
        self._all_running = anyio.Event()

    async def run(self, argv: Sequence[str], *, cwd: Path, time_limit: float) -> CommandResult:
        self.calls.append(list(argv))
        await self._started(argv)
        return await anyio.to_thread.run_sync(self._act, argv)

    async def _started(self, argv: Sequence[str]) -> None:
        if argv[0] == "soffice":
            self._running += 1
            if self._running >= self.overlap:
                self._all_running.set()
            await self._all_running.wait()

    def _act(self, argv: Sequence[str]) -> CommandResult:
        if argv[0] == "soffice":
            source = Path(argv[-1])
            self.seen_source = source.read_bytes()
            if self.soffice_writes:
                (Path(argv[argv.index("--outdir") + 1]) / f"{source.stem}.pdf").write_bytes(b"%PDF")
        elif self.result == 0:
            last = min(int(argv[argv.index("-l") + 1]), self.pdf_pages)
            prefix = Path(argv[-1])
            width = len(str(last))
            for number in range(1, last + 1):
                prefix.with_name(f"{prefix.name}-{number:0{width}d}.png").write_bytes(
                    f"{prefix.name}{number}".encode()
                )
        return CommandResult(self.result, "" if self.result == 0 else "Syntax Error: broken")


async def content(data: bytes = b"document bytes") -> AsyncIterator[bytes]:
    yield data[:4]
    yield data[4:]


def renderer(runner: FakeRunner, soffice: str | None = "soffice") -> SubprocessRenderer:
    return SubprocessRenderer(soffice=soffice, pdftoppm="pdftoppm", timeout=30, runner=runner)


async def test_render_docx_converted_by_soffice_then_rasterised_in_page_order() -> None:
    runner = FakeRunner(pdf_pages=12)
    rendered = await renderer(runner).render(content(), extension=".DOCX", max_pages=10)
    assert runner.seen_source == b"document bytes"
    soffice, thumb, pages = runner.calls
    assert soffice[0] == "soffice"
    assert soffice[1].startswith("-env:UserInstallation=file:///")
    assert {"--headless", "--norestore", "--convert-to"} <= set(soffice)
    # Only the pages that are shown are exported, with the filter of the document's kind.
    export = 'pdf:writer_pdf_Export:{"PageRange": {"type": "string", "value": "1-10"}}'
    assert soffice[soffice.index("--convert-to") + 1] == export
    assert thumb[:5] == ["pdftoppm", "-png", "-f", "1", "-l"]
    assert thumb[thumb.index("-l") + 1] == "1"
    assert thumb[thumb.index("-scale-to-x") + 1] == "256"
    assert pages[pages.index("-scale-to-x") + 1] == "1000"
    assert pages[pages.index("-l") + 1] == "10"
    assert rendered.thumbnail == b"thumb1"
    # pdftoppm pads numbers (page-01 … page-10); the order is numeric, the count capped at max_pages.
    assert list(rendered.pages) == [f"page{n}".encode() for n in range(1, 11)]


async def test_render_pdf_rasterised_without_soffice() -> None:
    runner = FakeRunner(pdf_pages=3)
    rendered = await renderer(runner, soffice=None).render(content(), extension=".pdf", max_pages=10)
    assert [call[0] for call in runner.calls] == ["pdftoppm", "pdftoppm"]
    assert len(rendered.pages) == 3


async def test_render_office_file_without_soffice_refused() -> None:
    subject = renderer(FakeRunner(), soffice=None)
    assert subject.extensions == frozenset({".pdf"})
    with pytest.raises(RenderFailed, match=r"cannot render \.docx"):
        await subject.render(content(), extension=".docx", max_pages=10)


async def test_render_soffice_writes_nothing_failed_even_with_exit_code_zero() -> None:
    with pytest.raises(RenderFailed, match=r"soffice failed \(exit 0\)"):
        await renderer(FakeRunner(soffice_writes=False)).render(content(), extension=".xlsx", max_pages=10)


async def test_render_pdftoppm_error_failed_with_its_last_output_line() -> None:
    with pytest.raises(RenderFailed, match="pdftoppm failed \\(exit 1\\): Syntax Error: broken"):
        await renderer(FakeRunner(result=1)).render(content(), extension=".pdf", max_pages=10)


async def test_render_time_limit_reached_failed_as_timeout() -> None:
    with pytest.raises(RenderFailed, match="did not finish within 30 s"):
        await renderer(FakeRunner(result=None)).render(content(), extension=".pdf", max_pages=10)


async def test_render_concurrent_conversions_private_profiles_removed_after() -> None:
    runner = FakeRunner()
    runner.overlap = 2
    subject = renderer(runner)
    async with anyio.create_task_group() as tasks:
        for _ in range(2):
            tasks.start_soon(lambda: subject.render(content(), extension=".pptx", max_pages=1))
    profiles = {call[1] for call in runner.calls if call[0] == "soffice"}
    assert len(profiles) == 2
    paths = [Path(profile.split("=", 1)[1].removeprefix("file://")) for profile in profiles]
    assert not any(path.exists() for path in paths)


async def test_render_work_directory_removed_after_failure() -> None:
    runner = FakeRunner(result=1)
    with pytest.raises(RenderFailed):
        await renderer(runner).render(content(), extension=".pdf", max_pages=1)
    assert not Path(runner.calls[0][-2]).parent.exists()


def process_state(pid: int) -> str:
    """A process's state letter from /proc (R, S, Z …), or "gone"."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return "gone"
    return stat.rpartition(")")[2].split()[0]


async def test_process_group_runner_time_limit_kills_whole_group(tmp_path: Path) -> None:
    runner = ProcessGroupRunner()
    started = time.monotonic()
    # The shell starts a child that would outlive it; the group kill takes both.
    script = f"sleep 30 & echo $! > {tmp_path / 'child'}; wait"
    result = await runner.run(["sh", "-c", script], cwd=tmp_path, time_limit=0.5)
    assert result.returncode is None
    assert time.monotonic() - started < 10
    child = int((tmp_path / "child").read_text())
    await anyio.sleep(0.2)
    assert process_state(child) in {"gone", "Z"}  # a zombie is dead, waiting for init to reap it


async def test_process_group_runner_runs_at_lowest_priority_and_returns_output(tmp_path: Path) -> None:
    result = await ProcessGroupRunner().run(["sh", "-c", "nice; exit 3"], cwd=tmp_path, time_limit=10)
    assert result.returncode == 3
    assert result.output == "19"


def file_record(name: str = "a.docx", *, version: int = 2, size: int = 10) -> FileRecord:
    return FileRecord(
        id="f", folder_id="d", owner_id="o", name=name, size=size, sha256="", version=version, blob_key="b",
        created_at=NOW, modified_at=NOW, modified_by=None, lock=None,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("preview", "expected"),
    [
        (None, PreviewState.PENDING),
        (Preview("f", 1, PreviewStatus.READY, pages=2), PreviewState.PENDING),
        (Preview("f", 2, PreviewStatus.RENDERING), PreviewState.PENDING),
        (Preview("f", 2, PreviewStatus.READY, pages=2), PreviewState.READY),
        (Preview("f", 2, PreviewStatus.FAILED, attempts=1), PreviewState.PENDING),
        (Preview("f", 2, PreviewStatus.FAILED, attempts=MAX_ATTEMPTS), PreviewState.FAILED),
    ],
)
def test_state_of_previewable_file_follows_version_and_status(
    preview: Preview | None, expected: PreviewState
) -> None:
    assert state_of(file_record(), preview, frozenset({".docx"})) is expected


@pytest.mark.parametrize(("name", "size"), [("a.txt", 10), ("a.docx", 0), ("docx", 10)])
def test_state_of_other_kinds_and_empty_files_none(name: str, size: int) -> None:
    assert state_of(file_record(name, size=size), None, frozenset({".docx"})) is PreviewState.NONE


@pytest.mark.parametrize(
    ("preview", "expected"),
    [
        (None, ShownPreview(PreviewState.PENDING)),
        (
            Preview("f", 2, PreviewStatus.READY, pages=3, ready_version=2),
            ShownPreview(PreviewState.READY, 2, 3),
        ),
        # A new version being rendered, or waiting to be: the last complete images stay on show.
        (
            Preview("f", 2, PreviewStatus.RENDERING, pages=3, ready_version=1),
            ShownPreview(PreviewState.PENDING, 1, 3),
        ),
        (
            Preview("f", 1, PreviewStatus.READY, pages=3, ready_version=1),
            ShownPreview(PreviewState.PENDING, 1, 3),
        ),
        # Given up on the current version: an older version's images would misrepresent the file.
        (
            Preview("f", 2, PreviewStatus.FAILED, pages=3, attempts=MAX_ATTEMPTS, ready_version=1),
            ShownPreview(PreviewState.FAILED),
        ),
    ],
)
def test_shown_of_previewable_file_shows_last_complete_images_until_given_up(
    preview: Preview | None, expected: ShownPreview
) -> None:
    assert shown_of(file_record(), preview, frozenset({".docx"})) == expected


def test_retry_time_grows_then_gives_up() -> None:
    delays = [retry_time(attempt, NOW) for attempt in range(1, MAX_ATTEMPTS + 1)]
    assert delays[:2] == [NOW + timedelta(minutes=2), NOW + timedelta(minutes=10)]
    assert delays[-1] is None
