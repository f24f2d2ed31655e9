"""Copy the plugin into pykrita, compare installed vs. source, write the plugin's settings.

The repository's ``protocol.py``/``palette.py`` are symlinks into the backend; a user's pykrita
must get real files (Windows has no symlinks for most users, and the repo may move), so every
copy dereferences. Replacing an installed copy goes through a sibling temp folder and renames,
so Krita never sees a half-copied package; the user's ``settings.json`` and the vendored
``vendor/`` folder are carried over because they are not part of the source tree.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from . import ACTION_FILE, ACTIONS_DIR, DESKTOP_FILE, PLUGIN_NAME, SETTINGS_FILE, VENDOR_DIR

# Files that live in the installed package but are not part of the plugin source.
LOCAL_STATE = (SETTINGS_FILE, VENDOR_DIR)
IGNORED_PARTS = ("__pycache__",)
IGNORED_SUFFIXES = (".pyc", ".pyo")


def _source_files(package: Path) -> Iterator[Path]:
    """Plugin files relative to ``package``, sorted, without caches and local state."""
    for path in sorted(package.rglob("*")):
        rel = path.relative_to(package)
        if rel.parts[0] in LOCAL_STATE or any(p in IGNORED_PARTS for p in rel.parts):
            continue
        if path.suffix in IGNORED_SUFFIXES or path.is_dir():
            continue
        yield rel


def action_file(plugin_root: Path) -> Path:
    """The .action file: beside the package in the source tree, in ``actions/`` when installed
    (``plugin_root`` is then Krita's ``pykrita`` folder)."""
    source = plugin_root / ACTION_FILE
    return source if source.is_file() else plugin_root.parent / ACTIONS_DIR / ACTION_FILE


def tree_hash(plugin_root: Path) -> str | None:
    """sha256 over the desktop file and the package's files (content, symlinks followed).

    None when the plugin is not there at all; used to tell "installed and up to date" from
    "installed but older than this checkout" without trusting timestamps.
    """
    desktop = plugin_root / DESKTOP_FILE
    package = plugin_root / PLUGIN_NAME
    if not package.is_dir():
        return None
    digest = hashlib.sha256()
    if desktop.is_file():
        digest.update(b"desktop\0" + desktop.read_bytes())
    action = action_file(plugin_root)
    if action.is_file():
        digest.update(b"action\0" + action.read_bytes())
    for rel in _source_files(package):
        digest.update(rel.as_posix().encode() + b"\0")
        digest.update(hashlib.sha256((package / rel).read_bytes()).digest())
    return digest.hexdigest()


def is_dev_link(pykrita: Path) -> bool:
    return (pykrita / PLUGIN_NAME).is_symlink()


def _copy_package(src: Path, dst: Path) -> None:
    """Copy with symlinks dereferenced, skipping caches and the source's own local state."""

    def ignore(directory: str, names: list[str]) -> list[str]:
        skip = [n for n in names if n in IGNORED_PARTS or n.endswith(IGNORED_SUFFIXES)]
        if Path(directory) == src:
            skip += [n for n in names if n in LOCAL_STATE]
        return skip

    shutil.copytree(src, dst, symlinks=False, ignore=ignore)


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.is_dir():
        shutil.rmtree(path)


def install_copy(plugin_src: Path, pykrita: Path) -> None:
    """Install (or replace) the plugin as real files, keeping settings.json and vendor/."""
    pykrita.mkdir(parents=True, exist_ok=True)
    target = pykrita / PLUGIN_NAME
    tag = uuid.uuid4().hex[:8]
    staging = pykrita / f".{PLUGIN_NAME}.new-{tag}"
    _copy_package(plugin_src / PLUGIN_NAME, staging)
    try:
        if target.is_dir() and not target.is_symlink():
            for name in LOCAL_STATE:
                old = target / name
                if old.exists():
                    (shutil.copytree if old.is_dir() else shutil.copy2)(old, staging / name)
        retired = pykrita / f".{PLUGIN_NAME}.old-{tag}"
        if target.is_symlink():
            target.unlink()
        elif target.exists():
            os.replace(target, retired)
        os.replace(staging, target)
        _remove(retired)
    except BaseException:
        _remove(staging)
        raise
    _copy_file_atomic(plugin_src / DESKTOP_FILE, pykrita / DESKTOP_FILE)
    _copy_file_atomic(plugin_src / ACTION_FILE, action_file(pykrita))


def _copy_file_atomic(src: Path, dst: Path) -> None:
    data = src.read_bytes()  # follows symlinks
    if dst.is_symlink():
        dst.unlink()
    write_bytes_atomic(dst, data)


def install_link(plugin_src: Path, pykrita: Path) -> None:
    """Developer install: pykrita entries are symlinks into the checkout, edits show at once."""
    pykrita.mkdir(parents=True, exist_ok=True)
    (pykrita.parent / ACTIONS_DIR).mkdir(exist_ok=True)
    for name, dst in ((PLUGIN_NAME, pykrita / PLUGIN_NAME), (DESKTOP_FILE, pykrita / DESKTOP_FILE),
                      (ACTION_FILE, pykrita.parent / ACTIONS_DIR / ACTION_FILE)):
        src = plugin_src / name if name == PLUGIN_NAME else (plugin_src / name).resolve()
        if dst.is_symlink() and Path(os.readlink(dst)) == src.absolute():
            continue
        _remove(dst)
        dst.symlink_to(src.absolute(), target_is_directory=src.is_dir())


def uninstall(pykrita: Path) -> list[Path]:
    """Remove the desktop and action files and the package (vendor/ and settings.json too)."""
    removed = []
    for path in (pykrita / DESKTOP_FILE, pykrita / PLUGIN_NAME,
                 pykrita.parent / ACTIONS_DIR / ACTION_FILE):
        if path.exists() or path.is_symlink():
            _remove(path)
            removed.append(path)
    for stale in pykrita.glob(f".{PLUGIN_NAME}.*"):  # left by an interrupted install
        _remove(stale)
        removed.append(stale)
    return removed


def file_mode(path: Path) -> int:
    """Keep an existing file's mode; new files get the usual 0666 & ~umask (mkstemp uses 0600)."""
    if path.exists():
        return path.stat().st_mode & 0o7777
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Temp file in the same folder + os.replace: readers see the old or the new file, whole."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, file_mode(path))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# Keys the installer owns: they describe this installation and are refreshed on every run.
# All other keys (endpoint, autostart, working_size, anything the plugin adds) are the user's
# once they exist and are kept unless --reset-settings.
INSTALLER_KEYS = ("backend_command", "weights", "installed_from")


def merge_settings(
    existing: dict[str, Any] | None, fresh: dict[str, Any], reset: bool
) -> dict[str, Any]:
    """The settings to write: ``fresh`` defaults under the user's own values."""
    if reset or not existing:
        return dict(fresh)
    merged = dict(existing)
    for key, value in fresh.items():
        if key in INSTALLER_KEYS or key not in merged:
            merged[key] = value
    return merged


def read_settings(path: Path) -> dict[str, Any] | None:
    """The current settings, or None if missing; unreadable JSON raises with the path."""
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        msg = f"{path} is not valid JSON ({exc}); fix it or use --reset-settings"
        raise ValueError(msg) from exc
    if not isinstance(data, dict):
        raise ValueError(f"{path} does not hold a JSON object; use --reset-settings")
    return data


def settings_text(settings: dict[str, Any]) -> str:
    return json.dumps(settings, indent=2, sort_keys=True) + "\n"


def write_settings(path: Path, settings: dict[str, Any]) -> bool:
    """Write atomically; False (and no write) when the file already holds exactly this."""
    text = settings_text(settings)
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return False
    write_bytes_atomic(path, text.encode("utf-8"))
    return True
