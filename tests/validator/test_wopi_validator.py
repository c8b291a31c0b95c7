"""Microsoft's WOPI validator, run against a real `wopihost serve` that verifies proof keys."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers import (
    free_port,
    mint_token_in_process,
    running,
    wopihost_in_process,
    wopihost_server,
)
from tests.services import service_unavailable

REPO = Path(__file__).resolve().parents[2]
VALIDATOR_DIR = Path(
    os.environ.get("WOPI_VALIDATOR_DIR", REPO.parent / "shared" / "tools" / "wopi-validator")
)
VALIDATOR = VALIDATOR_DIR / "wopi_validator.py"

# Groups the core issue requires to run and pass rather than skip.
REQUIRED_GROUPS = {
    "BaseWopiViewing",
    "CheckFileInfoSchema",
    "EditFlows",
    "Locks",
    "GetLock",
    "ExtendedLockLength",
    "PutRelativeFile",
    "RenameFileIfCreateChildFileIsSupported",
    "FileVersion",
    "PutUserInfo",
    "FileUrlUsage",
    "FileUrlViewOnly",
    "ProofKeys",
    "Ecosystem",
    "Container",
    "RenameContainer",
    "EnumerateAncestorsAndChildren",
    "CreateChildFileAndDeleteFile",
    "GetSharingUrlForContainerWithTypeReadOnly",
    "GetSharingUrlForContainerWithTypeReadWrite",
    "GetSharingUrlForContainerWithUnknownType",
    "AddActivities",
}
# Alternatives of groups above, which skip on a host that supports what they check the absence of.
EXCLUSIVE_GROUPS = {"PutRelativeFileUnsupported", "RenameFileIfCreateChildFileIsNotSupported"}

pytestmark = [pytest.mark.validator, pytest.mark.slow]


@pytest.fixture(scope="module")
def validator_target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, int, Path]]:
    """A running wopihost whose discovery is the validator's, with a .wopitest file owned by a test user.

    The file lies in a folder below the user's root: the container groups create, rename and delete beside it,
    and RenameContainer needs a parent container the user may rename (a root is never renamed).
    """
    if not VALIDATOR.is_file():
        service_unavailable(f"the WOPI validator is not at {VALIDATOR} (set WOPI_VALIDATOR_DIR)")
    work = tmp_path_factory.mktemp("validator")
    keys = work / "validator-proof-keys.json"
    discovery_port = free_port()
    discovery_url = f"http://127.0.0.1:{discovery_port}/hosting/discovery"
    port = free_port()
    env = {
        "WOPIHOST_DISCOVERY__URL": discovery_url,
        "WOPIHOST_PROOF_KEYS__MODE": "enforce",
        "WOPIHOST_SERVER__PUBLIC_URL": f"http://127.0.0.1:{port}",
    }
    data = work / "data"
    wopihost_in_process(data, "init", env=env)
    wopihost_in_process(data, "user", "add", "validator", "--name", "WOPI Validator", env=env)
    sample = work / "test.wopitest"
    sample.write_bytes(b"")
    file_id = wopihost_in_process(
        data, "file", "put", str(sample), "--owner", "validator", "--to", "/validator/test.wopitest", env=env
    )
    serve_discovery = [
        sys.executable,
        str(VALIDATOR),
        "--serve-discovery",
        f"127.0.0.1:{discovery_port}",
        "--proof-keys",
        str(keys),
    ]
    with (
        running(serve_discovery, discovery_url, log=work / "discovery.log"),
        wopihost_server(data, port=port, env=env),
    ):
        token = mint_token_in_process(data, "validator", file_id, env=env)
        yield token.wopi_src, token.access_token, token.access_token_ttl, keys


def _run_validator(target: tuple[str, str, int, Path], category: str, out: Path) -> dict[str, object]:
    wopi_src, access_token, ttl, keys = target
    command = [
        sys.executable,
        str(VALIDATOR),
        "-w",
        wopi_src,
        "-t",
        access_token,
        "-l",
        str(ttl),
        "-e",
        category,
        "-s",
        "--proof-keys",
        str(keys),
        "--json",
        str(out),
    ]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    assert out.is_file(), completed.stdout[-2000:] + completed.stderr[-2000:]
    report: dict[str, object] = json.loads(out.read_text("utf-8"))
    return report


def _failures(report: dict[str, object]) -> list[str]:
    results = report["results"]
    assert isinstance(results, list)
    return [
        f"[{r['group']}] {r['name']}: {r['message']} {r['errors']}" for r in results if r["status"] == "FAIL"
    ]


@pytest.mark.parametrize("category", ["All", "OfficeOnline"])
def test_validator_category_has_no_failures(
    validator_target: tuple[str, str, int, Path], category: str, tmp_path: Path
) -> None:
    report = _run_validator(validator_target, category, tmp_path / f"validator-{category}.json")
    summary = report["summary"]
    assert isinstance(summary, dict)
    assert _failures(report) == []
    assert summary["failed"] == 0
    assert summary["passed"] > 50


def test_validator_required_groups_run_and_pass(
    validator_target: tuple[str, str, int, Path], tmp_path: Path
) -> None:
    report = _run_validator(validator_target, "All", tmp_path / "validator-groups.json")
    results = report["results"]
    assert isinstance(results, list)
    statuses: dict[str, Counter[str]] = {}
    for result in results:
        statuses.setdefault(result["group"], Counter())[result["status"]] += 1
    for group in sorted(REQUIRED_GROUPS):
        counts = statuses.get(group, Counter())
        assert counts["PASS"] > 0, f"{group}: {dict(counts)}"
        assert counts["SKIP"] == counts["FAIL"] == 0, f"{group}: {dict(counts)}"
    for group in sorted(EXCLUSIVE_GROUPS):
        counts = statuses.get(group, Counter())
        assert counts["PASS"] == counts["FAIL"] == 0, f"{group}: {dict(counts)}"
