"""Real server processes for tests: `wopihost` subprocesses on free loopback ports, always stopped."""

from __future__ import annotations

import json
import logging
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from click.testing import CliRunner

from wopihost.cli import main as wopihost_main

WOPIHOST = [sys.executable, "-m", "wopihost"]


# Ports for test servers come from below the kernel's ephemeral range (32768 and up on Linux), where no
# outgoing connection takes them, and each pytest-xdist worker has a slice of its own: two workers never
# pick the same port for servers they are about to start.
_PORTS = range(10_000, 32_000)
_handed_out: set[int] = set()


def _own_ports() -> range:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    count = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1") or 1)
    index = int(worker[2:]) if worker.startswith("gw") and worker[2:].isdigit() else 0
    size = len(_PORTS) // max(count, 1)
    start = _PORTS.start + (index % max(count, 1)) * size
    return range(start, start + size)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now, and that this process has not handed out."""
    ports = _own_ports()
    for _ in range(1000):
        port = random.choice(ports)
        if port in _handed_out:
            continue
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        _handed_out.add(port)
        return port
    raise RuntimeError(f"no free port in {ports}")


def wopihost(
    data_dir: Path, *args: str, env: Mapping[str, str] | None = None, stdin: str | None = None
) -> str:
    """Run one `wopihost --data-dir DIR ...` command and return its standard output."""
    result = subprocess.run(
        [*WOPIHOST, "--data-dir", str(data_dir), *args],
        capture_output=True,
        text=True,
        input=stdin,
        env={**os.environ, **(env or {})},
        timeout=60,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"wopihost {' '.join(args)} failed: {result.stderr.strip()}")
    return result.stdout.strip()


# One in-process command at a time: the runner swaps os.environ and the standard streams while one runs.
_in_process = threading.Lock()
# The loggers a command's logging set-up changes (wopihost.logging_setup.configure_logging).
_COMMAND_LOGGERS = ("", "alembic", "httpx", "httpcore", "uvicorn.access")
# The logging module's switches it turns off (what a record looks up: caller, thread, process).
_LOGGING_SWITCHES = ("_srcfile", "logThreads", "logProcesses", "logMultiprocessing")


def wopihost_in_process(
    data_dir: Path | None, *args: str, env: Mapping[str, str] | None = None, stdin: str | None = None
) -> str:
    """Run one `wopihost [--data-dir DIR] ...` command in this process and return its standard output.

    The same command as `wopihost()` runs, without a new interpreter's second of imports: for the set-up
    of tests that do not test the command line itself. It runs in a worker thread, with an event loop of
    its own (the sync Playwright API keeps one running in the main thread), and the logging set-up it
    makes for a process of its own is undone afterwards.
    """
    command = [*(["--data-dir", str(data_dir)] if data_dir else []), *args]

    def invoke() -> str:
        result = CliRunner().invoke(
            wopihost_main, command, input=stdin, env=dict(env or {}), catch_exceptions=False
        )
        if result.exit_code != 0:
            raise RuntimeError(f"wopihost {' '.join(args)} failed: {result.stderr.strip()}")
        return result.stdout.strip()

    with _in_process, _logging_kept(), ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(invoke).result(timeout=60)


@contextmanager
def _logging_kept() -> Iterator[None]:
    """Restore the handlers, levels and switches of the loggers that a command's logging set-up changes."""
    loggers = [logging.getLogger(name) for name in _COMMAND_LOGGERS]
    saved = [(log, log.handlers[:], log.level, log.disabled, log.propagate) for log in loggers]
    switches = {name: getattr(logging, name) for name in _LOGGING_SWITCHES}
    try:
        yield
    finally:
        for log, handlers, level, disabled, propagate in saved:
            log.handlers[:] = handlers
            log.setLevel(level)
            log.disabled = disabled
            log.propagate = propagate
        for name, value in switches.items():
            setattr(logging, name, value)


@dataclass(frozen=True)
class Token:
    """What `wopihost token` prints."""

    wopi_src: str
    access_token: str
    access_token_ttl: int


def mint_token_in_process(
    data_dir: Path | None, username: str, file_id: str, env: Mapping[str, str] | None = None
) -> Token:
    """An access token for a user and a file, from the CLI run in this process."""
    printed = wopihost_in_process(data_dir, "token", "--user", username, "--file", file_id, env=env)
    return Token(**json.loads(printed))


def wait_until_up(url: str, *, timeout: float = 30.0, process: subprocess.Popen[bytes] | None = None) -> None:
    """Poll `url` until it answers (any status), or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server exited early with code {process.returncode}")
        try:
            httpx.get(url, timeout=1.0)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


@contextmanager
def running(
    command: Sequence[str], ready_url: str, *, env: Mapping[str, str] | None = None, log: Path | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """Start a server process, wait until `ready_url` answers, and stop it (and its workers) afterwards."""
    out = log.open("wb") if log else subprocess.DEVNULL
    process = subprocess.Popen(
        list(command),
        env={**os.environ, **(env or {})},
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_until_up(ready_url, process=process)
        yield process
    finally:
        stop_process(process)
        if log:
            out.close()  # type: ignore[union-attr]


def stop_process(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM a server and everything it started; SIGKILL what is still there 15 seconds later."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)


@contextmanager
def wopihost_server(
    data_dir: Path,
    *,
    port: int | None = None,
    workers: int = 1,
    env: Mapping[str, str] | None = None,
    extra: Sequence[str] = (),
) -> Iterator[str]:
    """`wopihost serve` on a free port, without the development client unless `env` asks; yields its URL."""
    env = {"WOPIHOST_DEVCLIENT__ENABLED": "false", **(env or {})}
    port = port or free_port()
    base = f"http://127.0.0.1:{port}"
    command = [
        *WOPIHOST,
        "--data-dir",
        str(data_dir),
        "serve",
        "--port",
        str(port),
        "--public-url",
        base,
        "--workers",
        str(workers),
        *extra,
    ]
    with running(command, f"{base}/wopi/files/probe", env=env, log=data_dir / "server.log"):
        yield base
