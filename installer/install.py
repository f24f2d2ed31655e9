#!/usr/bin/env python3
"""Paintboard one-command installer: backend environment + Krita plugin + checks.

    python3 installer/install.py            # install (or bring up to date) everything
    python3 installer/install.py --check    # diagnose only; exit 0 only when all is well
    python3 installer/install.py --uninstall [--purge]

Stdlib only, any Python >= 3.10, because it runs before any environment exists. Every path is
configurable (HOME/XDG/APPDATA from the environment, plus --venv/--pykrita/--kritarc flags) so
the tests run it against a throw-away home without touching the real Krita set-up.

Why this module is long: it is the installer's script of steps (venv, plugin copy, kritarc,
settings, smoke checks, uninstall), each a short function reading the shared ``Context``, in the
order a reader follows them; the reusable parts already live in ``paintboard_installer/``.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

if sys.version_info < (3, 10):  # noqa: UP036 - the message is the point for old Pythons
    sys.exit("Paintboard's installer needs Python 3.10 or newer (run it with python3.10+).")

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from paintboard_installer import (  # noqa: E402
    DESKTOP_FILE,
    KRITARC_KEY,
    PLUGIN_NAME,
    SETTINGS_FILE,
    VENDOR_DIR,
    VENV_MARKER,
    backend,
    kritapython,
    kritarc,
    locations,
    plugin_files,
    plugin_settings,
    protocol,
)
from paintboard_installer.report import FAIL, OK, SKIP, Report  # noqa: E402

SMOKE_PICTURE = "out.png"  # examples/out.png: the installer's first picture
REPO = HERE.parent


@dataclass
class Context:
    """Resolved paths and options shared by install, check and uninstall."""

    args: argparse.Namespace
    system: str
    location: locations.KritaLocation
    pykrita: Path
    kritarc: Path
    venv: Path
    plugin_src: Path
    weights: Path
    report: Report
    repo: Path = REPO

    @property
    def python(self) -> Path:
        return backend.venv_python(self.venv)

    @property
    def package(self) -> Path:
        return self.pykrita / PLUGIN_NAME

    @property
    def vendor(self) -> Path:
        return self.package / VENDOR_DIR

    @property
    def dry(self) -> bool:
        return bool(self.args.dry_run)

    def rerun(self, *extra: str) -> str:
        """The exact command that repeats this run's choices, e.g. as a fix in --check."""
        drop = {"--check", "--dry-run", "--uninstall", "--purge"}
        argv = [a for a in sys.argv[1:] if a not in drop]
        exe = "python3" if os.name != "nt" else "py -3"
        script = shlex.quote(str(HERE / "install.py"))
        return " ".join([exe, script, *map(shlex.quote, argv), *extra])

    def would(self, what: str) -> bool:
        """In --dry-run print what would happen and tell the caller to skip it."""
        if self.dry:
            print(f"      (dry run) would {what}", flush=True)
        return self.dry


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="install.py",
        description="Install the Paintboard backend and Krita plugin (idempotent).",
    )
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="diagnose only, change nothing")
    mode.add_argument("--uninstall", action="store_true", help="remove plugin, kritarc line")
    p.add_argument("--purge", action="store_true", help="with --uninstall: also delete the venv")
    p.add_argument("--dry-run", action="store_true", help="print what would be done")
    g = p.add_argument_group("backend")
    g.add_argument("--venv", type=Path, default=REPO / ".venv", help="backend venv (reused)")
    g.add_argument(
        "--skip-backend",
        action="store_true",
        help="no venv/pip (plugin only, e.g. for a remote backend or a ready venv)",
    )
    g.add_argument("--reinstall-backend", action="store_true", help="pip install even if current")
    g.add_argument("--weights", type=Path, default=REPO / "weights" / "small.safetensors")
    g.add_argument(
        "--port", type=int, default=protocol.DEFAULT_PORT, help="local backend port (loopback)"
    )
    g.add_argument(
        "--working-size", type=int, default=plugin_settings.BY_KEY["working_size"].default
    )
    g.add_argument("--no-smoke", action="store_true", help="skip the final smoke generation")
    k = p.add_argument_group("Krita")
    k.add_argument(
        "--platform",
        choices=("linux", "windows", "macos"),
        help="Krita's platform (default: this machine)",
    )
    k.add_argument(
        "--flavour",
        choices=("auto", "native", "flatpak"),
        default="auto",
        help="Linux: distro/AppImage (native) or Flatpak Krita",
    )
    k.add_argument("--pykrita", type=Path, help="Krita's pykrita folder (overrides detection)")
    k.add_argument("--kritarc", type=Path, help="Krita's kritarc file (overrides detection)")
    k.add_argument("--plugin-src", type=Path, default=REPO / "plugin", help=argparse.SUPPRESS)
    k.add_argument("--dev-link", action="store_true", help="symlink the plugin (developers)")
    k.add_argument("--reset-settings", action="store_true", help="overwrite settings.json")
    z = p.add_argument_group("zmq for Krita's Python")
    z.add_argument("--krita-python", help="interpreter that Krita embeds (to test import zmq)")
    z.add_argument("--krita-python-version", metavar="X.Y", help="Krita's Python version")
    z.add_argument("--no-kritarunner", action="store_true", help="do not ask Krita (~10 s)")
    z.add_argument("--pyzmq-wheel", type=Path, help="vendor this wheel (offline installs)")
    z.add_argument("--apt", action="store_true", help="apt-get install python3-zmq (as root)")
    return p


