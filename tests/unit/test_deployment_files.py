"""The Dockerfile, deploy/compose.yaml and deploy/Caddyfile, checked by reading them (no Docker here).

Every WOPIHOST_* variable the compose file sets is a real setting with a valid value, safe for production;
every command the image runs is a command of the CLI; the proxy forwards what wopihost believes, from the
address wopihost believes it from, to the hostnames wopihost serves.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click
import pytest
import yaml
from pydantic import BaseModel

from wopihost.cli import main
from wopihost.config import Settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "deploy" / "compose.yaml"
CADDYFILE = ROOT / "deploy" / "Caddyfile"
DOCKERFILE = ROOT / "Dockerfile"
# What ${NAME} resolves to in these checks, as deploy/env.example would set it.
ENV_FILE = ROOT / "deploy" / "env.example"
# Settings of back ends built on other branches, tolerated only while their section does not exist here:
# once it does, they are checked like every other.
PENDING_SECTIONS = {("storage", "s3"): "the S3 blob store", ("redis",): "Redis shared state"}
_VARIABLE = re.compile(r"\$\{(\w+)(?::?([-?])([^}]*))?\}")


def env_example() -> dict[str, str]:
    values = {}
    for line in ENV_FILE.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values


def interpolate(value: Any, env: dict[str, str]) -> Any:
    """Compose's ${NAME}, ${NAME:-default} and ${NAME:?error}, applied through the whole document."""
    if isinstance(value, dict):
        return {k: interpolate(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, env) for v in value]
    if not isinstance(value, str):
        return value

    def one(match: re.Match[str]) -> str:
        name, kind, rest = match.groups()
        if name in env:
            return env[name]
        assert kind == "-", f"${{{name}}} has no default and env.example does not set it"
        return str(rest)

    return _VARIABLE.sub(one, value)


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    document = yaml.safe_load(COMPOSE.read_text())
    return dict(interpolate(document, env_example()))


def wopihost_services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    services = compose["services"].items()
    return {name: s for name, s in services if str(s.get("image", "")).startswith("wopihost:")}


def exec_form(instruction: str) -> list[str]:
    """The JSON array of the Dockerfile's one `instruction` line (ENTRYPOINT, CMD)."""
    found = re.findall(rf"^{instruction} (\[.*\])$", DOCKERFILE.read_text(), re.M)
    assert len(found) == 1, f"one {instruction} in exec form"
    return list(json.loads(found[0]))


def caddy_directives() -> str:
    """The Caddyfile without its comments."""
    return "\n".join(line.split("#", 1)[0] for line in CADDYFILE.read_text().splitlines())


def node_environment(compose: dict[str, Any]) -> dict[str, str]:
    environment = wopihost_services(compose)["wopihost"]["environment"]
    return {name: str(value) for name, value in environment.items()}


def setting_path(variable: str) -> tuple[str, ...]:
    return tuple(variable.removeprefix("WOPIHOST_").lower().split("__"))


def field_exists(path: tuple[str, ...]) -> bool:
    model: type[BaseModel] = Settings
    for index, part in enumerate(path):
        field = model.model_fields.get(part)
        if field is None:
            return False
        if index < len(path) - 1:
            annotation = field.annotation
            if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
                return False
            model = annotation
    return True


def pending(path: tuple[str, ...]) -> bool:
    """A setting of a back end whose section this branch does not have yet (see PENDING_SECTIONS)."""
    for section in PENDING_SECTIONS:
        if path[: len(section)] == section and not field_exists(section):
            return True
    # The S3 back end's name is only valid once its section exists.
    return path == ("storage", "backend") and not field_exists(("storage", "s3"))


