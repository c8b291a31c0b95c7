"""S3BlobStore: content as objects in an S3-compatible bucket, uploaded in parts as it streams in.

Each blob is the object `blobs/<key>` under a key never used before, so that a save never touches the
object of the version before it: an object appears whole when its multipart upload completes, or never.
Incomplete uploads of writers that died are found through the writers' heartbeats (see s3_uploads.py).
"""

from __future__ import annotations

import contextlib
import hashlib
from base64 import b64encode
from collections.abc import AsyncIterable, AsyncIterator
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import anyio
from aiobotocore.config import AioConfig
from aiobotocore.session import get_session
from botocore.exceptions import BotoCoreError, ClientError

from wopihost.adapters.s3_uploads import UploadRegistry
from wopihost.config import S3Settings
from wopihost.domain.ids import new_id
from wopihost.domain.records import StoredBlob
from wopihost.errors import FileTooLarge, NotFound, StorageUnavailable
from wopihost.ports import BlobEntry

if TYPE_CHECKING:
    from types_aiobotocore_s3 import S3Client
    from types_aiobotocore_s3.type_defs import CompletedPartTypeDef

BLOB_PREFIX = "blobs/"
_MISSING = ("NoSuchKey", "404", "NotFound")


class S3BlobStore:
    """Blobs in one bucket. Open with `async with` (or `start()`/`aclose()`): the client keeps connections."""

    def __init__(self, settings: S3Settings, *, chunk_size: int = 256 * 1024) -> None:
        self._settings = settings
        self._bucket = settings.bucket
        self._chunk_size = chunk_size
        self._part_size = settings.part_size
        self._stack = contextlib.AsyncExitStack()
        self._client: S3Client | None = None
        self._presigner: S3Client | None = None
        self._starting = anyio.Lock()
        self.uploads = UploadRegistry(
            self._s3, self._bucket, lease=timedelta(seconds=3 * settings.heartbeat_seconds)
        )

    async def __aenter__(self) -> S3BlobStore:
        await self._s3()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def _s3(self) -> S3Client:
        client = self._client
        if client is None:
            async with self._starting:
                client = self._client
                if client is None:
                    client = await self._stack.enter_async_context(self._new_client(public=False))
                    self._client = client
        return client

    def _new_client(self, *, public: bool) -> contextlib.AbstractAsyncContextManager[S3Client]:
        s = self._settings
        secret = s.secret_access_key.get_secret_value() if s.secret_access_key else None
        config = AioConfig(
            s3={"addressing_style": s.addressing_style},
            signature_version="s3v4",
            retries={"max_attempts": 3, "mode": "standard"},
            connect_timeout=10,
            read_timeout=60,
        )
        return get_session().create_client(
            "s3",
            endpoint_url=(s.public_endpoint_url or s.endpoint_url) if public else s.endpoint_url,
            region_name=s.region,
            aws_access_key_id=s.access_key_id,
            aws_secret_access_key=secret,
            config=config,
        )

    async def aclose(self) -> None:
        """Close the connections (a store used again afterwards opens new ones)."""
        if self._client is not None:
            with contextlib.suppress(ClientError, BotoCoreError):
                await self.uploads.retire()
        self._client, self._presigner = None, None
        await self._stack.aclose()

    async def ensure_bucket(self) -> bool:
        """Create the bucket unless it exists; True if it was created."""
        s3 = await self._s3()
        try:
            await s3.head_bucket(Bucket=self._bucket)
            return False
        except ClientError as exc:
            if _code(exc) not in ("404", "NoSuchBucket", "NotFound"):
                raise _unavailable(exc) from exc
        except BotoCoreError as exc:
            raise _unavailable(exc) from exc
        try:
            if self._settings.region == "us-east-1":
                await s3.create_bucket(Bucket=self._bucket)
            else:
                await s3.create_bucket(
                    Bucket=self._bucket,
                    CreateBucketConfiguration={"LocationConstraint": self._settings.region},  # type: ignore[typeddict-item]
                )
        except ClientError as exc:
            if _code(exc) in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                return False
            raise _unavailable(exc) from exc
        return True

    async def put(self, chunks: AsyncIterable[bytes], *, max_size: int) -> StoredBlob:
        key = new_id()
        hasher = hashlib.sha256()
        size = 0
        buffer = bytearray()
        upload: _Multipart | None = None
        try:
            async for chunk in chunks:
                size += len(chunk)
                if size > max_size:
                    raise FileTooLarge(size, max_size)
                hasher.update(chunk)
                buffer += chunk
                if len(buffer) >= self._part_size:
                    # Parts need only be 5 MiB or more (but the last): the whole buffer goes as one.
                    upload = upload or await self._start_upload(key)
                    await upload.send(bytes(buffer))
                    buffer.clear()
            if upload is None:
                # Smaller than one part: a single PUT, which is just as atomic.
                await (await self._s3()).put_object(
                    Bucket=self._bucket, Key=BLOB_PREFIX + key, Body=bytes(buffer)
                )
            else:
                if buffer:
                    await upload.send(bytes(buffer))
                await upload.complete()
        except BaseException as exc:
            if upload is not None:
                with anyio.CancelScope(shield=True):
                    await upload.abort()
            if isinstance(exc, ClientError | BotoCoreError):
                raise _unavailable(exc) from exc
            raise
        finally:
            if upload is not None:
                self.uploads.finished(upload.upload_id)
        return StoredBlob(key=key, size=size, sha256=b64encode(hasher.digest()).decode("ascii"))

    async def _start_upload(self, key: str) -> _Multipart:
        s3 = await self._s3()
        created = await s3.create_multipart_upload(Bucket=self._bucket, Key=BLOB_PREFIX + key)
        upload = _Multipart(s3, self._bucket, BLOB_PREFIX + key, created["UploadId"])
        self.uploads.started(upload.upload_id)
        return upload

    async def open(self, key: str) -> AsyncIterator[bytes]:
        s3 = await self._s3()
        try:
            response = await s3.get_object(Bucket=self._bucket, Key=BLOB_PREFIX + key)
        except ClientError as exc:
            if _code(exc) in _MISSING:
                raise NotFound(f"blob {key} is missing") from exc
            raise _unavailable(exc) from exc
        except BotoCoreError as exc:
            raise _unavailable(exc) from exc
        return _ObjectChunks(response["Body"], self._chunk_size)

    async def delete(self, key: str) -> None:
        try:
            await (await self._s3()).delete_object(Bucket=self._bucket, Key=BLOB_PREFIX + key)
        except (ClientError, BotoCoreError) as exc:
            raise _unavailable(exc) from exc

    async def copy(self, key: str) -> str:
        # A single server-side CopyObject: atomic, and the bytes never pass through this process. S3 copies
        # objects of up to 5 GiB this way, above the largest file the host takes unless configured otherwise.
        new_key = new_id()
        source = {"Bucket": self._bucket, "Key": BLOB_PREFIX + key}
        try:
            await (await self._s3()).copy_object(
                Bucket=self._bucket,
                Key=BLOB_PREFIX + new_key,
                CopySource=source,  # type: ignore[arg-type]
            )
        except ClientError as exc:
            if _code(exc) in _MISSING:
                raise NotFound(f"blob {key} is missing") from exc
            raise _unavailable(exc) from exc
        except BotoCoreError as exc:
            raise _unavailable(exc) from exc
        return new_key

    async def keys(self) -> AsyncIterator[BlobEntry]:
        # ListObjectsV2 returns keys in ascending UTF-8 binary order, which the port promises.
        paginator = (await self._s3()).get_paginator("list_objects_v2")
        try:
            async for page in paginator.paginate(Bucket=self._bucket, Prefix=BLOB_PREFIX):
                for item in page.get("Contents", []):
                    yield BlobEntry(item["Key"].removeprefix(BLOB_PREFIX), item["LastModified"])
        except (ClientError, BotoCoreError) as exc:
            raise _unavailable(exc) from exc

    async def download_url(self, key: str) -> str | None:
        if not self._settings.presigned_file_url:
            return None
        presigner = self._presigner
        if presigner is None:
            # Signing is local; a separate client signs for the endpoint that clients can reach.
            presigner = await self._stack.enter_async_context(self._new_client(public=True))
            self._presigner = presigner
        return await presigner.generate_presigned_url(
            "get_object",
            Params={"Bucket": self._bucket, "Key": BLOB_PREFIX + key},
            ExpiresIn=self._settings.presign_seconds,
        )

    async def ping(self) -> None:
        """Raise StorageUnavailable unless the bucket answers."""
        try:
            await (await self._s3()).head_bucket(Bucket=self._bucket)
        except (ClientError, BotoCoreError) as exc:
            raise _unavailable(exc) from exc


