"""Attributes what each UI request does to the web UI, the browser's User-Agent and the client's address."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from wopihost.domain.audit import AuditChannel, AuditClient, acting_client


class ActingClientMiddleware:
    """Sets the audit trail's client for the request (the address is the peer's, or a trusted proxy's)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        agent = ""
        for name, value in scope.get("headers", ()):
            if name == b"user-agent":
                agent = value.decode("latin-1")
                break
        peer = scope.get("client")
        client = AuditClient(AuditChannel.WEB, agent, peer[0] if peer else "")
        with acting_client(client):
            await self.app(scope, receive, send)
