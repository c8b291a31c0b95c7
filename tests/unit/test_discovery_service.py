"""The discovery service (memory, disk copy, refresh policy, single flight) and the discovery sources."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import anyio
import httpx
import pytest

from wopihost.adapters.discovery_http import FileDiscoverySource, HttpDiscoverySource
from wopihost.errors import DiscoveryUnavailable
from wopihost.services.discovery import DiscoveryService

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "discovery"
MICROSOFT = (FIXTURES / "m365.xml").read_bytes()
COLLABORA = (FIXTURES / "collabora.xml").read_bytes()
SECRET_URL = "https://client.example/hosting/discovery?key=s3cr3t"


class FakeClock:
    """A clock that moves only when told to."""

    def __init__(self) -> None:
        self.current = datetime(2026, 1, 1, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current

    def advance(self, **kwargs: float) -> None:
        self.current += timedelta(**kwargs)


class FakeSource:
    """Answers each fetch with the next result (the last one repeats); can hold fetches until released."""

    def __init__(self, *results: bytes | Exception) -> None:
        self.results = list(results)
        self.calls = 0
        self.release: anyio.Event | None = None
        self.started = anyio.Event()
        self._called = anyio.Event()

    async def fetch(self) -> bytes:
        self.calls += 1
        self.started.set()
        self._called.set()
        self._called = anyio.Event()
        if self.release is not None:
            await self.release.wait()
        result = self.results[min(self.calls, len(self.results)) - 1]
        if isinstance(result, Exception):
            raise result
        return result

    async def wait_for_calls(self, calls: int) -> None:
        with anyio.fail_after(5):
            while self.calls < calls:
                await self._called.wait()


def seed_cache(path: Path, xml: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(xml)


def cached(path: Path) -> bytes:
    return path.read_bytes()


def file_names(directory: Path) -> list[str]:
    return sorted(path.name for path in directory.iterdir())


def unavailable(reason: str = "connection refused") -> DiscoveryUnavailable:
    return DiscoveryUnavailable(reason)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def cache_file(tmp_path: Path) -> Path:
    return tmp_path / "cache" / "discovery.xml"


@pytest.fixture
def make_service(clock: FakeClock, cache_file: Path) -> Callable[[FakeSource], DiscoveryService]:
    def make(source: FakeSource) -> DiscoveryService:
        return DiscoveryService(
            source, cache_file=cache_file, clock=clock, refresh_interval=timedelta(hours=12)
        )

    return make


ServiceFactory = Callable[[FakeSource], DiscoveryService]


# get() and the disk copy


@pytest.mark.anyio
async def test_get_without_disk_copy_fetches_and_writes_cache(
    make_service: ServiceFactory, cache_file: Path
) -> None:
    source = FakeSource(MICROSOFT)
    service = make_service(source)
    discovery = await service.get()
    assert discovery.net_zone == "external-https"
    assert cached(cache_file) == MICROSOFT
    assert file_names(cache_file.parent) == ["discovery.xml"]
    assert (await service.get()) is discovery
    assert source.calls == 1


@pytest.mark.anyio
async def test_get_with_disk_copy_serves_it_without_fetching(
    make_service: ServiceFactory, cache_file: Path
) -> None:
    seed_cache(cache_file, COLLABORA)
    source = FakeSource(MICROSOFT)
    discovery = await make_service(source).get()
    assert discovery.net_zone == "external-http"
    assert source.calls == 0


@pytest.mark.anyio
async def test_get_nothing_anywhere_raises_discovery_unavailable(make_service: ServiceFactory) -> None:
    service = make_service(FakeSource(unavailable("HTTP 503")))
    with pytest.raises(DiscoveryUnavailable, match="HTTP 503"):
        await service.get()


@pytest.mark.anyio
async def test_get_corrupt_disk_copy_is_ignored_and_fetched(
    make_service: ServiceFactory, cache_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    seed_cache(cache_file, b"<wopi-discovery><net-zone")
    source = FakeSource(MICROSOFT)
    with caplog.at_level(logging.WARNING, logger="wopihost.discovery"):
        discovery = await make_service(source).get()
    assert discovery.net_zone == "external-https"
    assert source.calls == 1
    assert cached(cache_file) == MICROSOFT
    assert [record.getMessage().split(" reason=")[0] for record in caplog.records] == [
        "op=discovery_cache status=unreadable"
    ]


# refresh()


@pytest.mark.anyio
async def test_refresh_success_replaces_memory_and_disk(
    make_service: ServiceFactory, cache_file: Path
) -> None:
    service = make_service(FakeSource(MICROSOFT, COLLABORA))
    await service.get()
    discovery = await service.refresh()
    assert discovery.net_zone == "external-http"
    assert (await service.get()) is discovery
    assert cached(cache_file) == COLLABORA


@pytest.mark.anyio
async def test_refresh_failure_keeps_last_good_copy_and_logs_one_warning(
    make_service: ServiceFactory, cache_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    service = make_service(FakeSource(MICROSOFT, unavailable("discovery endpoint answered HTTP 502")))
    good = await service.get()
    with caplog.at_level(logging.INFO, logger="wopihost.discovery"):
        assert (await service.refresh()) is good
    assert (await service.get()) is good
    assert cached(cache_file) == MICROSOFT
    assert service.last_error == "discovery endpoint answered HTTP 502"
    warnings = [record for record in caplog.records if record.levelno == logging.WARNING]
    assert [record.getMessage() for record in warnings] == [
        'op=discovery_refresh status=failed serving=last_good reason="discovery endpoint answered HTTP 502"'
    ]
    assert warnings[0].name == "wopihost.discovery"


@pytest.mark.anyio
async def test_refresh_invalid_xml_keeps_last_good_copy_on_disk(
    make_service: ServiceFactory, cache_file: Path
) -> None:
    service = make_service(FakeSource(MICROSOFT, b"<html>maintenance</html>"))
    good = await service.get()
    assert (await service.refresh()) is good
    assert cached(cache_file) == MICROSOFT
    assert service.last_error is not None
    assert "<html>" in service.last_error


@pytest.mark.anyio
async def test_refresh_failure_without_memory_falls_back_to_disk_copy(
    make_service: ServiceFactory, cache_file: Path
) -> None:
    seed_cache(cache_file, COLLABORA)
    discovery = await make_service(FakeSource(unavailable())).refresh()
    assert discovery.net_zone == "external-http"


@pytest.mark.anyio
async def test_disk_copy_survives_failed_refresh_and_restart(make_service: ServiceFactory) -> None:
    first = make_service(FakeSource(MICROSOFT, unavailable()))
    await first.get()
    await first.refresh()
    restarted = make_service(FakeSource(unavailable()))
    discovery = await restarted.get()
    assert discovery.net_zone == "external-https"
    assert discovery.proof_key is not None


@pytest.mark.anyio
async def test_refresh_cache_write_failure_still_serves_new_copy(
    clock: FakeClock, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "not-a-directory"
    seed_cache(blocker, b"x")
    service = DiscoveryService(FakeSource(MICROSOFT), cache_file=blocker / "discovery.xml", clock=clock)
    with caplog.at_level(logging.WARNING, logger="wopihost.discovery"):
        discovery = await service.refresh()
    assert discovery.net_zone == "external-https"
    assert any("op=discovery_cache status=write_failed" in record.getMessage() for record in caplog.records)


# refresh_if_stale()


@pytest.mark.anyio
async def test_refresh_if_stale_fresh_copy_does_not_fetch(
    make_service: ServiceFactory, clock: FakeClock
) -> None:
    source = FakeSource(MICROSOFT)
    service = make_service(source)
    await service.refresh()
    clock.advance(hours=11, minutes=59)
    await service.refresh_if_stale()
    assert source.calls == 1


@pytest.mark.anyio
async def test_refresh_if_stale_after_interval_fetches(
    make_service: ServiceFactory, clock: FakeClock
) -> None:
    source = FakeSource(MICROSOFT, COLLABORA)
    service = make_service(source)
    await service.refresh()
    clock.advance(hours=12)
    discovery = await service.refresh_if_stale()
    assert source.calls == 2
    assert discovery.net_zone == "external-http"
    assert service.fetched_at == clock.now()


@pytest.mark.anyio
async def test_refresh_if_stale_disk_copy_counts_as_stale(
    make_service: ServiceFactory, cache_file: Path
) -> None:
    seed_cache(cache_file, COLLABORA)
    source = FakeSource(MICROSOFT)
    service = make_service(source)
    await service.get()
    assert service.fetched_at is None
    assert (await service.refresh_if_stale()).net_zone == "external-https"
    assert source.calls == 1


@pytest.mark.anyio
async def test_refresh_if_stale_after_failure_waits_for_retry_interval(
    make_service: ServiceFactory, clock: FakeClock
) -> None:
    source = FakeSource(MICROSOFT, unavailable(), MICROSOFT)
    service = make_service(source)
    await service.refresh()
    clock.advance(hours=12)
    await service.refresh_if_stale()
    clock.advance(minutes=4)
    await service.refresh_if_stale()
    assert source.calls == 2
    clock.advance(minutes=1)
    await service.refresh_if_stale()
    assert source.calls == 3
    assert service.last_error is None


# refresh_rate_limited()


@pytest.mark.anyio
async def test_refresh_rate_limited_within_interval_does_not_fetch(
    make_service: ServiceFactory, clock: FakeClock
) -> None:
    source = FakeSource(MICROSOFT)
    service = make_service(source)
    await service.get()
    clock.advance(seconds=59)
    assert await service.refresh_rate_limited(timedelta(seconds=60)) is False
    assert await service.refresh_rate_limited(timedelta(seconds=60)) is False
    assert source.calls == 1


@pytest.mark.anyio
async def test_refresh_rate_limited_after_interval_fetches_and_reports_new_copy(
    make_service: ServiceFactory, clock: FakeClock
) -> None:
    source = FakeSource(MICROSOFT, COLLABORA)
    service = make_service(source)
    await service.get()
    clock.advance(seconds=60)
    assert await service.refresh_rate_limited(timedelta(seconds=60)) is True
    assert source.calls == 2
    assert (await service.get()).net_zone == "external-http"


@pytest.mark.anyio
async def test_refresh_rate_limited_failure_returns_false_without_raising(
    make_service: ServiceFactory, clock: FakeClock
) -> None:
    source = FakeSource(unavailable())
    service = make_service(source)
    assert await service.refresh_rate_limited(timedelta(seconds=60)) is False
    clock.advance(seconds=30)
    assert await service.refresh_rate_limited(timedelta(seconds=60)) is False
    assert source.calls == 1


@pytest.mark.anyio
async def test_refresh_rate_limited_counts_failed_attempts(
    make_service: ServiceFactory, clock: FakeClock
) -> None:
    source = FakeSource(MICROSOFT, unavailable(), COLLABORA)
    service = make_service(source)
    await service.get()
    clock.advance(minutes=2)
    await service.refresh()
    clock.advance(seconds=10)
    assert await service.refresh_rate_limited(timedelta(seconds=60)) is False
    assert source.calls == 2


# Single flight


async def _run_concurrently(count: int, source: FakeSource, call: Callable[[], object]) -> None:
    source.release = anyio.Event()
    async with anyio.create_task_group() as group:
        for _ in range(count):
            group.start_soon(call)  # type: ignore[arg-type]
        await source.started.wait()
        await anyio.wait_all_tasks_blocked()
        source.release.set()


@pytest.mark.anyio
async def test_get_concurrent_callers_fetch_once(make_service: ServiceFactory) -> None:
    source = FakeSource(MICROSOFT)
    service = make_service(source)
    with anyio.fail_after(5):
        await _run_concurrently(10, source, service.get)
    assert source.calls == 1


@pytest.mark.anyio
async def test_get_concurrent_callers_share_one_failure(make_service: ServiceFactory) -> None:
    source = FakeSource(unavailable())
    service = make_service(source)
    failures: list[Exception] = []

    async def call() -> None:
        try:
            await service.get()
        except DiscoveryUnavailable as exc:
            failures.append(exc)

    with anyio.fail_after(5):
        await _run_concurrently(5, source, call)
    assert source.calls == 1
    assert len(failures) == 5


@pytest.mark.anyio
async def test_refresh_concurrent_callers_fetch_once(make_service: ServiceFactory) -> None:
    source = FakeSource(MICROSOFT)
    service = make_service(source)
    with anyio.fail_after(5):
        await _run_concurrently(10, source, service.refresh)
    assert source.calls == 1


@pytest.mark.anyio
async def test_refresh_rate_limited_concurrent_callers_fetch_once_and_all_see_new_copy(
    make_service: ServiceFactory, clock: FakeClock
) -> None:
    source = FakeSource(MICROSOFT, COLLABORA)
    service = make_service(source)
    await service.get()
    clock.advance(minutes=5)
    source.started = anyio.Event()
    results: list[bool] = []

    async def call() -> None:
        results.append(await service.refresh_rate_limited(timedelta(seconds=60)))

    with anyio.fail_after(5):
        await _run_concurrently(5, source, call)
    assert source.calls == 2
    assert results == [True] * 5


# run_periodic()


@pytest.mark.anyio
async def test_run_periodic_refreshes_when_due_and_stops(
    make_service: ServiceFactory, clock: FakeClock
) -> None:
    source = FakeSource(MICROSOFT, COLLABORA)
    service = make_service(source)
    stop = anyio.Event()
    async with anyio.create_task_group() as group:
        group.start_soon(lambda: service.run_periodic(stop, poll_seconds=0.001))
        await source.wait_for_calls(1)
        await anyio.sleep(0.02)
        assert source.calls == 1
        clock.advance(hours=12)
        await source.wait_for_calls(2)
        stop.set()
    assert (await service.get()).net_zone == "external-http"


@pytest.mark.anyio
async def test_run_periodic_survives_failures_and_recovers(
    make_service: ServiceFactory, clock: FakeClock
) -> None:
    source = FakeSource(unavailable(), MICROSOFT)
    service = make_service(source)
    stop = anyio.Event()
    async with anyio.create_task_group() as group:
        group.start_soon(lambda: service.run_periodic(stop, poll_seconds=0.001))
        await source.wait_for_calls(1)
        clock.advance(minutes=5)
        await source.wait_for_calls(2)
        stop.set()
    assert (await service.get()).net_zone == "external-https"


# HttpDiscoverySource


def http_source(handler: Callable[[httpx.Request], httpx.Response], **kwargs: int) -> HttpDiscoverySource:
    return HttpDiscoverySource(SECRET_URL, timeout=5.0, transport=httpx.MockTransport(handler), **kwargs)


@pytest.mark.anyio
async def test_http_source_ok_returns_body() -> None:
    assert await http_source(lambda request: httpx.Response(200, content=MICROSOFT)).fetch() == MICROSOFT


@pytest.mark.anyio
async def test_http_source_redirect_is_followed() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/hosting/discovery":
            return httpx.Response(302, headers={"Location": "https://cdn.example/discovery.xml"})
        return httpx.Response(200, content=COLLABORA)

    assert await http_source(handler).fetch() == COLLABORA


@pytest.mark.anyio
async def test_http_source_non_200_raises_without_url() -> None:
    with pytest.raises(DiscoveryUnavailable, match="HTTP 404") as caught:
        await http_source(lambda request: httpx.Response(404, text="not here")).fetch()
    assert "s3cr3t" not in str(caught.value)


@pytest.mark.anyio
async def test_http_source_transport_error_is_wrapped_without_url() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(f"cannot reach {SECRET_URL}", request=request)

    with pytest.raises(DiscoveryUnavailable, match="ConnectError") as caught:
        await http_source(handler).fetch()
    assert isinstance(caught.value.__cause__, httpx.ConnectError)
    assert "s3cr3t" not in str(caught.value)


@pytest.mark.anyio
async def test_http_source_declared_oversized_body_raises() -> None:
    with pytest.raises(DiscoveryUnavailable, match="larger than 1000 bytes"):
        await http_source(lambda request: httpx.Response(200, content=b"x" * 1001), max_size=1000).fetch()


@pytest.mark.anyio
async def test_http_source_streamed_oversized_body_raises() -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(5):
            yield b"x" * 300

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=chunks())

    with pytest.raises(DiscoveryUnavailable, match="larger than 1000 bytes"):
        await http_source(handler, max_size=1000).fetch()


# FileDiscoverySource


@pytest.mark.anyio
async def test_file_source_existing_file_returns_bytes() -> None:
    assert await FileDiscoverySource(FIXTURES / "collabora.xml").fetch() == COLLABORA


@pytest.mark.anyio
async def test_file_source_missing_file_raises(tmp_path: Path) -> None:
    with pytest.raises(DiscoveryUnavailable, match="cannot be read"):
        await FileDiscoverySource(tmp_path / "missing.xml").fetch()
