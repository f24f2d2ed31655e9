"""Turn the plugin on/off in kritarc without disturbing anything else in it.

kritarc is the user's whole Krita configuration (shortcuts, dockers, recent files). We never
parse and rewrite it as INI (configparser would drop comments, reorder keys and change case);
we edit lines as bytes: only the one ``enable_paintboard_krita`` line changes, every other byte
stays as it was, line endings included.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .plugin_files import file_mode

SECTION = "[python]"


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def _newline(text: str) -> str:
    """Keep the file's own line-ending style (kritarc written on Windows uses CRLF)."""
    return "\r\n" if "\r\n" in text else "\n"


def _section_bounds(lines: list[str]) -> tuple[int, int] | None:
    """(header index, end index exclusive) of the [python] section, or None."""
    start = None
    for i, line in enumerate(lines):
        stripped = line.strip()
        if start is None:
            if stripped == SECTION:
                start = i
        elif stripped.startswith("[") and stripped.endswith("]"):
            return start, i
    return None if start is None else (start, len(lines))


def _key_of(line: str) -> str | None:
    if "=" not in line:
        return None
    return line.split("=", 1)[0].strip()


def _value_of(line: str) -> str:
    return line.split("=", 1)[1].strip()


def is_enabled(text: str, key: str) -> bool:
    """True when [python] holds ``key=true`` (Krita's own check is case-insensitive)."""
    lines = _lines(text)
    bounds = _section_bounds(lines)
    if bounds is None:
        return False
    for line in lines[bounds[0] + 1 : bounds[1]]:
        if _key_of(line) == key:
            return _value_of(line).lower() == "true"
    return False


def enable(text: str, key: str) -> str:
    """Return ``text`` with ``key=true`` in [python]; unchanged if it is already there."""
    nl = _newline(text)
    lines = _lines(text)
    bounds = _section_bounds(lines)
    entry = f"{key}=true"
    if bounds is None:
        if not text:
            prefix = ""
        elif text.endswith(("\n", "\r")):
            prefix = nl
        else:
            prefix = nl + nl
        return text + prefix + SECTION + nl + entry + nl
    start, end = bounds
    for i in range(start + 1, end):
        if _key_of(lines[i]) == key:
            if _value_of(lines[i]) == "true":
                return text
            ending = lines[i][len(lines[i].rstrip("\r\n")) :] or nl
            lines[i] = entry + ending
            return "".join(lines)
    # Insert after the section's last non-blank line so blank separators stay where they are.
    insert_at = start + 1
    for i in range(start + 1, end):
        if lines[i].strip():
            insert_at = i + 1
    if insert_at > 0 and not lines[insert_at - 1].endswith(("\n", "\r")):
        lines[insert_at - 1] += nl
    lines.insert(insert_at, entry + nl)
    return "".join(lines)


def disable(text: str, key: str) -> str:
    """Remove the ``key`` line; drop [python] too if that leaves it empty (we added it)."""
    lines = _lines(text)
    bounds = _section_bounds(lines)
    if bounds is None:
        return text
    start, end = bounds
    kept = [ln for ln in lines[start + 1 : end] if _key_of(ln) != key]
    if len(kept) == end - start - 1:
        return text
    if any(ln.strip() for ln in kept):
        return "".join(lines[: start + 1] + kept + lines[end:])
    # Section now empty: remove header and the blank separator `enable` put before it.
    head = lines[:start]
    if head and not head[-1].strip():
        head = head[:-1]
    return "".join(head + kept + lines[end:])


def read(path: Path) -> str:
    """Decode losslessly: bytes that are not UTF-8 survive the round trip unchanged."""
    if not path.exists():
        return ""
    return path.read_bytes().decode("utf-8", errors="surrogateescape")


def write_atomic(path: Path, text: str) -> None:
    """Temp file + os.replace so a crash never leaves a half-written kritarc behind."""
    data = text.encode("utf-8", errors="surrogateescape")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".kritarc.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, file_mode(path))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
