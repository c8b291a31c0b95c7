"""The [storage] and [storage.s3] settings, from the environment as operators set them."""

from __future__ import annotations

import os

import pytest
from pydantic import ValidationError

from wopihost.config import Settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [n for n in os.environ if n.startswith("WOPIHOST_")]:
        monkeypatch.delenv(name)


def test_storage_backend_and_s3_section_come_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WOPIHOST_STORAGE__BACKEND", "s3")
    monkeypatch.setenv("WOPIHOST_STORAGE__S3__ENDPOINT_URL", "http://minio.internal:9000/")
    monkeypatch.setenv("WOPIHOST_STORAGE__S3__BUCKET", "docs")
    monkeypatch.setenv("WOPIHOST_STORAGE__S3__SECRET_ACCESS_KEY", "very-secret")

    settings = Settings()

    assert settings.storage.backend == "s3"
    assert settings.storage.s3.endpoint_url == "http://minio.internal:9000"
    assert settings.storage.s3.bucket == "docs"
    assert settings.storage.s3.secret_access_key is not None
    assert settings.storage.s3.secret_access_key.get_secret_value() == "very-secret"
    assert "very-secret" not in repr(settings)


def test_local_backend_is_the_default() -> None:
    assert Settings().storage.backend == "local"


@pytest.mark.parametrize(
    ("name", "value"),
    [("BACKEND", "ftp"), ("S3__PART_SIZE", str(1024 * 1024)), ("MAX_FILE_SIZE", str(6 * 1024**3))],
)
def test_invalid_storage_settings_are_refused(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv("WOPIHOST_STORAGE__BACKEND", "s3")
    monkeypatch.setenv(f"WOPIHOST_STORAGE__{name}", value)

    with pytest.raises(ValidationError):
        Settings()
