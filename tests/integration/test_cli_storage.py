"""`wopihost storage check [--repair]` and `wopihost init` on both blob stores, through CliRunner."""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import pytest

from tests.integration.test_cli import data_dir, isolated_logging, out, run
from wopihost.adapters.local_blobs import LocalBlobStore
from wopihost.adapters.s3_blobs import S3BlobStore
from wopihost.config import S3Settings, load_settings

__all__ = ["data_dir", "isolated_logging"]


async def _chunks(data: bytes) -> AsyncIterator[bytes]:
    yield data


def put(data_dir: Path, tmp_path: Path, name: str) -> str:
    local = tmp_path / name
    local.write_bytes(b"bytes of " + name.encode())
    return out(run(data_dir, "file", "put", str(local), "--owner", "alice"))


def blob_key(data_dir: Path, file_id: str) -> str:
    async def find() -> str:
        from wopihost.app import build_services

        services = build_services(load_settings(data_dir=data_dir))
        try:
            return (await services.files.access_as_owner(file_id)).file.blob_key
        finally:
            await services.aclose()

    return anyio.run(find)


def test_storage_check_of_a_consistent_store_reports_nothing(data_dir: Path, tmp_path: Path) -> None:
    run(data_dir, "user", "add", "alice")
    put(data_dir, tmp_path, "a.docx")

    result = run(data_dir, "storage", "check")

    assert out(result) == (
        "checked 1 blobs and 2 references: 0 orphans (0 removed), 0 recent unreferenced, 0 missing"
    )


@pytest.fixture
def damaged(data_dir: Path, tmp_path: Path) -> dict[str, str]:
    """A file whose content is gone, an old orphan, and an orphan younger than the grace period."""
    run(data_dir, "user", "add", "alice")
    put(data_dir, tmp_path, "kept.docx")
    lost = put(data_dir, tmp_path, "lost.docx")
    store = LocalBlobStore(data_dir / "blobs")
    lost_key = blob_key(data_dir, lost)
    anyio.run(store.delete, lost_key)
    old = anyio.run(lambda: store.put(_chunks(b"old orphan"), max_size=100)).key
    two_hours_ago = time.time() - 7200
    os.utime(data_dir / "blobs" / old[:2] / old[2:4] / old, (two_hours_ago, two_hours_ago))
    recent = anyio.run(lambda: store.put(_chunks(b"recent orphan"), max_size=100)).key
    return {"lost": lost, "lost_key": lost_key, "old": old, "recent": recent}


def test_storage_check_reports_orphans_and_missing_content_and_fails(
    damaged: dict[str, str], data_dir: Path
) -> None:
    result = run(data_dir, "storage", "check", ok=False)

    lines = {tuple(line.split("\t")[:2]) for line in out(result).splitlines()[:-1]}
    assert lines == {
        ("orphan", damaged["old"]),
        ("recent", damaged["recent"]),
        ("missing", damaged["lost_key"]),
    }
    assert f"file {damaged['lost']} version 1" in out(result)
    assert out(result).splitlines()[-1] == (
        "checked 3 blobs and 4 references: 1 orphans (0 removed), 1 recent unreferenced, 1 missing"
    )
    assert "cannot be repaired" in result.stderr


def test_storage_check_repair_removes_old_orphans_only(damaged: dict[str, str], data_dir: Path) -> None:
    run(data_dir, "storage", "check", "--repair", ok=False)

    after = out(run(data_dir, "storage", "check", ok=False))
    kinds = sorted(line.split("\t")[0] for line in after.splitlines()[:-1])
    assert kinds == ["missing", "recent"]
    assert not (data_dir / "blobs" / damaged["old"][:2] / damaged["old"][2:4] / damaged["old"]).exists()


def test_storage_check_repair_with_no_grace_leaves_a_clean_store_but_missing(
    damaged: dict[str, str], data_dir: Path
) -> None:
    result = run(data_dir, "storage", "check", "--repair", "--min-age-minutes", "0", ok=False)

    assert out(result).splitlines()[-1] == (
        "checked 3 blobs and 4 references: 2 orphans (2 removed), 0 recent unreferenced, 1 missing"
    )


@pytest.mark.s3
def test_init_creates_the_bucket_and_storage_check_runs_on_s3(
    data_dir: Path, tmp_path: Path, s3_settings: S3Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = s3_settings.secret_access_key
    assert secret is not None
    monkeypatch.setenv("WOPIHOST_STORAGE__BACKEND", "s3")
    monkeypatch.setenv("WOPIHOST_STORAGE__S3__ENDPOINT_URL", s3_settings.endpoint_url or "")
    monkeypatch.setenv("WOPIHOST_STORAGE__S3__BUCKET", s3_settings.bucket)
    monkeypatch.setenv("WOPIHOST_STORAGE__S3__ACCESS_KEY_ID", s3_settings.access_key_id or "")
    monkeypatch.setenv("WOPIHOST_STORAGE__S3__SECRET_ACCESS_KEY", secret.get_secret_value())

    run(data_dir, "init")
    run(data_dir, "user", "add", "alice")
    put(data_dir, tmp_path, "a.docx")

    async def orphan() -> str:
        async with S3BlobStore(s3_settings) as store:
            return (await store.put(_chunks(b"orphan"), max_size=100)).key

    key = anyio.run(orphan)
    result = run(data_dir, "storage", "check", "--repair", "--min-age-minutes", "0")

    assert out(result).splitlines() == [
        f"orphan\t{key}\tremoved",
        "checked 2 blobs and 2 references: 1 orphans (1 removed), 0 recent unreferenced, 0 missing",
    ]
    assert not (data_dir / "blobs").exists() or not any((data_dir / "blobs").rglob("*"))