class _Multipart:
    """One multipart upload in progress."""

    def __init__(self, s3: S3Client, bucket: str, key: str, upload_id: str) -> None:
        self._s3, self._bucket, self._key, self.upload_id = s3, bucket, key, upload_id
        self._parts: list[CompletedPartTypeDef] = []

    async def send(self, data: bytes) -> None:
        number = len(self._parts) + 1
        sent = await self._s3.upload_part(
            Bucket=self._bucket, Key=self._key, UploadId=self.upload_id, PartNumber=number, Body=data
        )
        self._parts.append({"ETag": sent["ETag"], "PartNumber": number})

    async def complete(self) -> None:
        await self._s3.complete_multipart_upload(
            Bucket=self._bucket,
            Key=self._key,
            UploadId=self.upload_id,
            MultipartUpload={"Parts": self._parts},
        )

    async def abort(self) -> None:
        # A failed abort leaves the upload to the sweep, which finds it once this writer stops naming it.
        with contextlib.suppress(ClientError, BotoCoreError):
            await self._s3.abort_multipart_upload(Bucket=self._bucket, Key=self._key, UploadId=self.upload_id)


class _ObjectChunks:
    """The chunks of an object being downloaded. Closing it releases the connection, read or not."""

    def __init__(self, body: Any, chunk_size: int) -> None:
        self._body: Any | None = body
        self._chunk_size = chunk_size

    def __aiter__(self) -> _ObjectChunks:
        return self

    async def __anext__(self) -> bytes:
        body = self._body
        if body is None:
            raise StopAsyncIteration
        try:
            chunk: bytes = await body.read(self._chunk_size)
        except BaseException as exc:
            await self.aclose()
            if isinstance(exc, BotoCoreError):
                raise _unavailable(exc) from exc
            raise
        if not chunk:
            await self.aclose()
            raise StopAsyncIteration
        return chunk

    async def aclose(self) -> None:
        body, self._body = self._body, None
        if body is not None:
            body.close()


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _unavailable(exc: Exception) -> StorageUnavailable:
    # The message names the operation and the S3 error code, never a credential or a presigned URL.
    if isinstance(exc, ClientError):
        return StorageUnavailable(f"object store error {_code(exc)} in {exc.operation_name}")
    return StorageUnavailable(f"object store unreachable: {type(exc).__name__}")
