"""Generated avatars: a user's initials on a colour derived from their UserId, as SVG."""

from __future__ import annotations

import hashlib
from xml.sax.saxutils import escape

SIZE = 64


def initials(display_name: str) -> str:
    """Up to two letters: the first letters of the first and the last word ("Ada King" gives "AK")."""
    words = [word for word in display_name.split() if word[:1].isalnum()]
    if not words:
        return "?"
    letters = words[0][0] + (words[-1][0] if len(words) > 1 else "")
    return letters.upper()


def avatar_colour(user_id: str) -> str:
    """A stable hue per user, dark enough that white initials stay readable."""
    hue = int.from_bytes(hashlib.sha256(user_id.encode("utf-8")).digest()[:2], "big") % 360
    return f"hsl({hue}, 55%, 38%)"


def avatar_svg(user_id: str, display_name: str) -> bytes:
    """The avatar of one user, a square SVG image with a circle and their initials."""
    half = SIZE // 2
    text = escape(initials(display_name), {'"': "&quot;"})
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{SIZE}" height="{SIZE}" '
        f'viewBox="0 0 {SIZE} {SIZE}" role="img" aria-label="{text}">'
        f'<circle cx="{half}" cy="{half}" r="{half}" fill="{avatar_colour(user_id)}"/>'
        f'<text x="50%" y="50%" dy=".35em" text-anchor="middle" fill="#fff" '
        f'font-family="system-ui, sans-serif" font-size="26" font-weight="600">{text}</text>'
        "</svg>"
    ).encode()
