"""Find out which Python runs inside Krita and make ``import zmq`` work there.

Krita's Python is not the user's ``python3``: Debian/Ubuntu packages link the system Python
(``/usr/bin/python3.X``, where ``apt-get install python3-zmq`` helps), while the official builds
(AppImage, Windows, macOS) bundle their own Python without pyzmq. For those we download the
pyzmq wheel built for Krita's Python version and platform and unpack it into the plugin's
``vendor/`` folder, which the plugin puts on ``sys.path`` at start-up.
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import VENDOR_STAMP

PYZMQ_SPEC = "pyzmq>=25,<28"
# Krita 5.2's official builds (AppImage, Windows, macOS) bundle Python 3.10.
FALLBACK_VERSION = (3, 10)

_PROBE = """\
import json, os, sys
def main(*args):
    info = {"version": list(sys.version_info[:2]), "platform": sys.platform}
    try:
        import zmq
        info["zmq"] = zmq.__version__
    except Exception as exc:
        info["zmq"] = None
        info["error"] = repr(exc)
    with open(os.environ["PAINTBOARD_PROBE_OUT"], "w") as fh:
        json.dump(info, fh)
"""


@dataclass
class KritaPython:
    """What we know about Krita's Python: an interpreter we can run, or just a version."""

    version: tuple[int, int] | None
    system: str  # linux | windows | macos (decides the wheel's platform tags)
    source: str  # how we found out, shown to the user
    command: list[str] | None = None  # run this to execute code as Krita's Python would
    zmq_builtin: bool | None = None  # zmq importable without our vendor/ folder
    apt_hint: bool = False  # Debian-like system Python: python3-zmq is the clean fix
    notes: list[str] = field(default_factory=list)

    @property
    def version_text(self) -> str:
        return "unknown" if self.version is None else f"{self.version[0]}.{self.version[1]}"


def platform_tags(system: str, machine: str | None = None) -> list[str]:
    """pip ``--platform`` tags for a pyzmq wheel that loads in Krita on ``system``."""
    machine = (machine or platform.machine() or "x86_64").lower()
    if system == "windows":
        return ["win_arm64"] if machine in ("arm64", "aarch64") else ["win_amd64"]
    if system == "macos":
        return ["macosx_10_15_universal2", "macosx_11_0_arm64", "macosx_10_15_x86_64"]
    arch = {"amd64": "x86_64", "arm64": "aarch64"}.get(machine, machine)
    return [f"manylinux_2_28_{arch}", f"manylinux_2_17_{arch}", f"manylinux2014_{arch}"]


_WHEEL_RE = re.compile(
    r"^(?P<name>[^-]+)-(?P<ver>[^-]+)(-\d[^-]*)?-(?P<py>[^-]+)-(?P<abi>[^-]+)-(?P<plat>[^-]+)\.whl$"
)
_PLAT_RE = re.compile(r"(manylinux|macosx)_\d+_\d+_(\w+)")


def wheel_matches(filename: str, version: tuple[int, int], tags: list[str]) -> bool:
    """Whether a wheel file name fits CPython ``version`` on one of the platform ``tags``.

    Catches a hand-given ``--pyzmq-wheel`` for the wrong Python before Krita fails to import it.
    abi3 wheels work on their minimum version and every later one.
    """
    m = _WHEEL_RE.match(Path(filename).name)
    if not m:
        return False
    want = version[0] * 100 + version[1]
    py_ok = False
    for py in m["py"].split("."):
        pm = re.fullmatch(r"cp(\d)(\d+)", py)
        if not pm:
            continue
        have = int(pm[1]) * 100 + int(pm[2])
        if have == want or ("abi3" in m["abi"].split(".") and have <= want):
            py_ok = True
    plats = m["plat"].split(".")
    plat_ok = any(_platform_ok(p, t) for p in plats for t in tags)
    return py_ok and plat_ok


def _platform_ok(have: str, want: str) -> bool:
    if have == want:
        return True
    # manylinux/macos tags: same family and architecture; the exact glibc/macOS floor is pip's job.
    hm = _PLAT_RE.fullmatch(have.replace("manylinux2014", "manylinux_2_17"))
    wm = _PLAT_RE.fullmatch(want.replace("manylinux2014", "manylinux_2_17"))
    return bool(hm and wm and hm[1] == wm[1] and hm[2] == wm[2])


