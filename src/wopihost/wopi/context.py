"""What a WOPI handler works with: the request, the services, and helpers to read WOPI headers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from wopihost.domain.audit import AuditChannel, AuditClient
from wopihost.domain.records import FileAccess, FolderAccess, User
from wopihost.errors import InvalidRequest, InvalidToken
from wopihost.numbers import ascii_digits
from wopihost.ports import NO_METRICS, Metrics
from wopihost.services.access import AccessService
from wopihost.services.activities import ActivityService
from wopihost.services.audit import AuditService
from wopihost.services.containers import ContainerService
from wopihost.services.content import ContentService
from wopihost.services.files import FileService
from wopihost.services.locks import LockService
from wopihost.services.proof import ProofHeaders, ProofKeyVerifier
from wopihost.services.relative import RelativeFileService
from wopihost.services.tokens import TokenKind, TokenService
from wopihost.services.users import UserService
from wopihost.streams import idle_limited
from wopihost.urls import PublicUrls
from wopihost.wopi.check_file_info import HostIdentity
from wopihost.wopi.headers import X_WOPI_CORRELATION_ID, X_WOPI_PROOF, X_WOPI_PROOF_OLD, X_WOPI_TIMESTAMP


@dataclass(frozen=True, slots=True)
class WopiServices:
    """The services the WOPI surface calls."""

    access: AccessService
    tokens: TokenService
    locks: LockService
    content: ContentService
    files: FileService
    relative: RelativeFileService
    containers: ContainerService
    users: UserService
    urls: PublicUrls
    host: HostIdentity
    audit: AuditService
    activities: ActivityService
    proof: ProofKeyVerifier | None = None
    upload_idle_seconds: float = 120.0
    metrics: Metrics = NO_METRICS


class WopiRequest:
    """One WOPI request being handled."""

    __slots__ = ("_token", "file_id", "request", "services")

    def __init__(self, request: Request, services: WopiServices) -> None:
        self.request = request
        self.services = services
        self._token: tuple[str | None] | None = None
        # A container's ID stands in the same place of the path (and of the log line) as a file's.
        params = request.path_params
        self.file_id: str = params.get("file_id") or params.get("container_id") or ""
        request.scope.setdefault("state", {})["wopi_file_id"] = self.file_id

    def acting_client(self) -> AuditClient:
        """The WOPI client as the audit trail names it: its User-Agent and address."""
        peer = self.request.client
        agent = self.request.headers.get("user-agent", "")
        return AuditClient(AuditChannel.WOPI, agent, peer.host if peer else "")

    def set_operation(self, name: str) -> None:
        self.request.scope["state"]["wopi_op"] = name

    async def open(self, *, kind: TokenKind = "wopi", token: str | None = None) -> FileAccess:
        """Authenticate the caller and load the file as they see it."""
        access = await self.services.access.open(self.file_id, token or self.access_token(), kind=kind)
        self.request.scope["state"]["wopi_user_id"] = access.user.id
        return access

    async def open_container(self) -> FolderAccess:
        """Authenticate the caller with a container token and load the container as they see it."""
        access = await self.services.containers.open(self.file_id, self.access_token())
        self.request.scope["state"]["wopi_user_id"] = access.user.id
        return access

    async def open_ecosystem(self) -> User:
        """Authenticate the caller with an ecosystem token; the ecosystem is theirs alone."""
        user = await self.services.containers.open_ecosystem(self.access_token())
        self.request.scope["state"]["wopi_user_id"] = user.id
        return user

    async def check_proof(self) -> None:
        """Verify the request's proof-key signature against the public URL the client called."""
        verifier = self.services.proof
        if verifier is None or verifier.mode == "off":
            return
        scope = self.request.scope
        path = scope.get("raw_path") or scope["path"].encode("utf-8")
        query = scope.get("query_string", b"")
        url = (
            self.services.urls.wopi_base
            + path.decode("latin-1")
            + ("?" + query.decode("latin-1") if query else "")
        )
        headers = self.request.headers
        await verifier.check(
            ProofHeaders(
                access_token=self.access_token() or "",
                url=url,
                proof=headers.get(X_WOPI_PROOF),
                proof_old=headers.get(X_WOPI_PROOF_OLD),
                timestamp=headers.get(X_WOPI_TIMESTAMP),
                correlation_id=headers.get(X_WOPI_CORRELATION_ID, ""),
            )
        )

    def access_token(self) -> str | None:
        """The token from the access_token query parameter or an Authorization: Bearer header."""
        if self._token is None:
            self._token = (self._read_access_token(),)
        return self._token[0]

    def _read_access_token(self) -> str | None:
        queries = set(self.request.query_params.getlist("access_token"))
        if len(queries) > 1:
            raise InvalidToken("the query string carries different tokens")
        query = queries.pop() if queries else None
        auth = self.request.headers.get("authorization", "")
        bearer = auth[7:].strip() if auth[:7].lower() == "bearer " else None
        if query and bearer and query != bearer:
            raise InvalidToken("the query string and the Authorization header carry different tokens")
        return query or bearer

    def body(self) -> AsyncIterator[bytes]:
        """The request body, abandoned (InvalidRequest) if the client sends nothing for too long."""
        return idle_limited(self.request.stream(), self.services.upload_idle_seconds)

    def header(self, name: str) -> str | None:
        """A header that may appear at most once."""
        values = self.request.headers.getlist(name)
        if len(values) > 1:
            raise InvalidRequest(f"{name} appears more than once")
        return values[0] if values else None

    def int_header(self, name: str) -> int | None:
        """A non-negative integer header."""
        value = self.header(name)
        if value is None or value.strip() == "":
            return None
        number = ascii_digits(value.strip())
        if number is None:
            raise InvalidRequest(f"{name} is not a non-negative integer")
        return number

    def bool_header(self, name: str) -> bool:
        """A Boolean header: "true" or "false" in any case; absent means false."""
        value = (self.header(name) or "false").strip().lower()
        if value not in ("true", "false"):
            raise InvalidRequest(f"{name} must be true or false")
        return value == "true"

    def content_length(self) -> int | None:
        """The declared body size, if any."""
        return self.int_header("content-length")


Handler = Callable[[WopiRequest], Awaitable[Response]]
