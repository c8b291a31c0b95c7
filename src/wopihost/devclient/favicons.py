"""Favicons for the emulated apps: a 32x32 .ico with the app's letter on its colour, drawn here."""

from __future__ import annotations

import struct
from functools import cache

SIZE = 32
_SCALE = 3
_RADIUS = 6
_GLYPHS: dict[str, tuple[str, ...]] = {
    "W": ("1...1", "1...1", "1...1", "1.1.1", "1.1.1", "11.11", "1...1"),
    "X": ("1...1", "1...1", ".1.1.", "..1..", ".1.1.", "1...1", "1...1"),
    "P": ("1111.", "1...1", "1...1", "1111.", "1....", "1....", "1...."),
    "T": ("11111", "..1..", "..1..", "..1..", "..1..", "..1..", "..1.."),
    # The shaped discoveries' icons: Collabora's Calc, Impress and Draw.
    "C": (".111.", "1...1", "1....", "1....", "1....", "1...1", ".111."),
    "I": (".111.", "..1..", "..1..", "..1..", "..1..", "..1..", ".111."),
    "D": ("1111.", "1...1", "1...1", "1...1", "1...1", "1...1", "1111."),
}
Pixel = tuple[int, int, int, int]


def _rgb(color: str) -> tuple[int, int, int]:
    value = int(color.lstrip("#"), 16)
    return value >> 16 & 0xFF, value >> 8 & 0xFF, value & 0xFF


def _inside_rounded_square(x: int, y: int) -> bool:
    # Corner pixels further than the radius from the corner circle's centre are transparent.
    cx = min(max(x, _RADIUS), SIZE - 1 - _RADIUS)
    cy = min(max(y, _RADIUS), SIZE - 1 - _RADIUS)
    return (x - cx) ** 2 + (y - cy) ** 2 <= _RADIUS**2


def _letter_pixels(letter: str) -> set[tuple[int, int]]:
    rows = _GLYPHS[letter]
    width, height = len(rows[0]) * _SCALE, len(rows) * _SCALE
    left, top = (SIZE - width) // 2, (SIZE - height) // 2
    return {
        (left + gx * _SCALE + dx, top + gy * _SCALE + dy)
        for gy, row in enumerate(rows)
        for gx, bit in enumerate(row)
        if bit == "1"
        for dx in range(_SCALE)
        for dy in range(_SCALE)
    }


def _pixel(x: int, y: int, background: tuple[int, int, int], letter: set[tuple[int, int]]) -> Pixel:
    if not _inside_rounded_square(x, y):
        return 0, 0, 0, 0
    if (x, y) in letter:
        return 255, 255, 255, 255
    red, green, blue = background
    return blue, green, red, 255


@cache
def favicon_ico(letter: str, color: str) -> bytes:
    """Return an .ico file (one 32-bit 32x32 image) showing `letter` in white on `color`."""
    background, glyph = _rgb(color), _letter_pixels(letter)
    # BMP rows run bottom-up; each pixel is BGRA.
    pixels = b"".join(
        bytes(_pixel(x, y, background, glyph)) for y in range(SIZE - 1, -1, -1) for x in range(SIZE)
    )
    and_mask = bytes(SIZE * 4)  # one bit per pixel, rows padded to 4 bytes; alpha decides instead
    header = struct.pack(
        "<IiiHHIIiiII", 40, SIZE, SIZE * 2, 1, 32, 0, len(pixels) + len(and_mask), 0, 0, 0, 0
    )
    image = header + pixels + and_mask
    directory = struct.pack("<HHH", 0, 1, 1)
    entry = struct.pack("<BBBBHHII", SIZE, SIZE, 0, 0, 1, 32, len(image), 6 + 16)
    return directory + entry + image
