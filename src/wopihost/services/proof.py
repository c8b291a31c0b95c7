"""Proof-key verification of WOPI requests: only the real WOPI client may call the WOPI endpoints.

https://learn.microsoft.com/microsoft-365/cloud-storage-partner-program/online/scenarios/proofkeys
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from wopihost.config import ProofMode
from wopihost.domain.discovery import Discovery
from wopihost.domain.operations import (
    PROOF_NO_KEYS,
    PROOF_SIGNATURE_MISMATCH,
    PROOF_TIMESTAMP_EXPIRED,
    PROOF_TIMESTAMP_INVALID,
)
from wopihost.domain.proofkeys import (
    ProofKeys,
    ProofVerdict,
    is_timestamp_fresh,
    parse_timestamp_header,
    verify_proof,
)
from wopihost.errors import DiscoveryUnavailable, ProofKeyInvalid
from wopihost.logging_setup import log_value
from wopihost.ports import NO_METRICS, Clock, Metrics
from wopihost.services.discovery import DiscoveryService

log = logging.getLogger("wopihost.proof")


@dataclass(frozen=True, slots=True)
class ProofHeaders:
    """The proof-related values of one request."""

    access_token: str
    url: str
    proof: str | None
    proof_old: str | None
    timestamp: str | None
    correlation_id: str = ""


class ProofKeyVerifier:
    """Checks X-WOPI-Proof/X-WOPI-ProofOld/X-WOPI-TimeStamp against the keys in discovery.

    A verification that fails, or that succeeds only through the old key, triggers a rate-limited
    rediscovery, since the client may have rotated its keys since discovery was last fetched.
    """

    def __init__(
        self,
        *,
        discovery: DiscoveryService,
        clock: Clock,
        mode: ProofMode,
        max_age: timedelta,
        rediscovery_interval: timedelta,
        metrics: Metrics = NO_METRICS,
    ) -> None:
        self.mode = mode
        self._metrics = metrics
        self._discovery = discovery
        self._clock = clock
        self._max_age = max_age
        self._rediscovery_interval = rediscovery_interval
        self._keys_for: tuple[Discovery, ProofKeys | None] | None = None

    async def check(self, request: ProofHeaders) -> None:
        """Return if the request is proven (or proofs are not enforced); raise ProofKeyInvalid otherwise."""
        if self.mode == "off":
            return
        failure = await self._problem(request)
        if failure is None:
            return
        reason, problem = failure
        self._metrics.proof_failure(reason)
        log.warning(
            "op=proof_check status=failed mode=%s correlation_id=%s reason=%s",
            self.mode,
            log_value(request.correlation_id),
            problem.replace(" ", "_"),
        )
        if self.mode == "enforce":
            raise ProofKeyInvalid(problem)

    async def _problem(self, request: ProofHeaders) -> tuple[str, str] | None:
        """None when proven, else why not: a reason from PROOF_FAILURE_REASONS and the whole message."""
        try:
            timestamp = parse_timestamp_header(request.timestamp)
        except ProofKeyInvalid as exc:
            return PROOF_TIMESTAMP_INVALID, str(exc)
        if not is_timestamp_fresh(timestamp, self._clock.now(), self._max_age):
            return PROOF_TIMESTAMP_EXPIRED, "X-WOPI-TimeStamp is older than allowed or in the future"
        verdict = await self._verify(request, timestamp)
        if verdict is not None and verdict.rotation_detected:
            await self._discovery.refresh_rate_limited(self._rediscovery_interval)
        if verdict is not None and verdict.verified:
            return None
        if await self._discovery.refresh_rate_limited(self._rediscovery_interval):
            verdict = await self._verify(request, timestamp)
            if verdict is not None and verdict.verified:
                return None
        if verdict is None:
            return PROOF_NO_KEYS, "no proof keys are available from discovery"
        return PROOF_SIGNATURE_MISMATCH, verdict.reason

    async def _verify(self, request: ProofHeaders, timestamp: int) -> ProofVerdict | None:
        keys = await self._keys()
        if keys is None:
            return None
        return verify_proof(
            keys,
            access_token=request.access_token,
            url=request.url,
            timestamp=timestamp,
            proof_b64=request.proof,
            proof_old_b64=request.proof_old,
        )

    async def _keys(self) -> ProofKeys | None:
        try:
            discovery = await self._discovery.get()
        except DiscoveryUnavailable:
            return None
        cached = self._keys_for
        if cached is not None and cached[0] is discovery:
            return cached[1]
        keys = None
        if discovery.proof_key is not None:
            try:
                keys = ProofKeys.from_discovery_attributes(discovery.proof_key.as_attributes())
            except ProofKeyInvalid as exc:
                log.error("op=proof_keys status=invalid reason=%s", str(exc).replace(" ", "_"))
        self._keys_for = (discovery, keys)
        return keys
