"""Running the server processes: uvicorn workers for the host, and the development client beside them."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import httpx
import uvicorn

from wopihost.config import Settings

_DEVCLIENT_START_SECONDS = 20.0


def run_server(settings: Settings) -> None:
    """Serve the host with uvicorn until interrupted; start and stop the development client around it."""
    _export_for_workers(settings)
    devclient = _start_devclient(settings)
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
            timeout_graceful_shutdown=10,
            proxy_headers=bool(settings.server.trusted_proxies),
            forwarded_allow_ips=settings.server.trusted_proxies or None,
        )
    finally:
        _stop(devclient)


def _export_for_workers(settings: Settings) -> None:
    """Worker processes rebuild the settings from the environment; pass them what the CLI decided."""
    os.environ["WOPIHOST_DATA_DIR"] = str(settings.data_dir)
    for key in ("host", "port", "public_url", "wopi_url", "workers"):
        value = getattr(settings.server, key)
        if value is not None:
            os.environ[f"WOPIHOST_SERVER__{key.upper()}"] = str(value)


def _start_devclient(settings: Settings) -> subprocess.Popen[bytes] | None:
    """Run the development WOPI client beside the host when no external WOPI client is configured."""
    if settings.discovery.resolved_url or not settings.devclient.enabled:
        return None
    dev = settings.devclient
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
    ]
    process = subprocess.Popen(command)  # noqa: S603 - our own interpreter and module
    _wait_for(f"{dev.base_url}/hosting/discovery", process)
    return process


def _wait_for(url: str, process: subprocess.Popen[bytes]) -> None:
    """Wait until the URL answers, so that the host's first discovery fetch finds the client up."""
    deadline = time.monotonic() + _DEVCLIENT_START_SECONDS
    while time.monotonic() < deadline and process.poll() is None:
        try:
            httpx.get(url, timeout=1.0)
            return
        except httpx.TransportError:
            time.sleep(0.2)
    print(f"warning: the development WOPI client did not answer at {url}", file=sys.stderr)


def _stop(process: subprocess.Popen[bytes] | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
