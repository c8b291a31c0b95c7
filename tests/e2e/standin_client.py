"""A WOPI client stand-in for the web UI's end-to-end tests.

It publishes a discovery XML whose action URLs point at its own action page. The action page takes the host
page's form POST, records how the access token arrived, calls CheckFileInfo on the WOPISrc from the server
side, and renders a page whose script exchanges PostMessages with the host page, like Office for the web.
"""

from __future__ import annotations

import html
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote
from xml.sax.saxutils import quoteattr

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

# (app name, [(action, ext, requires, extra attributes)]) as the stand-in publishes them.
APPS: tuple[tuple[str, tuple[tuple[str, str, str, str], ...]], ...] = (
    (
        "Word",
        (
            ("view", "docx", "", ""),
            ("edit", "docx", "locks,update", ' default="true"'),
            ("editnew", "docx", "locks,update", ""),
            ("embedview", "docx", "", ""),
            ("view", "doc", "", ""),
            ("convert", "doc", "update", ' targetext="docx"'),
        ),
    ),
    ("Excel", (("view", "xlsx", "", ""), ("edit", "xlsx", "update", ""), ("editnew", "xlsx", "update", ""))),
    (
        "PowerPoint",
        (("view", "pptx", "", ""), ("edit", "pptx", "update", ""), ("editnew", "pptx", "update", "")),
    ),
    ("WopiTest", (("view", "wopitest", "", ""),)),
)
PLACEHOLDERS = "<ui=UI_LLCC&><rs=DC_LLCC&><hid=HOST_SESSION_ID&><sc=SESSION_CONTEXT&><wopisrc=WOPI_SOURCE&>"


def discovery_xml(base: str) -> bytes:
    """A discovery document whose actions all point at `base`/hosting/<action>."""
    apps = []
    for app, actions in APPS:
        lines = []
        for name, ext, requires, extra in actions:
            urlsrc = quoteattr(f"{base}/hosting/{name}?{PLACEHOLDERS}")
            needs = f' requires="{requires}"' if requires else ""
            lines.append(f'      <action name="{name}" ext="{ext}"{needs}{extra} urlsrc={urlsrc}/>')
        favicon = quoteattr(f"{base}/favicon/{app.lower()}.svg")
        apps.append(f'    <app name="{app}" favIconUrl={favicon}>\n' + "\n".join(lines) + "\n    </app>")
    zone = '  <net-zone name="external-http">\n' + "\n".join(apps) + "\n  </net-zone>\n"
    return f'<?xml version="1.0" encoding="utf-8"?>\n<wopi-discovery>\n{zone}</wopi-discovery>\n'.encode()


@dataclass
class Launch:
    """One form POST the action page received."""

    action: str
    raw_query: str
    token_in_body: bool
    token_in_query: bool
    ttl: str
    file_info: dict[str, Any] | None
    error: str = ""


@dataclass
class StandinClient:
    """The stand-in's state; `launches` lists what each action page load received."""

    base: str = ""
    launches: list[Launch] = field(default_factory=list)

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/hosting/discovery", self.discovery),
                Route("/hosting/{action}", self.action_page, methods=["GET", "POST"]),
                Route("/favicon/{name}", self.favicon),
            ]
        )

    async def discovery(self, request: Request) -> Response:
        return Response(discovery_xml(self.base), media_type="application/xml")

    async def favicon(self, request: Request) -> Response:
        svg = (
            '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16">'
            '<rect width="16" height="16" fill="#185abd"/></svg>'
        )
        return Response(svg, media_type="image/svg+xml")

    async def action_page(self, request: Request) -> Response:
        form = await request.form() if request.method == "POST" else {}
        token = str(form.get("access_token", "")) if form else ""
        query = {key.lower(): value for key, value in request.query_params.items()}
        launch = Launch(
            action=request.path_params["action"],
            raw_query=request.url.query,
            token_in_body=bool(token),
            token_in_query="access_token" in query,
            ttl=str(form.get("access_token_ttl", "")) if form else "",
            file_info=None,
        )
        self.launches.append(launch)
        wopi_src = query.get("wopisrc", "")
        if token and wopi_src:
            async with httpx.AsyncClient(timeout=10) as client:
                response = await client.get(f"{wopi_src}?access_token={quote(token, safe='')}")
            if response.status_code == 200:
                launch.file_info = response.json()
            else:
                launch.error = f"CheckFileInfo returned {response.status_code}"
        else:
            launch.error = "no token or no WOPISrc"
        return HTMLResponse(_page(launch))


def _script_json(value: object) -> str:
    return json.dumps(value).replace("<", "\\u003c")


def _page(launch: Launch) -> str:
    info = launch.file_info or {}
    origin = _script_json(info.get("PostMessageOrigin", ""))
    name = info.get("BaseFileName", "")
    buttons = "".join(
        f'<button data-send="{message}">{message}</button>'
        for message in ("UI_Close", "UI_Edit", "UI_Sharing", "UI_FileVersions", "Edit_Notification")
    )
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>Stand-in client</title>
<style>body{{font:14px sans-serif;margin:0;padding:16px;background:#eef3fb}} button{{margin:4px}}
#doc{{background:#fff;border:1px solid #ccd;padding:24px;margin-top:12px;min-height:200px}}</style></head>
<body><div id="bar"><strong>Stand-in {launch.action}</strong> · <span id="name"></span> {buttons}
<input id="new-name" value="Renamed by client"><button id="rename">File_Rename</button></div>
<div id="doc"><p>Document body of <span id="doc-name"></span></p>
<p>Received: <span id="received"></span></p><p id="error">{html.escape(launch.error)}</p></div>
<script>
const hostOrigin = {origin};
document.getElementById("name").textContent = {_script_json(name)};
document.getElementById("doc-name").textContent = {_script_json(name)};
window.received = [];
let loaded = false;
function send(id, values) {{
  const message = {{MessageId: id, SendTime: Date.now(),
    Values: Object.assign({{"ui-language": "1033", "wdUserSession": "standin"}}, values || {{}})}};
  window.parent.postMessage(JSON.stringify(message), hostOrigin);
}}
window.addEventListener("message", (event) => {{
  if (event.origin !== hostOrigin) return;
  const message = JSON.parse(event.data);
  window.received.push(message.MessageId);
  document.getElementById("received").textContent = window.received.join(",");
  if (message.MessageId === "Host_PostmessageReady" && !loaded) {{
    loaded = true;
    send("App_LoadingStatus", {{DocumentLoadedTime: Date.now()}});
  }}
}});
for (const button of document.querySelectorAll("[data-send]")) {{
  button.addEventListener("click", () => send(button.dataset.send));
}}
document.getElementById("rename").addEventListener("click", () =>
  send("File_Rename", {{NewName: document.getElementById("new-name").value}}));
</script></body></html>"""


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServerThread:
    """An ASGI app served by uvicorn in a background thread."""

    def __init__(self, app: Any, port: int) -> None:
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self, timeout: float = 10.0) -> None:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the stand-in client did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
