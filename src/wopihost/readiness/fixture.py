"""The seam between the questionnaire checks and a deployment: a readiness file to test on, and its views."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from wopihost.readiness.validator_run import ValidatorTarget


@dataclass(frozen=True)
class Prepared:
    """The readiness file: its ID, its owner and a recipient it is shared with, and a validator target."""

    file_id: str
    target: ValidatorTarget


class ReadinessFixture(Protocol):
    """A deployment on which the readiness file lives; every call goes through the deployment's services."""

    async def prepare(self) -> Prepared:
        """Create the dedicated user, folder and `.wopitest` file, shared with a second user."""
        ...

    async def check_file_info(self, file_id: str, *, as_recipient: bool = False) -> Mapping[str, Any]:
        """CheckFileInfo as the owner, or as the recipient."""
        ...

    async def ids_seen_by_recipient(self) -> Sequence[str]:
        """The file IDs the recipient's "shared with me" list shows."""
        ...

    async def rename_and_move(self, file_id: str) -> str:
        """Rename the file and move it to another folder; return the ID found at the new place."""
        ...

    async def save(self, file_id: str, content: bytes) -> None:
        """Store new content as a new version, as an editor's save would."""
        ...

    async def download(self, file_id: str) -> bytes:
        """The file's current content, as a download gives it."""
        ...

    async def session_targets(self, name: str) -> Sequence[ValidatorTarget]:
        """A new file `name` in the readiness folder, and tokens for its owner and two editors (A, B, C)."""
        ...

    async def business_users(self) -> int:
        """How many users are business users (the business flow)."""
        ...

    async def cleanup(self) -> None:
        """Delete the readiness folder and everything in it for good."""
        ...