def make_context(args: argparse.Namespace) -> Context:
    system = args.platform or locations.host_system()
    loc = locations.find_location(system, os.environ, args.flavour)
    return Context(
        args=args,
        system=system,
        location=loc,
        pykrita=(args.pykrita or loc.pykrita).expanduser(),
        kritarc=(args.kritarc or loc.kritarc).expanduser(),
        venv=args.venv.expanduser().absolute(),
        plugin_src=args.plugin_src.expanduser().absolute(),
        weights=args.weights.expanduser().absolute(),
        report=Report(),
    )


def krita_running() -> bool:
    """Krita rewrites kritarc on exit, undoing our edit: warn if it is running (Linux /proc)."""
    proc = Path("/proc")
    if not proc.is_dir():
        return False
    for comm in proc.glob("[0-9]*/comm"):
        try:
            if comm.read_text().strip() == "krita":
                return True
        except OSError:
            continue
    return False


# ---- install steps -----------------------------------------------------------------------------


def step_backend(ctx: Context) -> None:
    name = "backend environment"
    if ctx.args.skip_backend:
        ctx.report.add(name, SKIP, "skipped (--skip-backend)")
        return
    print(f"==> backend environment at {ctx.venv}", flush=True)
    created = False
    if not ctx.python.exists():
        if ctx.would(f"create a venv at {ctx.venv} and pip install -e {REPO}"):
            ctx.report.add(name, SKIP, f"would create {ctx.venv}")
            return
        print("    creating the venv ...", flush=True)
        backend.create_venv(ctx.venv)
        created = True
    state = backend.backend_state(ctx.python)
    current, why = backend.backend_up_to_date(state, REPO)
    if current and not ctx.args.reinstall_backend:
        ctx.report.add(name, OK, f"already installed ({why})")
        return
    print(f"    installing the backend ({why}); torch is pinned, this can take minutes", flush=True)
    if ctx.would(f"pip install -e {REPO} into {ctx.venv}"):
        ctx.report.add(name, SKIP, f"would pip install -e {REPO}")
        return
    rc = backend.pip_install(ctx.python, REPO)
    if rc != 0:
        ctx.report.add(
            name,
            FAIL,
            f"pip exited {rc}",
            f"{ctx.python} -m pip install -e {shlex.quote(str(REPO))}",
        )
        return
    state = backend.backend_state(ctx.python)
    current, why = backend.backend_up_to_date(state, REPO)
    verb = "created and installed" if created else "installed"
    ctx.report.add(name, OK if current else FAIL, f"{verb}: {why}")


def step_pykrita(ctx: Context) -> None:
    reason = "--pykrita" if ctx.args.pykrita else ctx.location.reason
    ctx.report.add("pykrita folder", OK, f"{ctx.pykrita} ({ctx.location.flavour}; {reason})")


