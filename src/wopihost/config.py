"""Settings: one validated object, from defaults, an optional TOML file, environment variables and the CLI.

Precedence, highest first: values passed in code (the CLI's options), `WOPIHOST_*` environment variables
(nested sections with `__`, e.g. `WOPIHOST_SERVER__PORT=8080`), the TOML config file, defaults.
Nothing here is read at import time; `load_settings()` builds the object when a command starts.
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from wopihost.errors import ConfigurationError

Environment = Literal["development", "production"]
ProofMode = Literal["off", "log", "enforce"]


def _strip_slash(value: str | None) -> str | None:
    return value.rstrip("/") if value else value


class ServerSettings(BaseModel):
    """Where the server listens and the URLs by which clients and browsers reach it."""

    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    workers: int = Field(default=1, ge=1, le=64)
    # The URL users' browsers use for the web UI and host page. Defaults to http://host:port.
    public_url: str | None = None
    # The URL WOPI clients use for /wopi/*; set it to serve WOPI on a dedicated hostname. Default: public_url.
    wopi_url: str | None = None
    # Reported in X-WOPI-MachineName.
    machine_name: str = Field(default_factory=socket.gethostname)
    # Addresses of reverse proxies whose X-Forwarded-For/-Proto headers are believed (client IPs in logs and
    # rate limits). Proof keys are always checked against wopi_url, never against forwarded headers.
    trusted_proxies: list[str] = Field(default_factory=list)
    # On SIGTERM the server stops accepting connections and gives requests in flight (uploads) this long
    # to finish; what is still running then is cancelled, leaving the previous version intact.
    shutdown_timeout_seconds: int = Field(default=30, ge=0)
    # Each back end checked by /readyz must answer within this long, or the node reports itself not ready.
    readiness_timeout_seconds: float = Field(default=2.0, gt=0)

    _strip = field_validator("public_url", "wopi_url")(_strip_slash)

    @property
    def base_url(self) -> str:
        return self.public_url or f"http://{self.host}:{self.port}"

    @property
    def wopi_base_url(self) -> str:
        return self.wopi_url or self.base_url


class DatabaseSettings(BaseModel):
    """The SQL database holding all metadata. Empty means SQLite in the data directory."""

    url: str | None = None
    # Connections per worker: on PostgreSQL up to twice this for transactions (pool and overflow), and half
    # of it (at least two) for the point reads of every WOPI request.
    pool_size: int = Field(default=10, ge=1)
    echo: bool = False
    # Whether `serve` and the other commands apply pending migrations themselves. Empty means yes on SQLite
    # (one node's own file) and no elsewhere: a shared database is upgraded once, by `wopihost db upgrade`.
    auto_upgrade: bool | None = None


class S3Settings(BaseModel):
    """An S3-compatible object store holding file contents (storage.backend = "s3")."""

    # Empty means AWS itself; set it for MinIO, Ceph, Garage and the like (e.g. http://127.0.0.1:9000).
    endpoint_url: str | None = None
    bucket: str = Field(default="wopihost", min_length=3, max_length=63)
    region: str = "us-east-1"
    # Empty means the usual AWS credential chain (environment, shared files, instance roles).
    access_key_id: str | None = None
    secret_access_key: SecretStr | None = None
    # Path-style URLs (endpoint/bucket/key) suit most self-hosted stores; virtual-hosted style suits AWS.
    addressing_style: Literal["path", "virtual", "auto"] = "path"
    # Uploads go in parts of this size (S3 wants at least 5 MiB); a process holds about one part per upload.
    part_size: int = Field(default=8 * 1024 * 1024, ge=5 * 1024 * 1024, le=5 * 1024**3)
    # CheckFileInfo's FileUrl: a presigned GET valid this long, so that clients download large files from
    # the object store itself. Off: FileUrl is the host's own token-authorised URL.
    presigned_file_url: bool = False
    presign_seconds: int = Field(default=300, ge=10, le=3600)
    # The endpoint that clients reach, when it differs from the one the host uses (a proxy, a container name).
    public_endpoint_url: str | None = None
    # Each process records its uploads in progress this often; an incomplete multipart upload that no
    # record younger than three times this names is abandoned, and the next sweep aborts it.
    heartbeat_seconds: float = Field(default=10.0, ge=0.5, le=600)

    _strip = field_validator("endpoint_url", "public_endpoint_url")(_strip_slash)


class StorageSettings(BaseModel):
    """Where file contents live."""

    backend: Literal["local", "s3"] = "local"
    s3: S3Settings = Field(default_factory=S3Settings)
    # Directory of the local blob store (backend "local"); empty means `<data_dir>/blobs`.
    path: Path | None = None
    # Largest file accepted by PutFile, PutRelativeFile and uploads (413 above it).
    max_file_size: int = Field(default=512 * 1024 * 1024, ge=1)
    chunk_size: int = Field(default=256 * 1024, ge=4096)
    # An upload that sends nothing for this long is abandoned (nothing is stored), so that a stalled client
    # cannot hold a request and a temporary file forever.
    upload_idle_timeout_seconds: float = Field(default=120.0, gt=0)

    @model_validator(mode="after")
    def _s3_copy_limit(self) -> StorageSettings:
        # Restoring a version is one server-side CopyObject, which S3 allows up to 5 GiB.
        if self.backend == "s3" and self.max_file_size > 5 * 1024**3:
            raise ValueError("storage.max_file_size may not exceed 5 GiB with the s3 backend")
        return self


class TokenSettings(BaseModel):
    """Access tokens handed to WOPI clients."""

    ttl_seconds: int = Field(default=10 * 3600, ge=60)
    # JSON file holding the signing keys; empty means `<data_dir>/secrets/signing-keys.json`.
    keys_file: Path | None = None


class SignInSettings(BaseModel):
    """Sign-in throttling. Failures count per user name and client address together, and per address."""

    max_failures_per_user_address: int = Field(default=5, ge=1)
    # Looser: one address may mistype several accounts' passwords, but not try hundreds of user names.
    max_failures_per_address: int = Field(default=50, ge=1)
    window_minutes: float = Field(default=15.0, gt=0)


class RedisSettings(BaseModel):
    """Redis for the state every node shares: sign-in throttling, web sessions, the discovery cache.

    Without a URL that state lives in the database, which every node shares as well.
    """

    # For example redis://redis:6379/0 or rediss://user:password@host:6380/0; None keeps it in the database.
    url: str | None = None
    # Prefixes every key, so that several hosts (or tests) can share one Redis.
    key_prefix: str = Field(default="wopihost:", min_length=1, max_length=100)
    connect_timeout_seconds: float = Field(default=5.0, gt=0)
    socket_timeout_seconds: float = Field(default=5.0, gt=0)


class VersionSettings(BaseModel):
    """File version history."""

    # How many versions to keep per file, the current one included; 0 keeps them all.
    retention: int = Field(default=0, ge=0)


class SearchSettings(BaseModel):
    """Search: the background indexer that extracts the text of documents."""

    # Off: no background indexing in this process (`wopihost search reindex` still works); names are
    # always searchable.
    indexer_enabled: bool = True
    # How often the indexer looks for files saved by other processes or nodes.
    sweep_seconds: float = Field(default=60.0, gt=0)
    # How long the indexer waits after a save before indexing, so that autosaves in quick succession
    # are indexed once.
    settle_seconds: float = Field(default=5.0, ge=0)
    batch_size: int = Field(default=20, ge=1, le=1000)
    # Larger files are found by name only.
    max_file_size: int = Field(default=100 * 1024 * 1024, ge=1)
    # Text kept per file, in characters, and the uncompressed size read of any one part of a ZIP document.
    max_text_chars: int = Field(default=1_000_000, ge=1000)
    max_entry_size: int = Field(default=200 * 1024 * 1024, ge=1024)
    # Poppler's pdftotext (Debian package poppler-utils); empty to leave PDF text out.
    pdftotext: str = "pdftotext"
    pdf_timeout_seconds: float = Field(default=60.0, gt=0)


class TrashSettings(BaseModel):
    """Deleted files and folders, kept in their owner's trash for a while."""

    # How long an item stays in the trash before the retention sweep deletes it for good.
    retention_days: float = Field(default=30.0, gt=0)
    # How often each server process runs the retention sweep.
    purge_interval_minutes: float = Field(default=60.0, gt=0)


