"""pykrita/kritarc locations per platform, with a fake environment (no real HOME touched)."""

from __future__ import annotations

from pathlib import Path

from paintboard_installer import locations


def no_krita(_name: str) -> None:
    return None


def test_linux_native_uses_xdg(tmp_path: Path) -> None:
    env = {
        "HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path / "d"),
        "XDG_CONFIG_HOME": str(tmp_path / "c"),
    }
    loc = locations.find_location("linux", env, which=lambda n: "/usr/bin/krita")
    assert loc.flavour == "native"
    assert loc.pykrita == tmp_path / "d" / "krita" / "pykrita"
    assert loc.kritarc == tmp_path / "c" / "kritarc"


def test_linux_default_folders(tmp_path: Path) -> None:
    loc = locations.find_location("linux", {"HOME": str(tmp_path)}, which=no_krita)
    assert loc.pykrita == tmp_path / ".local" / "share" / "krita" / "pykrita"
    assert loc.kritarc == tmp_path / ".config" / "kritarc"


def test_linux_flatpak_detected_when_only_flatpak_data_exists(tmp_path: Path) -> None:
    (tmp_path / ".var" / "app" / "org.kde.krita" / "data").mkdir(parents=True)
    loc = locations.find_location("linux", {"HOME": str(tmp_path)}, which=no_krita)
    assert loc.flavour == "flatpak"
    base = tmp_path / ".var" / "app" / "org.kde.krita"
    assert loc.pykrita == base / "data" / "krita" / "pykrita"
    assert loc.kritarc == base / "config" / "kritarc"


def test_native_wins_when_krita_on_path(tmp_path: Path) -> None:
    (tmp_path / ".var" / "app" / "org.kde.krita" / "data").mkdir(parents=True)
    loc = locations.find_location(
        "linux", {"HOME": str(tmp_path)}, which=lambda n: "/usr/bin/krita"
    )
    assert loc.flavour == "native"
    forced = locations.find_location(
        "linux", {"HOME": str(tmp_path)}, "flatpak", which=lambda n: "/usr/bin/krita"
    )
    assert forced.flavour == "flatpak"


def test_windows_uses_appdata(tmp_path: Path) -> None:
    env = {
        "USERPROFILE": str(tmp_path),
        "APPDATA": str(tmp_path / "Roaming"),
        "LOCALAPPDATA": str(tmp_path / "Local"),
    }
    loc = locations.find_location("windows", env)
    assert loc.pykrita == tmp_path / "Roaming" / "krita" / "pykrita"
    assert loc.kritarc == tmp_path / "Local" / "kritarc"


def test_macos_library_folders(tmp_path: Path) -> None:
    loc = locations.find_location("macos", {"HOME": str(tmp_path)})
    assert loc.pykrita == tmp_path / "Library" / "Application Support" / "krita" / "pykrita"
    assert loc.kritarc == tmp_path / "Library" / "Preferences" / "kritarc"


def test_host_system_maps_platform_names(monkeypatch) -> None:
    for raw, want in (("Windows", "windows"), ("Darwin", "macos"), ("Linux", "linux")):
        monkeypatch.setattr(locations.platform, "system", lambda raw=raw: raw)
        assert locations.host_system() == want