def step_plugin(ctx: Context) -> None:
    name = "plugin files"
    src_pkg = ctx.plugin_src / PLUGIN_NAME
    if not src_pkg.is_dir() or not (ctx.plugin_src / DESKTOP_FILE).is_file():
        ctx.report.add(name, FAIL, f"plugin source incomplete in {ctx.plugin_src}")
        return
    if ctx.args.dev_link:
        if not ctx.would(f"symlink {ctx.package} -> {src_pkg}"):
            plugin_files.install_link(ctx.plugin_src, ctx.pykrita)
        ctx.report.add(name, OK, f"linked {ctx.package} -> {src_pkg} (--dev-link)")
        return
    want = plugin_files.tree_hash(ctx.plugin_src)
    have = None if plugin_files.is_dev_link(ctx.pykrita) else plugin_files.tree_hash(ctx.pykrita)
    if want == have:
        ctx.report.add(name, OK, f"up to date in {ctx.package}")
        return
    verb = "installed" if have is None else "updated"
    if not ctx.would(f"copy {src_pkg} to {ctx.package} (symlinks dereferenced)"):
        plugin_files.install_copy(ctx.plugin_src, ctx.pykrita)
    ctx.report.add(name, OK, f"{verb} {ctx.package} and {DESKTOP_FILE}")


def step_zmq(ctx: Context) -> None:
    name = "zmq for Krita's Python"
    print("==> finding Krita's Python", flush=True)
    kp = kritapython.detect_for(ctx)
    print(f"    Krita's Python: {kp.version_text} ({kp.source})", flush=True)
    for note in kp.notes:
        ctx.report.warn(note)
    apt_fix = "sudo apt-get install -y python3-zmq"
    if kp.command:
        ok, detail = kritapython.zmq_importable(kp.command, None)
        want_apt = not ok and kp.apt_hint and ctx.args.apt
        if (
            want_apt
            and not ctx.would("apt-get install python3-zmq")
            and (kritapython.apt_install_zmq())
        ):
            ok, detail = kritapython.zmq_importable(kp.command, None)
        if ok:
            ctx.report.add(name, OK, f"Python {kp.version_text} imports zmq {detail.split()[0]}")
            return
        if kp.apt_hint:
            print(f"    zmq missing; cleanest fix on Debian/Ubuntu: {apt_fix} (or --apt)")
    elif kp.zmq_builtin:
        ctx.report.add(name, OK, f"Krita's Python {kp.version_text} imports zmq")
        return
    if kp.version is None:
        ctx.report.add(
            name,
            FAIL,
            "Krita's Python version unknown",
            ctx.rerun("--krita-python-version", "3.10"),
        )
        return
    if kritapython.vendor_fits(ctx.vendor, kp) and not ctx.args.pyzmq_wheel:
        detail = f"vendored pyzmq for Python {kp.version_text} already in {ctx.vendor}"
    elif ctx.would(f"vendor a pyzmq wheel for Python {kp.version_text} into {ctx.vendor}"):
        ctx.report.add(name, SKIP, f"would vendor pyzmq for Python {kp.version_text}")
        return
    else:
        try:
            wheel = vendor_wheel(ctx, kp)
        except (RuntimeError, OSError) as exc:
            ctx.report.add(
                name,
                FAIL,
                str(exc).splitlines()[0],
                apt_fix if kp.apt_hint else ctx.rerun("--pyzmq-wheel", "FILE.whl"),
            )
            return
        detail = f"vendored {wheel} into {ctx.vendor}"
    if kp.command:
        ok, why = kritapython.zmq_importable(kp.command, ctx.vendor)
        if not ok:
            ctx.report.add(
                name, FAIL, f"vendored zmq does not import: {why}", apt_fix if kp.apt_hint else None
            )
            return
    ctx.report.add(name, OK, detail)


def vendor_wheel(ctx: Context, kp: kritapython.KritaPython) -> str:
    """Download (or take --pyzmq-wheel) the matching pyzmq wheel and unpack it into vendor/."""
    assert kp.version is not None
    tags = kritapython.platform_tags(kp.system)
    with tempfile.TemporaryDirectory(prefix="paintboard-wheel-") as tmp:
        if ctx.args.pyzmq_wheel:
            wheel = ctx.args.pyzmq_wheel.expanduser().absolute()
        else:
            pip = [str(ctx.python)] if ctx.python.exists() else [sys.executable]
            print(f"    downloading pyzmq for Python {kp.version_text} ({tags[0]})", flush=True)
            wheel = kritapython.download_wheel(pip, kp, Path(tmp))
        if not kritapython.wheel_matches(wheel.name, kp.version, tags):
            raise RuntimeError(
                f"{wheel.name} does not fit Python {kp.version_text} on {kp.system} ({tags[0]})"
            )
        if not ctx.package.exists():
            raise RuntimeError(f"{ctx.package} is not installed")
        kritapython.unpack_wheel(wheel, ctx.vendor)
        return wheel.name


