"""Downloads: the Content-Disposition header (RFC 6266 with RFC 8187's filename*) and streamed bodies."""

from __future__ import annotations

import mimetypes
import re
from collections.abc import AsyncIterator
from urllib.parse import quote

from starlette.responses import StreamingResponse

# RFC 8187 attr-char, the characters that need no percent-encoding in filename*.
_ATTR_CHAR_SAFE = "!#$&+-.^_`|~"
_NOT_PLAIN_ASCII = re.compile(r'[^\x20-\x7e]|["\\%;]')


def content_disposition(name: str, disposition: str = "attachment") -> str:
    """`attachment; filename="<ASCII fallback>"; filename*=UTF-8''<percent-encoded name>`."""
    fallback = _NOT_PLAIN_ASCII.sub("_", name).strip() or "download"
    encoded = quote(name, safe=_ATTR_CHAR_SAFE)
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{encoded}"


def media_type_for(name: str) -> str:
    """The media type a download is sent with; unknown types are plain bytes."""
    guessed, _encoding = mimetypes.guess_type(name, strict=False)
    return guessed or "application/octet-stream"


def download_response(name: str, size: int, chunks: AsyncIterator[bytes]) -> StreamingResponse:
    """Stream content as a download of `name`."""
    headers = {
        "Content-Disposition": content_disposition(name),
        "Content-Length": str(size),
        # Never rendered by the browser, whatever the name says (an .html "document", an .svg).
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Cache-Control": "private, no-store",
    }
    return StreamingResponse(chunks, media_type=media_type_for(name), headers=headers)


# The browser's own PDF viewer embeds the response in a wrapper page: it needs object-src 'self', and a
# sandbox would block it. Whatever the bytes are, application/pdf with nosniff never renders as a web page.
PDF_CSP = "default-src 'none'; object-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'self'"


def inline_pdf_response(name: str, size: int, chunks: AsyncIterator[bytes]) -> StreamingResponse:
    """Stream a PDF for the browser's viewer, opened in the tab rather than saved."""
    headers = {
        "Content-Disposition": content_disposition(name, "inline"),
        "Content-Length": str(size),
        "Content-Security-Policy": PDF_CSP,
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, no-store",
    }
    return StreamingResponse(chunks, media_type="application/pdf", headers=headers)
