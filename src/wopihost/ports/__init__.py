"""The interfaces that services need from the outside world. Adapters implement them; app.py picks which.

One module per concern; every port is importable from `wopihost.ports` itself.
"""

from wopihost.ports.blobs import BlobEntry, BlobReference, BlobReferences, BlobStore
from wopihost.ports.clients import CapabilitiesSource, DiscoverySource, KeyringSource
from wopihost.ports.clock import Clock
from wopihost.ports.previews import DocumentRenderer, PreviewImages, PreviewStore, RenderedPreview
from wopihost.ports.records import (
    NO_METRICS,
    ActivityStore,
    AdminQueries,
    AuditLog,
    Metrics,
    NoMetrics,
    WopiErrorLog,
    WopiErrorSink,
)
from wopihost.ports.search import IndexEntry, NameMatch, SearchIndex, TextExtractor, TextMatch
from wopihost.ports.shared import DiscoveryCache, FailureCounter, SessionStore, SharedDiscovery, StoredSession
from wopihost.ports.storage import (
    AccessQueries,
    Catalog,
    Files,
    FolderContents,
    FolderOutcome,
    Folders,
    LockedStorage,
    LockOutcome,
    LockStore,
    TrashOutcome,
    TrashStore,
    Versions,
    WriteOutcome,
)
from wopihost.ports.users import LinkStore, PreferenceStore, ShareStore, SharingSummary, UserStore

__all__ = [
    "NO_METRICS",
    "AccessQueries",
    "ActivityStore",
    "AdminQueries",
    "AuditLog",
    "BlobEntry",
    "BlobReference",
    "BlobReferences",
    "BlobStore",
    "CapabilitiesSource",
    "Catalog",
    "Clock",
    "DiscoveryCache",
    "DiscoverySource",
    "DocumentRenderer",
    "FailureCounter",
    "Files",
    "FolderContents",
    "FolderOutcome",
    "Folders",
    "IndexEntry",
    "KeyringSource",
    "LinkStore",
    "LockOutcome",
    "LockStore",
    "LockedStorage",
    "Metrics",
    "NameMatch",
    "NoMetrics",
    "PreferenceStore",
    "PreviewImages",
    "PreviewStore",
    "RenderedPreview",
    "SearchIndex",
    "SessionStore",
    "ShareStore",
    "SharedDiscovery",
    "SharingSummary",
    "StoredSession",
    "TextExtractor",
    "TextMatch",
    "TrashOutcome",
    "TrashStore",
    "UserStore",
    "Versions",
    "WopiErrorLog",
    "WopiErrorSink",
    "WriteOutcome",
]