def step_kritarc(ctx: Context) -> None:
    name = "enabled in kritarc"
    text = kritarc.read(ctx.kritarc)
    new = kritarc.enable(text, KRITARC_KEY)
    if new == text:
        ctx.report.add(name, OK, f"already enabled in {ctx.kritarc}")
        return
    if not ctx.would(f"add {KRITARC_KEY}=true under [python] in {ctx.kritarc}"):
        kritarc.write_atomic(ctx.kritarc, new)
    ctx.report.add(name, OK, f"{KRITARC_KEY}=true in {ctx.kritarc}")
    if krita_running():
        ctx.report.warn(
            "Krita is running: quit it, then rerun this (Krita rewrites kritarc when it quits)"
        )


def fresh_settings(ctx: Context) -> dict:
    """The installer's view of the plugin settings (design: loopback endpoint, autostart).

    Every plugin key is one the plugin declares (``settings.DECLARATIONS``) and is checked with
    the plugin's own ``settings.validate``, so a bad ``--port``/``--working-size`` is refused
    here rather than silently replaced by a default inside Krita. ``weights`` and
    ``installed_from`` are the installer's own record (``plugin_files.INSTALLER_KEYS``).
    """
    values: dict = {
        "endpoint": f"tcp://{protocol.DEFAULT_HOST}:{ctx.args.port}",
        "working_size": ctx.args.working_size,
    }
    has_backend = ctx.python.exists() or (not ctx.args.skip_backend)
    if has_backend:
        extra = ["--weights", str(ctx.weights)] if ctx.weights.is_file() else []
        cmd = protocol.serve_command(str(ctx.python), "{port}", *extra)
        values.update(backend_command=cmd, backend_python=str(ctx.python), autostart=True)
    else:
        values.update(backend_command="", backend_python="", autostart=False)
    undeclared = set(values) - set(plugin_settings.BY_KEY)
    assert not undeclared, f"installer writes undeclared plugin settings {undeclared}"
    problems = plugin_settings.validate(values, check_keys=lambda *_: None)
    if problems:
        raise ValueError("; ".join(problems.values()))
    return {**values, "weights": str(ctx.weights), "installed_from": str(REPO)}


def step_settings(ctx: Context) -> None:
    name = "plugin settings"
    path = ctx.package / SETTINGS_FILE
    try:
        existing = None if ctx.args.reset_settings else plugin_files.read_settings(path)
    except ValueError as exc:
        ctx.report.add(name, FAIL, str(exc), ctx.rerun("--reset-settings"))
        return
    try:
        fresh = fresh_settings(ctx)
    except ValueError as exc:  # e.g. --working-size outside the plugin's bounds
        ctx.report.add(name, FAIL, str(exc))
        return
    merged = plugin_files.merge_settings(existing, fresh, ctx.args.reset_settings)
    if path.exists() and path.read_text(encoding="utf-8") == plugin_files.settings_text(merged):
        ctx.report.add(name, OK, f"up to date: {path}")
        return
    if not ctx.would(f"write {path}"):
        plugin_files.write_settings(path, merged)
    kept = "" if not existing else " (your own values kept)"
    ctx.report.add(name, OK, f"wrote {path}{kept}")


