"""File and folder names: validation, normalisation, repair, and the UTF-7 of WOPI name headers."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

from wopihost.errors import InvalidFileName, InvalidRequest

# The default of CheckFileInfo's FileNameMaxLength: the longest name without its extension.
MAX_STEM_LENGTH = 250
MAX_NAME_LENGTH = 255
_ILLEGAL = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
_RESERVED = {
    "con",
    "prn",
    "aux",
    "nul",
    *(f"com{i}" for i in range(1, 10)),
    *(f"lpt{i}" for i in range(1, 10)),
}
_NUMBERED = re.compile(r"^(?P<base>.*) \((?P<n>\d+)\)$")


def split_extension(name: str) -> tuple[str, str]:
    """Split "a.b.docx" into ("a.b", ".docx"); a dot at the start does not begin an extension."""
    dot = name.rfind(".")
    if dot <= 0:
        return name, ""
    return name[:dot], name[dot:]


def name_key(name: str) -> str:
    """The form under which two names collide in one folder: NFC and case-folded, like Windows and Office."""
    return unicodedata.normalize("NFC", name).casefold()


def validate_name(name: str) -> str:
    """Return `name` in NFC if it is a legal file or folder name, else raise InvalidFileName with a repair."""
    name = unicodedata.normalize("NFC", name)
    reason = _problem(name)
    if reason:
        raise InvalidFileName(reason, suggestion=repair_name(name))
    return name


def _problem(name: str) -> str | None:
    stem = split_extension(name)[0]
    if not name.strip():
        return "the name is empty"
    if name in (".", ".."):
        return "the name is a path segment"
    if _ILLEGAL.search(name):
        return 'the name contains a character that is not allowed (< > : " / \\ | ? * or a control character)'
    if name != name.strip() or name.endswith("."):
        return "the name starts or ends with a space, or ends with a period"
    if stem.split(".")[0].casefold() in _RESERVED:
        return "the name is reserved by Windows"
    if len(stem) > MAX_STEM_LENGTH or len(name) > MAX_NAME_LENGTH:
        return f"the name is longer than {MAX_STEM_LENGTH} characters"
    return None


def repair_name(name: str, fallback: str = "Document") -> str:
    """Return a legal name as close to `name` as possible, keeping its extension when that is legal."""
    name = unicodedata.normalize("NFC", name)
    stem, ext = split_extension(name)
    ext = _ILLEGAL.sub("", ext).rstrip(". ")
    if len(ext) > 20 or ext == ".":
        ext = ""
    stem = _ILLEGAL.sub("_", stem).strip().rstrip(".")
    if not stem.strip("_ ."):
        stem = fallback
    if stem.split(".")[0].casefold() in _RESERVED:
        stem = f"{stem}_"
    stem = stem[: min(MAX_STEM_LENGTH, MAX_NAME_LENGTH - len(ext))].rstrip(" .")
    return f"{stem}{ext}"


def numbered_names(name: str) -> Iterator[str]:
    """Yield `name`, then "stem (2).ext", "stem (3).ext", ... for finding a free name."""
    yield name
    stem, ext = split_extension(name)
    match = _NUMBERED.match(stem)
    base, start = (match["base"], int(match["n"]) + 1) if match else (stem, 2)
    n = start
    while True:
        suffix = f" ({n})"
        yield f"{base[: MAX_STEM_LENGTH - len(suffix)]}{suffix}{ext}"
        n += 1


def decode_utf7(value: str, header: str) -> str:
    """Decode a UTF-7 header value (X-WOPI-SuggestedTarget, -RelativeTarget, -RequestedName)."""
    if not value.isascii():
        raise InvalidRequest(f"{header} is not valid UTF-7: it contains non-ASCII characters")
    if value.endswith("+"):
        raise InvalidRequest(f"{header} is not valid UTF-7: it ends inside a shift sequence")
    try:
        return value.encode("ascii").decode("utf-7")
    except UnicodeDecodeError as exc:
        raise InvalidRequest(f"{header} is not valid UTF-7: {exc.reason}") from exc


def encode_utf7(value: str) -> str:
    """Encode a name for a UTF-7 response header such as X-WOPI-ValidRelativeTarget."""
    return value.encode("utf-7").decode("ascii")
