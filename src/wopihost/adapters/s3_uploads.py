"""Which multipart uploads still have a live writer, and the sweep that aborts the rest.

Each blob store object (one per process) is a writer with a random ID. While it has multipart uploads in
progress it writes, every heartbeat interval, the object `writers/<writer ID>` listing their upload IDs. A
sweep, run by every process at the same interval, aborts an incomplete upload when no writer record written
within the last lease (three heartbeat intervals) has named it for a whole lease: the sweeping writer notes
when it first saw the upload unnamed, and aborts it at a sweep one lease later if it is unnamed still. A new
upload is therefore named by its writer's next heartbeat long before anyone aborts it, while the uploads of
a writer that was killed are aborted about two leases after it died, however old they are.

The rule does not trust the uploads' Initiated times (some S3-compatible stores report nonsense there); the
times it compares are the object store's own (the Date of its answers against records' LastModified), never
a node's clock. Records silent for two leases are deleted.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

import anyio
from botocore.exceptions import BotoCoreError, ClientError

from wopihost.domain.ids import new_id

if TYPE_CHECKING:
    from types_aiobotocore_s3 import S3Client

log = logging.getLogger("wopihost.s3")

WRITERS_PREFIX = "writers/"
_BLOB_PREFIX = "blobs/"


class UploadRegistry:
    """One writer's uploads in progress, its heartbeat, and the sweep of every writer's abandoned uploads."""

    def __init__(self, client: Callable[[], Awaitable[S3Client]], bucket: str, *, lease: timedelta) -> None:
        self._client = client
        self._bucket = bucket
        self.lease = lease
        self.writer_id = new_id()
        self._live: set[str] = set()
        self._recorded = False
        # Uploads this writer's sweeps found unnamed, with when (object store time) they were first seen so.
        self._suspects: dict[str, datetime] = {}

    def started(self, upload_id: str) -> None:
        self._live.add(upload_id)

    def finished(self, upload_id: str) -> None:
        self._live.discard(upload_id)

    @property
    def in_progress(self) -> frozenset[str]:
        return frozenset(self._live)

    async def heartbeat(self) -> None:
        """Record this writer's uploads in progress; an idle writer writes nothing."""
        if not self._live:
            return
        body = "\n".join(sorted(self._live)).encode("ascii")
        s3 = await self._client()
        await s3.put_object(Bucket=self._bucket, Key=WRITERS_PREFIX + self.writer_id, Body=body)
        self._recorded = True

    async def retire(self) -> None:
        """Delete this writer's record (on a clean shutdown, after its uploads have ended)."""
        if self._recorded:
            s3 = await self._client()
            await s3.delete_object(Bucket=self._bucket, Key=WRITERS_PREFIX + self.writer_id)
            self._recorded = False

    async def incomplete(self) -> list[str]:
        """The keys of every incomplete multipart upload in the bucket, of any writer."""
        s3 = await self._client()
        paginator = s3.get_paginator("list_multipart_uploads")
        found: list[str] = []
        async for page in paginator.paginate(Bucket=self._bucket, Prefix=_BLOB_PREFIX):
            found.extend(upload.get("Key", "") for upload in page.get("Uploads", []))
        return found

    async def sweep(self, *, lease: timedelta | None = None) -> int:
        """Abort the incomplete uploads that no live writer names; return how many were aborted."""
        lease = self.lease if lease is None else lease
        s3 = await self._client()
        now, live = await self._live_uploads(s3, lease)
        aborted, listed = 0, set()
        paginator = s3.get_paginator("list_multipart_uploads")
        async for page in paginator.paginate(Bucket=self._bucket, Prefix=_BLOB_PREFIX):
            for upload in page.get("Uploads", []):
                upload_id, key = upload.get("UploadId", ""), upload.get("Key", "")
                listed.add(upload_id)
                if upload_id in live:
                    self._suspects.pop(upload_id, None)
                    continue
                if self._suspects.setdefault(upload_id, now) > now - lease:
                    continue
                try:
                    await s3.abort_multipart_upload(Bucket=self._bucket, Key=key, UploadId=upload_id)
                    aborted += 1
                except ClientError as exc:
                    log.info("op=s3_sweep status=abort_failed key=%s error=%s", key, type(exc).__name__)
        for gone in self._suspects.keys() - listed:
            del self._suspects[gone]
        if aborted:
            log.info("op=s3_sweep aborted=%d", aborted)
        return aborted

    async def _live_uploads(self, s3: S3Client, lease: timedelta) -> tuple[datetime, set[str]]:
        live = set(self._live)
        now: datetime | None = None
        paginator = s3.get_paginator("list_objects_v2")
        async for page in paginator.paginate(Bucket=self._bucket, Prefix=WRITERS_PREFIX):
            now = now or _server_time(page)
            for item in page.get("Contents", []):
                key, written = item["Key"], item["LastModified"]
                if written > now - lease:
                    live.update(await self._read_record(s3, key))
                elif written < now - 2 * lease and key != WRITERS_PREFIX + self.writer_id:
                    await s3.delete_object(Bucket=self._bucket, Key=key)
        return now or datetime.now(UTC), live

    async def _read_record(self, s3: S3Client, key: str) -> list[str]:
        try:
            record = await s3.get_object(Bucket=self._bucket, Key=key)
        except ClientError:
            return []  # retired by its writer since the listing
        async with record["Body"] as body:
            return (await body.read()).decode("ascii").split()

    async def run(self, stop: anyio.Event, *, interval: float) -> None:
        """Heartbeat and sweep every `interval` seconds until `stop` is set."""
        while not stop.is_set():
            try:
                await self.heartbeat()
                await self.sweep()
            except (ClientError, BotoCoreError) as exc:
                log.warning("op=s3_upkeep status=failed error=%s", type(exc).__name__)
            with anyio.move_on_after(interval):
                await stop.wait()


def _server_time(page: Any) -> datetime:
    """The object store's clock, from the Date header of its answer (this node's clock if it sent none)."""
    date = page.get("ResponseMetadata", {}).get("HTTPHeaders", {}).get("date")
    if date:
        try:
            return parsedate_to_datetime(date)
        except (TypeError, ValueError):
            pass
    return datetime.now(UTC)