def settings_from(environment: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Settings:
    for name in [n for n in os.environ if n.startswith("WOPIHOST_")]:
        monkeypatch.delenv(name)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    return Settings()


def test_every_wopihost_variable_is_a_real_setting_and_the_whole_is_safe_for_production(
    compose: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    services = wopihost_services(compose)
    assert set(services) == {"setup", "wopihost"}
    assert services["setup"]["environment"] == services["wopihost"]["environment"]
    environment = node_environment(compose)
    checked = {}
    for name, value in environment.items():
        assert name.startswith("WOPIHOST_"), name
        path = setting_path(name)
        if pending(path):
            continue
        assert field_exists(path), f"{name} names no setting"
        checked[name] = value
    settings = settings_from(checked, monkeypatch)
    settings.check_safe_for_environment()
    assert settings.database_url.startswith("postgresql+asyncpg://wopihost:")
    assert not settings.database_auto_upgrade, "nodes must not migrate the shared database themselves"
    assert settings.server.workers == 1
    assert not settings.devclient.enabled


def test_the_image_and_every_service_run_commands_the_cli_has(compose: dict[str, Any]) -> None:
    entrypoint, default = exec_form("ENTRYPOINT"), exec_form("CMD")
    assert entrypoint == ["wopihost"]
    scripts = (ROOT / "pyproject.toml").read_text()
    assert 'wopihost = "wopihost.cli:main"' in scripts
    commands = [default] + [s["command"] for s in wopihost_services(compose).values()]
    assert ["init"] in commands
    for args in commands:
        command, rest = main, list(args)
        while isinstance(command, click.Group) and rest and rest[0] in command.commands:
            command = command.commands[rest.pop(0)]
        assert not isinstance(command, click.Group), f"{args} names a group, not a command"
        command.make_context(" ".join(args), rest, resilient_parsing=True)


def test_dockerfile_runs_unprivileged_on_a_slim_python_and_checks_healthz() -> None:
    dockerfile = DOCKERFILE.read_text()
    assert re.search(r"^ARG PYTHON_IMAGE=python:3\.1[1-9]-slim", dockerfile, re.M)
    users = re.findall(r"^USER (\S+)$", dockerfile, re.M)
    assert users == ["wopihost"]
    healthcheck = re.search(r"^HEALTHCHECK .*\n.*$", dockerfile, re.M)
    assert healthcheck is not None
    assert "/healthz" in healthcheck.group(0)
    assert re.search(r"^ARG WITH_LIBREOFFICE=false$", dockerfile, re.M)
    assert "WOPIHOST_SERVER__HOST=0.0.0.0" in dockerfile


def test_proxy_forwards_what_wopihost_believes_from_the_address_it_believes(compose: dict[str, Any]) -> None:
    caddyfile = caddy_directives()
    for line in ("header_up Host {hostport}", "header_up X-Forwarded-For {remote_host}"):
        assert line in caddyfile
    assert "header_up X-Forwarded-Proto {scheme}" in caddyfile
    # Proof keys are checked against the URL the client called: nothing may rewrite the path or query.
    for rewriting in ("rewrite", "uri ", "handle_path", "strip_prefix", "request_buffers"):
        assert rewriting not in caddyfile, rewriting
    assert re.search(r"name wopihost\s+port 8080", caddyfile)

    proxy = compose["services"]["proxy"]
    address = proxy["networks"]["backend"]["ipv4_address"]
    environment = node_environment(compose)
    assert json.loads(environment["WOPIHOST_SERVER__TRUSTED_PROXIES"]) == [address]

    # The sites Caddy serves are the hostnames of wopihost's URLs.
    site_variables = re.findall(r"^\{\$(\w+):[^}]*\} \{$", caddyfile, re.M)
    sites = {name: proxy["environment"][name] for name in site_variables}
    assert urlsplit(environment["WOPIHOST_SERVER__PUBLIC_URL"]).netloc == sites["WOPIHOST_DOMAIN"]
    assert urlsplit(environment["WOPIHOST_SERVER__WOPI_URL"]).netloc == sites["WOPI_DOMAIN"]
    assert "443:443" in proxy["ports"]


def test_nodes_start_after_setup_share_their_secrets_and_outlast_the_shutdown_timeout(
    compose: dict[str, Any],
) -> None:
    services = compose["services"]
    node = services["wopihost"]
    assert node["depends_on"]["setup"] == {"condition": "service_completed_successfully"}
    assert int(node["deploy"]["replicas"]) >= 2
    assert "secrets:/var/lib/wopihost/secrets" in node["volumes"]
    assert services["setup"]["volumes"] == node["volumes"]
    grace = int(str(node["stop_grace_period"]).removesuffix("s"))
    assert grace > int(node_environment(compose)["WOPIHOST_SERVER__SHUTDOWN_TIMEOUT_SECONDS"])
    assert {"postgres", "minio", "redis", "proxy"} <= set(services)
    for name, service in services.items():
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            assert source.startswith((".", "/")) or source in compose["volumes"], f"{name}: {volume}"
