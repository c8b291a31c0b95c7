"""`wopihost serve`, `token` and `demo-setup` as real processes: announced URLs, ports, signals, demo data."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from tests.servers import WOPIHOST, free_port, running, wopihost
from wopihost.cli import main
from wopihost.config import Settings

pytestmark = pytest.mark.slow


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in [n for n in os.environ if n.startswith("WOPIHOST_")]:
        monkeypatch.delenv(name)
    return tmp_path / "data"


def _serve(data_dir: Path, *args: str) -> list[str]:
    return [*WOPIHOST, "--data-dir", str(data_dir), "serve", *args]


def _answers(url: str) -> bool:
    try:
        httpx.get(url, timeout=1.0)
    except httpx.TransportError:
        return False
    return True


def _kill_group(pid: int) -> None:
    """Whatever the server left behind in its process group (a development client) is ended."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)


@pytest.fixture
def alice_file(data_dir: Path, tmp_path: Path) -> str:
    wopihost(data_dir, "user", "add", "alice")
    sample = tmp_path / "a.txt"
    sample.write_bytes(b"hello")
    return wopihost(data_dir, "file", "put", str(sample), "--owner", "alice")


def test_serve_on_other_port_announces_that_port_and_token_follows_it(
    data_dir: Path, alice_file: str
) -> None:
    port = free_port()
    log = data_dir / "serve.log"
    base = f"http://127.0.0.1:{port}"
    env = {"WOPIHOST_DEVCLIENT__ENABLED": "false"}
    with running(_serve(data_dir, "--port", str(port)), f"{base}/wopi/files/probe", env=env, log=log):
        issued = json.loads(wopihost(data_dir, "token", "--user", "alice", "--file", alice_file))
    announced = log.read_text()
    assert f"sign in at {base}/" in announced
    assert ":8080" not in announced
    assert issued["wopi_src"] == f"{base}/wopi/files/{alice_file}"


def test_token_without_running_server_uses_options_or_defaults(data_dir: Path, alice_file: str) -> None:
    def wopi_src(*args: str) -> str:
        out = wopihost(data_dir, "token", "--user", "alice", "--file", alice_file, *args)
        return str(json.loads(out)["wopi_src"])

    assert wopi_src() == f"http://127.0.0.1:8080/wopi/files/{alice_file}"
    assert wopi_src("--port", "18080") == f"http://127.0.0.1:18080/wopi/files/{alice_file}"
    assert (
        wopi_src("--public-url", "https://files.example/") == f"https://files.example/wopi/files/{alice_file}"
    )


def test_demo_setup_shows_people_no_validator_file_and_no_address(data_dir: Path) -> None:
    printed = wopihost(data_dir, "demo-setup")
    listed = wopihost(data_dir, "file", "list", "--owner", "alice", "/Documents")
    assert "Welcome.docx" in listed
    assert "wopitest" not in listed
    assert "http://" not in printed


@pytest.fixture
def devclient_port() -> int:
    return free_port()


def test_serve_devclient_port_option_moves_devclient(data_dir: Path, devclient_port: int) -> None:
    port = free_port()
    command = _serve(data_dir, "--port", str(port), "--devclient-port", str(devclient_port))
    with running(command, f"http://127.0.0.1:{port}/wopi/files/probe") as process:
        try:
            assert _answers(f"http://127.0.0.1:{devclient_port}/hosting/discovery")
        finally:
            _kill_group(process.pid)


def test_serve_sigterm_stops_devclient_too(data_dir: Path, devclient_port: int) -> None:
    port = free_port()
    env = {"WOPIHOST_DEVCLIENT__PORT": str(devclient_port)}
    discovery = f"http://127.0.0.1:{devclient_port}/hosting/discovery"
    command = _serve(data_dir, "--port", str(port))
    with running(command, f"http://127.0.0.1:{port}/wopi/files/probe", env=env) as process:
        try:
            assert _answers(discovery)
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=20)
            assert not _answers(discovery)
        finally:
            _kill_group(process.pid)


def test_serve_refuses_devclient_port_taken_by_another_process(data_dir: Path, devclient_port: int) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", devclient_port))
        squatter.listen()
        env = {**os.environ, "WOPIHOST_DEVCLIENT__PORT": str(devclient_port)}
        process = subprocess.Popen(
            _serve(data_dir, "--port", str(free_port())),
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        try:
            _, stderr = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            _kill_group(process.pid)
            process.communicate()
            pytest.fail("serve kept running with another process on the development client's port")
        finally:
            _kill_group(process.pid)
    assert process.returncode == 1
    assert f"port 127.0.0.1:{devclient_port} is already in use" in stderr.decode()


def test_serve_announces_public_url_when_set(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    served: list[Settings] = []
    monkeypatch.setattr("wopihost.cli.run_server", served.append)
    result = CliRunner().invoke(
        main,
        ["--data-dir", str(data_dir), "serve", "--host", "0.0.0.0", "--public-url", "https://files.example/"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.stderr
    assert "sign in at https://files.example/\n" in result.stderr
    assert served[0].server.host == "0.0.0.0"


def test_serve_refuses_a_development_client_that_is_not_its_own(
    devclient_port: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process takes the port between the check and the client's start (two serves racing for it):
    serve must not trust whatever answers discovery there, whose keys are not its client's."""
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    from wopihost import serving

    class OtherClient(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/xml")
            self.end_headers()
            self.wfile.write(b"<wopi-discovery/>")

        def log_message(self, *_args: object) -> None:
            return

    monkeypatch.setattr(serving, "_check_port_free", lambda _host, _port: None)
    other = HTTPServer(("127.0.0.1", devclient_port), OtherClient)
    threading.Thread(target=other.serve_forever, daemon=True).start()
    settings = Settings(data_dir=tmp_path / "data", devclient={"port": devclient_port})
    try:
        with pytest.raises(serving.StartupError, match="another process answers"):
            serving._start_devclient(settings)
    finally:
        other.shutdown()
        other.server_close()
