"""The web application: pages for people, mounted beside the WOPI endpoints."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from wopihost.config import Settings
from wopihost.ports import Clock
from wopihost.services.content import ContentService
from wopihost.services.discovery import DiscoveryService
from wopihost.services.files import FileService
from wopihost.services.tokens import TokenService
from wopihost.services.users import UserService
from wopihost.urls import PublicUrls


@dataclass(frozen=True, slots=True)
class WebServices:
    """What the web UI needs."""

    settings: Settings
    users: UserService
    files: FileService
    content: ContentService
    tokens: TokenService
    discovery: DiscoveryService
    urls: PublicUrls
    clock: Clock
    session_secret: bytes


async def _health(request: Request) -> Response:
    return PlainTextResponse("ok")


def create_web_app(services: WebServices) -> Starlette:
    """The web UI as an ASGI app."""
    return Starlette(routes=[Route("/healthz", _health)])
