"""A wopihost deployment for the suite: the development client's discovery, a data directory, files, tokens.

The host runs as in production: proofs enforced against the WOPI client's discovery (the development
client, started apart so that it is not part of the measured process tree), one access-log line per
request, durable SQLite and file storage. Files and tokens are made in-process through the services,
which takes a fraction of a second for a hundred files, where the CLI would take a second for each.
The files are plain text: Office documents would also start preview rendering in the background after
every save, work that competes for the CPU but is not the WOPI path measured here. Their text is indexed
before the host starts.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import anyio
from tests.servers import WOPIHOST, free_port, running

from wopihost.app import build_services, initialise
from wopihost.benchkit.calls import WopiFile
from wopihost.benchkit.proofs import ProofCache, load_signer
from wopihost.config import DatabaseSettings, ServerSettings, Settings

OWNER = "bench"


@dataclass(frozen=True)
class Deployment:
    """Where the host's data lives, the URL it will serve on and the environment it is started with."""

    data_dir: Path
    base: str
    port: int
    env: dict[str, str]
    proofs: ProofCache
    database_url: str | None = None

    def settings(self) -> Settings:
        """The host's settings, for work done in-process."""
        return _settings(self.data_dir, self.base, self.database_url)

    def command(self, *, workers: int = 1) -> list[str]:
        """The `wopihost serve` command line."""
        serve = ["serve", "--port", str(self.port), "--public-url", self.base, "--workers", str(workers)]
        return [*WOPIHOST, "--data-dir", str(self.data_dir), *serve]


def _settings(data_dir: Path, base: str, database_url: str | None) -> Settings:
    return Settings(
        data_dir=data_dir, server=ServerSettings(public_url=base), database=DatabaseSettings(url=database_url)
    )


@contextmanager
def deployment(work: Path, *, proofs: bool, database_url: str | None = None) -> Iterator[Deployment]:
    """A data directory with a user; with `proofs`, a running development client whose keys sign requests.

    The metadata lives in SQLite in the data directory unless `database_url` names another database.
    """
    data = work / "data"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        "WOPIHOST_DATA_DIR": str(data),
        "WOPIHOST_SERVER__PUBLIC_URL": f"http://127.0.0.1:{port}",
        "WOPIHOST_DEVCLIENT__ENABLED": "false",
        "WOPIHOST_PROOF_KEYS__MODE": "enforce" if proofs else "off",
    }
    if database_url:
        env["WOPIHOST_DATABASE__URL"] = database_url
    anyio.run(_add_owner, _settings(data, base, database_url))
    if not proofs:
        yield Deployment(data, base, port, env, ProofCache(None), database_url)
        return
    client_port = free_port()
    client = f"http://127.0.0.1:{client_port}"
    command = [*WOPIHOST, "--data-dir", str(data), "devclient", "serve", "--port", str(client_port)]
    command += ["--public-url", client]
    with running(command, f"{client}/hosting/discovery", log=work / "devclient.log"):
        env["WOPIHOST_DISCOVERY__URL"] = f"{client}/hosting/discovery"
        signer = load_signer(data / "devclient" / "proof-keys.json")
        yield Deployment(data, base, port, env, ProofCache(signer), database_url)


async def _add_owner(settings: Settings) -> None:
    await initialise(settings)
    services = build_services(settings)
    try:
        await services.users.add_user(OWNER, "Bench")
    finally:
        await services.aclose()


async def _chunks(content: bytes) -> AsyncIterator[bytes]:
    for start in range(0, len(content), 1 << 20):
        yield content[start : start + (1 << 20)]


def add_files(
    site: Deployment, prefix: str, contents: Sequence[bytes], *, tokens_per_file: int = 1
) -> list[list[WopiFile]]:
    """Store one file per content and return `tokens_per_file` signed targets for each."""

    async def main() -> list[list[WopiFile]]:
        services = build_services(site.settings())
        try:
            owner = await services.users.get_user_by_name(OWNER)
            folder = await services.files.ensure_folder_path(owner, [])
            out = []
            for index, content in enumerate(contents):
                name = f"{prefix}-{index}.txt"
                stored = await services.files.upload(
                    owner, folder, name, _chunks(content), declared_size=len(content), replace=True
                )
                out.append(
                    [
                        WopiFile(
                            services.urls.wopi_src(stored.id),
                            services.tokens.issue(owner.id, stored.id).token,
                            site.proofs,
                        )
                        for _ in range(tokens_per_file)
                    ]
                )
            # The host starts with its search index current, as a deployment's is once it has run a while:
            # otherwise it would spend its first seconds indexing these files while they are measured.
            await services.indexer.reindex()
            return out
        finally:
            await services.aclose()

    return anyio.run(main)
