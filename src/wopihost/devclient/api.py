"""The JSON endpoints the pages' script calls: state polling, edits, saving, renaming and leaving."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

import orjson
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from wopihost.devclient import file_ops
from wopihost.devclient.messages import notice
from wopihost.devclient.pages import NO_STORE
from wopihost.devclient.runtime import Runtime
from wopihost.devclient.sessions import DocumentSession, Participant, SessionGone
from wopihost.errors import InvalidRequest
from wopihost.numbers import ascii_digits

MAX_BODY = 8 * 1024 * 1024
LOG_EVENTS = 40


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def _json(data: object, status_code: int = 200) -> JSONResponse:
    return JSONResponse(data, status_code=status_code, headers=NO_STORE)


def _gone(error: SessionGone) -> JSONResponse:
    reason = error.departure.value
    return _json({"ended": {"reason": reason, **notice(reason).to_json()}}, status_code=410)


async def _body(request: Request) -> Mapping[str, Any]:
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise InvalidRequest("the request is too large")
    try:
        data = orjson.loads(raw or b"{}")
    except orjson.JSONDecodeError as exc:
        raise InvalidRequest("the body is not JSON") from exc
    if not isinstance(data, dict):
        raise InvalidRequest("the body must be a JSON object")
    return data


def state_json(session: DocumentSession, me: Participant, since: int | None) -> dict[str, Any]:
    """Return what a co-author's page shows: model (when changed), co-authors, save status and WOPI log."""
    save = session.save
    return {
        "revision": session.revision,
        "model": session.model.to_json() if since != session.revision else None,
        "fileName": session.file_name,
        "participants": [
            {"name": p.name, "me": p.pid == me.pid, "editing": p.last_change_at is not None}
            for p in session.participants.values()
        ],
        "save": {
            "state": save.state,
            "savedAt": save.saved_at.isoformat(timespec="seconds") if save.saved_at else None,
            "savedBy": save.saved_by,
            "message": save.message,
        },
        "log": [event.to_json() for event in list(session.log)[-LOG_EVENTS:]],
    }


async def state(request: Request) -> Response:
    """GET: the session as this page should show it; also the page's heartbeat."""
    runtime = _runtime(request)
    since_text = request.query_params.get("since", "")
    since = ascii_digits(since_text)
    try:
        session, participant = runtime.manager.touch(request.path_params["pid"])
    except SessionGone as error:
        return _gone(error)
    return _json(state_json(session, participant, since))


async def edits(request: Request) -> Response:
    """POST {"edits": {key: text}, "appended": [text]}: change blocks of the shared model."""
    runtime = _runtime(request)
    try:
        body = await _body(request)
        changes, appended = _parse_edits(body)
        revision = await runtime.manager.edit(request.path_params["pid"], changes, appended)
    except SessionGone as error:
        return _gone(error)
    except InvalidRequest as error:
        return _json({"error": str(error)}, status_code=400)
    return _json({"revision": revision})


def _parse_edits(body: Mapping[str, Any]) -> tuple[dict[str, str], Sequence[str]]:
    changes, appended = body.get("edits", {}), body.get("appended", [])
    if not isinstance(changes, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in changes.items()
    ):
        raise InvalidRequest("edits must map block keys to strings")
    if not isinstance(appended, list) or not all(isinstance(text, str) for text in appended):
        raise InvalidRequest("appended must be a list of strings")
    return changes, appended


async def save(request: Request) -> Response:
    """POST: save now if there are unsaved changes (before a download, or on request)."""
    runtime = _runtime(request)
    pid = request.path_params["pid"]
    try:
        await runtime.manager.flush(pid)
        session, participant = runtime.manager.find(pid)
    except SessionGone as error:
        return _gone(error)
    return _json(state_json(session, participant, session.revision))


async def rename(request: Request) -> Response:
    """POST {"name": stem}: RenameFile; the page then posts File_Rename to the host page."""
    runtime = _runtime(request)
    try:
        body = await _body(request)
        stem = body.get("name")
        if not isinstance(stem, str) or not stem.strip():
            raise InvalidRequest("name must be a non-empty string")
        response = await file_ops.rename(runtime.manager, request.path_params["pid"], stem.strip())
        session, _ = runtime.manager.find(request.path_params["pid"])
    except SessionGone as error:
        return _gone(error)
    except InvalidRequest as error:
        return _json({"error": str(error)}, status_code=400)
    if not response.ok:
        return _json({"error": f"RenameFile failed: {response.describe()}", "status": response.status}, 409)
    body_out = response.json_object() or {}
    return _json({"name": body_out.get("Name", stem.strip()), "fileName": session.file_name})


async def save_as(request: Request) -> Response:
    """POST {"name": file name}: Collabora's Save As, which the host page asked for with Action_SaveAs."""
    runtime = _runtime(request)
    try:
        body = await _body(request)
        name = body.get("name")
        if not isinstance(name, str) or not name.strip():
            raise InvalidRequest("name must be a non-empty string")
        response = await file_ops.save_as(runtime.manager, request.path_params["pid"], name.strip())
    except SessionGone as error:
        return _gone(error)
    except InvalidRequest as error:
        return _json({"error": str(error)}, status_code=400)
    answer = response.json_object() if response.ok else None
    if answer is None:
        return _json(
            {"error": f"PutRelativeFile failed: {response.describe()}", "status": response.status}, 409
        )
    return _json({"name": answer.get("Name", name.strip()), "url": answer.get("Url")})


async def insert_graphic(request: Request) -> Response:
    """POST {"url", "filename"}: the image a host page chose after UI_InsertGraphic (Action_InsertGraphic)."""
    runtime = _runtime(request)
    try:
        body = await _body(request)
        url, filename = body.get("url"), body.get("filename")
        if not isinstance(url, str) or urlsplit(url).scheme not in ("http", "https"):
            raise InvalidRequest("url must be an http(s) URL")
        if not isinstance(filename, str):
            raise InvalidRequest("filename must be a string")
        # The same trust rule as WOPISrc: a page could otherwise make the client fetch any URL.
        if not runtime.allows(url):
            return _json({"error": "the image is not on a trusted host"}, status_code=403)
        response = await file_ops.insert_graphic(runtime.manager, request.path_params["pid"], url, filename)
    except SessionGone as error:
        return _gone(error)
    except InvalidRequest as error:
        return _json({"error": str(error)}, status_code=400)
    if not response.ok:
        return _json({"error": f"the image could not be downloaded: {response.describe()}"}, status_code=409)
    return _json({"filename": filename, "size": len(response.content)})


async def leave(request: Request) -> Response:
    """POST: the page is closing (Close button or pagehide beacon)."""
    await _runtime(request).manager.leave(request.path_params["pid"])
    return Response(status_code=204)
