"""The names metrics use for WOPI operations and proof-key failures: small fixed sets, safe as labels."""

from __future__ import annotations

WOPI_OPERATIONS = frozenset(
    {
        "CheckFileInfo",
        "GetFile",
        "PutFile",
        "Lock",
        "RefreshLock",
        "Unlock",
        "UnlockAndRelock",
        "GetLock",
        "PutRelativeFile",
        "RenameFile",
        "DeleteFile",
        "PutUserInfo",
        "GetShareUrl",
        "GetFileUrl",
        "CheckContainerInfo",
        "CreateChildContainer",
        "CreateChildFile",
        "DeleteContainer",
        "EnumerateAncestors",
        "EnumerateChildren",
        "GetEcosystem",
        "RenameContainer",
        "CheckEcosystem",
        "GetRootContainer",
        "GetFileWopiSrc",
        "AddActivities",
    }
)
UNKNOWN_OPERATION = "unknown"

# Why a proof-key check failed, as a metric label (the log line carries the full message).
PROOF_TIMESTAMP_INVALID = "timestamp_invalid"
PROOF_TIMESTAMP_EXPIRED = "timestamp_expired"
PROOF_NO_KEYS = "no_keys"
PROOF_SIGNATURE_MISMATCH = "signature_mismatch"
PROOF_FAILURE_REASONS = (
    PROOF_TIMESTAMP_INVALID,
    PROOF_TIMESTAMP_EXPIRED,
    PROOF_NO_KEYS,
    PROOF_SIGNATURE_MISMATCH,
)


def operation_label(name: object) -> str:
    """The operation's metric label: its WOPI name, or "unknown" for anything else (typos, other paths)."""
    return name if isinstance(name, str) and name in WOPI_OPERATIONS else UNKNOWN_OPERATION
