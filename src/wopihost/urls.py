"""The public URLs wopihost hands out: WOPISrc, FileUrl, and the web pages WOPI clients link to."""

from __future__ import annotations

from urllib.parse import quote, urlsplit


class PublicUrls:
    """Builds absolute URLs from the configured public base URLs.

    `ui_base` serves people (web UI, host page); `wopi_base` serves WOPI clients. Page URLs are None while
    the web UI is not mounted, so that CheckFileInfo leaves them out rather than sending links that 404.
    """

    def __init__(self, *, ui_base: str, wopi_base: str, ui_enabled: bool = True) -> None:
        self.ui_base = ui_base.rstrip("/")
        self.wopi_base = wopi_base.rstrip("/")
        self.ui_enabled = ui_enabled

    @property
    def ui_origin(self) -> str:
        """The scheme://host[:port] of the web UI: the host page's origin for PostMessage."""
        parts = urlsplit(self.ui_base)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def wopi_netloc(self) -> str | None:
        """The host[:port] WOPI clients must use, when WOPI has a hostname of its own; else None."""
        wopi, ui = urlsplit(self.wopi_base).netloc.lower(), urlsplit(self.ui_base).netloc.lower()
        return wopi if wopi != ui else None

    def wopi_src(self, file_id: str) -> str:
        return f"{self.wopi_base}/wopi/files/{file_id}"

    def wopi_src_with_token(self, file_id: str, token: str) -> str:
        return f"{self.wopi_src(file_id)}?access_token={quote(token, safe='')}"

    def wopi_container_with_token(self, folder_id: str, token: str) -> str:
        """A container's WOPI URL with its access token (the Url of a WOPI ContainerPointer)."""
        return f"{self.wopi_base}/wopi/containers/{folder_id}?access_token={quote(token, safe='')}"

    def wopi_ecosystem_with_token(self, token: str) -> str:
        """The ecosystem endpoint with an access token (GetEcosystem's Url)."""
        return f"{self.wopi_base}/wopi/ecosystem?access_token={quote(token, safe='')}"

    def file_url(self, file_id: str, token: str) -> str:
        """A direct download URL that carries its own narrow, read-only token (CheckFileInfo's FileUrl)."""
        return f"{self.wopi_base}/wopi/direct/{file_id}?token={quote(token, safe='')}"

    def _page(self, path: str) -> str | None:
        return f"{self.ui_base}{path}" if self.ui_enabled else None

    def home(self) -> str | None:
        return self._page("/")

    def shared(self) -> str | None:
        return self._page("/shared")

    def folder(self, folder_id: str) -> str | None:
        return self._page(f"/folders/{folder_id}")

    def host_view(self, file_id: str) -> str | None:
        return self._page(f"/files/{file_id}/view")

    def host_edit(self, file_id: str) -> str | None:
        return self._page(f"/files/{file_id}/edit")

    def host_embedded_view(self, file_id: str) -> str | None:
        return self._page(f"/files/{file_id}/embedview")

    def download(self, file_id: str) -> str | None:
        return self._page(f"/files/{file_id}/download")

    def sharing(self, file_id: str) -> str | None:
        return self._page(f"/files/{file_id}/share")

    def versions(self, file_id: str) -> str | None:
        return self._page(f"/files/{file_id}/versions")

    def share_link(self, link_id: str) -> str | None:
        """A share link's page, where anyone with it opens the file without an account."""
        return self._page(f"/s/{link_id}")

    def sign_out(self) -> str | None:
        return self._page("/signout")

    def avatar(self, user_id: str) -> str | None:
        """The user's generated picture: public and cacheable, so that WOPI clients can show it to others."""
        return self._page(f"/users/{user_id}/avatar.svg")