class AdminSettings(BaseModel):
    """The administrators' console: how long recorded WOPI errors are kept."""

    # Recorded WOPI error responses older than this are purged at the purge interval.
    error_retention_days: float = Field(default=14.0, gt=0)
    # The most error rows kept whatever their age, so that an error storm cannot fill the database.
    error_max_rows: int = Field(default=100_000, gt=0)
    error_purge_interval_minutes: float = Field(default=60.0, gt=0)


class ArchiveSettings(BaseModel):
    """Downloads of several files and folders as one streamed ZIP."""

    # A selection with more files, or more bytes before compression, is refused before anything is sent.
    max_files: int = Field(default=10_000, ge=1)
    max_bytes: int = Field(default=10 * 1024**3, ge=1)


class LoggingSettings(BaseModel):
    """Log output."""

    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    format: Literal["keyvalue", "json"] = "keyvalue"


DISCOVERY_PRESETS = {
    # Microsoft's environments, from build_test_ship/environments.rst.
    "microsoft-test": "https://ffc-onenote.officeapps.live.com/hosting/discovery",
    "microsoft-production": "https://onenote.officeapps.live.com/hosting/discovery",
}


class MetricsSettings(BaseModel):
    """The Prometheus endpoint, on a port of its own so that it is never public with the UI or WOPI."""

    # Empty means no metrics endpoint.
    port: int | None = Field(default=None, ge=1, le=65535)
    host: str = "127.0.0.1"


