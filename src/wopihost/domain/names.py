"""File and folder names: validation, normalisation, repair, and the UTF-7 of WOPI name headers."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

from wopihost.domain.locales import N_
from wopihost.errors import InvalidFileName, InvalidRequest

# The default of CheckFileInfo's FileNameMaxLength: the longest name without its extension.
MAX_STEM_LENGTH = 250
MAX_NAME_LENGTH = 255
# Surrogates are illegal too: a lone one (which UTF-7 can carry) is no character and cannot be stored.
_ILLEGAL = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f\ud800-\udfff]')
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
        return N_("the name is empty")
    if name in (".", ".."):
        return N_("the name is a path segment")
    if _ILLEGAL.search(name):
        return N_(
            'the name contains a character that is not allowed (< > : " / \\ | ? * or a control character)'
        )
    if name != name.strip() or name.endswith("."):
        return N_("the name starts or ends with a space, or ends with a period")
    if stem.split(".")[0].casefold() in _RESERVED:
        return N_("the name is reserved by Windows")
    if len(stem) > MAX_STEM_LENGTH or len(name) > MAX_NAME_LENGTH:
        return f"the name is longer than {MAX_STEM_LENGTH} characters"
    return None


def repair_name(name: str, fallback: str = "Document") -> str:
    """Return a legal name as close to `name` as possible, keeping its extension when that is legal."""
    name = unicodedata.normalize("NFC", name)
    stem, ext = split_extension(name)
    # Removing characters can bring a letter and a combining mark together: normalise again.
    ext = _trim_end(unicodedata.normalize("NFC", _ILLEGAL.sub("", ext)))
    if len(ext) > 20:
        ext = ""
    stem = _trim_end(unicodedata.normalize("NFC", _ILLEGAL.sub("_", stem)).strip())
    if not stem.strip("_ ."):
        stem = fallback
    head, dot, tail = stem.partition(".")
    if head.casefold() in _RESERVED:
        stem = f"{head}_{dot}{tail}"
    stem = _trim_end(stem[: min(MAX_STEM_LENGTH, MAX_NAME_LENGTH - len(ext))]) or fallback
    return f"{stem}{ext}"


def _trim_end(text: str) -> str:
    """`text` without trailing white space and periods, which names may not end with."""
    while text != (trimmed := text.rstrip().rstrip(".")):
        text = trimmed
    return text


def numbered_names(name: str) -> Iterator[str]:
    """Yield `name`, then "stem (2).ext", "stem (3).ext", ... for finding a free name."""
    yield name
    stem, ext = split_extension(name)
    match = _NUMBERED.match(stem)
    base, start = (match["base"], int(match["n"]) + 1) if match else (stem, 2)
    # The suffix must fit within both the stem limit and, with the extension, the name limit.
    limit = min(MAX_STEM_LENGTH, MAX_NAME_LENGTH - len(ext))
    n = start
    while True:
        suffix = f" ({n})"
        yield f"{base[: limit - len(suffix)]}{suffix}{ext}"
        n += 1


def decode_utf7(value: str, header: str) -> str:
    """Decode a UTF-7 header value (X-WOPI-SuggestedTarget, -RelativeTarget, -RequestedName)."""
    if not value.isascii():
        raise InvalidRequest(f"{header} is not valid UTF-7: it contains non-ASCII characters")
    if value.endswith("+"):
        raise InvalidRequest(f"{header} is not valid UTF-7: it ends inside a shift sequence")
    try:
        decoded = value.encode("ascii").decode("utf-7")
        # Python's codec lets unpaired surrogates through; they are no characters.
        decoded.encode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidRequest(f"{header} is not valid UTF-7: {exc.reason}") from exc
    except UnicodeEncodeError as exc:
        raise InvalidRequest(f"{header} is not valid UTF-7: it encodes an unpaired surrogate") from exc
    return decoded


def encode_utf7(value: str) -> str:
    """Encode a name for a UTF-7 response header such as X-WOPI-ValidRelativeTarget."""
    return value.encode("utf-7").decode("ascii")
