"""Office for the web's licence check for business users, as the development client emulates it.

https://learn.microsoft.com/microsoft-365/cloud-storage-partner-program/online/scenarios/business

A host marks a business user by filling BUSINESS_USER, which puts IsLicensedUser=1 on the action URL.
Before such a user edits, Office requires CheckFileInfo's LicenseCheckForEditIsEnabled=true and a
HostEditUrl to come back to after the check; without them the flow fails and the user cannot edit. It then
verifies the user's Microsoft 365 subscription (simulated here: it passes unless the caller says
otherwise) and, where the host says SupportsUserInfo, hands the result back with PutUserInfo. The host
returns that string as UserInfo in later CheckFileInfo responses, and a string saying the subscription
was verified spares the user the check. Viewing never needs a subscription.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from wopihost.devclient.fileinfo import FileInfo
from wopihost.devclient.messages import Notice, notice
from wopihost.devclient.opening import file_info_from
from wopihost.devclient.sessions import OpenFailure
from wopihost.devclient.wopi_client import X_WOPI_OVERRIDE, WopiClient, WopiResponse, WopiTarget

log = logging.getLogger("wopihost.devclient")

# The action URL parameter Office's urlsrc binds to the BUSINESS_USER placeholder.
BUSINESS_USER_PARAMETER = "IsLicensedUser"
# What the client writes into UserInfo; hosts keep the string opaque, only the client reads it back.
VERIFIED = "devclient-subscription=verified"
INSUFFICIENT = "devclient-subscription=insufficient"

FLOW_FAILED = Notice(
    "Sorry, you can't edit this document here",
    "Your account is a business account, so Office checks your Microsoft 365 subscription before you"
    " edit. This host did not enable that check (LicenseCheckForEditIsEnabled) or gave no HostEditUrl"
    " to come back to, so Office would send you to Office.com instead. You can still view the document.",
    can_view=True,
)
UNLICENSED = Notice(
    "Your subscription doesn't include Office for the web",
    "You're signed in with a business account, but its Microsoft 365 subscription doesn't let you edit"
    " documents in Office for the web. You can still view the document.",
    can_view=True,
)

Outcome = Literal["not_business", "skipped", "verified", "unlicensed", "flow_failed", "unavailable"]
SubscriptionCheck = Callable[[FileInfo], Awaitable[bool]]


async def subscription_passes(info: FileInfo) -> bool:
    """The simulated subscription check: every business user of the development client is licensed."""
    return True


@dataclass(frozen=True, slots=True)
class LicenceCheck:
    """How a business user's licence check went; `notice` is the error shown instead of the editor."""

    outcome: Outcome
    notice: Notice | None = None
    put_user_info: WopiResponse | None = None


def is_business_user(query: Mapping[str, str]) -> bool:
    """Tell whether an action URL's query (keys in lower case) marks the user as a business user."""
    return query.get(BUSINESS_USER_PARAMETER.lower(), "").strip().lower() in ("1", "true")


def subscription_verified(info: FileInfo) -> bool:
    """Tell whether CheckFileInfo's UserInfo says an earlier check verified the subscription."""
    return VERIFIED in info.text("UserInfo").split(";")


def _flow_ready(info: FileInfo) -> bool:
    edit_url = info.text("HostEditUrl")
    return info.flag("LicenseCheckForEditIsEnabled") and edit_url.startswith(("https://", "http://"))


async def check_licence(
    wopi: WopiClient,
    target: WopiTarget,
    *,
    business_user: bool,
    session_context: str | None = None,
    subscription: SubscriptionCheck = subscription_passes,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> LicenceCheck:
    """Run the licence check a business user's edit needs; nothing at all for other users."""
    if not business_user:
        return LicenceCheck("not_business")
    response = await wopi.check_file_info(target, session_context=session_context)
    try:
        info = file_info_from(response)
    except OpenFailure as failure:
        return LicenceCheck("unavailable", notice(failure.kind))
    if not _flow_ready(info):
        log.info("op=licence_check outcome=flow_failed")
        return LicenceCheck("flow_failed", FLOW_FAILED)
    if subscription_verified(info):
        log.info("op=licence_check outcome=skipped")
        return LicenceCheck("skipped")
    licensed = await subscription(info)
    stored = None
    if info.flag("SupportsUserInfo"):
        status = VERIFIED if licensed else INSUFFICIENT
        body = f"{status};checked={now().isoformat(timespec='milliseconds')}".encode()
        stored = await wopi.send(
            "PutUserInfo", target, method="POST", headers={X_WOPI_OVERRIDE: "PUT_USER_INFO"}, body=body
        )
    outcome: Outcome = "verified" if licensed else "unlicensed"
    log.info("op=licence_check outcome=%s", outcome)
    return LicenceCheck(outcome, None if licensed else UNLICENSED, stored)
