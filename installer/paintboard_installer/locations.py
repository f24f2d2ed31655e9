"""Where Krita keeps user Python plugins (pykrita) and its settings file (kritarc), per platform.

Everything takes the platform name and environment as arguments instead of reading globals, so
tests can ask "where would this go on Windows?" on a Linux machine with a temporary HOME.
"""

from __future__ import annotations

import platform
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

FLATPAK_APP = "org.kde.krita"


def host_system() -> str:
    """``linux`` / ``windows`` / ``macos``: the three Krita ships for."""
    name = platform.system().lower()
    if name.startswith("win"):
        return "windows"
    if name == "darwin":
        return "macos"
    return "linux"


@dataclass(frozen=True)
class KritaLocation:
    """One Krita flavour's user folders and why it was chosen (printed to the user)."""

    flavour: str  # native | flatpak | windows | macos
    pykrita: Path
    kritarc: Path
    reason: str


def _home(env: Mapping[str, str]) -> Path:
    """HOME from the given environment first, so tests can redirect everything."""
    home = env.get("HOME") or env.get("USERPROFILE")
    return Path(home) if home else Path.home()


def linux_native(env: Mapping[str, str]) -> tuple[Path, Path]:
    """Distribution packages and the AppImage follow the XDG base directories."""
    home = _home(env)
    data = Path(env.get("XDG_DATA_HOME") or home / ".local" / "share")
    config = Path(env.get("XDG_CONFIG_HOME") or home / ".config")
    return data / "krita" / "pykrita", config / "kritarc"


def linux_flatpak(env: Mapping[str, str]) -> tuple[Path, Path]:
    """Flatpak remaps XDG dirs into ~/.var/app/<id>/ (data/ and config/)."""
    base = _home(env) / ".var" / "app" / FLATPAK_APP
    return base / "data" / "krita" / "pykrita", base / "config" / "kritarc"


def windows_paths(env: Mapping[str, str]) -> tuple[Path, Path]:
    """Krita on Windows: pykrita under %APPDATA%, kritarc directly in %LOCALAPPDATA%."""
    home = _home(env)
    appdata = Path(env.get("APPDATA") or home / "AppData" / "Roaming")
    local = Path(env.get("LOCALAPPDATA") or home / "AppData" / "Local")
    return appdata / "krita" / "pykrita", local / "kritarc"


def macos_paths(env: Mapping[str, str]) -> tuple[Path, Path]:
    """Krita on macOS uses the Application Support and Preferences folders."""
    home = _home(env)
    return (
        home / "Library" / "Application Support" / "krita" / "pykrita",
        home / "Library" / "Preferences" / "kritarc",
    )


def find_location(
    system: str,
    env: Mapping[str, str],
    flavour: str = "auto",
    which=shutil.which,
) -> KritaLocation:
    """Pick the Krita install to target; on Linux choose between native and Flatpak.

    Native wins when a ``krita`` binary is on PATH or its folders exist; Flatpak is chosen when
    only the Flatpak's folders (or the ``flatpak`` app) exist. ``flavour`` forces a choice.
    """
    if system == "windows":
        pyk, rc = windows_paths(env)
        return KritaLocation("windows", pyk, rc, "Windows: %APPDATA%\\krita\\pykrita")
    if system == "macos":
        pyk, rc = macos_paths(env)
        return KritaLocation("macos", pyk, rc, "macOS: ~/Library/Application Support/krita")
    native = linux_native(env)
    flat = linux_flatpak(env)
    if flavour == "native":
        return KritaLocation("native", *native, "--flavour native")
    if flavour == "flatpak":
        return KritaLocation("flatpak", *flat, "--flavour flatpak")
    if which("krita"):
        return KritaLocation("native", *native, f"krita found at {which('krita')}")
    if native[0].parent.exists():
        return KritaLocation("native", *native, f"{native[0].parent} exists")
    if flat[0].parent.parent.parent.exists():
        return KritaLocation("flatpak", *flat, f"Flatpak {FLATPAK_APP} data folder exists")
    return KritaLocation(
        "native", *native, "no Krita found; using the standard Linux folders (AppImage/distro)"
    )
