"""Krita's Python detection and pyzmq vendoring, with fake wheels (no network)."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from paintboard_installer import VENDOR_STAMP, kritapython


def make_wheel(directory: Path, name: str, version: str = "fake-1") -> Path:
    wheel = directory / name
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr("zmq/__init__.py", f"__version__ = {version!r}\n")
        zf.writestr("pyzmq-26.0.0.dist-info/METADATA", "Name: pyzmq\n")
    return wheel


@pytest.mark.parametrize(
    ("name", "version", "system", "ok"),
    [
        ("pyzmq-26.0.0-cp310-cp310-win_amd64.whl", (3, 10), "windows", True),
        ("pyzmq-26.0.0-cp311-cp311-win_amd64.whl", (3, 10), "windows", False),
        ("pyzmq-26.0.0-cp310-cp310-win_amd64.whl", (3, 10), "macos", False),
        ("pyzmq-27.3.0-cp310-cp310-macosx_10_15_universal2.whl", (3, 10), "macos", True),
        ("pyzmq-27.3.0-cp312-abi3-macosx_10_15_universal2.whl", (3, 13), "macos", True),
        ("pyzmq-27.3.0-cp312-abi3-macosx_10_15_universal2.whl", (3, 10), "macos", False),
        (
            "pyzmq-27.3.0-cp311-cp311-manylinux_2_26_x86_64.manylinux_2_28_x86_64.whl",
            (3, 11),
            "linux",
            True,
        ),
        ("pyzmq-27.3.0-cp311-cp311-musllinux_1_1_x86_64.whl", (3, 11), "linux", False),
        ("not-a-wheel.zip", (3, 11), "linux", False),
    ],
)
def test_wheel_matches(name: str, version: tuple[int, int], system: str, ok: bool) -> None:
    tags = kritapython.platform_tags(system, "x86_64")
    assert kritapython.wheel_matches(name, version, tags) is ok


def test_unpack_fake_wheel_imports_with_vendor_on_path(tmp_path: Path) -> None:
    wheel = make_wheel(tmp_path, "pyzmq-26.0.0-cp311-cp311-manylinux_2_28_x86_64.whl")
    vendor = tmp_path / "pkg" / "vendor"
    (vendor / "old").mkdir(parents=True)  # an older vendoring is replaced, not merged
    kritapython.unpack_wheel(wheel, vendor)
    assert (vendor / "zmq" / "__init__.py").is_file()
    assert not (vendor / "old").exists()
    assert json.loads((vendor / VENDOR_STAMP).read_text())["wheel"] == wheel.name
    ok, detail = kritapython.zmq_importable([sys.executable], vendor)
    assert ok and detail.startswith("fake-1"), detail
    kp = kritapython.KritaPython((3, 11), "linux", "test")
    assert kritapython.vendor_fits(vendor, kp)
    assert not kritapython.vendor_fits(vendor, kritapython.KritaPython((3, 10), "linux", "t"))
    assert not kritapython.vendor_fits(vendor, kritapython.KritaPython((3, 11), "windows", "t"))


def test_unpack_rejects_path_traversal(tmp_path: Path) -> None:
    wheel = tmp_path / "pyzmq-26.0.0-cp311-cp311-win_amd64.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr("../evil.py", "x = 1\n")
    with pytest.raises(RuntimeError, match="unsafe"):
        kritapython.unpack_wheel(wheel, tmp_path / "vendor")
    assert not (tmp_path / "evil.py").exists()


def test_download_wheel_builds_pip_command(tmp_path: Path, monkeypatch) -> None:
    seen: list[list[str]] = []

    def fake_run(cmd, **kw):
        seen.append(cmd)
        make_wheel(tmp_path, "pyzmq-26.0.0-cp310-cp310-win_amd64.whl")
        return subprocess.CompletedProcess(cmd, 0, "", "")

    monkeypatch.setattr(kritapython.subprocess, "run", fake_run)
    kp = kritapython.KritaPython((3, 10), "windows", "test")
    wheel = kritapython.download_wheel(["py"], kp, tmp_path, log=lambda *_: None)
    assert wheel.name.endswith("win_amd64.whl")
    cmd = seen[0]
    assert cmd[:4] == ["py", "-m", "pip", "download"]
    assert "--only-binary=:all:" in cmd and "--no-deps" in cmd
    assert cmd[cmd.index("--python-version") + 1] == "3.10"
    assert cmd[cmd.index("--platform") + 1] == "win_amd64"
    assert cmd[-1].startswith("pyzmq")


def test_linked_python_version_reads_library(tmp_path: Path) -> None:
    lib = tmp_path / "kritapykrita.so"
    lib.write_bytes(b"\x7fELF....libQt5Core.so.5\x00libpython3.11.so.1.0\x00...")
    assert kritapython.linked_python_version(lib) == (3, 11)
    lib.write_bytes(b"\x7fELF nothing")
    assert kritapython.linked_python_version(lib) is None


def test_detect_prefers_explicit_options(tmp_path: Path) -> None:
    kp = kritapython.detect("windows", "windows", version="3.10", use_kritarunner=False)
    assert kp.version == (3, 10) and kp.command is None
    kp = kritapython.detect("linux", "native", krita_python=sys.executable)
    assert kp.version == sys.version_info[:2] and kp.command == [sys.executable]


def test_detect_falls_back_with_a_note() -> None:
    kp = kritapython.detect("macos", "macos", use_kritarunner=False, which=lambda n: None)
    assert kp.version == kritapython.FALLBACK_VERSION
    assert kp.notes and "--krita-python-version" in kp.notes[0]
