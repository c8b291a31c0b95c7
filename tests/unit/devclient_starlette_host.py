"""A small WOPI host as a Starlette app, correct or with the faults real clients trip over.

`correct=True` answers the way Collabora and ONLYOFFICE need: PutFile, RenameFile and PutRelativeFile
answer JSON with LastModifiedTime (changing on every save), a save whose X-COOL-/X-LOOL-WOPI-Timestamp
differs from the file's answers 409 with COOLStatusCode 1010, RenameFile answers Name and Url.
`correct=False` answers empty bodies and ignores timestamps, as a plain WOPI host does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from wopihost.domain.names import decode_utf7, split_extension

BASE = "http://wopi.test/wopi/files"


@dataclass
class HostFile:
    name: str
    content: bytes
    lock: str = ""
    saves: int = 0
    headers: list[dict[str, str]] = field(default_factory=list)

    @property
    def modified(self) -> str:
        # Seven decimals, so two saves within one second still differ.
        return f"2026-01-01T00:00:{self.saves % 60:02d}.{self.saves:07d}Z"


@dataclass
class StarletteHost:
    correct: bool = True
    # A host with two formatters: PutFile answers a time CheckFileInfo never says.
    put_time_differs: bool = False
    files: dict[str, HostFile] = field(default_factory=dict)
    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)  # (file, override, headers)

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/wopi/files/{fid}", self._file, methods=["GET", "POST"]),
                Route("/wopi/files/{fid}/contents", self._contents, methods=["GET", "POST"]),
                Route("/images/{name}", self._image, methods=["GET"]),
            ]
        )

    def url(self, file_id: str) -> str:
        return f"{BASE}/{file_id}"

    def overrides(self) -> list[str]:
        return [override for _, override, _ in self.requests]

    async def _file(self, request: Request) -> Response:
        fid = request.path_params["fid"]
        file = self.files.get(fid)
        override = request.headers.get("X-WOPI-Override", "")
        self.requests.append((fid, override or "CHECK_FILE_INFO", dict(request.headers)))
        if file is None:
            return Response(status_code=404)
        if request.method == "GET":
            return JSONResponse(self._info(file))
        lock = request.headers.get("X-WOPI-Lock", "")
        if override in ("LOCK", "REFRESH_LOCK", "UNLOCK"):
            if file.lock not in ("", lock):
                return Response(status_code=409, headers={"X-WOPI-Lock": file.lock})
            file.lock = "" if override == "UNLOCK" else lock
            return Response()
        if override == "RENAME_FILE":
            return self._rename(file, fid, request)
        if override == "PUT_RELATIVE":
            return await self._put_relative(file, request)
        return Response(status_code=501)

    def _info(self, file: HostFile) -> dict[str, object]:
        info: dict[str, object] = {
            "BaseFileName": file.name,
            "Size": len(file.content),
            "OwnerId": "o",
            "UserId": "u",
            "UserFriendlyName": "User",
            "Version": str(file.saves),
            "UserCanWrite": True,
            "SupportsLocks": True,
            "SupportsUpdate": True,
            "SupportsRename": True,
            "UserCanRename": True,
        }
        if self.correct:
            info["LastModifiedTime"] = file.modified
        return info

    def _rename(self, file: HostFile, fid: str, request: Request) -> Response:
        stem = decode_utf7(request.headers["X-WOPI-RequestedName"], "X-WOPI-RequestedName")
        file.name = stem + split_extension(file.name)[1]
        if not self.correct:
            return JSONResponse({"Name": stem})
        url = f"{self.url(fid)}?access_token=t"
        return JSONResponse({"Name": stem, "Url": url, "LastModifiedTime": file.modified})

    async def _put_relative(self, file: HostFile, request: Request) -> Response:
        suggested = decode_utf7(request.headers["X-WOPI-SuggestedTarget"], "X-WOPI-SuggestedTarget")
        name = split_extension(file.name)[0] + suggested if suggested.startswith(".") else suggested
        fid = f"f{len(self.files) + 1}"
        self.files[fid] = HostFile(name, await request.body())
        body: dict[str, object] = {"Name": name, "Url": f"{self.url(fid)}?access_token={quote('t')}"}
        if self.correct:
            body["LastModifiedTime"] = self.files[fid].modified
            body["HostEditUrl"] = f"http://wopi.test/files/{fid}/edit"
        return JSONResponse(body)

    async def _image(self, request: Request) -> Response:
        # What a host hands Collabora after UI_InsertGraphic: a URL its server downloads the image from.
        self.requests.append(("", "IMAGE", dict(request.headers)))
        return Response(b"\x89PNG fake image", media_type="image/png")

    async def _contents(self, request: Request) -> Response:
        fid = request.path_params["fid"]
        file = self.files[fid]
        if request.method == "GET":
            self.requests.append((fid, "GET_FILE", dict(request.headers)))
            return Response(file.content)
        headers = dict(request.headers)
        self.requests.append((fid, "PUT", headers))
        lock = headers.get("x-wopi-lock")
        if (file.lock or file.content) and lock != file.lock:
            return Response(status_code=409, headers={"X-WOPI-Lock": file.lock})
        stamp = headers.get("x-cool-wopi-timestamp") or headers.get("x-lool-wopi-timestamp")
        if self.correct and not self.put_time_differs and stamp and stamp != file.modified:
            return JSONResponse({"COOLStatusCode": 1010, "LOOLStatusCode": 1010}, status_code=409)
        file.content = await request.body()
        file.saves += 1
        file.headers.append(headers)
        answered = file.modified[:19] + "Z" if self.put_time_differs else file.modified
        return JSONResponse({"LastModifiedTime": answered}) if self.correct else Response()
