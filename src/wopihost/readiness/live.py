"""The readiness fixture on a real deployment: the host's own services on its database and storage."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

from wopihost.app import Services
from wopihost.domain.permissions import Role
from wopihost.domain.records import Folder, User
from wopihost.errors import NotFound
from wopihost.readiness.fixture import Prepared
from wopihost.readiness.validator_run import ValidatorTarget
from wopihost.wopi.check_file_info import check_file_info

OWNER = "wopihost-readiness"
RECIPIENT = "wopihost-readiness-peer"
THIRD = "wopihost-readiness-peer2"
FOLDER = "readiness-check"


async def _once(content: bytes) -> AsyncIterator[bytes]:
    yield content


class LiveFixture:
    """A dedicated readiness user and folder, removed by `cleanup` (the two users stay, without files)."""

    def __init__(self, services: Services) -> None:
        self._s = services
        self._owner: User | None = None
        self._recipient: User | None = None
        self._folder: Folder | None = None

    async def _user(self, username: str, display_name: str) -> User:
        try:
            return await self._s.users.get_user_by_name(username)
        except NotFound:
            return await self._s.users.add_user(username, display_name)

    async def prepare(self) -> Prepared:
        """Create the readiness file, share it with the peer, and issue the validator's token."""
        self._owner = owner = await self._user(OWNER, "Readiness check")
        self._recipient = await self._user(RECIPIENT, "Readiness check (recipient)")
        await self.cleanup()
        self._folder = await self._s.files.ensure_folder_path(owner, [FOLDER])
        created = await self._s.files.upload(owner, self._folder, "readiness.wopitest", _once(b""))
        await self._s.files.share(await self._s.files.find_access(created.id, owner), RECIPIENT, Role.EDIT)
        issued = self._s.tokens.issue(owner.id, created.id)
        target = ValidatorTarget(self._s.urls.wopi_src(created.id), issued.token, issued.ttl_ms)
        return Prepared(created.id, target)

    def _users(self) -> tuple[User, User]:
        if self._owner is None or self._recipient is None:
            raise RuntimeError("prepare() first")
        return self._owner, self._recipient

    async def check_file_info(self, file_id: str, *, as_recipient: bool = False) -> Mapping[str, Any]:
        """The CheckFileInfo object the deployment builds for that user."""
        user = self._users()[1 if as_recipient else 0]
        access = await self._s.files.find_access(file_id, user)
        token = self._s.tokens.issue_for(access, kind="fileurl").token
        return check_file_info(access, urls=self._s.urls, host=self._s.wopi().host, file_url_token=token)

    async def ids_seen_by_recipient(self) -> Sequence[str]:
        """The IDs in the recipient's shared-with-me list."""
        return [shared.file.id for shared in await self._s.browse.shared_with(self._users()[1])]

    async def rename_and_move(self, file_id: str) -> str:
        """Rename, move to a subfolder, and look the file up again by its new place."""
        owner = self._users()[0]
        renamed = await self._s.files.rename(
            await self._s.files.find_access(file_id, owner), "renamed.wopitest"
        )
        target = await self._s.files.ensure_folder_path(owner, [FOLDER, "moved"])
        await self._s.files.move(await self._s.files.find_access(renamed.id, owner), target)
        found = await self._s.browse.find_file_named(target, "renamed.wopitest")
        if found is None:
            raise NotFound("the renamed file is not in its new folder")
        return found.id

    async def save(self, file_id: str, content: bytes) -> None:
        """A new version through the upload path, replacing the content."""
        owner = self._users()[0]
        access = await self._s.files.find_access(file_id, owner)
        folder = await self._s.browse.get_folder(owner, access.file.folder_id)
        await self._s.files.upload(owner, folder, access.file.name, _once(content), replace=True)

    async def download(self, file_id: str) -> bytes:
        """The current bytes, streamed as a download would."""
        opened = await self._s.content.read(await self._s.files.find_access(file_id, self._users()[0]))
        return b"".join([chunk async for chunk in opened.chunks])

    async def session_targets(self, name: str) -> Sequence[ValidatorTarget]:
        """An empty file shared for editing with the two peers, and a token for each of the three users."""
        owner, recipient = self._users()
        third = await self._user(THIRD, "Readiness check (second recipient)")
        folder = await self._s.files.ensure_folder_path(owner, [FOLDER])
        created = await self._s.files.upload(owner, folder, name, _once(b""))
        access = await self._s.files.find_access(created.id, owner)
        for peer in (RECIPIENT, THIRD):
            await self._s.files.share(access, peer, Role.EDIT)
        targets = []
        for user in (owner, recipient, third):
            issued = self._s.tokens.issue(user.id, created.id)
            targets.append(ValidatorTarget(self._s.urls.wopi_src(created.id), issued.token, issued.ttl_ms))
        return targets

    async def business_users(self) -> int:
        """Users flagged as business users."""
        return sum(1 for user in await self._s.users.list_users() if user.is_business_user)

    async def cleanup(self) -> None:
        """Trash the readiness folder and empty the readiness user's trash."""
        owner = self._owner
        if owner is None:
            return
        folder = await self._s.files.ensure_folder_path(owner, [FOLDER])
        await self._s.files.delete_folder(owner, folder)
        await self._s.trash.empty(owner)
        self._folder = None
