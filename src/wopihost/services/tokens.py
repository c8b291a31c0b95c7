"""Access tokens: signed, scoped to one user and one file (or container, or the ecosystem), expiring."""

from __future__ import annotations

import base64
import hmac
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

import jwt

from wopihost.domain.records import FileAccess, FolderAccess
from wopihost.domain.signing import SigningKey, SigningKeyring
from wopihost.errors import InvalidToken
from wopihost.ports import Clock, KeyringSource

# A token is only accepted where its kind is expected: a file's token opens no container, and the reverse.
# "container" tokens name a folder in `fid`; "ecosystem" tokens name only their user (`fid` is empty).
TokenKind = Literal["wopi", "fileurl", "container", "ecosystem"]
ECOSYSTEM_ITEM = ""
_ALGORITHM = "HS256"
# A WOPI client sends one token for hours, and CheckFileInfo hands out a FileUrl token each time: verified
# tokens and issued FileUrl tokens are remembered (bounded), so the hot path signs and verifies rarely.
_MEMO_SIZE = 8192


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A token and its expiry; `ttl_ms` is WOPI's access_token_ttl (ms since the epoch, not a duration)."""

    token: str
    expires_at: datetime

    @property
    def ttl_ms(self) -> int:
        return int(self.expires_at.timestamp() * 1000)


@dataclass(frozen=True, slots=True)
class TokenClaims:
    """What a verified token grants."""

    user_id: str
    file_id: str
    expires_at: datetime
    # Set for an anonymous visitor: the share link whose rights are checked on every request, and the
    # display name the visitor chose.
    link_id: str | None = None
    display_name: str = ""


