"""Microsoft's WOPI implementation questionnaire (shipping.rst), answered from a real readiness file."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any

from wopihost.readiness.fixture import ReadinessFixture
from wopihost.readiness.model import Check, failed, info, passed

# Why each Supports* property is sent, for the questionnaire's "what Supports properties and why".
SUPPORTS_WHY = {
    "SupportsLocks": "Lock/Unlock/RefreshLock/UnlockAndRelock: required for editing",
    "SupportsGetLock": "GetLock, used by Office for the web",
    "SupportsExtendedLockLength": "lock IDs up to 1024 characters",
    "SupportsUpdate": "PutFile and PutRelativeFile: required for editing",
    "SupportsRename": "RenameFile from inside Office",
    "SupportsDeleteFile": "DeleteFile",
    "SupportsUserInfo": "PutUserInfo, keeping the user's Office settings",
    "SupportsAddActivities": "AddActivities: comments that @mention people become their notifications",
    "SupportsCobalt": "not sent: no MS-FSSHTTP",
    "SupportsContainers": "container operations",
    "SupportsEcosystem": "ecosystem operations",
    "SupportsFolders": "the container operations under their deprecated name (/wopi/folders/)",
    "SupportsGetFileWopiSrc": "GetFileWopiSrc on the ecosystem endpoint",
    "SupportsFileCreation": "creating new files from Office",
}
ID_FIX = (
    "File IDs must come from the database row (files.id), never from a name or a path; see domain/ids.py."
)


async def file_id_checks(fixture: ReadinessFixture, file_id: str) -> list[Check]:
    """IDs unchanged across a real rename and move, and identical for every user."""
    owner_view = await fixture.check_file_info(file_id)
    recipient_view = await fixture.check_file_info(file_id, as_recipient=True)
    seen = list(await fixture.ids_seen_by_recipient())
    checks = [_same_for_every_user(file_id, seen, owner_view, recipient_view)]
    moved = await fixture.rename_and_move(file_id)
    title = "File ID stable across rename and move"
    if moved != file_id:
        checks.append(
            failed("questions.file_id_stable", title, f"The ID was {file_id} and became {moved}.", ID_FIX)
        )
    else:
        checks.append(
            passed("questions.file_id_stable", title, f"Renamed and moved; the ID stayed {file_id}.")
        )
    after = await fixture.check_file_info(moved)
    checks += user_id_checks(owner_view, recipient_view, after)
    return checks


def _same_for_every_user(
    file_id: str, seen: list[str], owner: Mapping[str, Any], recipient: Mapping[str, Any]
) -> Check:
    title = "File ID identical for every user"
    if file_id not in seen:
        return failed(
            "questions.file_id_users", title, f"The recipient's list shows {seen}, not {file_id}.", ID_FIX
        )
    if owner.get("SHA256") != recipient.get("SHA256") or owner.get("OwnerId") != recipient.get("OwnerId"):
        return failed(
            "questions.file_id_users", title, "Owner and recipient see different files under one ID.", ID_FIX
        )
    return passed(
        "questions.file_id_users",
        title,
        "Owner and recipient reach the file by the same ID and see the same file.",
    )


def user_id_checks(
    owner: Mapping[str, Any], recipient: Mapping[str, Any], later: Mapping[str, Any]
) -> list[Check]:
    """UserId unique per user and stable; OwnerId the owner's UserId, the same for everyone."""
    fix = "UserId and OwnerId must be the users.id column, assigned once and never reused."
    user_title, owner_title = "UserId unique and stable", "OwnerId is the owner's, unique and stable"
    if not owner.get("UserId") or owner.get("UserId") == recipient.get("UserId"):
        user_check = failed("questions.user_id", user_title, "Two users share a UserId, or it is empty.", fix)
    elif later.get("UserId") != owner.get("UserId"):
        user_check = failed(
            "questions.user_id", user_title, "The owner's UserId changed after a rename.", fix
        )
    else:
        user_check = passed(
            "questions.user_id", user_title, "Distinct for owner and recipient; unchanged over time."
        )
    if owner.get("OwnerId") != owner.get("UserId") or recipient.get("OwnerId") != owner.get("OwnerId"):
        owner_check = failed(
            "questions.owner_id", owner_title, "OwnerId is not the owner's UserId for everyone.", fix
        )
    else:
        owner_check = passed(
            "questions.owner_id", owner_title, "The owner's UserId, for owner and recipient alike."
        )
    return [user_check, owner_check]


def sha256_check(cfi: Mapping[str, Any]) -> Check:
    """SHA256 is sent, as base64 of 32 bytes."""
    title = "SHA256 sent in CheckFileInfo"
    value = cfi.get("SHA256")
    try:
        ok = isinstance(value, str) and len(base64.b64decode(value, validate=True)) == 32
    except binascii.Error:
        ok = False
    if not ok:
        return failed(
            "questions.sha256",
            title,
            f"SHA256 is {value!r}.",
            "Send base64(SHA-256 of the content) as SHA256.",
        )
    return passed("questions.sha256", title, f"Yes: {value}.")


async def version_checks(fixture: ReadinessFixture, file_id: str) -> list[Check]:
    """Versions change with content and only then; a download after a save has the saved bytes."""
    before = await fixture.check_file_info(file_id)
    content = b"readiness check: saved content"
    await fixture.save(file_id, content)
    after = await fixture.check_file_info(file_id)
    title = "Version changes when the content changes"
    if after.get("Version") == before.get("Version"):
        version = failed(
            "questions.version",
            title,
            f"Version stayed {before.get('Version')!r} across a save.",
            "Change Version on every content change.",
        )
    else:
        version = passed(
            "questions.version",
            title,
            f"Version went {before.get('Version')} -> {after.get('Version')} on a save; renames and moves "
            "keep it (it is the content's version number).",
        )
    got = await fixture.download(file_id)
    dl_title = "Download after an edit has the latest content"
    if got != content:
        download = failed(
            "manual.download_after_edit", dl_title, "The download is not the saved content.", ""
        )
    else:
        download = passed(
            "manual.download_after_edit", dl_title, "The download is byte for byte the last save."
        )
    return [version, download]


def supports_check(cfi: Mapping[str, Any]) -> Check:
    """Which Supports* properties a real CheckFileInfo sends, and why."""
    sent = sorted(k for k, v in cfi.items() if k.startswith("Supports") and v)
    lines = tuple(f"{k}: {SUPPORTS_WHY.get(k, 'sent')}" for k in sent)
    return info("questions.supports", "Supports* properties sent", ", ".join(sent) or "none", evidence=lines)


async def business_flow(fixture: ReadinessFixture, cfi: Mapping[str, Any]) -> Check:
    """Whether the business user flow is in use."""
    count = await fixture.business_users()
    if count:
        detail = (
            f"Yes: {count} business user(s); they get LicenseCheckForEditIsEnabled and HostEditUrl; Office "
            "redirects them back to the host page (register its domain as a redirect domain)."
        )
    else:
        detail = "No user is a business user (`wopihost user business`); the consumer flow is used."
    return info("questions.business_flow", "Business user flow in use", detail)