class TracingSettings(BaseModel):
    """OpenTelemetry traces of requests, database units of work and blob store calls; off by default.

    On needs the `tracing` extra (`pip install 'wopihost[tracing]'`); off, nothing of OpenTelemetry is loaded.
    """

    enabled: bool = False
    exporter: Literal["otlp", "console"] = "otlp"
    # OTLP over HTTP (protobuf); the collector's traces path.
    otlp_endpoint: str = "http://127.0.0.1:4318/v1/traces"
    service_name: str = Field(default="wopihost", min_length=1)
    # The share of new traces kept; a trace started upstream (a traceparent header) keeps its own decision.
    sample_ratio: float = Field(default=1.0, ge=0.0, le=1.0)


class DiscoverySettings(BaseModel):
    """Where the WOPI client's discovery XML comes from and how often it is refreshed."""

    # A full URL, or a preset name from DISCOVERY_PRESETS. Empty means the built-in development client.
    url: str | None = None
    refresh_hours: float = Field(default=12.0, gt=0)
    timeout_seconds: float = Field(default=10.0, gt=0)
    # Last good copy of the discovery XML; empty means `<data_dir>/cache/discovery.xml`.
    cache_file: Path | None = None

    @property
    def resolved_url(self) -> str | None:
        return DISCOVERY_PRESETS.get(self.url, self.url) if self.url else None


class ProofKeySettings(BaseModel):
    """Verification of X-WOPI-Proof signatures on WOPI requests."""

    # off: no check; log: check and log failures; enforce: refuse failures with 500 as the docs prescribe.
    # Empty means enforce when a discovery URL is set, else log.
    mode: ProofMode | None = None
    max_age_minutes: float = Field(default=20.0, gt=0)
    # Least time between two discovery refreshes triggered by failed verifications.
    rediscovery_min_interval_seconds: float = Field(default=60.0, ge=0)


