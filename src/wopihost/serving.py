"""Running the server processes: uvicorn workers for the host, and the development client beside them."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

import uvicorn

from wopihost.config import Settings
from wopihost.errors import StartupError
from wopihost.plugins import DEVCLIENT_INSTANCE_HEADER, DEVCLIENT_MISSING, devclient_installed

if TYPE_CHECKING:
    from wopihost.adapters.metrics_endpoint import MetricsEndpoint

_DEVCLIENT_START_SECONDS = 20.0
_STOP_SECONDS = 10.0


def run_server(settings: Settings) -> None:
    """Serve the host with uvicorn until interrupted; start and stop the development client around it.

    SIGTERM and SIGINT end the development client too. Raises StartupError when the development client's
    port is taken by another process or the client cannot start.
    """
    _export_for_workers(settings)
    with _signals_unwind():
        metrics = _start_metrics(settings)
        try:
            _serve(settings)
        finally:
            if metrics is not None:
                metrics.stop()


def _serve(settings: Settings) -> None:
    """Run uvicorn with the development client beside it, recording the URLs served meanwhile."""
    devclient = _start_devclient(settings)
    record = record_serving(settings)
    try:
        uvicorn.run(
            "wopihost.app:app_from_environment",
            factory=True,
            host=settings.server.host,
            port=settings.server.port,
            workers=settings.server.workers,
            log_config=None,
            access_log=False,
            server_header=False,
            timeout_graceful_shutdown=settings.server.shutdown_timeout_seconds,
            proxy_headers=bool(settings.server.trusted_proxies),
            forwarded_allow_ips=settings.server.trusted_proxies or None,
        )
    finally:
        _stop(devclient)
        record.unlink(missing_ok=True)


def metrics_samples_dir(data_dir: Path) -> Path:
    """Where the workers of a `serve` write their metric samples for the serving process to add up."""
    return data_dir / "run" / "metrics"


def _start_metrics(settings: Settings) -> MetricsEndpoint | None:
    """Answer scrapes from this process with the sum of every worker's samples, when metrics are on.

    This process outlives the workers (uvicorn restarts one that dies), so the counts survive them.
    """
    port = settings.metrics.port
    if port is None:
        return None
    if port == settings.server.port or (_devclient_runs(settings) and port == settings.devclient.port):
        raise StartupError(
            f"metrics.port {port} must differ from the server's and the development client's ports"
        )
    from wopihost.adapters.metrics_endpoint import MetricsEndpoint, SessionCollector
    from wopihost.adapters.prometheus_metrics import (
        empty_samples_dir,
        multiprocess_registry,
        write_samples_to,
    )

    samples = metrics_samples_dir(settings.data_dir)
    endpoint = MetricsEndpoint(
        multiprocess_registry(samples),
        host=settings.metrics.host,
        port=port,
        sessions=SessionCollector(settings.database_url),
    )
    # Only now that the port is this process's: another serve may be writing there if it was not.
    empty_samples_dir(samples)
    write_samples_to(samples)
    endpoint.start()
    return endpoint


def _raise_exit(signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


@contextlib.contextmanager
def _signals_unwind() -> Iterator[None]:
    """Turn SIGTERM into SystemExit while serving, so that `finally` blocks stop the development client.

    uvicorn shuts down gracefully on SIGTERM and then raises the signal again with the previous handler;
    with the default handler the process would die there, before any clean-up.
    """
    previous = signal.signal(signal.SIGTERM, _raise_exit)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _export_for_workers(settings: Settings) -> None:
    """Worker processes rebuild the settings from the environment; pass them what the CLI decided."""
    os.environ["WOPIHOST_DATA_DIR"] = str(settings.data_dir)
    for key in ("host", "port", "public_url", "wopi_url", "workers"):
        value = getattr(settings.server, key)
        if value is not None:
            os.environ[f"WOPIHOST_SERVER__{key.upper()}"] = str(value)
    os.environ["WOPIHOST_DEVCLIENT__PORT"] = str(settings.devclient.port)


def serving_record_path(data_dir: Path) -> Path:
    """Where a running `serve` writes the URLs it serves, for other commands on the same data directory."""
    return data_dir / "run" / "serve.json"


def record_serving(settings: Settings) -> Path:
    """Write the URLs and process id of this server; the caller removes the file when serving stops."""
    path = serving_record_path(settings.data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {
        "pid": os.getpid(),
        "public_url": settings.server.base_url,
        "wopi_url": settings.server.wopi_base_url,
    }
    path.write_text(json.dumps(record), encoding="utf-8")
    return path


def find_serving(data_dir: Path) -> dict[str, str] | None:
    """The URLs recorded by a `serve` that is still running on this data directory, if any."""
    try:
        record: dict[str, Any] = json.loads(serving_record_path(data_dir).read_text(encoding="utf-8"))
        pid = int(record["pid"])
        urls = {"public_url": str(record["public_url"]), "wopi_url": str(record["wopi_url"])}
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return urls if _alive(pid) else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _devclient_runs(settings: Settings) -> bool:
    return settings.devclient.enabled and not settings.discovery.resolved_url


def _start_devclient(settings: Settings) -> subprocess.Popen[bytes] | None:
    """Run the development WOPI client beside the host when no external WOPI client is configured."""
    if not _devclient_runs(settings):
        return None
    if not devclient_installed():
        raise StartupError(
            f"{DEVCLIENT_MISSING}; or configure a WOPI client (discovery.url), "
            "or set devclient.enabled = false"
        )
    dev = settings.devclient
    _check_port_free(dev.host, dev.port)
    instance = secrets.token_hex(8)
    command = [
        sys.executable,
        "-m",
        "wopihost",
        "devclient",
        "serve",
        "--host",
        dev.host,
        "--port",
        str(dev.port),
        "--public-url",
        dev.base_url,
        "--instance",
        instance,
    ]
    process = subprocess.Popen(command)  # noqa: S603 - our own interpreter and module
    try:
        _wait_for(f"{dev.base_url}/hosting/discovery", process, instance)
    except BaseException:
        _stop(process)
        raise
    return process


def _check_port_free(host: str, port: int) -> None:
    """Refuse to start when another process listens on the development client's port.

    Without this check the host would silently talk to whatever answers there, such as a development
    client left over from an earlier run, with other settings and keys.
    """
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        # The same option uvicorn sets, so that connections of a stopped server in TIME_WAIT do not count.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise StartupError(f"the development client cannot listen on {host}:{port}: {exc}") from exc
            raise StartupError(
                f"the development client's port {host}:{port} is already in use by another process "
                "(perhaps a development client left running by an earlier serve): stop that process, "
                "or choose another port with --devclient-port"
            ) from exc


def _wait_for(url: str, process: subprocess.Popen[bytes], instance: str) -> None:
    """Wait until the development client answers at the URL, so that the host's first discovery fetch finds
    it up. StartupError if another process answers there: it took the port after it was checked free, and
    the host would trust its keys."""
    import httpx

    deadline = time.monotonic() + _DEVCLIENT_START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise StartupError(f"the development client exited with code {process.returncode}")
        try:
            answer = httpx.get(url, timeout=1.0)
        except httpx.TransportError:
            time.sleep(0.2)
            continue
        if answer.headers.get(DEVCLIENT_INSTANCE_HEADER) != instance:
            raise StartupError(
                f"another process answers at {url}, where the development client was to listen: "
                "stop that process, or choose another port with --devclient-port"
            )
        return
    print(f"warning: the development WOPI client did not answer at {url}", file=sys.stderr)


def _stop(process: subprocess.Popen[bytes] | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=_STOP_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=_STOP_SECONDS)