def run_python(command: list[str], code: str, timeout: float = 60.0) -> subprocess.CompletedProcess:
    """Run ``code`` with Krita's interpreter, without our own PYTHONPATH leaking in."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    return subprocess.run(
        [*command, "-c", code], capture_output=True, text=True, timeout=timeout, env=env
    )


def interpreter_version(command: list[str]) -> tuple[int, int] | None:
    try:
        proc = run_python(command, "import sys; print('%d.%d' % sys.version_info[:2])")
    except (OSError, subprocess.SubprocessError):
        return None
    if proc.returncode != 0:
        return None
    major, minor = proc.stdout.strip().split(".")
    return int(major), int(minor)


def zmq_importable(command: list[str], vendor: Path | None) -> tuple[bool, str]:
    """Can this interpreter import zmq, with ``vendor`` first on sys.path as the plugin does?"""
    prelude = f"import sys; sys.path.insert(0, {str(vendor)!r}); " if vendor else ""
    try:
        proc = run_python(command, prelude + "import zmq; print(zmq.__version__, zmq.__file__)")
    except (OSError, subprocess.SubprocessError) as exc:
        return False, str(exc)
    if proc.returncode == 0:
        return True, proc.stdout.strip()
    last = proc.stderr.strip().splitlines()
    return False, last[-1] if last else f"exit {proc.returncode}"


def find_pykrita_library(krita_binary: str | None) -> Path | None:
    """Krita's Python bridge library; it names the libpython Krita was linked with."""
    candidates: list[Path] = []
    if krita_binary:
        prefix = Path(krita_binary).resolve().parent.parent
        candidates += list(prefix.glob("lib*/**/kritaplugins/kritapykrita.so"))
    for root in ("/usr/lib", "/usr/lib64", "/usr/local/lib"):
        candidates += list(Path(root).glob("*/kritaplugins/kritapykrita.so"))
        candidates += list(Path(root).glob("kritaplugins/kritapykrita.so"))
    return next((c for c in candidates if c.is_file()), None)


def linked_python_version(library: Path) -> tuple[int, int] | None:
    """Read ``libpython3.X.so`` out of the ELF's dynamic section strings (no ldd needed)."""
    try:
        data = library.read_bytes()
    except OSError:
        return None
    m = re.search(rb"libpython(\d)\.(\d+)", data)
    return (int(m[1]), int(m[2])) if m else None


def probe_with_kritarunner(kritarunner: str, timeout: float = 120.0) -> dict | None:
    """Ask Krita itself (headless) for its Python version and whether zmq imports (~10 s).

    kritarunner exits 0 even when the script raises, so the answer travels through a file.
    It runs under a throw-away HOME so the probe cannot touch the user's kritarc.
    """
    with tempfile.TemporaryDirectory(prefix="paintboard-probe-") as tmp:
        Path(tmp, "paintboard_probe.py").write_text(_PROBE)
        out = Path(tmp, "out.json")
        env = dict(os.environ)
        env.update(
            PYTHONPATH=tmp,
            QT_QPA_PLATFORM="offscreen",
            PAINTBOARD_PROBE_OUT=str(out),
            HOME=str(Path(tmp, "home")),
            XDG_CONFIG_HOME=str(Path(tmp, "home", ".config")),
            XDG_DATA_HOME=str(Path(tmp, "home", ".local", "share")),
        )
        try:
            subprocess.run(
                [kritarunner, "-s", "paintboard_probe", "-f", "main"],
                env=env,
                capture_output=True,
                timeout=timeout,
            )
        except (OSError, subprocess.SubprocessError):
            return None
        if not out.exists():
            return None
        try:
            return json.loads(out.read_text())
        except ValueError:
            return None