class DevClientSettings(BaseModel):
    """The built-in development WOPI client (an Office for the web stand-in)."""

    # Start it alongside `serve` when no discovery URL is configured.
    enabled: bool = True
    host: str = "127.0.0.1"
    port: int = Field(default=8081, ge=1, le=65535)
    public_url: str | None = None
    # RSA proof keys (current and old); empty means `<data_dir>/devclient/proof-keys.json`.
    keys_file: Path | None = None
    # Host names whose WOPISrc the client will call ("*" for any); the host's own wopi_url is always allowed.
    allowed_wopi_hosts: list[str] = Field(default_factory=lambda: ["127.0.0.1", "localhost", "::1"])
    autosave_seconds: float = Field(default=30.0, gt=0)
    refresh_lock_seconds: float = Field(default=15 * 60.0, gt=0)
    # Whose discovery the development client presents, and whose way of saving it follows.
    shape: Literal["microsoft", "collabora", "onlyoffice", "oos"] = "microsoft"
    # With Redis (redis.url), each document's session lives on one node and other nodes forward to it:
    # node_url is where the other nodes reach this node's client (default its bound address), and a node
    # that stops renewing its lease for lease_seconds loses its sessions to the next node asked for them.
    node_url: str | None = None
    lease_seconds: float = Field(default=15.0, gt=0, le=600)

    _strip = field_validator("public_url", "node_url")(_strip_slash)

    @property
    def base_url(self) -> str:
        return self.public_url or f"http://{self.host}:{self.port}"

    @property
    def node_base_url(self) -> str:
        """Where the other nodes reach this node's development client."""
        return self.node_url or f"http://{self.host}:{self.port}"


class PreviewSettings(BaseModel):
    """Thumbnails and page images of Office documents and PDFs, rendered in the background."""

    enabled: bool = True
    # LibreOffice converts Office documents to PDF; poppler's pdftoppm turns PDF pages into PNG images.
    # Names are looked up on PATH. Without pdftoppm there are no previews; without soffice, PDFs only.
    soffice_path: str = "soffice"
    pdftoppm_path: str = "pdftoppm"
    # One conversion that runs longer is killed (its whole process group) and recorded as failed.
    timeout_seconds: float = Field(default=120.0, gt=0)
    # Page images are made of the first max_pages pages; the thumbnail is of the first page.
    max_pages: int = Field(default=10, ge=1, le=100)
    # Conversions running at once in each server process; each is CPU-heavy.
    concurrency: int = Field(default=1, ge=1, le=16)
    # How often each process looks for files whose preview is missing or stale.
    poll_seconds: float = Field(default=5.0, gt=0)
    # A changed file is rendered again once it has not changed for this long (autosaves come in bursts);
    # meanwhile its previous preview is shown. A new file is rendered at once.
    settle_seconds: float = Field(default=30.0, ge=0)


class BrandingSettings(BaseModel):
    """How the host names itself to WOPI clients and users."""

    name: str = "wopihost"


WATERMARK_PLACEHOLDERS = ("{user}", "{date}")


class ClientSettings(BaseModel):
    """What WOPI clients that read host options from CheckFileInfo (Collabora Online) are told to do."""

    # The watermark clients draw over the document; {user} is the viewer's name, {date} today's date (UTC).
    # Users whose role forbids downloads always get it; everyone does when watermark_all is true.
    watermark_text: str = Field(default="{user} · {date}", max_length=200)
    watermark_all: bool = False
    # Whether users may insert images from the host's storage into documents (EnableInsertRemoteImage).
    enable_insert_remote_image: bool = True

    @field_validator("watermark_text")
    @classmethod
    def _known_placeholders(cls, value: str) -> str:
        rest = value
        for placeholder in WATERMARK_PLACEHOLDERS:
            rest = rest.replace(placeholder, "")
        if "{" in rest or "}" in rest:
            raise ValueError("watermark_text knows only the placeholders {user} and {date}")
        return value