def step_smoke(ctx: Context) -> None:
    if ctx.args.no_smoke or ctx.args.skip_backend or ctx.dry:
        why = (
            "--no-smoke"
            if ctx.args.no_smoke
            else "--skip-backend"
            if ctx.args.skip_backend
            else "--dry-run"
        )
        ctx.report.add("smoke generation", SKIP, f"skipped ({why})")
        ctx.report.add("protocol smoke", SKIP, f"skipped ({why})")
        return
    weights = ctx.weights if ctx.weights.is_file() else None
    if weights is None:
        ctx.report.warn(f"{ctx.weights} is missing: the backend will use its default")
    print("==> smoke generation (paintboard generate examples/labels.png)", flush=True)
    # Kept where the README points (examples/out.png, git-ignored), so the user can open it.
    out = REPO / "examples" / SMOKE_PICTURE
    ok, detail = backend.smoke_generate(ctx.python, REPO, out, weights)
    ctx.report.add("smoke generation", OK if ok else FAIL, detail)
    print("==> protocol smoke (serve on a free loopback port, ping + generate)", flush=True)
    res = backend.smoke_protocol(ctx.python, weights)
    if res.get("ok"):
        detail = (
            f"{res['endpoint']}: ready in {res['ready_s']} s, generate 96x64 in "
            f"{res['generate_s']} s (model {res.get('model')})"
        )
        ctx.report.add("protocol smoke", OK, detail)
    else:
        ctx.report.add("protocol smoke", FAIL, str(res.get("error")))


def install(ctx: Context) -> int:
    print(f"Paintboard installer ({'dry run' if ctx.dry else 'install'}) from {REPO}")
    step_backend(ctx)
    step_pykrita(ctx)
    step_plugin(ctx)
    if ctx.package.exists() or ctx.dry:
        step_zmq(ctx)
        step_kritarc(ctx)
        step_settings(ctx)
    step_smoke(ctx)
    ctx.report.summary("Summary:")
    if not ctx.report.failed:
        print("\nDone. Start Krita: the Paintboard docker is under Settings > Dockers.")
    return 1 if ctx.report.failed else 0


# ---- uninstall ---------------------------------------------------------------------------------


def uninstall(ctx: Context) -> int:
    print(f"Paintboard uninstall{' (dry run)' if ctx.dry else ''}")
    present = [
        ctx.pykrita / n
        for n in (DESKTOP_FILE, PLUGIN_NAME)
        if (ctx.pykrita / n).exists() or (ctx.pykrita / n).is_symlink()
    ]
    if not present:
        ctx.report.add("plugin files", OK, f"none in {ctx.pykrita}")
    elif not ctx.would(f"remove {', '.join(map(str, present))}"):
        removed = plugin_files.uninstall(ctx.pykrita)
        ctx.report.add("plugin files", OK, f"removed {len(removed)} (vendor/, settings with them)")
    else:
        ctx.report.add("plugin files", SKIP, "would remove them")
    text = kritarc.read(ctx.kritarc)
    new = kritarc.disable(text, KRITARC_KEY)
    if new == text:
        ctx.report.add("kritarc", OK, f"no {KRITARC_KEY} line in {ctx.kritarc}")
    elif not ctx.would(f"remove {KRITARC_KEY} from {ctx.kritarc}"):
        kritarc.write_atomic(ctx.kritarc, new)
        ctx.report.add("kritarc", OK, f"removed {KRITARC_KEY} from {ctx.kritarc}")
    if not ctx.args.purge:
        ctx.report.add("backend venv", SKIP, f"kept {ctx.venv} (--purge deletes it)")
    elif not ctx.venv.exists():
        ctx.report.add("backend venv", OK, f"{ctx.venv} not there")
    elif not (ctx.venv / VENV_MARKER).exists():
        ctx.report.add(
            "backend venv",
            FAIL,
            f"{ctx.venv} was not created by this installer; not deleting it",
            f"delete it yourself: rm -rf {shlex.quote(str(ctx.venv))}",
        )
    elif not ctx.would(f"delete {ctx.venv}"):
        shutil.rmtree(ctx.venv)
        ctx.report.add("backend venv", OK, f"deleted {ctx.venv}")
    ctx.report.summary("Summary:")
    return 1 if ctx.report.failed else 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.purge and not args.uninstall:
        build_parser().error("--purge only goes with --uninstall")
    if not 0 < args.port < 65536:
        build_parser().error(f"--port {args.port} is not a TCP port")
    ctx = make_context(args)
    if args.check:
        from paintboard_installer.check import check

        return check(ctx)
    if args.uninstall:
        return uninstall(ctx)
    return install(ctx)


if __name__ == "__main__":
    sys.exit(main())