class TokenService:
    """Issues and verifies access tokens."""

    def __init__(self, keyring: SigningKeyring | KeyringSource, *, ttl: timedelta, clock: Clock) -> None:
        self._keys = _StaticKeyring(keyring) if isinstance(keyring, SigningKeyring) else keyring
        self._ttl = ttl
        self._clock = clock
        # token -> the key that verified it and its claims; reused only while that key is still in the ring.
        self._verified: dict[str, tuple[SigningKey, dict[str, Any]]] = {}
        # (user, file, link, name) -> a FileUrl token, handed out again while most of its life is left.
        self._file_urls: dict[tuple[str, str, str | None, str], IssuedToken] = {}

    def issue(
        self,
        user_id: str,
        file_id: str,
        *,
        kind: TokenKind = "wopi",
        link_id: str | None = None,
        display_name: str = "",
    ) -> IssuedToken:
        """Issue a token for one user (or, with `link_id`, one anonymous link visitor) and one file."""
        expires_at = (self._clock.now() + self._ttl).replace(microsecond=0)
        claims: dict[str, Any] = {
            "sub": user_id,
            "fid": file_id,
            "knd": kind,
            "exp": int(expires_at.timestamp()),
        }
        if link_id is not None:
            claims.update(lnk=link_id, nam=display_name)
        key = self._keys.current().current
        token = jwt.encode(claims, key.secret, algorithm=_ALGORITHM, headers={"kid": key.kid})
        return IssuedToken(token=token, expires_at=expires_at)

    def verify(self, token: str, *, file_id: str, kind: TokenKind = "wopi") -> TokenClaims:
        """Return the claims of a valid, unexpired token for `file_id`; raise InvalidToken otherwise."""
        claims = self._decode(token)
        if claims.get("knd") != kind or not isinstance(claims.get("sub"), str):
            raise InvalidToken("token is of the wrong kind")
        if not hmac.compare_digest(_utf8(str(claims.get("fid", ""))), _utf8(file_id)):
            raise InvalidToken("token was issued for another file")
        now = self._clock.now()
        expires_at = datetime.fromtimestamp(claims["exp"], tz=now.tzinfo)
        if expires_at <= now:
            raise InvalidToken("token has expired")
        link_id, name = claims.get("lnk"), claims.get("nam", "")
        if link_id is not None and not (isinstance(link_id, str) and isinstance(name, str)):
            raise InvalidToken("token has a malformed link claim")
        return TokenClaims(
            user_id=claims["sub"], file_id=file_id, expires_at=expires_at, link_id=link_id, display_name=name
        )

    def issue_for(self, access: FileAccess, *, kind: TokenKind = "wopi") -> IssuedToken:
        """Issue a token for the caller of `access` on its file, through the same link if they used one."""
        return self.issue(
            access.user.id,
            access.file.id,
            kind=kind,
            link_id=access.link_id,
            display_name=access.user.display_name,
        )

    def file_url_for(self, access: FileAccess) -> IssuedToken:
        """A FileUrl token for the caller of `access`: a recent one again while over half its life is left.

        The token grants what a fresh one would (rights are checked when it is used), so handing the same one
        to a client that calls CheckFileInfo every few minutes changes nothing but the cost.
        """
        key = (access.user.id, access.file.id, access.link_id, access.user.display_name)
        issued = self._file_urls.get(key)
        if issued is not None and issued.expires_at - self._clock.now() > self._ttl / 2:
            return issued
        issued = self.issue_for(access, kind="fileurl")
        _remember(self._file_urls, key, issued)
        return issued

    def issue_for_container(self, access: FolderAccess) -> IssuedToken:
        """Issue a container token for the caller of `access` on its folder."""
        return self.issue(access.user.id, access.folder.id, kind="container")

    def issue_for_ecosystem(self, user_id: str) -> IssuedToken:
        """Issue an ecosystem token: the user alone, for CheckEcosystem and GetRootContainer."""
        return self.issue(user_id, ECOSYSTEM_ITEM, kind="ecosystem")

    def _decode(self, token: str) -> dict[str, Any]:
        if not token or len(token) > 4096:
            raise InvalidToken("token is missing or too long")
        verified = self._verified.get(token)
        # A token verified before needs no parsing again while the key that signed it is still in the ring.
        if verified is not None and self._keys.current().find(verified[0].kid) == verified[0]:
            return verified[1]
        try:
            kid = _key_id(token)
            if not isinstance(kid, str):
                raise InvalidToken("token names no signing key")
            # A key this process does not know may come from a rotation made while it runs.
            key = self._keys.current().find(kid) or self._keys.reload().find(kid)
            if key is None:
                raise InvalidToken("token was signed with an unknown key")
            # Expiry is checked against the injected clock, not by PyJWT.
            claims: dict[str, Any] = jwt.decode(
                token,
                key.secret,
                algorithms=[_ALGORITHM],
                options={"require": ["exp", "sub", "fid"], "verify_exp": False},
            )
            _remember(self._verified, token, (key, claims))
            return claims
        except jwt.PyJWTError as exc:
            raise InvalidToken(f"token is malformed or tampered with ({type(exc).__name__})") from exc


def _remember(memo: dict[Any, Any], key: Any, value: Any) -> None:
    if len(memo) >= _MEMO_SIZE:
        memo.clear()
    memo[key] = value


class _StaticKeyring:
    """A keyring that never changes (tests, tools)."""

    def __init__(self, keyring: SigningKeyring) -> None:
        self._keyring = keyring

    def current(self) -> SigningKeyring:
        return self._keyring

    def reload(self) -> SigningKeyring:
        return self._keyring


def _key_id(token: str) -> object:
    """The `kid` of a JWT's header, read without PyJWT's second full parse of the token (a hot path)."""
    header = token.partition(".")[0]
    try:
        decoded = json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))
    except (ValueError, TypeError) as exc:
        raise InvalidToken("token header is malformed") from exc
    return decoded.get("kid") if isinstance(decoded, dict) else None


def _utf8(text: str) -> bytes:
    # compare_digest refuses str with non-ASCII characters; a file ID from a URL path may have them.
    return text.encode("utf-8", "surrogatepass")