class Settings(BaseSettings):
    """Every setting of wopihost."""

    model_config = SettingsConfigDict(
        env_prefix="WOPIHOST_",
        env_nested_delimiter="__",
        extra="forbid",
        validate_default=True,
    )

    environment: Environment = "development"
    data_dir: Path = Path("data")
    server: ServerSettings = Field(default_factory=ServerSettings)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    storage: StorageSettings = Field(default_factory=StorageSettings)
    tokens: TokenSettings = Field(default_factory=TokenSettings)
    versions: VersionSettings = Field(default_factory=VersionSettings)
    trash: TrashSettings = Field(default_factory=TrashSettings)
    archive: ArchiveSettings = Field(default_factory=ArchiveSettings)
    admin: AdminSettings = Field(default_factory=AdminSettings)
    signin: SignInSettings = Field(default_factory=SignInSettings)
    redis: RedisSettings = Field(default_factory=RedisSettings)
    logging: LoggingSettings = Field(default_factory=LoggingSettings)
    branding: BrandingSettings = Field(default_factory=BrandingSettings)
    clients: ClientSettings = Field(default_factory=ClientSettings)
    discovery: DiscoverySettings = Field(default_factory=DiscoverySettings)
    proof_keys: ProofKeySettings = Field(default_factory=ProofKeySettings)
    devclient: DevClientSettings = Field(default_factory=DevClientSettings)
    search: SearchSettings = Field(default_factory=SearchSettings)
    previews: PreviewSettings = Field(default_factory=PreviewSettings)
    metrics: MetricsSettings = Field(default_factory=MetricsSettings)
    tracing: TracingSettings = Field(default_factory=TracingSettings)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, file_secret_settings, TomlConfigSettingsSource(settings_cls))

    @model_validator(mode="after")
    def _absolute_data_dir(self) -> Settings:
        self.data_dir = self.data_dir.expanduser().resolve()
        return self

    @property
    def database_url(self) -> str:
        return self.database.url or f"sqlite+aiosqlite:///{self.data_dir / 'wopihost.db'}"

    @property
    def database_auto_upgrade(self) -> bool:
        """Whether commands other than `init` and `db upgrade` may migrate the database."""
        if self.database.auto_upgrade is not None:
            return self.database.auto_upgrade
        return self.database_url.startswith("sqlite")

    @property
    def blob_dir(self) -> Path:
        return self.storage.path or self.data_dir / "blobs"

    @property
    def preview_dir(self) -> Path:
        """Rendered preview images (derivatives that can always be made again from the content)."""
        return self.data_dir / "previews"

    @property
    def token_keys_file(self) -> Path:
        return self.tokens.keys_file or self.data_dir / "secrets" / "signing-keys.json"

    @property
    def discovery_url(self) -> str:
        """The discovery URL in use: the configured one, else the development client's."""
        return self.discovery.resolved_url or f"{self.devclient.base_url}/hosting/discovery"

    @property
    def discovery_cache_file(self) -> Path:
        return self.discovery.cache_file or self.data_dir / "cache" / "discovery.xml"

    @property
    def devclient_keys_file(self) -> Path:
        return self.devclient.keys_file or self.data_dir / "devclient" / "proof-keys.json"

    @property
    def proof_key_mode(self) -> ProofMode:
        if self.proof_keys.mode:
            return self.proof_keys.mode
        return "enforce" if self.discovery.resolved_url else "log"

    def check_safe_for_environment(self) -> None:
        """Refuse settings that are fine on a laptop but unsafe in production."""
        if self.environment != "production":
            return
        if not self.server.base_url.startswith("https://"):
            raise ConfigurationError("production needs an https:// server.public_url")
        if not self.server.wopi_base_url.startswith("https://"):
            raise ConfigurationError("production needs an https:// server.wopi_url")
        if not self.discovery.resolved_url:
            raise ConfigurationError(
                "production needs discovery.url: the development client is not for production"
            )
        if self.proof_key_mode != "enforce":
            raise ConfigurationError("production refuses proof_keys.mode other than enforce")


def load_settings(config_file: Path | None = None, **overrides: Any) -> Settings:
    """Build the settings from an optional TOML file, the environment and explicit overrides."""
    if config_file is None:
        return Settings(**overrides)
    if not config_file.is_file():
        raise ConfigurationError(f"config file not found: {config_file}")

    class _SettingsFromFile(Settings):
        model_config = SettingsConfigDict(toml_file=config_file)

    return _SettingsFromFile(**overrides)