def detect(
    system: str,
    flavour: str,
    krita_python: str | None = None,
    version: str | None = None,
    use_kritarunner: bool = True,
    which=shutil.which,
) -> KritaPython:
    """Best knowledge of Krita's Python, from the most to the least direct evidence."""
    if krita_python:
        cmd = [krita_python]
        ver = interpreter_version(cmd)
        kp = KritaPython(ver, system, f"--krita-python {krita_python}", cmd)
        if ver is None:
            kp.notes.append(f"could not run {krita_python}")
        return kp
    if version:
        major, minor = (int(x) for x in version.split(".")[:2])
        return KritaPython((major, minor), system, f"--krita-python-version {version}")
    if system == "linux" and flavour == "flatpak" and which("flatpak"):
        cmd = ["flatpak", "run", "--command=python3", "org.kde.krita"]
        ver = interpreter_version(cmd)
        if ver:
            return KritaPython(ver, system, "the Flatpak's python3", cmd)
    if system == "linux" and flavour == "native":
        krita = which("krita")
        lib = find_pykrita_library(krita)
        ver = linked_python_version(lib) if lib else None
        if ver:
            interp = Path(f"/usr/bin/python{ver[0]}.{ver[1]}")
            if interp.exists():
                return KritaPython(
                    ver,
                    system,
                    f"{lib.name} links libpython{ver[0]}.{ver[1]} (system {interp})",
                    [str(interp)],
                    apt_hint=Path("/etc/debian_version").exists(),
                )
            return KritaPython(ver, system, f"{lib} links libpython{ver[0]}.{ver[1]}")
    runner = which("kritarunner") if use_kritarunner else None
    if runner:
        info = probe_with_kritarunner(runner)
        if info:
            ver = tuple(info["version"][:2])
            return KritaPython(
                (int(ver[0]), int(ver[1])),
                system,
                f"asked Krita via {runner}",
                zmq_builtin=bool(info.get("zmq")),
            )
    kp = KritaPython(FALLBACK_VERSION, system, "assumed (Krita 5.2 official builds bundle 3.10)")
    kp.notes.append(
        "could not find Krita's Python; if Krita reports another version, rerun with "
        "--krita-python-version X.Y"
    )
    return kp


def detect_for(ctx: Any) -> KritaPython:
    """:func:`detect` with what the user said on the command line (install and check alike)."""
    return detect(
        ctx.system,
        ctx.location.flavour,
        ctx.args.krita_python,
        ctx.args.krita_python_version,
        use_kritarunner=not ctx.args.no_kritarunner,
    )


def read_stamp(vendor: Path) -> dict | None:
    try:
        return json.loads((vendor / VENDOR_STAMP).read_text())
    except (OSError, ValueError):
        return None


def vendor_fits(vendor: Path, kp: KritaPython) -> bool:
    """A previously vendored wheel is for the same Python version and platform."""
    stamp = read_stamp(vendor)
    if not stamp or kp.version is None or not (vendor / "zmq").is_dir():
        return False
    return wheel_matches(stamp.get("wheel", ""), kp.version, platform_tags(kp.system))


def download_wheel(pip_python: list[str], kp: KritaPython, dest: Path, log=print) -> Path:
    """``pip download`` the pyzmq binary wheel for Krita's Python into ``dest``."""
    assert kp.version is not None
    cmd = [
        *pip_python,
        "-m",
        "pip",
        "download",
        "--only-binary=:all:",
        "--no-deps",
        "--implementation",
        "cp",
        "--python-version",
        kp.version_text,
        "--dest",
        str(dest),
    ]
    for tag in platform_tags(kp.system):
        cmd += ["--platform", tag]
    cmd.append(PYZMQ_SPEC)
    log("    $ " + " ".join(cmd))
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = "\n".join(proc.stderr.strip().splitlines()[-5:])
        raise RuntimeError(f"pip download failed:\n{tail}")
    wheels = sorted(dest.glob("pyzmq-*.whl"))
    if not wheels:
        raise RuntimeError("pip download produced no pyzmq wheel")
    return wheels[0]


def unpack_wheel(wheel: Path, vendor: Path) -> None:
    """Unpack into ``vendor`` atomically-ish: a sibling temp folder, then a rename."""
    staging = vendor.with_name(vendor.name + ".new")
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    with zipfile.ZipFile(wheel) as zf:
        for member in zf.namelist():
            parts = Path(member).parts
            if Path(member).is_absolute() or ".." in parts:
                raise RuntimeError(f"{wheel.name}: unsafe path {member!r} in the wheel")
        zf.extractall(staging)
    (staging / VENDOR_STAMP).write_text(json.dumps({"wheel": wheel.name}) + "\n")
    if vendor.exists():
        shutil.rmtree(vendor)
    os.replace(staging, vendor)


def apt_install_zmq(log=print) -> bool:
    """``apt-get install -y python3-zmq`` (root only); True on success."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        log("    not root: run  sudo apt-get install -y python3-zmq")
        return False
    proc = subprocess.run(["apt-get", "install", "-y", "python3-zmq"], stdout=sys.stdout)
    return proc.returncode == 0
