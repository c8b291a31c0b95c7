"""The floor of CheckFileInfo: its work done by a raw ASGI app, with nothing else around it.

It is not a WOPI host (no error answers, no other operation): a measure of what a CheckFileInfo must
cost in Python whatever the framework. On every request it verifies the proof (RSA, the WOPI client's
keys from discovery) and the access token, runs the access query, builds the CheckFileInfo body, and logs
one access line, each through wopihost's own services on the deployment the host serves (its settings come
from the same WOPIHOST_* environment). Routing, Starlette's request and response objects, the WOPI
middleware, co-author and audit bookkeeping are left out.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import parse_qsl

import orjson

from bench.bare_app import lifespan as bare_lifespan
from bench.bare_app import respond
from wopihost.app import build_services
from wopihost.config import load_settings
from wopihost.logging_setup import configure_logging
from wopihost.services.proof import ProofHeaders
from wopihost.wopi.check_file_info import check_file_info

settings = load_settings()
configure_logging(settings.logging.level, settings.logging.format)
services = build_services(settings)
wopi = services.wopi()
log = logging.getLogger("wopihost.access")


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Answer a signed CheckFileInfo of `/wopi/files/<id>?access_token=…`."""
    if scope["type"] == "lifespan":
        await bare_lifespan(receive, send)
        return
    path, query = scope["path"], scope["query_string"].decode("latin-1")
    if not path.startswith("/wopi/files/"):
        await respond(send, 200)  # the readiness probe of bench.context.bare_server
        return
    file_id, token = path.rsplit("/", 1)[1], dict(parse_qsl(query)).get("access_token", "")
    headers = {name.decode("latin-1"): value.decode("latin-1") for name, value in scope["headers"]}
    if wopi.proof is not None:  # as the host: checked unless proofs are off
        await wopi.proof.check(
            ProofHeaders(
                access_token=token,
                url=f"{wopi.urls.wopi_base}{path}?{query}",
                proof=headers.get("x-wopi-proof"),
                proof_old=headers.get("x-wopi-proofold"),
                timestamp=headers.get("x-wopi-timestamp"),
            )
        )
    access = await wopi.access.open(file_id, token)
    file_url = wopi.tokens.file_url_for(access).token
    info = check_file_info(
        access, urls=wopi.urls, host=wopi.host, file_url_token=file_url, direct_file_url=None
    )
    await respond(send, 200, orjson.dumps(info), [(b"content-type", b"application/json")])
    user_id = access.user.id
    log.info("op=CheckFileInfo method=GET path=%s file_id=%s user_id=%s status=200", path, file_id, user_id)
