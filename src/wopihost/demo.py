"""Demo data for a first run: two users and a few real documents, created once."""

from __future__ import annotations

from collections.abc import AsyncIterator

from wopihost.domain.permissions import Role
from wopihost.errors import AlreadyExists, NameConflict
from wopihost.plugins import DevClientMissing, load_devclient
from wopihost.services.files import FileService
from wopihost.services.users import UserService

DEMO_USERS = (("alice", "Alice Example", "alice-demo-password"), ("bob", "Bob Example", "bob-demo-password"))
# Only documents people work on: a validator's .wopitest file is created by the validator tests themselves.
_SAMPLES: tuple[tuple[str, list[str]], ...] = (
    ("Welcome.docx", ["Welcome to wopihost.", "Open this document in Word to edit it in your browser."]),
    ("Budget.xlsx", ["Item", "Rent", "Travel"]),
    ("Pitch.pptx", ["wopihost: Office documents in the browser"]),
)


async def _once(content: bytes) -> AsyncIterator[bytes]:
    yield content


async def seed_demo(users: UserService, files: FileService) -> list[str]:
    """Create the demo users and documents that do not exist yet; return what was created."""
    created: list[str] = []
    for username, name, password in DEMO_USERS:
        try:
            await users.add_user(username, name, password=password)
            created.append(f"user {username} (password {password})")
        except AlreadyExists:
            pass
    alice, bob = await users.get_user_by_name("alice"), await users.get_user_by_name("bob")
    try:
        # The development client's document libraries write the samples.
        documents = load_devclient("documents")
    except DevClientMissing as exc:
        return [*created, f"no sample documents ({exc})"]
    folder = await files.ensure_folder_path(alice, ["Documents"])
    for name, lines in _SAMPLES:
        blank = documents.blank_document(name)
        content: bytes = documents.apply_edits(name, blank, {}, lines) if lines else b""
        try:
            record = await files.upload(alice, folder, name, _once(content), declared_size=len(content))
        except NameConflict:
            continue
        if name == "Welcome.docx":
            await files.share(await files.find_access(record.id, alice), bob.username, Role.EDIT)
        created.append(f"file /Documents/{name}")
    return created
