"""AddActivities: POST /wopi/files/{id} with X-WOPI-Override: ADD_ACTIVITIES.

There is no page for it in the WOPI REST docs; the bodies are those of Microsoft's WOPI validator
(wopi-validator-core, TestCases.xml, group AddActivities) and [MS-WOPI] AddActivities:
https://learn.microsoft.com/openspecs/office_protocols/ms-wopi/fdc52ab9-b359-4465-a8c7-6aa98aa12e06
"""

from __future__ import annotations

import orjson
from starlette.responses import Response

from wopihost.domain.activities import MAX_BODY, parse_request
from wopihost.errors import InvalidRequest
from wopihost.wopi.context import WopiRequest


async def add_activities(w: WopiRequest) -> Response:
    """AddActivities: any caller who may open the file may report activities on it (viewers comment too)."""
    access = await w.open()
    body = bytearray()
    async for chunk in w.body():
        body += chunk
        if len(body) > MAX_BODY:
            raise InvalidRequest("the AddActivities body is too long")
    try:
        # Office sends the body without a JSON Content-Type, so the header is not looked at.
        data = orjson.loads(bytes(body))
    except orjson.JSONDecodeError as exc:
        raise InvalidRequest("the AddActivities body is not valid JSON") from exc
    outcomes = await w.services.activities.add_activities(access, parse_request(data))
    payload = {"ActivityResponses": [outcome.as_json() for outcome in outcomes]}
    return Response(orjson.dumps(payload), media_type="application/json")
